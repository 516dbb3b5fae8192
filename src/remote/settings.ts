import {createHmac, randomBytes} from 'node:crypto'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {type AzureOptions, connect} from '../azure/arm.js'
import {checkSettingNames, readSettings, type SettingsDiff, updateSettings} from '../azure/settings.js'
import {resolveSite, type SiteInfo} from '../azure/site.js'
import {ChdError, ExitCode} from '../errors.js'
import {type Progress, runStep} from '../progress.js'

export interface SettingsTarget extends AzureOptions {
  app: string
  resourceGroup?: string
  slot?: string
}

/** A value as it may be shown: *** by default, the value itself only when asked for. */
export function redact(value: string, show: boolean): string {
  return show ? value : '***'
}

/**
 * Tells two secret values apart without printing them: HMAC-SHA256 under a random key kept in the
 * user's config folder. Stable across runs and apps for one user; without the key (which never
 * leaves the machine) a short secret cannot be guessed from its fingerprint, as it could from a
 * plain hash. Where the key cannot be kept, one is made for this run only.
 */
export async function fingerprinter(keyDir: string, progress: Progress): Promise<(value: string) => string> {
  const file = path.join(keyDir, 'fingerprint.key')
  let key: Buffer
  try {
    key = await readFile(file)
  } catch {
    key = randomBytes(32)
    try {
      await mkdir(keyDir, {recursive: true, mode: 0o700})
      await writeFile(file, key, {flag: 'wx', mode: 0o600})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') key = await readFile(file)
      else progress.warn(`Fingerprints hold for this run only: no key could be kept in ${file}`)
    }
  }
  return (value) => createHmac('sha256', key).update(value).digest('hex').slice(0, 16)
}

/** KEY=VALUE arguments. A malformed one is never echoed: it may be a value. */
export function parseAssignments(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  pairs.forEach((pair, i) => {
    const eq = pair.indexOf('=')
    if (eq === -1) {
      const which = `Setting ${i + 1} of ${pairs.length}`
      throw new ChdError('INVALID_SETTING', `${which} is not KEY=VALUE: it has no "=" (not shown: it may be secret)`, {
        exit: ExitCode.usage,
        suggestions: ['chd settings set --app NAME GREETING=hello'],
      })
    }
    checkSettingNames([pair.slice(0, eq)])
    out[pair.slice(0, eq)] = pair.slice(eq + 1)
  })
  return out
}

/** The app a settings document is about: its name, resource group and slot (when one was given). */
function siteNames(site: SiteInfo): {app: string; resourceGroup: string; slot?: string} {
  return {app: site.name, resourceGroup: site.resourceGroup, ...(site.slot ? {slot: site.slot} : {})}
}

export async function listSettings(target: SettingsTarget, show: boolean, keyDir: string, progress: Progress) {
  const {
    value: {site, settings},
  } = await runStep(progress, `Reading the settings of ${target.app}`, async () => {
    const ctx = await connect(target)
    const site = await resolveSite(ctx, target.app, target.resourceGroup, target.slot)
    const settings = await readSettings(ctx, site)
    return {value: {site, settings}, detail: `${Object.keys(settings).length} settings`}
  })
  const fingerprint = show ? undefined : await fingerprinter(keyDir, progress)
  const keys = Object.keys(settings).sort()
  return {
    ...siteNames(site),
    settings: Object.fromEntries(keys.map((k) => [k, redact(settings[k], show)])),
    ...(fingerprint ? {fingerprints: Object.fromEntries(keys.map((k) => [k, fingerprint(settings[k])]))} : {}),
  }
}

export async function changeSettings(
  target: SettingsTarget,
  change: {set?: Record<string, string>; unset?: string[]},
  progress: Progress,
): Promise<ReturnType<typeof siteNames> & {diff: SettingsDiff; writes: number}> {
  const {value} = await runStep(progress, `Updating the settings of ${target.app}`, async () => {
    const ctx = await connect(target)
    const site = await resolveSite(ctx, target.app, target.resourceGroup, target.slot)
    checkSettingNames(Object.keys(change.set ?? {}), {linux: site.linux})
    checkSettingNames(change.unset ?? [])
    const {diff, writes} = await updateSettings(ctx, site, change, {settleMs: target.settleMs})
    const detail = `${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed`
    return {value: {...siteNames(site), diff, writes}, detail}
  })
  return value
}
