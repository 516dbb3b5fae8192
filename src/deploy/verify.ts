import {setTimeout as sleep} from 'node:timers/promises'

import type {AzureContext} from '../azure/arm.js'
import {azureError} from '../azure/errors.js'
import type {SiteInfo} from '../azure/site.js'

export interface VerifyResult {
  hostState?: string
  hostVersion?: string
  /** What the host reports when it is in Error. */
  hostErrors?: string[]
  functions: Array<{name: string; url?: string}>
}

/** Host status with the master key from ARM, the function list, and each function's invoke URL. */
export async function verifyApp(ctx: AzureContext, site: SiteInfo, options: {showKeys: boolean; deadline: number; onStatus?: (s: string) => void}): Promise<VerifyResult> {
  let keys: {masterKey?: string; functionKeys?: Record<string, string>}
  try {
    keys = site.slot ? await ctx.arm.webApps.listHostKeysSlot(site.resourceGroup, site.name, site.slot) : await ctx.arm.webApps.listHostKeys(site.resourceGroup, site.name)
  } catch (error) {
    throw azureError(error, `reading the host keys of ${site.name}`, ctx)
  }
  const sdk = await import('@azure/core-rest-pipeline')
  const pipeline = sdk.createPipelineFromOptions({retryOptions: {maxRetries: 2}, ...(ctx.ca ? {tlsOptions: {ca: ctx.ca}} : {})})
  const client = sdk.createDefaultHttpClient()
  let state: string | undefined
  let version: string | undefined
  let errors: string[] | undefined
  let errorsSeen = 0
  while (Date.now() < options.deadline) {
    try {
      const r = await pipeline.sendRequest(client, sdk.createPipelineRequest({url: `https://${site.defaultHostName}/admin/host/status`, headers: sdk.createHttpHeaders({'x-functions-key': keys.masterKey ?? ''}), timeout: 20_000, abortSignal: ctx.signal}))
      if (r.status === 200) {
        const doc = JSON.parse(r.bodyAsText || '{}') as {state?: string; version?: string; errors?: string[]}
        state = doc.state
        version = doc.version
        errors = doc.errors
        options.onStatus?.(`host ${state}`)
        if (state === 'Running') break
        // An Error that persists across two looks is the answer; a restart in progress is not.
        if (state === 'Error' && ++errorsSeen >= 2) break
      }
    } catch {}
    await sleep(2000)
  }
  const functions: VerifyResult['functions'] = []
  try {
    const list = site.slot ? ctx.arm.webApps.listInstanceFunctionsSlot(site.resourceGroup, site.name, site.slot) : ctx.arm.webApps.listFunctions(site.resourceGroup, site.name)
    for await (const f of list) {
      const name = (f.name ?? '').split('/').pop() ?? ''
      const key = keys.functionKeys?.default
      const url = f.invokeUrlTemplate
      functions.push({name, ...(url ? {url: options.showKeys && key ? `${url}?code=${key}` : url} : {})})
    }
  } catch (error) {
    throw azureError(error, `listing the functions of ${site.name}`, ctx)
  }
  return {hostState: state, hostVersion: version, ...(errors?.length ? {hostErrors: errors} : {}), functions}
}
