// Subpaths, not the package index: the index also loads help, the parser's semver and more (50 modules).
import {Command} from '@oclif/core/command'
import * as Errors from '@oclif/core/errors'

import {ChdError, ExitCode, isChdError} from './errors.js'
import {createProgress, type Progress} from './progress.js'

/**
 * Every chd command extends this: `--json` everywhere (run() returns the one JSON document),
 * progress on stderr, and expected failures rendered as a short message with a fix, never a stack.
 */
export abstract class ChdCommand extends Command {
  static override enableJsonFlag = true
  /** Long-running commands print one JSON event per line under --json; their errors too. */
  static ndjson = false
  /** Streaming commands end on Ctrl-C or SIGTERM without a word (still exit 130 or 143). */
  static quietInterrupt = false

  private progressPromise?: Promise<Progress>

  override async init(): Promise<void> {
    await super.init()
    // Ctrl-C, and SIGTERM from CI cancellation, timeout or docker stop, end through process.exit, so
    // the 'exit' handlers stop handlers and their children and remove temporary files.
    const signals = [
      ['SIGINT', ExitCode.interrupted, 'Interrupted'],
      ['SIGTERM', ExitCode.terminated, 'Terminated'],
    ] as const
    for (const [signal, code, word] of signals) {
      process.on(signal, () => {
        if (!(this.constructor as typeof ChdCommand).quietInterrupt) process.stderr.write(`\n${word}.\n`)
        process.exit(code)
      })
    }
  }

  protected progress(): Promise<Progress> {
    this.progressPromise ??= createProgress({json: this.jsonEnabled(), plain: this.plain()})
    return this.progressPromise
  }

  /** Plain lines, no spinner or live table, even on a terminal: CI logs and dumb terminals. */
  protected plain(): boolean {
    return Boolean(process.env.CI) || process.env.TERM === 'dumb'
  }

  /** Human text on stdout; suppressed under --json, where only the returned document is printed. */
  protected say(text = ''): void {
    if (!this.jsonEnabled()) this.log(text)
  }

  /** Plain JSON: oclif's colorizer tokenizes with a regex that overflows the stack on a long string. */
  override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
  }

  protected override toErrorJson(err: unknown): unknown {
    if (isChdError(err)) return {error: err.toJSON()}
    if (err instanceof Errors.CLIError) {
      return {error: {code: 'USAGE', message: stripAnsi(err.message), exit: err.oclif?.exit ?? ExitCode.usage}}
    }
    return {
      error: {code: 'INTERNAL_ERROR', message: err instanceof Error ? err.message : String(err), exit: ExitCode.failed},
    }
  }

  override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (isChdError(err)) {
      // oclif v4 drops custom exit codes under --json and prints stacks for non-CLIErrors: do both here.
      process.exitCode = err.exit
      if (this.jsonEnabled()) this.printJsonError(err)
      else process.stderr.write(renderError(err))
      return undefined
    }
    if (this.jsonEnabled()) {
      process.exitCode = err.oclif?.exit ?? ExitCode.failed
      this.printJsonError(err)
      return undefined
    }
    if (err instanceof Errors.CLIError) return super.catch(err)
    // A bug: still one coded line a script can match, the stack only under DEBUG.
    process.exitCode = ExitCode.failed
    process.stderr.write(
      renderError(
        new ChdError('INTERNAL_ERROR', err.message || String(err), {
          suggestions: [
            'This is a bug in chd: please report it with the command that caused it (DEBUG=* shows the stack)',
          ],
        }),
      ),
    )
    if (process.env.DEBUG) process.stderr.write(`${err.stack}\n`)
    return undefined
  }

  private printJsonError(err: unknown): void {
    const doc = this.toErrorJson(err) as {error: Record<string, unknown>}
    if ((this.constructor as typeof ChdCommand).ndjson)
      process.stdout.write(`${JSON.stringify({time: new Date().toISOString(), type: 'error', ...doc.error})}\n`)
    else this.logJson(doc)
  }
}

export function renderError(err: ChdError): string {
  const lines = [`Error [${err.code}]: ${err.message}`]
  if (err.location && !err.message.includes(err.location)) lines.push(`  at ${err.location}`)
  for (const s of err.suggestions) lines.push(`  Try this: ${s}`)
  return lines.join('\n') + '\n'
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replaceAll(/\u001B\[[0-9;]*m/g, '')
}
