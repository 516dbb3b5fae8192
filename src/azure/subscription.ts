import {readFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {ChdError, ExitCode} from '../errors.js'

/**
 * The subscription given (--subscription, else AZURE_SUBSCRIPTION_ID: src/flags.ts chooses), else the az CLI's
 * default subscription from its profile in `configDir` (AZURE_CONFIG_DIR, else ~/.azure).
 */
export async function resolveSubscription(given?: string, configDir?: string): Promise<string> {
  if (given) return given
  const dir = configDir ?? path.join(os.homedir(), '.azure')
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
