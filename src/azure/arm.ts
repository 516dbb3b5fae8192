import type {TokenCredential} from '@azure/core-auth'
import type {WebSiteManagementClient} from '@azure/arm-appservice'

import {type AuthMode, getCredential} from './credential.js'
import {type Cloud, resolveCloud} from './cloud.js'
import {resolveSubscription} from './subscription.js'

export const USER_AGENT = 'chd/0.1.0'

export interface AzureOptions {
  subscription?: string
  cloud?: string
  armEndpoint?: string
  auth?: AuthMode
  /** A credential to use instead of --auth (tests, embedding). */
  credential?: TokenCredential
  /** Extra CA certificates (PEM) to trust, for a private endpoint; NODE_EXTRA_CA_CERTS does the same process-wide. */
  ca?: string
}

export interface AzureContext {
  ca?: string
  cloud: Cloud
  credential: TokenCredential
  subscriptionId: string
  arm: WebSiteManagementClient
}

/** Credential, subscription and an ARM client for the cloud (or endpoint) chosen. SDKs load here, in parallel. */
export async function connect(options: AzureOptions): Promise<AzureContext> {
  const cloud = resolveCloud(options.cloud, options.armEndpoint ?? process.env.CHD_ARM_ENDPOINT)
  const [credential, subscriptionId, {WebSiteManagementClient}] = await Promise.all([
    options.credential ?? getCredential(options.auth),
    resolveSubscription(options.subscription),
    import('@azure/arm-appservice'),
  ])
  const arm = new WebSiteManagementClient(credential, subscriptionId, {
    endpoint: cloud.armEndpoint,
    credentials: {scopes: [cloud.armScope]},
    userAgentOptions: {userAgentPrefix: USER_AGENT},
    ...(options.ca ? {tlsOptions: {ca: options.ca}} : {}),
  })
  return {ca: options.ca, cloud, credential, subscriptionId, arm}
}
