import type {CsmSlotEntity} from '@azure/arm-appservice'

import type {AzureContext} from './arm.js'
import {azureError} from './errors.js'
import {readConnectionStrings, readSettings} from './settings.js'
import {PRODUCTION, type SiteRef} from './site.js'

const slotName = (site: SiteRef): string => site.slot ?? PRODUCTION

const entity = (target: string): CsmSlotEntity => ({targetSlot: target, preserveVnet: true})

/**
 * Swaps `source` with the target slot (WebApps_SwapSlot, or SwapSlotWithProduction when the source
 * is production): a long-running operation that returns once the routing has switched. Body as
 * az webapp deployment slot swap sends it (preserveVnet true).
 */
export async function swapSlots(ctx: AzureContext, source: SiteRef, target: string): Promise<void> {
  const options = {updateIntervalInMs: 1000, abortSignal: ctx.signal}
  try {
    if (source.slot)
      await ctx.arm.webApps.swapSlot(source.resourceGroup, source.name, source.slot, entity(target), options)
    else await ctx.arm.webApps.swapSlotWithProduction(source.resourceGroup, source.name, entity(target), options)
  } catch (error) {
    throw azureError(error, `swapping ${slotName(source)} with ${target} on ${source.name}`, ctx)
  }
}

/** Phase 1 of a swap with preview: the target's slot settings applied to `source`, which restarts on them. */
export async function applySlotConfig(ctx: AzureContext, source: SiteRef, target: string): Promise<void> {
  const {resourceGroup: rg, name, slot} = source
  try {
    if (slot) await ctx.arm.webApps.applySlotConfigurationSlot(rg, name, slot, entity(target))
    else await ctx.arm.webApps.applySlotConfigToProduction(rg, name, entity(target))
  } catch (error) {
    throw azureError(error, `applying the slot settings of ${target} to ${slotName(source)} of ${name}`, ctx)
  }
}

/** Cancels a swap with preview: `source` gets its own slot settings back. */
export async function resetSlotConfig(ctx: AzureContext, source: SiteRef): Promise<void> {
  const {resourceGroup: rg, name, slot} = source
  try {
    if (slot) await ctx.arm.webApps.resetSlotConfigurationSlot(rg, name, slot)
    else await ctx.arm.webApps.resetProductionSlotConfig(rg, name)
  } catch (error) {
    throw azureError(error, `resetting the slot settings of ${slotName(source)} of ${name}`, ctx)
  }
}

/**
 * The slot settings (names only) whose values differ between the two slots: the ones phase 1 of a
 * swap changes on the source, which then restarts. Sticky are the names in slotConfigNames and,
 * unless every slot opts out with WEBSITE_OVERRIDE_PRESERVE_DEFAULT_STICKY_SLOT_SETTINGS=0, each
 * setting ending in _EXTENSION_VERSION (docs/platform.md §8).
 */
export async function stickyDifferences(ctx: AzureContext, source: SiteRef, target: SiteRef): Promise<string[]> {
  let names
  try {
    names = await ctx.arm.webApps.listSlotConfigurationNames(source.resourceGroup, source.name)
  } catch (error) {
    throw azureError(error, `reading the slot setting names of ${source.name}`, ctx)
  }
  const [a, b, aStrings, bStrings] = await Promise.all([
    readSettings(ctx, source),
    readSettings(ctx, target),
    readConnectionStrings(ctx, source),
    readConnectionStrings(ctx, target),
  ])
  const optOut = (s: Record<string, string>) =>
    /^(0|false)$/i.test(s.WEBSITE_OVERRIDE_PRESERVE_DEFAULT_STICKY_SLOT_SETTINGS ?? '')
  const defaults = optOut(a) && optOut(b) ? [] : Object.keys({...a, ...b}).filter((k) => /_EXTENSION_VERSION$/i.test(k))
  const settings = [...new Set([...(names.appSettingNames ?? []), ...defaults])].filter((k) => a[k] !== b[k])
  const strings = (names.connectionStringNames ?? []).filter(
    (k) => JSON.stringify(aStrings[k] ?? null) !== JSON.stringify(bStrings[k] ?? null),
  )
  return [...settings, ...strings.map((k) => `connection string ${k}`)]
}
