import * as Flags from '@oclif/core/flags'

import {ChdCommand} from '../src/base-command.js'
import {ChdError, ExitCode} from '../src/errors.js'
import {azureFlags, azureTarget} from '../src/flags.js'
import {type LogEvent, parseLevel} from '../src/logs/event.js'
import {jsonLine, prettyLine} from '../src/logs/format.js'
import {runLogs} from '../src/remote/logs.js'

export default class Logs extends ChdCommand {
  static override summary = 'Invocation and startup logs in the terminal, on every plan.'
  static override description =
    `Follows Kudu's log stream where the plan has one (Windows, Linux Dedicated and Premium) and queries ` +
    `Application Insights where it has none (Linux Consumption, Flex) or for history (--since, or without ` +
    `--follow). Pretty lines on a terminal, with the custom handler's startup lines marked; one JSON object ` +
    `per line when piped or with --json. Ctrl-C or a closed pipe ends it quietly.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --app my-func --follow',
    '<%= config.bin %> <%= command.id %> --app my-func --since 2h --level warning',
    '<%= config.bin %> <%= command.id %> --app my-func -f --function hello --json | jq .message',
  ]

  static override ndjson = true
  static override quietInterrupt = true

  static override flags = {
    ...azureFlags,
    follow: Flags.boolean({char: 'f', summary: 'Keep printing new lines until Ctrl-C.'}),
    function: Flags.string({summary: 'Only this function.'}),
    invocation: Flags.string({summary: 'Only this invocation id.'}),
    level: Flags.string({
      summary: 'Lowest level shown: trace, debug, information, warning, error.',
      default: 'information',
    }),
    since: Flags.string({summary: 'History to show, e.g. 30m, 2h, 1d (App Insights).', helpValue: 'DURATION'}),
    source: Flags.option({
      summary: 'Where to read from.',
      options: ['auto', 'stream', 'insights'] as const,
      default: 'auto' as const,
    })(),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Logs)
    const level = parseLevel(flags.level)
    if (!level)
      throw new ChdError(
        'INVALID_LEVEL',
        `--level "${flags.level}" is not one of trace, debug, information, warning, error`,
        {exit: ExitCode.usage},
      )
    const pretty = !this.jsonEnabled() && process.stdout.isTTY
    // A closed pipe (| head) ends the command quietly.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(ExitCode.ok)
    })
    const write = (e: LogEvent) => process.stdout.write(`${pretty ? prettyLine(e) : jsonLine(e)}\n`)
    const notice = (text: string) => process.stderr.write(`${text}\n`)
    await runLogs({
      ...azureTarget(flags),
      follow: flags.follow,
      function: flags.function,
      invocation: flags.invocation,
      level: level,
      since: flags.since,
      source: flags.source,
      onEvent: write,
      onNotice: this.jsonEnabled() ? () => {} : notice,
    })
  }
}
