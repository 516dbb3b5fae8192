import {createHash} from 'node:crypto'

import {type AzureOptions, connect} from '../azure/arm.js'
import {readSettings, type SettingsDiff, updateSettings} from '../azure/settings.js'
import {resolveSite} from '../azure/site.js'
import {ChdError, ExitCode} from '../errors.js'
import type {Progress} from '../ui/progress.js'

export interface SettingsTarget extends AzureOptions {
  app: string
  resourceGroup?: string
  slot?: string
}

/** A value as it may be shown: *** by default, the value itself only when asked for. */
export function redact(value: string, show: boolean): string {
  return show ? value : '***'
}

/** A short, non-reversible fingerprint, for telling two secret values apart without printing them. */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 8)
}

export function parseAssignments(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of pairs) {
    const i = pair.indexOf('=')
    if (i <= 0) throw new ChdError('INVALID_SETTING', `"${pair}" is not KEY=VALUE`, {exit: ExitCode.usage, suggestions: ['chd settings set --app NAME GREETING=hello']})
    out[pair.slice(0, i)] = pair.slice(i + 1)
  }
  return out
}

export async function listSettings(target: SettingsTarget, show: boolean, progress: Progress) {
  const step = progress.step(`Reading the settings of ${target.app}`)
  const ctx = await connect(target)
  const site = await resolveSite(ctx, target.app, target.resourceGroup, target.slot)
  const settings = await readSettings(ctx, site)
  step.succeed(`${Object.keys(settings).length} settings`)
  return {
    app: site.name,
    resourceGroup: site.resourceGroup,
    ...(site.slot ? {slot: site.slot} : {}),
    settings: Object.fromEntries(Object.keys(settings).sort().map((k) => [k, redact(settings[k], show)])),
    ...(show ? {} : {fingerprints: Object.fromEntries(Object.keys(settings).sort().map((k) => [k, fingerprint(settings[k])]))}),
  }
}

export async function changeSettings(target: SettingsTarget, change: {set?: Record<string, string>; unset?: string[]}, progress: Progress): Promise<{app: string; resourceGroup: string; diff: SettingsDiff; writes: number}> {
  const step = progress.step(`Updating the settings of ${target.app}`)
  const ctx = await connect(target)
  const site = await resolveSite(ctx, target.app, target.resourceGroup, target.slot)
  const {diff, writes} = await updateSettings(ctx, site, change, {settleMs: Number(process.env.CHD_SETTINGS_SETTLE_MS ?? 1500)})
  step.succeed(`${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed`)
  return {app: site.name, resourceGroup: site.resourceGroup, diff, writes}
}
