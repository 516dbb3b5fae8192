import {armRequest, type AzureContext} from '../azure/arm.js'
import type {SiteInfo} from '../azure/site.js'
import {ChdError, ExitCode} from '../errors.js'

/** The Flex stacks' runtime for custom handlers (core tools StaticResources/stacks.json, stack "custom", sku FC1). */
export const FLEX_CUSTOM_RUNTIME = {name: 'custom', version: '1.0'}

/**
 * Flex keeps the runtime in properties.functionAppConfig, which SitePatchResource (2025-05-01)
 * does not carry, so a PATCH may be ignored. As Core Tools (AzureHelper.UpdateFlexRuntime) and
 * az (update_flex_functionapp) do: GET the site's wire JSON, set the runtime, PUT it all back,
 * through the ARM client's pipeline (raw JSON, so nothing the SDK's models do not know is lost);
 * then read it back, and fail if the service did not take it (docs/platform.md §6).
 */
export async function setFlexRuntime(ctx: AzureContext, site: SiteInfo): Promise<void> {
  const slot = site.slot ? `/slots/${site.slot}` : ''
  const id =
    `/subscriptions/${ctx.subscriptionId}/resourceGroups/${site.resourceGroup}/providers/Microsoft.Web/sites/` +
    `${site.name}${slot}?api-version=2025-05-01`
  const doing = `setting the Flex runtime of ${site.name} to custom`
  const wire = (await armRequest(ctx, 'GET', id, doing)) as {properties?: {functionAppConfig?: Record<string, unknown>}}
  if (!wire?.properties?.functionAppConfig) {
    throw new ChdError(
      'FLEX_CONFIG_MISSING',
      `${site.name} reports no functionAppConfig, so its Flex runtime cannot be set`,
      {
        exit: ExitCode.remoteFailed,
        suggestions: ['Check the app in the portal (Configuration > Runtime)'],
      },
    )
  }
  wire.properties.functionAppConfig.runtime = {...FLEX_CUSTOM_RUNTIME}
  await armRequest(ctx, 'PUT', id, doing, {body: wire, ok: [200, 201, 202]})
  // The PUT may be accepted (202) and applied later: read back for a while.
  for (let i = 0; i < 15; i++) {
    const back = (await armRequest(ctx, 'GET', id, doing)) as typeof wire
    const runtime = back?.properties?.functionAppConfig?.runtime as {name?: string; version?: string} | undefined
    if (runtime?.name === FLEX_CUSTOM_RUNTIME.name && runtime.version === FLEX_CUSTOM_RUNTIME.version) return
    await new Promise((r) => setTimeout(r, 2000))
  }
  const {name, version} = FLEX_CUSTOM_RUNTIME
  throw new ChdError(
    'FLEX_RUNTIME_NOT_SET',
    `Azure accepted the new runtime for ${site.name} but still reports another one: ` +
      `the Flex runtime is not ${name} ${version}`,
    {
      exit: ExitCode.remoteFailed,
      suggestions: [
        `Set the runtime to ${name} ${version} in the portal (Configuration > Stack settings), then deploy again`,
      ],
    },
  )
}
