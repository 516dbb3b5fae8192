import type {TokenCredential} from '@azure/core-auth'

import {ChdError, ExitCode} from '../errors.js'
import {azureError} from '../azure/errors.js'

export interface StorageTarget {
  connectionString?: string
  /** Identity-based storage: AzureWebJobsStorage__accountName (+ __blobServiceUri). */
  accountName?: string
  blobServiceUri?: string
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
  if (settings.AzureWebJobsStorage__accountName) return {accountName: settings.AzureWebJobsStorage__accountName, blobServiceUri: settings.AzureWebJobsStorage__blobServiceUri}
  return undefined
}

/**
 * Linux Consumption: the package goes to the function-releases container of the app's own
 * storage account, and WEBSITE_RUN_FROM_PACKAGE points at it: a 10-year read SAS with an account
 * key, or the plain URL when the app reads its storage with a managed identity.
 */
export async function uploadRunFromPackage(target: StorageTarget, credential: TokenCredential, file: string, blobName: string, suffix: string, deadline?: {signal?: AbortSignal; timeoutMs?: number}): Promise<{url: string; identity: boolean}> {
  const blob = await import('@azure/storage-blob')
  let service: import('@azure/storage-blob').BlobServiceClient
  let key: import('@azure/storage-blob').StorageSharedKeyCredential | undefined
  if (target.connectionString) {
    const cs = parseConnectionString(target.connectionString)
    if (cs.usedevelopmentstorage) throw new ChdError('STORAGE_IS_LOCAL', 'AzureWebJobsStorage is UseDevelopmentStorage=true on the app', {exit: ExitCode.failed, suggestions: ['Set AzureWebJobsStorage to the app\'s storage account connection string']})
    service = blob.BlobServiceClient.fromConnectionString(target.connectionString)
    if (cs.accountname && cs.accountkey) key = new blob.StorageSharedKeyCredential(cs.accountname, cs.accountkey)
  } else {
    const url = target.blobServiceUri ?? `https://${target.accountName}.blob.${suffix}`
    service = new blob.BlobServiceClient(url, credential)
  }
  const container = service.getContainerClient('function-releases')
  try {
    await container.createIfNotExists({abortSignal: deadline?.signal})
    const client = container.getBlockBlobClient(blobName)
    await client.uploadFile(file, {blobHTTPHeaders: {blobContentType: 'application/zip'}, abortSignal: deadline?.signal})
    if (!key) return {url: client.url, identity: true}
    const expiresOn = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000)
    const sas = blob.generateBlobSASQueryParameters({containerName: 'function-releases', blobName, permissions: blob.BlobSASPermissions.parse('r'), expiresOn, startsOn: new Date(Date.now() - 5 * 60 * 1000)}, key).toString()
    return {url: `${client.url}?${sas}`, identity: false}
  } catch (error) {
    throw azureError(error, 'uploading the package to the app\'s storage account', deadline)
  }
}
