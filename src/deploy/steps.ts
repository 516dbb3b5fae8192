import {ChdError, isChdError} from '../errors.js'
import {type Progress, runStep, type StepOutcome} from '../progress.js'
import type {StepRecord} from './types.js'

/** Deploy's steps: each a progress line and an entry in --json's `steps`, with the same text. */
export class Steps {
  readonly done: StepRecord[] = []
  constructor(private readonly progress: Progress) {}

  async run<T>(
    name: string,
    work: (update: (text: string) => void) => Promise<StepOutcome<T> & {detail: string}>,
  ): Promise<T> {
    const start = Date.now()
    try {
      const {value, detail} = await runStep(this.progress, name, work)
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
