import type {Site} from '@azure/arm-appservice'

import {ChdError, ExitCode} from '../errors.js'
import {isContainer, type Stack, stackFrom} from '../platform/stacks.js'
import type {Plan} from '../platform/targets.js'
import type {AzureContext} from './arm.js'
import {azureError} from './errors.js'

export interface SiteRef {
  name: string
  resourceGroup: string
  slot?: string
}

export interface SiteInfo extends SiteRef {
  linux: boolean
  plan: Plan
  /** The plan's SKU as the site reports it: Dynamic, ElasticPremium, FlexConsumption, Standard … */
  sku: string
  /** Kudu host from the site's Repository host name, never built from the app name. */
  scmHost: string
  defaultHostName: string
  /** Flex keeps the runtime in functionAppConfig, not in FUNCTIONS_WORKER_RUNTIME. */
  flexRuntime?: string
  site: Site
}

/** The name ARM's swap operations give the production slot (CsmSlotEntity.targetSlot). */
export const PRODUCTION = 'production'

/** `--slot production` (any case) is the app itself. */
export function slotOrProduction(slot: string | undefined): string | undefined {
  return slot === undefined || slot.toLowerCase() === PRODUCTION ? undefined : slot
}

/**
 * Linux Consumption and Flex Consumption have no deployment slots; Windows Consumption has one
 * besides production (docs/platform.md §8).
 */
export function checkSlotsSupported(site: {name: string; linux: boolean; plan: string}, slot: string): void {
  const plan =
    site.plan === 'flex' ? 'Flex Consumption' : site.linux && site.plan === 'consumption' ? 'Linux Consumption' : ''
  if (!plan) return
  throw new ChdError(
    'SLOTS_UNSUPPORTED',
    `${site.name} is on ${plan}, which has no deployment slots (asked: ${slot})`,
    {
      exit: ExitCode.usage,
      suggestions: [
        `Deploy to ${site.name} itself (without --slot)`,
        'For zero-downtime releases use a Premium or Dedicated (Standard or higher) plan, which have slots',
      ],
    },
  )
}

/** The slots of an app besides production, for a message naming the ones that exist. */
export async function listSlots(ctx: AzureContext, resourceGroup: string, name: string): Promise<string[]> {
  const names: string[] = []
  try {
    for await (const s of ctx.arm.webApps.listSlots(resourceGroup, name)) names.push((s.name ?? '').split('/').pop()!)
  } catch (error) {
    throw azureError(error, `listing the slots of ${name}`, ctx)
  }
  return names
}

export function slotNotFound(name: string, slot: string, slots: string[]): ChdError {
  return new ChdError('SLOT_NOT_FOUND', `${name} has no slot named ${slot}`, {
    exit: ExitCode.notFound,
    suggestions: slots.length
      ? [`Its slots: ${slots.join(', ')} (and production)`]
      : [`${name} has no slots yet: az functionapp deployment slot create --name ${name} --slot ${slot}`],
  })
}

function planOf(sku: string): Plan {
  switch (sku.toLowerCase()) {
    case 'dynamic':
      return 'consumption'
    case 'flexconsumption':
      return 'flex'
    case 'elasticpremium':
      return 'premium'
    default:
      return 'dedicated'
  }
}

function resourceGroupOf(id: string | undefined): string | undefined {
  return /\/resourceGroups\/([^/]+)/i.exec(id ?? '')?.[1]
}

/**
 * Finds the function app: in -g when given, else by listing the subscription's sites (an
 * ambiguous name is an error naming the candidates). Detects OS and plan from the site itself.
 */
export async function resolveSite(
  ctx: AzureContext,
  name: string,
  resourceGroup?: string,
  slot?: string,
): Promise<SiteInfo> {
  let rg = resourceGroup
  if (!rg) {
    const matches: string[] = []
    try {
      for await (const s of ctx.arm.webApps.list())
        if (s.name?.toLowerCase() === name.toLowerCase()) matches.push(resourceGroupOf(s.id) ?? '?')
    } catch (error) {
      throw azureError(error, "listing the subscription's apps", ctx)
    }
    if (matches.length === 0)
      throw new ChdError('APP_NOT_FOUND', `No app named ${name} in subscription ${ctx.subscriptionId}`, {
        exit: ExitCode.notFound,
        suggestions: ['Check the name and --subscription', 'Pass -g RESOURCE_GROUP if you can see it in the portal'],
      })
    if (matches.length > 1)
      throw new ChdError(
        'APP_AMBIGUOUS',
        `${matches.length} apps are named ${name}: in resource groups ${matches.join(', ')}`,
        {exit: ExitCode.usage, suggestions: matches.map((g) => `-g ${g}`)},
      )
    rg = matches[0]
  }
  const site = await readSite(ctx, rg, name, slotOrProduction(slot))
  const kind = (site.kind ?? '').toLowerCase()
  if (!kind.includes('functionapp'))
    throw new ChdError('NOT_A_FUNCTION_APP', `${name} is a ${site.kind ?? 'web'} app, not a function app`, {
      exit: ExitCode.usage,
    })
  const scm =
    site.hostNameSslStates?.find((h) => h.hostType?.toLowerCase() === 'repository')?.name ??
    site.enabledHostNames?.find((h) => h.includes('.scm.'))
  if (!scm)
    throw new ChdError('SCM_HOST_UNKNOWN', `${name} reports no Kudu (Repository) host name`, {exit: ExitCode.failed})
  const sku = site.sku ?? ''
  return {
    name,
    resourceGroup: rg,
    slot: slotOrProduction(slot),
    linux: kind.includes('linux'),
    plan: planOf(sku),
    sku,
    scmHost: scm,
    defaultHostName: site.defaultHostName ?? '',
    flexRuntime: site.functionAppConfig?.runtime?.name,
    site,
  }
}

