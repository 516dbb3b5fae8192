import {ChdError, isChdError} from '../errors.js'
import {type Progress, runStep, type StepOutcome} from '../progress.js'
import type {StepRecord} from './types.js'

/**
 * Deploy's steps: each a progress line and an entry in --json's `steps`, with the same text. With a
 * `stop` signal (a fleet's --fail-fast), a step does not start once it fired, except the writes that
 * follow a write already made: after the upload, activate still runs, so an app is never left with new
 * content and old settings; verify, a read, ends early.
 */
export class Steps {
  readonly done: StepRecord[] = []
  private wrote = false
  constructor(
    private readonly progress: Progress,
    readonly stop?: AbortSignal,
  ) {}

  async run<T>(
    name: string,
    work: (update: (text: string) => void) => Promise<StepOutcome<T> & {detail: string}>,
  ): Promise<T> {
    const writes = name === 'upload' || name === 'activate'
    const stoppable = name === 'verify' || !this.wrote
    if (stoppable) this.stop?.throwIfAborted()
    this.wrote ||= writes
    const start = Date.now()
    try {
      const {value, detail} = await runStep(this.progress, name, async (update) => {
        const outcome = await work(update)
        // A read cut short by the signal (verify's wait) is not an answer; a finished write is.
        if (stoppable && !writes) this.stop?.throwIfAborted()
        return outcome
      })
      this.done.push({name, ms: Date.now() - start, detail: detail ?? ''})
      return value
    } catch (error) {
      throw isChdError(error) && error.code === 'DEPLOY_TIMEOUT' ? inStep(error, name) : error
    }
  }
}

/** A timeout says which step it stopped (--json: `step`). */
function inStep(error: ChdError, step: string): ChdError {
  if (error.details?.step) return error
  const {code, message, exit, suggestions, details} = error
  return new ChdError(code, `${step}: ${message}`, {exit, suggestions, cause: error, details: {...details, step}})
}
