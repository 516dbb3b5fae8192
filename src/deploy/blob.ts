import type {ManagedServiceIdentity} from '@azure/arm-appservice'
import type {TokenCredential} from '@azure/core-auth'

import {azureError} from '../azure/errors.js'
import {ChdError, ExitCode} from '../errors.js'

export interface StorageTarget {
  connectionString?: string
  /** Identity-based storage: AzureWebJobsStorage__accountName / __blobServiceUri (+ __clientId). */
  accountName?: string
  blobServiceUri?: string
  clientId?: string
}

export interface PackageUrl {
  url: string
  /** How the platform reads it: a SAS chd signed, a SAS-only connection string's own SAS, or the app's identity. */
  auth: 'sas' | 'connection-sas' | 'identity'
  /** When a connection string's own SAS expires, and the package URL with it. */
  expiresOn?: string
}

function parseConnectionString(cs: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of cs.split(';')) {
    const i = part.indexOf('=')
    if (i > 0) out[part.slice(0, i).trim().toLowerCase()] = part.slice(i + 1).trim()
  }
  return out
}

export function storageFromSettings(settings: Record<string, string>): StorageTarget | undefined {
  if (settings.AzureWebJobsStorage) return {connectionString: settings.AzureWebJobsStorage}
  if (settings.AzureWebJobsStorage__accountName || settings.AzureWebJobsStorage__blobServiceUri) {
    return {
      accountName: settings.AzureWebJobsStorage__accountName,
      blobServiceUri: settings.AzureWebJobsStorage__blobServiceUri,
      clientId: settings.AzureWebJobsStorage__clientId,
    }
  }
  return undefined
}

/**
 * A connection string with a SAS and no account key (BlobEndpoint=…;SharedAccessSignature=…):
 * chd uploads with that SAS and, since nobody can sign another without the key, the package
 * URL carries the same SAS. So it must allow reading, writing and creating, and the package
 * stops loading when it expires: checked (and said) before anything is uploaded.
 */
function connectionSas(cs: Record<string, string>): {sas: string; expiresOn?: string} | undefined {
  const sas = cs.sharedaccesssignature
  if (!sas || cs.accountkey) return undefined
  const q = new URLSearchParams(sas.replace(/^\?/, ''))
  const perms = q.get('sp') ?? ''
  const expires = q.get('se') ?? undefined
  const fix =
    'Give AzureWebJobsStorage an account key connection string, or a SAS with read, write and create ' +
    '(sp=rwc) and a far expiry, or use identity-based storage (AzureWebJobsStorage__accountName)'
  if (!/r/.test(perms) || !/w/.test(perms)) {
    const missing = /w/.test(perms) ? 'reading' : 'writing'
    throw new ChdError(
      'STORAGE_SAS_INSUFFICIENT',
      `AzureWebJobsStorage is a SAS connection string whose permissions ` +
        (`(sp=${perms || 'none'}) do not allow ${missing} the package; the app would run from a URL that ` +
          `carries this same SAS`),
      {
        exit: ExitCode.failed,
        suggestions: [fix],
      },
    )
  }
  if (expires && Date.parse(expires) <= Date.now()) {
    throw new ChdError('STORAGE_SAS_EXPIRED', `AzureWebJobsStorage's SAS expired on ${expires}`, {
      exit: ExitCode.failed,
      suggestions: [fix],
    })
  }
  return {sas: sas.replace(/^\?/, ''), expiresOn: expires}
}

/** Refuses a connection string chd cannot upload with, before anything is sent. */
export function checkStorage(target: StorageTarget): void {
  if (!target.connectionString) return
  const cs = parseConnectionString(target.connectionString)
  if (cs.usedevelopmentstorage) {
    throw new ChdError('STORAGE_IS_LOCAL', 'AzureWebJobsStorage is UseDevelopmentStorage=true on the app', {
      exit: ExitCode.failed,
      suggestions: ["Set AzureWebJobsStorage to the app's storage account connection string"],
    })
  }
  connectionSas(cs)
}

/**
 * Which identity the platform must fetch a plain blob URL with: the app setting
 * WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID (azure-functions-host
 * ManagedIdentityTokenProvider.GetRunFromPackageIdentity: a user-assigned identity's resource id,
 * or SystemAssigned). An existing value is kept; otherwise the identity AzureWebJobsStorage__clientId
 * names, else the system identity, else the only user-assigned one.
 */
