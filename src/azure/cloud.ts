import {ChdError, ExitCode} from '../errors.js'

export interface Cloud {
  name: string
  armEndpoint: string
  /** Audience for ARM tokens. */
  armScope: string
  /** Audience for Kudu (SCM) calls; App Service is moving Kudu off ARM tokens. */
  scmScopes: string[]
  storageSuffix: string
  /** Log Analytics query API (App Insights rows); CHD_LOGS_ENDPOINT (AzureOptions.logsEndpoint) overrides it. */
  logsEndpoint: string
  logsScope: string
}

const CLOUDS: Record<string, Omit<Cloud, 'armEndpoint'> & {armEndpoint: string}> = {
  azurecloud: {
    name: 'AzureCloud',
    armEndpoint: 'https://management.azure.com',
    armScope: 'https://management.azure.com/.default',
    scmScopes: ['https://appservice.azure.com/.default', 'https://management.core.windows.net//.default'],
    storageSuffix: 'core.windows.net',
    logsEndpoint: 'https://api.loganalytics.io/v1',
    logsScope: 'https://api.loganalytics.io/.default',
  },
  azurechinacloud: {
    name: 'AzureChinaCloud',
    armEndpoint: 'https://management.chinacloudapi.cn',
    armScope: 'https://management.chinacloudapi.cn/.default',
    scmScopes: ['https://appservice.azure.cn/.default', 'https://management.core.chinacloudapi.cn//.default'],
    storageSuffix: 'core.chinacloudapi.cn',
    logsEndpoint: 'https://api.loganalytics.azure.cn/v1',
    logsScope: 'https://api.loganalytics.azure.cn/.default',
  },
  azureusgovernment: {
    name: 'AzureUSGovernment',
    armEndpoint: 'https://management.usgovcloudapi.net',
    armScope: 'https://management.usgovcloudapi.net/.default',
    scmScopes: ['https://appservice.azure.us/.default', 'https://management.core.usgovcloudapi.net//.default'],
    storageSuffix: 'core.usgovcloudapi.net',
    logsEndpoint: 'https://api.loganalytics.us/v1',
    logsScope: 'https://api.loganalytics.us/.default',
  },
}

export const CLOUD_NAMES = ['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment']

/**
 * The named cloud, with --arm-endpoint / CHD_ARM_ENDPOINT replacing its ARM endpoint (Azure Stack, the local fake)
 * and `logs` its Log Analytics endpoint.
 */
export function resolveCloud(name = 'AzureCloud', armEndpoint?: string, logs?: string): Cloud {
  const cloud = CLOUDS[name.toLowerCase()]
  if (!cloud)
    throw new ChdError('UNKNOWN_CLOUD', `Unknown cloud "${name}"`, {
      exit: ExitCode.usage,
      suggestions: [`Use one of: ${CLOUD_NAMES.join(', ')}, or --arm-endpoint URL`],
    })
  if (!armEndpoint) return logs ? {...cloud, logsEndpoint: logs} : cloud
  let url: URL
  try {
    url = new URL(armEndpoint)
  } catch {
    throw new ChdError('INVALID_ARM_ENDPOINT', `--arm-endpoint "${armEndpoint}" is not a URL`, {exit: ExitCode.usage})
  }
  if (url.protocol !== 'https:')
    throw new ChdError(
      'INVALID_ARM_ENDPOINT',
      `--arm-endpoint must be https (Azure SDKs refuse bearer tokens over http): ${armEndpoint}`,
      {exit: ExitCode.usage},
    )
  return {...cloud, armEndpoint: url.origin, ...(logs ? {logsEndpoint: logs} : {})}
}
