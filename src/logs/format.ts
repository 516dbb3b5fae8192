import {ux} from '@oclif/core/ux'

import type {LogEvent} from './event.js'

const COLOUR: Record<string, Parameters<typeof ux.colorize>[0]> = {
  Trace: 'dim',
  Debug: 'dim',
  Information: 'white',
  Warning: 'yellow',
  Error: 'red',
  Critical: 'red',
}

/** A terminal line: time, level, function and invocation, with the handler's startup lines marked. */
export function prettyLine(event: LogEvent): string {
  const time = ux.colorize('dim', event.time.replace('T', ' ').replace(/Z$/, '').slice(0, 23))
  const level = ux.colorize(COLOUR[event.level] ?? 'white', event.level.slice(0, 4).toUpperCase().padEnd(4))
  const where = event.function
    ? ux.colorize('cyan', `${event.function}${event.invocationId ? `/${event.invocationId.slice(0, 8)}` : ''} `)
    : ''
  const mark = event.startup ? ux.colorize('magenta', '[handler] ') : ''
  return `${time} ${level} ${where}${mark}${event.message}`
}

/** A JSON line: the event with type log, as the error line that may end the output has type error. */
export function jsonLine(event: LogEvent): string {
  const {time, ...rest} = event
  return JSON.stringify({time, type: 'log', ...rest})
}
