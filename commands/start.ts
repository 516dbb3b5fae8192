import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ChdCommand} from '../src/base-command.js'
import {isoNow} from '../src/clock.js'
import {secondsToMs, startupTimeoutFlag} from '../src/flags.js'
import {runStart, type StartEvent} from '../src/local/start.js'
import {LineWriter} from '../src/ui/lines.js'
import {renderStartEvent} from '../src/ui/local.js'

export default class Start extends ChdCommand {
  static override summary = 'Run the handler locally behind a stand-in for the Functions host.'
  static override description = `Serves http://localhost:PORT/api/<route> for every HTTP function (route prefix and routes from host.json and function.json), turns each request into the host's invocation payload (or forwards it), and answers as the host would. Other triggers: POST /admin/functions/<name> with {"input": ...}. The handler is restarted when it exits, within the host's limits (3 launches in 30 minutes; exit code 0 is not restarted, 200 always is). Ctrl-C stops it and its children.

With --json, prints one JSON event per line (ready, invocation, handler, exit).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> examples/hello-node',
    '<%= config.bin %> <%= command.id %> . --port 8071 --json',
  ]

  static override ndjson = true

  static override args = {
    dir: Args.string({description: 'App folder', default: '.'}),
  }

  static override flags = {
    port: Flags.integer({char: 'p', summary: 'Port to serve the functions on.', default: 7071, min: 0, max: 65_535}),
    'startup-timeout': startupTimeoutFlag,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Start)
    const json = this.jsonEnabled()
    // Requests and handler lines are batched; the rest (ready, exit, restart) goes out at once, in order.
    const out = new LineWriter()
    const onEvent = (event: StartEvent) => {
      out.line(json ? JSON.stringify({time: isoNow(), ...event}) : renderStartEvent(event))
      if (event.type !== 'invocation' && event.type !== 'handler') out.flush()
    }
    await runStart(
      {
        dir: args.dir,
        port: flags.port,
        startupTimeoutMs: secondsToMs(flags['startup-timeout']),
        onEvent,
      },
      await this.progress(),
    )
  }
}
