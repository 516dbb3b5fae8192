import assert from 'node:assert/strict'
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import type {AccessToken, TokenCredential} from '@azure/core-auth'

import {connect} from '../src/azure/arm.js'
import {resolveCloud} from '../src/azure/cloud.js'
import {KuduClient} from '../src/azure/kudu.js'
import {resolveSubscription} from '../src/azure/subscription.js'
import {azureOptions} from '../src/flags.js'
import {FakeAzure, SUBSCRIPTION} from './fake-azure/server.js'
import {tempDir} from './helpers/app.js'

describe('connecting', () => {
  test('clouds: audiences per cloud, --arm-endpoint replaces only the endpoint, http refused', () => {
    assert.equal(resolveCloud().armEndpoint, 'https://management.azure.com')
    assert.deepEqual(resolveCloud('AzureChinaCloud').scmScopes[0], 'https://appservice.azure.cn/.default')
    assert.equal(resolveCloud('AzureUSGovernment').armScope, 'https://management.usgovcloudapi.net/.default')
    const stack = resolveCloud('AzureCloud', 'https://management.local.azurestack.external/')
    assert.equal(stack.armEndpoint, 'https://management.local.azurestack.external')
    assert.throws(() => resolveCloud('AzureCloud', 'http://127.0.0.1:1'), {code: 'INVALID_ARM_ENDPOINT'})
    assert.throws(() => resolveCloud('Mars'), {code: 'UNKNOWN_CLOUD'})
  })

  test('subscription: flag, then AZURE_SUBSCRIPTION_ID, then the az CLI profile (with its BOM)', async () => {
    const dir = await tempDir()
    await assert.rejects(resolveSubscription(undefined, dir), {code: 'SUBSCRIPTION_UNKNOWN'})
    await mkdir(dir, {recursive: true})
    await writeFile(
      path.join(dir, 'azureProfile.json'),
      '\uFEFF' +
        JSON.stringify({
          subscriptions: [
            {id: 'other', isDefault: false},
            {id: 'from-profile', isDefault: true},
          ],
        }),
    )
    const fromEnv = azureOptions({}, {AZURE_SUBSCRIPTION_ID: 'from-env', AZURE_CONFIG_DIR: dir})
    assert.equal(
      await resolveSubscription(undefined, azureOptions({}, {AZURE_CONFIG_DIR: dir}).azureConfigDir),
      'from-profile',
    )
    assert.equal(await resolveSubscription(fromEnv.subscription, fromEnv.azureConfigDir), 'from-env')
    const fromFlag = azureOptions({subscription: 'from-flag'}, {AZURE_SUBSCRIPTION_ID: 'from-env'})
    assert.equal(await resolveSubscription(fromFlag.subscription), 'from-flag')
  })

  test('the environment is read in src/flags.ts: tokens, endpoints and the waits tests shorten', () => {
    const env = {
      CHD_ACCESS_TOKEN: 't',
      AZURE_CLIENT_ID: 'c',
      CHD_LOGS_ENDPOINT: 'https://127.0.0.1:1/v1',
      CHD_SETTINGS_SETTLE_MS: '0',
      CHD_VERIFY_WINDOW_MS: '2000',
      CHD_INSIGHTS_POLL_MS: 'soon',
    }
    assert.deepEqual(azureOptions({auth: 'token'}, env), {
      subscription: undefined,
      azureConfigDir: undefined,
      cloud: undefined,
      armEndpoint: undefined,
      logsEndpoint: 'https://127.0.0.1:1/v1',
      auth: 'token',
      accessToken: 't',
      clientId: 'c',
      settleMs: 0,
      verifyWindowMs: 2000,
      insightsPollMs: undefined,
      debugRenewMs: undefined,
    })
    const cloud = resolveCloud('AzureCloud', undefined, 'https://127.0.0.1:1/v1')
    assert.equal(cloud.logsEndpoint, 'https://127.0.0.1:1/v1')
  })
})

describe('Kudu tokens', () => {
  let fake: FakeAzure
  before(async () => {
    fake = await new FakeAzure().start()
  })
  after(() => fake.stop())

  test('App Service audience first; on 401 the older management audience is tried', async () => {
    const asked: string[] = []
    // One token per audience; the fake accepts only the management one, like a tenant where the
    // App Service audience is not yet consented.
    const credential: TokenCredential = {
      getToken: async (scopes): Promise<AccessToken> => {
        const scope = Array.isArray(scopes) ? scopes[0] : scopes
        asked.push(scope)
        return {
          token: scope.includes('appservice') ? 'appservice-token' : 'chd-fake-token',
          expiresOnTimestamp: Date.now() + 3_600_000,
        }
      },
    }
    const ctx = await connect({
      armEndpoint: fake.armEndpoint,
      subscription: SUBSCRIPTION,
      credential,
      ca: fake.tls.caPem,
    })
    const kudu = new KuduClient(ctx, `127.0.0.1:${fake.site('demo-flex').scmPort}`)
    const r = await kudu.send('GET', '/api/settings')
    assert.equal(r.status, 200)
    assert.deepEqual(asked, ['https://appservice.azure.com/.default', 'https://management.core.windows.net//.default'])
  })

  test(
    'no token for the App Service audience (AADSTS500011): the management audience is used, ' + 'not AUTH_FAILED',
    async () => {
      const credential: TokenCredential = {
        getToken: async (scopes): Promise<AccessToken> => {
          const scope = Array.isArray(scopes) ? scopes[0] : scopes
          if (scope.includes('appservice')) {
            throw Object.assign(
              new Error(
                'invalid_resource: AADSTS500011: The resource principal named https://appservice.azure.com ' +
                  'was not found in the tenant named contoso. This can happen if the application has not been ' +
                  'installed by the administrator of the tenant or consented to by any user in the tenant.',
              ),
              {name: 'AuthenticationError'},
            )
          }
          return {token: 'chd-fake-token', expiresOnTimestamp: Date.now() + 3_600_000}
        },
      }
      const ctx = await connect({
        armEndpoint: fake.armEndpoint,
        subscription: SUBSCRIPTION,
        credential,
        ca: fake.tls.caPem,
      })
      const r = await new KuduClient(ctx, `127.0.0.1:${fake.site('demo-flex').scmPort}`).send('GET', '/api/settings')
      assert.equal(r.status, 200)
    },
  )
})
