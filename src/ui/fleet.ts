import type {AppOutcome, AppRef, FleetView} from '../deploy/index.js'
import {isChdError} from '../errors.js'
import {elapsed, isInteractive, plainProgress, type Progress, silentProgress, withDetail} from '../progress.js'

/** A row of the live table: one app. */
interface Row {
  app: string
  target: string
  step: string
  percent: string
  result: string
}

export type FleetDisplay = FleetView & {close(): void}

/** How a fleet shows its progress: nothing under --json, plain lines named by app in CI, a live table on a TTY. */
export function fleetDisplay(options: {json: boolean; plain?: boolean; stream?: NodeJS.WriteStream}): FleetDisplay {
  const stream = options.stream ?? process.stderr
  if (options.json) return {app: () => silentProgress, shared: silentProgress, close() {}}
  const label = (ref: AppRef) => (ref.slot ? `${ref.name}/${ref.slot}` : ref.name)
  if (!isInteractive(stream, options.plain)) {
    return {
      app: (ref) => plainProgress(stream, `[${label(ref)}] `),
      shared: plainProgress(stream),
      ended: (ref, outcome) => {
        if (outcome.error !== undefined) stream.write(`[${label(ref)}] ${resultText(outcome)}\n`)
      },
      close() {},
    }
  }
  return new LiveTable(stream, label)
}

function resultText(outcome: AppOutcome): string {
  if (outcome.error === undefined) return outcome.result?.verify?.worker === 'unconfirmed' ? '✔ unconfirmed' : '✔'
  if (outcome.skipped) return '– skipped'
  return `✖ ${isChdError(outcome.error) ? outcome.error.code : 'INTERNAL_ERROR'}`
}

/**
 * One row per app, redrawn in place (as log-update does: the cursor goes back up over the last
 * frame, which is erased and written again), at most every 100 ms; lines are cut to the terminal's
 * width so that none wraps and the count of lines to go back over stays right.
 */
class LiveTable implements FleetDisplay {
  private readonly rows = new Map<string, Row>()
  private header = ''
  private drawn = 0
  private timer?: NodeJS.Timeout
  readonly shared: Progress

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly label: (ref: AppRef) => string,
  ) {
    this.shared = this.progress((text) => {
      this.header = text
    })
  }

  app(ref: AppRef): Progress {
    const row: Row = {app: this.label(ref), target: '', step: 'waiting', percent: '', result: ''}
    this.rows.set(row.app, row)
    this.draw()
    return this.progress((text, step) => {
      row.step = step ?? text
      row.percent = /(\d+)%/.exec(text)?.[1]?.concat('%') ?? ''
    })
  }

  target(ref: AppRef, text: string): void {
    this.row(ref).target = text
    this.draw()
  }

  ended(ref: AppRef, outcome: AppOutcome): void {
    const row = this.row(ref)
    row.result = resultText(outcome)
    row.percent = ''
    if (row.step === 'waiting') row.step = ''
    this.draw()
  }

  close(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.render()
  }

  private row(ref: AppRef): Row {
    return this.rows.get(this.label(ref))!
  }

  /** A Progress whose steps set a row's (or the header's) text. */
  private progress(set: (text: string, step?: string) => void): Progress {
    const show = (text: string, step?: string) => {
      set(text, step)
      this.draw()
    }
    return {
      step: (title) => {
        const start = Date.now()
        show(title, title)
        return {
          update: (text) => show(`${title}: ${text}`, title),
          succeed: (detail) => show(`✔ ${withDetail(title, detail, start)}`, `${title} ✔ ${elapsed(start)}`),
          fail: (detail) => show(`✖ ${withDetail(title, detail, start)}`, `${title} ✖`),
        }
      },
      info: (message) => show(message),
      warn: (message) => show(`⚠ ${message}`),
    }
  }

  private draw(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      this.render()
    }, 100)
  }

  private render(): void {
    const rows = [...this.rows.values()]
    const width = (pick: (r: Row) => string, title: string) =>
      Math.max(title.length, ...rows.map((r) => pick(r).length))
    const cols: Array<[string, (r: Row) => string]> = [
      ['APP', (r) => r.app],
      ['PLAN / ROUTE', (r) => r.target],
      ['STEP', (r) => r.step],
      ['%', (r) => r.percent],
      ['RESULT', (r) => r.result],
    ]
    const widths = cols.map(([title, pick]) => width(pick, title))
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ')
    const lines = [
      ...(this.header ? [this.header] : []),
      line(cols.map(([title]) => title)),
      ...rows.map((r) => line(cols.map(([, pick]) => pick(r)))),
    ]
    const columns = this.stream.columns || 120
    const frame = lines.map((l) => l.trimEnd().slice(0, columns - 1)).join('\n')
    const back = this.drawn > 0 ? `\u001B[${this.drawn}F\u001B[0J` : ''
    this.stream.write(`${back}${frame}\n`)
    this.drawn = lines.length
  }
}
