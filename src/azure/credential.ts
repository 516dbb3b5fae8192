import type {AccessToken, TokenCredential} from '@azure/core-auth'

import {ChdError, ExitCode} from '../errors.js'

export const AUTH_MODES = ['default', 'cli', 'env', 'device', 'managed-identity', 'token'] as const
export type AuthMode = (typeof AUTH_MODES)[number]

/**
 * A token handed to chd (CHD_ACCESS_TOKEN), used for every audience: for CI systems that already
 * hold one, and for the local Azure fake, which needs no network to authenticate.
 */
export function staticTokenCredential(token: string): TokenCredential {
  return {
    getToken: async (): Promise<AccessToken> => ({
      token,
      expiresOnTimestamp: Date.now() + 60 * 60 * 1000,
      tokenType: 'Bearer',
    }),
  }
}

export interface CredentialOptions {
  auth?: AuthMode
  /** CHD_ACCESS_TOKEN: a token for every audience. */
  accessToken?: string
  /** AZURE_CLIENT_ID: the user-assigned identity for --auth managed-identity. */
  clientId?: string
}

/**
 * The credential for a mode. @azure/identity (~200 ms to import) loads only here. `default` is
 * DefaultAzureCredential (so `az login` just works), unless CHD_ACCESS_TOKEN is set.
 */
export async function getCredential(
  options: CredentialOptions,
  onDeviceCode?: (message: string) => void,
): Promise<TokenCredential> {
  const {auth: mode = 'default', accessToken: token, clientId} = options
  if (mode === 'token' || (mode === 'default' && token)) {
    if (!token) throw new ChdError('AUTH_TOKEN_MISSING', '--auth token needs CHD_ACCESS_TOKEN', {exit: ExitCode.auth})
    return staticTokenCredential(token)
  }
  const identity = await import('@azure/identity')
  switch (mode) {
    case 'cli':
      return new identity.AzureCliCredential()
    case 'env':
      return new identity.EnvironmentCredential()
    case 'managed-identity':
      return new identity.ManagedIdentityCredential(clientId ? {clientId} : {})
    case 'device':
      return new identity.DeviceCodeCredential({userPromptCallback: (info) => onDeviceCode?.(info.message)})
    default:
      return new identity.DefaultAzureCredential()
  }
}
