import {ux} from '@oclif/core/ux'

import type {SettingsDiff} from '../azure/settings.js'

/** A settings diff by key only: values never appear. */
export function renderSettingsDiff(diff: SettingsDiff): string {
  const lines = [
    ...diff.added.map((k) => `${ux.colorize('green', '+')} ${k} = ***`),
    ...diff.changed.map((k) => `${ux.colorize('yellow', '~')} ${k} = ***`),
    ...diff.removed.map((k) => `${ux.colorize('red', '-')} ${k}`),
  ]
  lines.push(`${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed, ${diff.unchanged} kept`)
  return lines.join('\n')
}
