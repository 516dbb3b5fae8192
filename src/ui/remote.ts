import {ux} from '@oclif/core/ux'

import type {SettingsDiff} from '../azure/settings.js'

/** A settings diff by key only: values never appear. `note` adds what may be shown about a key (a type). */
export function renderSettingsDiff(
  diff: SettingsDiff,
  options: {noun?: string; note?: (key: string) => string} = {},
): string {
  const note = (k: string) => (options.note?.(k) ? ` (${options.note(k)})` : '')
  const lines = [
    ...diff.added.map((k) => `${ux.colorize('green', '+')} ${k}${note(k)} = ***`),
    ...diff.changed.map((k) => `${ux.colorize('yellow', '~')} ${k}${note(k)} = ***`),
    ...diff.removed.map((k) => `${ux.colorize('red', '-')} ${k}`),
  ]
  const noun = options.noun ? `${options.noun}: ` : ''
  const {added, changed, removed, unchanged} = diff
  lines.push(`${noun}${added.length} added, ${changed.length} changed, ${removed.length} removed, ${unchanged} kept`)
  return lines.join('\n')
}
