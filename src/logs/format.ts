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
export function prettyLine(e: LogEvent): string {
  const time = ux.colorize('dim', e.time.replace('T', ' ').replace(/Z$/, '').slice(0, 23))
  const level = ux.colorize(COLOUR[e.level] ?? 'white', e.level.slice(0, 4).toUpperCase().padEnd(4))
  const where = e.function
    ? ux.colorize('cyan', `${e.function}${e.invocationId ? `/${e.invocationId.slice(0, 8)}` : ''} `)
    : ''
  const mark = e.startup ? ux.colorize('magenta', '[handler] ') : ''
  return `${time} ${level} ${where}${mark}${e.message}`
}

export function jsonLine(e: LogEvent): string {
  return JSON.stringify(e)
}