export function packageIdentity(
  app: string,
  identity: ManagedServiceIdentity | undefined,
  settings: Record<string, string>,
) {
  if (settings.WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID) return undefined
  const assigned = Object.entries(identity?.userAssignedIdentities ?? {})
  const clientId = settings.AzureWebJobsStorage__clientId
  if (clientId) {
    const hit = assigned.find(([, u]) => u.clientId?.toLowerCase() === clientId.toLowerCase())
    if (hit) return hit[0]
    throw new ChdError(
      'STORAGE_IDENTITY_NOT_ASSIGNED',
      `AzureWebJobsStorage__clientId names the identity ${clientId}, ` +
        `which is not assigned to ${app}: the platform could not fetch the package`,
      {
        exit: ExitCode.failed,
        suggestions: [
          `az functionapp identity assign -n ${app} -g <group> --identities <that identity's resource id>`,
          'or set WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID to the resource id of an identity the app has',
        ],
      },
    )
  }
  if (/SystemAssigned/i.test(identity?.type ?? '')) return 'SystemAssigned'
  if (assigned.length === 1) return assigned[0][0]
  const several = assigned.length > 1
  throw new ChdError(
    'STORAGE_IDENTITY_MISSING',
    `${app} reads its storage with a managed identity (AzureWebJobsStorage__accountName), ` +
      (`but ${several ? 'has several user-assigned identities and none is named' : 'has none'}: the ` +
        `platform could not fetch `) +
      'the package from a plain blob URL',
    {
      exit: ExitCode.failed,
      suggestions: [
        several
          ? 'Set WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID (or AzureWebJobsStorage__clientId) to the identity to use'
          : `az functionapp identity assign -n ${app} -g <group>, then grant it Storage Blob Data Reader on ` +
            `the account`,
      ],
    },
  )
}

/**
 * Linux Consumption: the package goes to the function-releases container of the app's own
 * storage account, and WEBSITE_RUN_FROM_PACKAGE points at it: a 10-year read SAS with an account
 * key, the connection string's own SAS without one, or the plain URL when the app reads its
 * storage with a managed identity.
 */
export async function uploadRunFromPackage(
  target: StorageTarget,
  credential: TokenCredential,
  file: string,
  blobName: string,
  suffix: string,
  deadline?: {signal?: AbortSignal; timeoutMs?: number},
): Promise<PackageUrl> {
  const blob = await import('@azure/storage-blob')
  let service: import('@azure/storage-blob').BlobServiceClient
  let key: import('@azure/storage-blob').StorageSharedKeyCredential | undefined
  let shared: {sas: string; expiresOn?: string} | undefined
  if (target.connectionString) {
    checkStorage(target)
    const cs = parseConnectionString(target.connectionString)
    service = blob.BlobServiceClient.fromConnectionString(target.connectionString)
    if (cs.accountname && cs.accountkey) key = new blob.StorageSharedKeyCredential(cs.accountname, cs.accountkey)
    shared = connectionSas(cs)
  } else {
    const url = target.blobServiceUri ?? `https://${target.accountName}.blob.${suffix}`
    service = new blob.BlobServiceClient(url, credential)
  }
  const container = service.getContainerClient('function-releases')
  try {
    await container.createIfNotExists({abortSignal: deadline?.signal})
    const client = container.getBlockBlobClient(blobName)
    await client.uploadFile(file, {
      blobHTTPHeaders: {blobContentType: 'application/zip'},
      abortSignal: deadline?.signal,
    })
    const plain = client.url.replace(/\?.*$/, '')
    if (shared) return {url: `${plain}?${shared.sas}`, auth: 'connection-sas', expiresOn: shared.expiresOn}
    if (!key) return {url: plain, auth: 'identity'}
    const expiresOn = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000)
    const sas = blob
      .generateBlobSASQueryParameters(
        {
          containerName: 'function-releases',
          blobName,
          permissions: blob.BlobSASPermissions.parse('r'),
          expiresOn,
          startsOn: new Date(Date.now() - 5 * 60 * 1000),
        },
        key,
      )
      .toString()
    return {url: `${plain}?${sas}`, auth: 'sas'}
  } catch (error) {
    throw azureError(error, "uploading the package to the app's storage account", deadline)
  }
}
