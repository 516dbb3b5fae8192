import {setTimeout as sleep} from 'node:timers/promises'

import type {WebSiteManagementClient} from '@azure/arm-appservice'
import type {TokenCredential} from '@azure/core-auth'

import pkg from '../../package.json' with {type: 'json'}
import {type Cloud, resolveCloud} from './cloud.js'
import {type CredentialOptions, getCredential} from './credential.js'
import {azureError} from './errors.js'
import {resolveSubscription} from './subscription.js'

/** chd's own name and version, as Azure's request logs show the caller. */
export const USER_AGENT = `chd/${pkg.version}`

/** What the environment says about Azure; src/flags.ts reads it, nothing below the commands does. */
export interface AzureOptions extends CredentialOptions {
  subscription?: string
  /** The az CLI's folder (AZURE_CONFIG_DIR), whose profile names the default subscription. */
  azureConfigDir?: string
  cloud?: string
  armEndpoint?: string
  /** The Log Analytics query API instead of the cloud's (CHD_LOGS_ENDPOINT: the local fake). */
  logsEndpoint?: string
  /** A credential to use instead of --auth (tests, embedding). */
  credential?: TokenCredential
  /** Extra CA certificates (PEM) to trust, for a private endpoint; NODE_EXTRA_CA_CERTS does the same process-wide. */
  ca?: string
  /** One deadline for everything done through the context: requests, retry waits, polls, pauses. */
  timeoutMs?: number
  /** How long an app-settings write takes to show in reads before chd checks it (1.5 s; the fake needs none). */
  settleMs?: number
  /** How long a deploy waits for evidence that the handler started (default: 2 min, 5 with App Insights). */
  verifyWindowMs?: number
  /** How often `logs --follow` queries App Insights (10 s). */
  insightsPollMs?: number
  /** How often `logs --follow` renews the host's debug mode (5 min). */
  debugRenewMs?: number
}

export interface AzureContext {
  ca?: string
  /** Aborts at the deadline (timeoutMs); every request made through the context carries it. */
  signal?: AbortSignal
  timeoutMs?: number
  cloud: Cloud
  credential: TokenCredential
  subscriptionId: string
  arm: WebSiteManagementClient
  /** The waits the services poll with, from AzureOptions. */
  verifyWindowMs?: number
  insightsPollMs?: number
  debugRenewMs?: number
}

/** Credential, subscription and an ARM client for the cloud (or endpoint) chosen. SDKs load here, in parallel. */
export async function connect(options: AzureOptions): Promise<AzureContext> {
  const cloud = resolveCloud(options.cloud, options.armEndpoint, options.logsEndpoint)
  const [credential, subscriptionId, {WebSiteManagementClient}] = await Promise.all([
    options.credential ?? getCredential(options),
    resolveSubscription(options.subscription, options.azureConfigDir),
    import('@azure/arm-appservice'),
  ])
  const arm = new WebSiteManagementClient(credential, subscriptionId, {
    endpoint: cloud.armEndpoint,
    credentials: {scopes: [cloud.armScope]},
    userAgentOptions: {userAgentPrefix: USER_AGENT},
    ...(options.ca ? {tlsOptions: {ca: options.ca}} : {}),
  })
  const signal = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs)
  // A policy outside any phase runs before the retry and token policies, so their waits end too.
  if (signal) {
    arm.pipeline.addPolicy({
      name: 'chdDeadline',
      sendRequest: (request, next) => {
        request.abortSignal = both(request.abortSignal as AbortSignal | undefined, signal)
        return next(request)
      },
    })
  }
  const {verifyWindowMs, insightsPollMs, debugRenewMs} = options
  const waits = {verifyWindowMs, insightsPollMs, debugRenewMs}
  return {ca: options.ca, cloud, credential, subscriptionId, arm, signal, timeoutMs: options.timeoutMs, ...waits}
}

/** Aborts when either does. */
export function both(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  return a && b ? AbortSignal.any([a, b]) : (a ?? b)
}

/** Waits, unless the context's deadline passes first (then the ChdError for running out of time). */
export async function pause(ctx: AzureContext, ms: number, doing: string): Promise<void> {
  try {
    await sleep(ms, undefined, {signal: ctx.signal})
  } catch (error) {
    throw azureError(error, doing, ctx)
  }
}

/**
 * A request the SDK has no operation for (Flex functionAppConfig, other resource providers),
 * sent through the ARM client's own pipeline: same token, retries and TLS settings. Any status
 * outside `ok` becomes a ChdError with Azure's message and request id.
 */
export async function armRequest(
  ctx: AzureContext,
  method: 'GET' | 'PATCH' | 'PUT',
  url: string,
  doing: string,
  options: {body?: unknown; ok?: number[]} = {},
): Promise<unknown> {
  const sdk = await import('@azure/core-rest-pipeline')
  const request = sdk.createPipelineRequest({
    url: url.startsWith('https://') ? url : `${ctx.cloud.armEndpoint}${url}`,
    method,
    ...(options.body === undefined
      ? {}
      : {headers: sdk.createHttpHeaders({'content-type': 'application/json'}), body: JSON.stringify(options.body)}),
  })
  let response
  try {
    response = await ctx.arm.pipeline.sendRequest(sdk.createDefaultHttpClient(), request)
  } catch (error) {
    throw azureError(error, doing, ctx)
  }
  if (!(options.ok ?? [200]).includes(response.status)) {
    throw azureError(
      Object.assign(new Error(`Unexpected status code: ${response.status}`), {statusCode: response.status, response}),
      doing,
    )
  }
  return response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined
}
