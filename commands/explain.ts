import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ChdCommand} from '../src/base-command.js'
import {ChdError, ExitCode} from '../src/errors.js'
import {allExplanations, codeCatalogue, explainCode, type ExplainedCode} from '../src/explain/index.js'
import {readLogInput} from '../src/explain/input.js'
import type {LogExplanation} from '../src/explain/log.js'
import {renderCodeList, renderExplanation, renderLogExplanation} from '../src/ui/explain.js'

export default class Explain extends ChdCommand {
  static override summary = 'Explain a finding or error code, or find the code for a host log line. Offline.'
  static override description = `For a code: what chd checks, what the Functions host does (with its source file), \
what you see on Azure (the host's log lines, statuses), why it happens, how to confirm it and the fix. Without a \
code: every code, by symptom.

--line matches a host log line (with "-", every line on stdin, e.g. piped from chd logs) with the matcher chd \
doctor --app uses. Exits 1 when no line names a known failure, 2 for an unknown code.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> HANDLER_NOT_READY',
    '<%= config.bin %> <%= command.id %> --line "Exceeded http worker restart retry count."',
    '<%= config.bin %> logs --app my-func --since 1h | <%= config.bin %> <%= command.id %> --line -',
    '<%= config.bin %> <%= command.id %> --file host.log --json',
  ]

  static override args = {
    // stdin is log text for --line -, read whole by chd (oclif's own reader gives up after 10 ms), never the code.
    code: Args.string({description: 'A code chd reports, e.g. EXECUTABLE_WRONG_ARCH (any case)', ignoreStdin: true}),
  }

  static override flags = {
    line: Flags.string({summary: 'A host log line to match; "-" reads log lines from stdin.', helpValue: 'TEXT|-'}),
    file: Flags.string({
      summary: "A log file to match: the host's file log, chd logs output, or lines copied from App Insights.",
      exclusive: ['line'],
    }),
  }

  async run(): Promise<ExplainedCode | ReturnType<typeof codeCatalogue> | LogExplanation> {
    const {args, flags} = await this.parse(Explain)
    if (flags.line !== undefined || flags.file !== undefined) {
      if (args.code !== undefined) {
        throw new ChdError('USAGE', 'Give a code, or --line/--file, not both', {exit: ExitCode.usage})
      }
      // The matcher lives with the live diagnosis: loaded only for --line, so `chd explain CODE` stays light.
      const {explainLog} = await import('../src/explain/log.js')
      const result = explainLog(await readLogInput(flags))
      this.say(renderLogExplanation(result, new Map(allExplanations().map((e) => [e.code, e.summary]))))
      if (result.matches.length === 0 && !result.started) process.exitCode = ExitCode.failed
      return result
    }
    if (args.code !== undefined) {
      const explained = explainCode(args.code)
      this.say(renderExplanation(explained))
      return explained
    }
    const catalogue = codeCatalogue()
    this.say(renderCodeList(catalogue.codes))
    return catalogue
  }
}
