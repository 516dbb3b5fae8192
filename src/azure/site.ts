import type {Site} from '@azure/arm-appservice'

import {ChdError, ExitCode} from '../errors.js'
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

function planOf(sku: string): Plan {
  switch (sku.toLowerCase()) {
    case 'dynamic': return 'consumption'
    case 'flexconsumption': return 'flex'
    case 'elasticpremium': return 'premium'
    default: return 'dedicated'
  }
}

function resourceGroupOf(id: string | undefined): string | undefined {
  return /\/resourceGroups\/([^/]+)/i.exec(id ?? '')?.[1]
}

/**
 * Finds the function app: in -g when given, else by listing the subscription's sites (an
 * ambiguous name is an error naming the candidates). Detects OS and plan from the site itself.
 */
export async function resolveSite(ctx: AzureContext, name: string, resourceGroup?: string, slot?: string): Promise<SiteInfo> {
  let rg = resourceGroup
  if (!rg) {
    const matches: string[] = []
    try {
      for await (const s of ctx.arm.webApps.list()) if (s.name?.toLowerCase() === name.toLowerCase()) matches.push(resourceGroupOf(s.id) ?? '?')
    } catch (error) {
      throw azureError(error, 'listing the subscription\'s apps', ctx)
    }
    if (matches.length === 0) throw new ChdError('APP_NOT_FOUND', `No app named ${name} in subscription ${ctx.subscriptionId}`, {exit: ExitCode.notFound, suggestions: ['Check the name and --subscription', 'Pass -g RESOURCE_GROUP if you can see it in the portal']})
    if (matches.length > 1) throw new ChdError('APP_AMBIGUOUS', `${matches.length} apps are named ${name}: in resource groups ${matches.join(', ')}`, {exit: ExitCode.usage, suggestions: matches.map((g) => `-g ${g}`)})
    rg = matches[0]
  }
  let site: Site
  try {
    site = slot ? await ctx.arm.webApps.getSlot(rg, name, slot) : await ctx.arm.webApps.get(rg, name)
  } catch (error) {
    throw azureError(error, `reading ${name}${slot ? `/${slot}` : ''} in ${rg}`, ctx)
  }
  const kind = (site.kind ?? '').toLowerCase()
  if (!kind.includes('functionapp')) throw new ChdError('NOT_A_FUNCTION_APP', `${name} is a ${site.kind ?? 'web'} app, not a function app`, {exit: ExitCode.usage})
  const scm = site.hostNameSslStates?.find((h) => h.hostType?.toLowerCase() === 'repository')?.name ?? site.enabledHostNames?.find((h) => h.includes('.scm.'))
  if (!scm) throw new ChdError('SCM_HOST_UNKNOWN', `${name} reports no Kudu (Repository) host name`, {exit: ExitCode.failed})
  const sku = site.sku ?? ''
  return {
    name,
    resourceGroup: rg,
    slot,
    linux: kind.includes('linux'),
    plan: planOf(sku),
    sku,
    scmHost: scm,
    defaultHostName: site.defaultHostName ?? '',
    flexRuntime: site.functionAppConfig?.runtime?.name,
    site,
  }
}
