import {ChdError, ExitCode} from '../errors.js'
import {type AzureContext, pause} from './arm.js'
import {azureError} from './errors.js'
import type {SiteRef} from './site.js'

export interface SettingsChange {
  set?: Record<string, string>
  unset?: string[]
}

export interface SettingsDiff {
  added: string[]
  changed: string[]
  removed: string[]
  unchanged: number
}

export async function readSettings(ctx: AzureContext, site: SiteRef): Promise<Record<string, string>> {
  try {
    const dict = site.slot
      ? await ctx.arm.webApps.listApplicationSettingsSlot(site.resourceGroup, site.name, site.slot)
      : await ctx.arm.webApps.listApplicationSettings(site.resourceGroup, site.name)
    return {...(dict.properties ?? {})}
  } catch (error) {
    throw azureError(error, `reading the app settings of ${site.name}`, ctx)
  }
}

/** Why the platform refuses a setting name, if it does: Linux apps take only [A-Za-z0-9_.], Windows more. */
function nameProblem(name: string, linux: boolean): string | undefined {
  if (name === '') return 'is empty'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001F\u007F]/.test(name)) return 'holds a control character'
  if (name.includes('=')) return 'holds "="'
  if (linux && !/^[\w.]+$/.test(name)) return 'holds characters a Linux app refuses (only letters, digits, "_" and ".")'
  return undefined
}

/** Refuses setting names the platform would not take, naming them (names are not secret; values are never shown). */
export function checkSettingNames(names: string[], options: {linux?: boolean} = {}): void {
  const bad = names.flatMap((n) => {
    const problem = nameProblem(n, Boolean(options.linux))
    return problem ? [`${JSON.stringify(n)} ${problem}`] : []
  })
  if (bad.length === 0) return
  throw new ChdError('INVALID_SETTING', `Setting names the app would refuse: ${bad.join('; ')}`, {
    exit: ExitCode.usage,
    suggestions: [options.linux ? 'On Linux, write a nested key a:b as a__b, other characters as _' : 'Use NAME=VALUE'],
  })
}

export function diffSettings(before: Record<string, string>, after: Record<string, string>): SettingsDiff {
  const diff: SettingsDiff = {added: [], changed: [], removed: [], unchanged: 0}
  for (const [k, v] of Object.entries(after)) {
    if (!(k in before)) diff.added.push(k)
    else if (before[k] !== v) diff.changed.push(k)
    else diff.unchanged++
  }
  for (const k of Object.keys(before)) if (!(k in after)) diff.removed.push(k)
  return diff
}

export function applyChange(current: Record<string, string>, change: SettingsChange): Record<string, string> {
  const next = {...current, ...change.set}
  for (const k of change.unset ?? []) delete next[k]
  return next
}

function satisfied(current: Record<string, string>, change: SettingsChange): boolean {
  return Object.entries(change.set ?? {}).every(([k, v]) => current[k] === v) && (change.unset ?? []).every((k) => !(k in current))
}

/**
 * The app-settings PUT replaces every setting and ARM offers no ETag for it, so a write can drop
 * what another writer added after our read, and theirs can drop ours. Each write here is built on
 * a fresh read and carries only our change; after it, the settings are read back at once and
 * again after `settleMs`, and whenever our change is missing (someone wrote a stale copy over
 * it) it is applied again to what is there now, keeping their keys as well.
 */
export async function updateSettings(ctx: AzureContext, site: SiteRef, change: SettingsChange, options: {settleMs?: number; maxWrites?: number} = {}): Promise<{before: Record<string, string>; after: Record<string, string>; diff: SettingsDiff; writes: number}> {
  const settleMs = options.settleMs ?? 1500
  const maxWrites = options.maxWrites ?? 8
  const before = await readSettings(ctx, site)
  let current = before
  let writes = 0
  while (!satisfied(current, change)) {
    if (writes >= maxWrites) {
      const error = new Error(`another writer kept replacing them (${writes} writes)`)
      throw azureError(error, `updating the app settings of ${site.name}`, ctx)
    }
    const next = applyChange(current, change)
    try {
      if (site.slot) await ctx.arm.webApps.updateApplicationSettingsSlot(site.resourceGroup, site.name, site.slot, {properties: next})
      else await ctx.arm.webApps.updateApplicationSettings(site.resourceGroup, site.name, {properties: next})
    } catch (error) {
      throw azureError(error, `writing the app settings of ${site.name}`, ctx)
    }
    writes++
    current = await readSettings(ctx, site)
    if (satisfied(current, change) && settleMs > 0) {
      await pause(ctx, settleMs, `waiting for the app settings of ${site.name} to settle`)
      current = await readSettings(ctx, site)
    }
  }
  return {before, after: current, diff: diffSettings(before, current), writes}
}
