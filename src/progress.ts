/**
 * The one progress helper. Progress always goes to stderr so stdout stays clean for results:
 * an ora spinner on a TTY, one plain line per step elsewhere (CI logs), nothing under --json.
 */
export interface Step {
  update(text: string): void
  succeed(detail?: string): void
  fail(detail?: string): void
}

export interface Progress {
  step(title: string): Step
  info(message: string): void
  warn(message: string): void
}

export interface ProgressOptions {
  json: boolean
  stream?: NodeJS.WriteStream
  /** Plain lines even on a terminal: CI logs and TERM=dumb do not redraw a spinner. */
  plain?: boolean
}

/** What a step's work gives back: its value, the detail its line ends with, and whether it failed anyway. */
export interface StepOutcome<T> {
  value: T
  detail?: string
  /** The step ends with ✖ but gives its value, for the caller to say why. */
  failed?: boolean
}

/**
 * Runs one step: its line shows `update`s while `work` runs, then ends with ✔ and the detail, or
 * with ✖ when `work` throws (the error goes on) or says it failed.
 */
export async function runStep<T>(
  progress: Progress,
  title: string,
  work: (update: (text: string) => void) => Promise<StepOutcome<T>>,
): Promise<StepOutcome<T>> {
  const step = progress.step(title)
  let outcome: StepOutcome<T>
  try {
    outcome = await work((text) => step.update(text))
  } catch (error) {
    step.fail()
    throw error
  }
  if (outcome.failed) step.fail(outcome.detail)
  else step.succeed(outcome.detail)
  return outcome
}

const silentStep: Step = {update() {}, succeed() {}, fail() {}}

export const silentProgress: Progress = {
  step: () => silentStep,
  info() {},
  warn() {},
}

export function elapsed(start: number): string {
  const ms = Date.now() - start
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}

export function withDetail(title: string, detail: string | undefined, start: number): string {
  return `${title}${detail ? `: ${detail}` : ''} (${elapsed(start)})`
}

export async function createProgress(options: ProgressOptions): Promise<Progress> {
  if (options.json) return silentProgress
  const stream = options.stream ?? process.stderr
  if (!isInteractive(stream, options.plain)) return plainProgress(stream)
  // ora costs ~60 ms to import: only pay for it when a spinner will actually be drawn.
  const {default: ora} = await import('ora')
  return {
    step(title) {
      const start = Date.now()
      const spinner = ora({text: title, stream}).start()
      return {
        update: (text) => {
          spinner.text = `${title}: ${text}`
        },
        succeed: (detail) => {
          spinner.succeed(withDetail(title, detail, start))
        },
        fail: (detail) => {
          spinner.fail(withDetail(title, detail, start))
        },
      }
    },
    info: (message) => {
      stream.write(`  ${message}\n`)
    },
    warn: (message) => {
      stream.write(`⚠ ${message}\n`)
    },
  }
}

/** Whether progress may redraw in place: a terminal, not CI, not TERM=dumb. */
/** A spinner or a live table can be drawn: a terminal, unless the command found CI or TERM=dumb (`plain`). */
export function isInteractive(stream: NodeJS.WriteStream, plain?: boolean): boolean {
  return Boolean(stream.isTTY) && !plain
}

/** One line per step start and end, for CI logs; `prefix` names whose steps they are (an app of a fleet). */
export function plainProgress(stream: NodeJS.WriteStream, prefix = ''): Progress {
  const write = (line: string) => stream.write(`${prefix}${line}\n`)
  return {
    step(title) {
      const start = Date.now()
      write(`- ${title}`)
      return {
        update() {},
        succeed: (detail) => write(`✔ ${withDetail(title, detail, start)}`),
        fail: (detail) => write(`✖ ${withDetail(title, detail, start)}`),
      }
    },
    info: (message) => write(`  ${message}`),
    warn: (message) => write(`⚠ ${message}`),
  }
}
