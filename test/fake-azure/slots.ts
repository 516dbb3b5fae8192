import type {FakeSite} from './state.js'

/**
 * Slot swaps as App Service performs them (learn.microsoft.com app-service deploy-staging-slots,
 * "Swap operation steps"; functions-deployment-slots):
 * 1. the target's slot-specific (sticky) settings are applied to the source slot, which restarts
 *    on them (the end of phase 1 in a swap with preview: applySlotConfig);
 * 2. the routing rules switch: the target's host name now reaches the instances that were the
 *    source's, with their content, file system (Kudu's deployments, LogFiles) and running host.
 *    The worker process is not recycled by the switch (azure-functions-host HostNameProvider.cs);
 * 3. the other instances, now the source slot's, get its sticky settings back and restart.
 * Sticky: the names in config/slotConfigNames, and every setting ending in _EXTENSION_VERSION
 * unless every slot sets WEBSITE_OVERRIDE_PRESERVE_DEFAULT_STICKY_SLOT_SETTINGS to 0 or false
 * (azure-docs includes/app-service-deployment-slots-settings.md). The language stack swaps; the
 * host names, keys and managed identities stay.
 */

type Values = Record<string, string>

/** What one slot holds for itself and gets back after a swap. */
interface Own {
  settings: Values
  connectionStrings: FakeSite['connectionStrings']
}

/** A swap with preview that finished phase 1: the source runs with the target's sticky settings. */
export interface PendingPreview {
  target: FakeSite
  own: Own
}

export function stickiness(prod: FakeSite) {
  const names = new Set(prod.slotConfigNames.appSettingNames)
  const override = [prod, ...prod.slots.values()].every((s) =>
    /^(0|false)$/i.test(s.settings.WEBSITE_OVERRIDE_PRESERVE_DEFAULT_STICKY_SLOT_SETTINGS ?? ''),
  )
  const strings = new Set(prod.slotConfigNames.connectionStringNames)
  return {
    setting: (k: string) => names.has(k) || (!override && /_EXTENSION_VERSION$/i.test(k)),
    string: (k: string) => strings.has(k),
  }
}

function split<T>(values: Record<string, T>, sticky: (k: string) => boolean, stay: boolean): Record<string, T> {
  return Object.fromEntries(Object.entries(values).filter(([k]) => sticky(k) === stay))
}

/** The site's sticky values, to be given back after a preview is reset or a swap completes. */
export function ownOf(prod: FakeSite, site: FakeSite): Own {
  const s = stickiness(prod)
  return {
    settings: split(site.settings, s.setting, true),
    connectionStrings: split(site.connectionStrings, s.string, true),
  }
}

/** Gives `site` these sticky values in place of its own; true when anything changed (the host restarts). */
export function applySticky(prod: FakeSite, site: FakeSite, own: Own): boolean {
  const s = stickiness(prod)
  const settings = {...split(site.settings, s.setting, false), ...own.settings}
  const connectionStrings = {...split(site.connectionStrings, s.string, false), ...own.connectionStrings}
  const changed =
    JSON.stringify(sorted(settings)) !== JSON.stringify(sorted(site.settings)) ||
    JSON.stringify(sorted(connectionStrings)) !== JSON.stringify(sorted(site.connectionStrings))
  Object.assign(site, {settings, connectionStrings})
  return changed
}

function sorted<T>(values: Record<string, T>): Array<[string, T]> {
  return Object.entries(values).sort(([a], [b]) => a.localeCompare(b))
}

/** What moves with the instances when the routing switches (step 2). */
const MOVES = [
  'contentDir',
  'packageZip',
  'packageUrl',
  'functions',
  'deployments',
  'host',
  'logs',
  'settings',
  'connectionStrings',
  'linuxFxVersion',
] as const

export function switchRouting(a: FakeSite, b: FakeSite): void {
  for (const key of MOVES) {
    const held = a[key]
    ;(a as unknown as Record<string, unknown>)[key] = b[key]
    ;(b as unknown as Record<string, unknown>)[key] = held
  }
}
