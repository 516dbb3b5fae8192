import type {AzureContext} from '../azure/arm.js'
import {
  applyChange,
  type ConnectionString,
  connectionStringVariable,
  diffSettings,
  sameConnectionString,
  updateConnectionStrings,
  updateSettings,
} from '../azure/settings.js'
import type {SiteInfo} from '../azure/site.js'
import type {DeployRoute} from './routes.js'
import type {DeployResult} from './types.js'

export interface ActivateInput {
  /** App settings to make true (merged into the live ones, never replacing them). */
  set: Record<string, string>
  connections: Record<string, ConnectionString>
  /** A new package went up. */
  uploaded: boolean
  keepRuntime: boolean
  settleMs?: number
}

/**
 * The settings (and connection strings) merged in, then what the route needs for the host to pick
 * the content up. Fills `result.settings` and `result.connectionStrings`; returns when the last
 * write went out, if any did (a settings change restarts the app), and the step's detail.
 */
export async function activate(
  ctx: AzureContext,
  site: SiteInfo,
  route: DeployRoute,
  input: ActivateInput,
  result: DeployResult,
): Promise<{changedAt?: number; detail: string}> {
  const before = Date.now()
  const updated = await updateSettings(ctx, site, {set: input.set}, {settleMs: input.settleMs})
  let changed = updated.writes > 0
  result.settings = {diff: updated.diff, writes: updated.writes}
  const {added, changed: edited, removed} = updated.diff
  const notes = [`settings ${added.length} added, ${edited.length} changed, ${removed.length} removed`]
  if (result.connectionStrings) {
    const pushed = await updateConnectionStrings(ctx, site, input.connections, {settleMs: input.settleMs})
    changed ||= pushed.writes > 0
    result.connectionStrings = {...result.connectionStrings, diff: pushed.diff, writes: pushed.writes}
    notes.push(`connection strings ${pushed.diff.added.length} added, ${pushed.diff.changed.length} changed`)
  }
  notes.push(
    ...(await route.afterSettings({
      content: input.uploaded,
      settings: updated.writes > 0,
      keepRuntime: input.keepRuntime,
    })),
  )
  return {...(changed ? {changedAt: before} : {}), detail: notes.join(', ')}
}

/** What pushing these connection strings would change: names, and the type each gets (never a value). */
export function connectionsPlan(
  before: Record<string, ConnectionString>,
  set: Record<string, ConnectionString>,
): NonNullable<DeployResult['connectionStrings']> {
  const diff = diffSettings(before, applyChange(before, {set}), sameConnectionString)
  const names = Object.fromEntries(
    Object.entries(set).map(([k, {type}]) => [k, {type, variable: connectionStringVariable(k, type)}]),
  )
  return {diff, writes: 0, names}
}