/** The site, or its slot once the app is known to have slots and that one (before anything is written). */
async function readSite(ctx: AzureContext, rg: string, name: string, slot: string | undefined): Promise<Site> {
  let site: Site
  try {
    site = await ctx.arm.webApps.get(rg, name)
  } catch (error) {
    throw azureError(error, `reading ${name} in ${rg}`, ctx)
  }
  if (!slot) return site
  checkSlotsSupported(
    {name, linux: (site.kind ?? '').toLowerCase().includes('linux'), plan: planOf(site.sku ?? '')},
    slot,
  )
  try {
    return await ctx.arm.webApps.getSlot(rg, name, slot)
  } catch (error) {
    if ((error as {statusCode?: number}).statusCode === 404)
      throw slotNotFound(name, slot, await listSlots(ctx, rg, name))
    throw azureError(error, `reading ${name}/${slot} in ${rg}`, ctx)
  }
}

/**
 * The language stack that picks the app's image (and so what is on PATH, and the glibc): the Flex
 * runtime, linuxFxVersion on other Linux plans ("" for the custom stack, DOCKER|… for a container),
 * FUNCTIONS_WORKER_RUNTIME on Windows.
 */
export async function siteStack(
  ctx: AzureContext,
  site: SiteInfo,
  settings: Record<string, string>,
): Promise<{stack?: Stack; container: boolean}> {
  if (site.plan === 'flex') {
    const rt = site.site.functionAppConfig?.runtime
    return {
      stack: rt?.name ? {runtime: rt.name.toLowerCase(), ...(rt.version ? {version: rt.version} : {})} : undefined,
      container: false,
    }
  }
  if (!site.linux) return {stack: stackFrom(settings.FUNCTIONS_WORKER_RUNTIME), container: false}
  let fx: string | undefined
  try {
    const config = site.slot
      ? await ctx.arm.webApps.getConfigurationSlot(site.resourceGroup, site.name, site.slot)
      : await ctx.arm.webApps.getConfiguration(site.resourceGroup, site.name)
    fx = config.linuxFxVersion ?? ''
  } catch (error) {
    throw azureError(error, `reading the site configuration of ${site.name}`)
  }
  return {stack: stackFrom(settings.FUNCTIONS_WORKER_RUNTIME, fx), container: isContainer(fx)}
}

/**
 * Whether the live app makes the handler executable whatever the package records: the
 * Consumption and Flex host adds u+x to it (azure-functions-host WorkerProcess.cs); a KuduLite
 * zip push extracts and runs chmod -R 777 (PushDeploymentController.cs), unless the app runs from
 * the package (WEBSITE_RUN_FROM_PACKAGE=1: mounted with the zip's own modes). Windows has no bit.
 */
export function addsExecBit(site: SiteInfo, settings: Record<string, string>): boolean | undefined {
  if (!site.linux) return undefined
  if (site.plan === 'consumption' || site.plan === 'flex') return true
  const rfp = settings.WEBSITE_RUN_FROM_PACKAGE ?? settings.WEBSITE_RUN_FROM_ZIP ?? ''
  return rfp !== '1'
}

/** syncFunctionTriggers: the SDK accepts only 204, the service often answers 200; both are success. */
export async function syncTriggers(ctx: AzureContext, site: SiteInfo): Promise<void> {
  let status: number | undefined
  const onResponse = (r: {status: number}) => {
    status = r.status
  }
  try {
    if (site.slot)
      await ctx.arm.webApps.syncFunctionTriggersSlot(site.resourceGroup, site.name, site.slot, {onResponse})
    else await ctx.arm.webApps.syncFunctionTriggers(site.resourceGroup, site.name, {onResponse})
  } catch (error) {
    if (status === 200 || status === 204) return
    throw azureError(error, `syncing the triggers of ${site.name}`, ctx)
  }
}
