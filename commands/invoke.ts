import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ChdCommand} from '../src/base-command.js'
import {ExitCode} from '../src/errors.js'
import {secondsToMs, startupTimeoutFlag} from '../src/flags.js'
import {type InvokeResult, runInvoke} from '../src/local/invoke.js'
import {renderInvocation} from '../src/ui/local.js'

export default class Invoke extends ChdCommand {
  static override summary =
    'Start the handler, send one invocation exactly as the Functions host would, print the answer, stop it.'
  static override description =
    `HTTP functions get the host's request object (or, with forwarding/proxying, the original request); ` +
    `other triggers get Data and Metadata as the host converts them (a queue message "hi" arrives as the ` +
    `JSON string "\\"hi\\""). Exit 1 when the host would count the invocation as failed.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> examples/hello-node hello --query name=Ada',
    `<%= config.bin %> <%= command.id %> . work --data '{"id": 7}' --trigger-metadata '{"DequeueCount": 1}'`,
    '<%= config.bin %> <%= command.id %> . hello --data @body.json --json',
  ]

  static override args = {
    dir: Args.string({description: 'App folder', required: true}),
    function: Args.string({description: 'Function (folder) name', required: true}),
  }

  static override flags = {
    data: Flags.string({
      char: 'd',
      summary: 'Request body (HTTP) or trigger value (JSON or text); @FILE reads a file.',
    }),
    'trigger-metadata': Flags.string({
      summary: 'Trigger metadata as a JSON object (non-HTTP triggers).',
      helpValue: 'JSON',
    }),
    method: Flags.string({summary: 'HTTP method (default: GET, or POST with --data).'}),
    query: Flags.string({summary: 'Query string for HTTP functions, e.g. name=Ada&x=1.'}),
    'startup-timeout': startupTimeoutFlag,
  }

  async run(): Promise<InvokeResult> {
    const {args, flags} = await this.parse(Invoke)
    const result = await runInvoke(
      {
        dir: args.dir,
        function: args.function,
        data: flags.data,
        triggerMetadata: flags['trigger-metadata'],
        method: flags.method,
        query: flags.query,
        startupTimeoutMs: secondsToMs(flags['startup-timeout']),
      },
      await this.progress(),
    )
    this.say(renderInvocation(result))
    if (!result.ok) process.exitCode = ExitCode.failed
    return result
  }
}
