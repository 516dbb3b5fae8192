import * as Flags from '@oclif/core/flags'

import type {AzureOptions} from './azure/arm.js'
import {AUTH_MODES, type AuthMode} from './azure/credential.js'
import {PLANS, TARGET_NAMES} from './platform/targets.js'

/** Flags that say which platform the app is judged against; shared by doctor, pack and deploy. */
export const targetFlags = {
  target: Flags.string({
    summary: 'Platform to judge the app against.',
    options: [...TARGET_NAMES],
    default: 'linux-x64',
    env: 'CHD_TARGET',
  }),
  glibc: Flags.string({
    summary: "Highest glibc version the Linux platform provides (default 2.31, Azure Functions' Debian 11 images).",
    helpValue: 'X.Y',
  }),
  plan: Flags.option({
    summary: 'Hosting plan, when known: Consumption and Flex add the execute bit to the executable themselves.',
    options: PLANS,
  })(),
}

/** The host's readiness window, overridable; undefined keeps host.json initializationTimeout, else 30 s. */
export const startupTimeoutFlag = Flags.integer({
  summary:
    'Seconds to wait for the handler to answer GET / (default: host.json initializationTimeout, else 30, as the host).',
  min: 1,
  helpValue: 'SECONDS',
})

export function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : seconds * 1000
}

/** Which app, in which subscription and cloud, with which credential: shared by every Azure command. */
export const azureFlags = {
  app: Flags.string({char: 'a', summary: 'Function app name.', required: true, env: 'CHD_APP'}),
  'resource-group': Flags.string({
    char: 'g',
    summary: "Resource group (default: found by listing the subscription's apps).",
    env: 'CHD_RESOURCE_GROUP',
  }),
  slot: Flags.string({summary: 'Deployment slot.'}),
  subscription: Flags.string({summary: 'Subscription id (default: AZURE_SUBSCRIPTION_ID, else the az CLI default).'}),
  cloud: Flags.string({
    summary: 'Azure cloud.',
    options: ['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment'],
    default: 'AzureCloud',
  }),
  'arm-endpoint': Flags.string({
    summary: 'ARM endpoint for other clouds (Azure Stack) or the local fake.',
    env: 'CHD_ARM_ENDPOINT',
  }),
  auth: Flags.option({
    summary:
      'Credential: default (DefaultAzureCredential, or CHD_ACCESS_TOKEN when set), cli, env, device, ' +
      'managed-identity, token.',
    options: AUTH_MODES,
    default: 'default' as const,
  })(),
}

/** The flags azureFlags declares, as parsed. */
interface AzureFlagValues {
  app?: string | string[]
  'resource-group'?: string
  slot?: string
  subscription?: string
  cloud?: string
  'arm-endpoint'?: string
  auth?: AuthMode
}

/**
 * The Azure options every Azure command passes down. The environment is read here and in base-command.ts only;
 * the CHD_*_MS waits are for tests and the local fake (Azure needs the defaults).
 */
export function azureOptions(flags: AzureFlagValues, env = process.env): AzureOptions {
  return {
    subscription: flags.subscription ?? env.AZURE_SUBSCRIPTION_ID,
    azureConfigDir: env.AZURE_CONFIG_DIR,
    cloud: flags.cloud,
    armEndpoint: flags['arm-endpoint'],
    logsEndpoint: env.CHD_LOGS_ENDPOINT,
    auth: flags.auth,
    accessToken: env.CHD_ACCESS_TOKEN,
    clientId: env.AZURE_CLIENT_ID,
    settleMs: milliseconds(env.CHD_SETTINGS_SETTLE_MS, 0),
    verifyWindowMs: milliseconds(env.CHD_VERIFY_WINDOW_MS),
    insightsPollMs: milliseconds(env.CHD_INSIGHTS_POLL_MS),
    debugRenewMs: milliseconds(env.CHD_DEBUG_RENEW_MS),
  }
}

/** Which app (and slot) a command acts on, with the Azure options: what every Azure command passes down. */
export function azureTarget<F extends AzureFlagValues>(
  flags: F,
  env = process.env,
): AzureOptions & {app: F['app']; resourceGroup?: string; slot?: string} {
  return {app: flags.app, resourceGroup: flags['resource-group'], slot: flags.slot, ...azureOptions(flags, env)}
}

/** A wait from the environment: a number of ms at least `min` (else 1), or undefined for the default. */
function milliseconds(text: string | undefined, min = 1): number | undefined {
  const ms = Number(text)
  return text && Number.isFinite(ms) && ms >= min ? ms : undefined
}
