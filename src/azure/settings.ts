import type {ConnStringValueTypePair} from '@azure/arm-appservice'

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

export function diffSettings<T = string>(
  before: Record<string, T>,
  after: Record<string, T>,
  same: (a: T, b: T) => boolean = (a, b) => a === b,
): SettingsDiff {
  const diff: SettingsDiff = {added: [], changed: [], removed: [], unchanged: 0}
  for (const [k, v] of Object.entries(after)) {
    if (!(k in before)) diff.added.push(k)
    else if (!same(before[k], v)) diff.changed.push(k)
    else diff.unchanged++
  }
  for (const k of Object.keys(before)) if (!(k in after)) diff.removed.push(k)
  return diff
}

export function applyChange<T = string>(
  current: Record<string, T>,
  change: {set?: Record<string, T>; unset?: string[]},
): Record<string, T> {
  const next = {...current, ...change.set}
  for (const k of change.unset ?? []) delete next[k]
  return next
}

/** A name → value dictionary that ARM reads whole and replaces whole (app settings, connection strings). */
interface Dictionary<T> {
  what: string
  read: () => Promise<Record<string, T>>
  /** The PUT of the whole dictionary. */
  put: (body: {properties: Record<string, T>}) => Promise<unknown>
  same: (a: T, b: T) => boolean
}

export interface MergeResult<T> {
  before: Record<string, T>
  after: Record<string, T>
  diff: SettingsDiff
  writes: number
}

/**
 * The PUT replaces every entry and ARM offers no ETag for it, so a write can drop what another
 * writer added after our read, and theirs can drop ours. Each write here is built on a fresh read
 * and carries only our change; after it, the dictionary is read back at once and again after
 * `settleMs`, and whenever our change is missing (someone wrote a stale copy over it) it is
 * applied again to what is there now, keeping their entries as well.
 */
async function mergeWrite<T>(
  ctx: AzureContext,
  dict: Dictionary<T>,
  change: {set?: Record<string, T>; unset?: string[]},
  options: {settleMs?: number; maxWrites?: number},
): Promise<MergeResult<T>> {
  const settleMs = options.settleMs ?? 1500
  const maxWrites = options.maxWrites ?? 8
  const satisfied = (current: Record<string, T>) =>
    (change.unset ?? []).every((k) => !(k in current)) &&
    Object.entries(change.set ?? {}).every(([k, v]) => k in current && dict.same(current[k], v))
  const before = await dict.read()
  let current = before
  let writes = 0
  while (!satisfied(current)) {
    if (writes >= maxWrites) {
      const error = new Error(`another writer kept replacing them (${writes} writes)`)
      throw azureError(error, `updating the ${dict.what}`, ctx)
    }
    try {
      await dict.put({properties: applyChange(current, change)})
    } catch (error) {
      throw azureError(error, `writing the ${dict.what}`, ctx)
    }
    writes++
    current = await dict.read()
    if (satisfied(current) && settleMs > 0) {
      await pause(ctx, settleMs, `waiting for the ${dict.what} to settle`)
      current = await dict.read()
    }
  }
  return {before, after: current, diff: diffSettings(before, current, dict.same), writes}
}

/** App settings, merged: see mergeWrite. */
export async function updateSettings(
  ctx: AzureContext,
  site: SiteRef,
  change: SettingsChange,
  options: {settleMs?: number; maxWrites?: number} = {},
): Promise<MergeResult<string>> {
  const {resourceGroup: rg, name, slot} = site
  return mergeWrite(
    ctx,
    {
      what: `app settings of ${name}`,
      read: () => readSettings(ctx, site),
      put: (body) =>
        slot
          ? ctx.arm.webApps.updateApplicationSettingsSlot(rg, name, slot, body)
          : ctx.arm.webApps.updateApplicationSettings(rg, name, body),
      same: (a, b) => a === b,
    },
    change,
    options,
  )
}

export type ConnectionString = ConnStringValueTypePair

export async function readConnectionStrings(
  ctx: AzureContext,
  site: SiteRef,
): Promise<Record<string, ConnectionString>> {
  try {
    const dict = site.slot
      ? await ctx.arm.webApps.listConnectionStringsSlot(site.resourceGroup, site.name, site.slot)
      : await ctx.arm.webApps.listConnectionStrings(site.resourceGroup, site.name)
    return {...(dict.properties ?? {})}
  } catch (error) {
    throw azureError(error, `reading the connection strings of ${site.name}`, ctx)
  }
}

/** Connection strings (config/connectionstrings: full replace, like app settings), merged: see mergeWrite. */
export async function updateConnectionStrings(
  ctx: AzureContext,
  site: SiteRef,
  set: Record<string, ConnectionString>,
  options: {settleMs?: number} = {},
): Promise<MergeResult<ConnectionString>> {
  const {resourceGroup: rg, name, slot} = site
  return mergeWrite(
    ctx,
    {
      what: `connection strings of ${name}`,
      read: () => readConnectionStrings(ctx, site),
      put: (body) =>
        slot
          ? ctx.arm.webApps.updateConnectionStringsSlot(rg, name, slot, body)
          : ctx.arm.webApps.updateConnectionStrings(rg, name, body),
      same: sameConnectionString,
    },
    {set},
    options,
  )
}

export function sameConnectionString(a: ConnectionString, b: ConnectionString): boolean {
  return a.value === b.value && a.type.toLowerCase() === b.type.toLowerCase()
}

/**
 * The type to give a local connection string. The host is a .NET app whose configuration reads
 * connection strings only from SQLCONNSTR_, SQLAZURECONNSTR_, MYSQLCONNSTR_ and CUSTOMCONNSTR_
 * variables (EnvironmentVariablesConfigurationProvider), so every other kind is Custom, as the App
 * Service docs advise. ProviderName System.Data.SqlClient says nothing: Core Tools gives it to every
 * plain-string entry (AppSettingsFile.GetConnectionStrings: Constants.DefaultSqlProviderName), to every
 * `func settings add --connectionString` and to every string `func azure functionapp fetch-app-settings`
 * brings down, whatever its Azure type (SecretsManager.SetConnectionString). So only a MySQL provider is
 * a hint; otherwise the value's own shape decides.
 */
export function connectionStringType(value: string, provider?: string): ConnectionString['type'] {
  if (/mysql/i.test(provider ?? '') || /mysql/i.test(value)) return 'MySql'
  if (/\.database\.(?:windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)\b/i.test(value)) return 'SQLAzure'
  const sqlServer = /(?:^|;)\s*(?:Initial Catalog|Integrated Security|Trusted_Connection|TrustServerCertificate)\s*=/i
  if (sqlServer.test(value)) return 'SQLServer'
  return 'Custom'
}

/** The environment variable App Service gives a connection string of this type (what a handler reads). */
export function connectionStringVariable(name: string, type: string): string {
  const prefix = type.toLowerCase() === 'sqlserver' ? 'SQL' : type.toUpperCase()
  return `${prefix}CONNSTR_${name}`
}
