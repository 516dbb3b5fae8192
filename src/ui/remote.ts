import {ux} from '@oclif/core/ux'

import type {SettingsDiff} from '../azure/settings.js'
import type {SwapResult} from '../deploy/types.js'

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

/** A swap's outcome for people: what moved where, what the target runs, and the evidence the handler runs there. */
export function renderSwap(swap: SwapResult): string {
  const preview = swap.action === 'preview'
  const checked = preview ? swap.source : swap.target
  const applied = swap.slotSettingsApplied.length
    ? `${swap.target}'s slot settings applied to ${swap.source}: ${swap.slotSettingsApplied.join(', ')}`
    : 'no slot setting differs'
  const verb = {swap: 'swapped into', complete: 'swapped into', preview: 'previewed with', cancel: 'reset from'}
  const lines = [`swap: ${swap.source} ${verb[swap.action]} ${swap.target} (${applied})`]
  if (swap.content?.deployment)
    lines.push(
      `${checked} runs deployment ${swap.content.deployment}` +
        (swap.content.sha256 ? ` (sha256 ${swap.content.sha256})` : ''),
    )
  const v = swap.verify
  if (v)
    lines.push(
      v.worker === 'started'
        ? `${checked}: handler started (${v.evidence})`
        : `${checked}: handler ${v.worker}${v.note ? `: ${v.note}` : ''}`,
    )
  if (preview)
    lines.push(`Next: chd swap … --complete to swap, or --cancel to give ${swap.source} its own settings back`)
  return lines.join('\n')
}
