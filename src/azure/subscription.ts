import {readFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {ChdError, ExitCode} from '../errors.js'

/** --subscription, else AZURE_SUBSCRIPTION_ID, else the az CLI's default subscription from its profile. */
export async function resolveSubscription(flag?: string): Promise<string> {
  if (flag) return flag
  if (process.env.AZURE_SUBSCRIPTION_ID) return process.env.AZURE_SUBSCRIPTION_ID
  const dir = process.env.AZURE_CONFIG_DIR ?? path.join(os.homedir(), '.azure')
  try {
    // The az CLI writes this file with a UTF-8 byte order mark.
    const text = (await readFile(path.join(dir, 'azureProfile.json'), 'utf8')).replace(/^\uFEFF/, '')
    const profile = JSON.parse(text) as {subscriptions?: Array<{id: string; isDefault?: boolean}>}
    const def = profile.subscriptions?.find((s) => s.isDefault)
    if (def) return def.id
  } catch {
    // No az profile (or an unreadable one): the caller asks for --subscription.
  }
  throw new ChdError('SUBSCRIPTION_UNKNOWN', 'No Azure subscription given', {
    exit: ExitCode.usage,
    suggestions: ['Pass --subscription ID, set AZURE_SUBSCRIPTION_ID, or run az account set --subscription ID'],
  })
}
