import assert from 'node:assert/strict'
import type {ChildProcess} from 'node:child_process'
import {readdir, writeFile} from 'node:fs/promises'
import https from 'node:https'
import path from 'node:path'
import {after, before, beforeEach, describe, test} from 'node:test'

import {connectionStringType} from '../src/azure/settings.js'
import {readLocalSettings} from '../src/deploy/local-settings.js'
import {FakeAzure, STORAGE_KEY} from './fake-azure/server.js'
import {goodApp, hostJson, makeApp, tempDir} from './helpers/app.js'
import {chd} from './helpers/cli.js'
import {goHandler, goSkip} from './helpers/go.js'
import {handlerApp, JSON_OK, nodeHandler} from './helpers/handlers.js'
import {withoutSetting} from './helpers/settings.js'
import {dosZip, listZip} from './helpers/zip.js'

let fake: FakeAzure
let env: Record<string, string>
let appDir: string
const SECRET_VALUE = 's3cret-password'

before(async () => {
  fake = await new FakeAzure().start()
  env = {...fake.env(), CHD_SETTINGS_SETTLE_MS: '0'}
  appDir = goSkip() ? '' : await makeApp(goodApp({copy: await goHandler('linux-amd64')}))
})
after(() => fake.stop())
let mark = 0
beforeEach(() => {
  mark = fake.requests.length
})
const since = () => fake.requests.slice(mark)

async function deployedModes(zip: Buffer): Promise<Record<string, string>> {
  const file = path.join(await tempDir(), 'deployed.zip')
  await writeFile(file, zip)
  return Object.fromEntries((await listZip(file)).map((r) => [r.name, r.mode]))
}

function noSecrets(...texts: string[]) {
  for (const t of texts) assert.doesNotMatch(t, new RegExp(SECRET_VALUE), 'a secret value was printed')
}

test('connection string types: what the host reads (EnvironmentVariablesConfigurationProvider), or Custom', () => {
  const azure = 'Server=tcp:x.database.windows.net,1433;Initial Catalog=db;User ID=u;Password=p'
  assert.equal(connectionStringType(azure), 'SQLAzure')
  assert.equal(connectionStringType('Data Source=sql01;Initial Catalog=db;Integrated Security=True'), 'SQLServer')
  assert.equal(connectionStringType('Server=x.mysql.database.azure.com;Database=db;Uid=u;Pwd=p'), 'MySql')
  assert.equal(connectionStringType('Server=db01;Database=db;Uid=u;Pwd=p', 'MySqlConnector'), 'MySql')
  // Core Tools writes this provider for every string: it says nothing.
  assert.equal(connectionStringType('r1.redis.cache.windows.net:6380,password=p', 'System.Data.SqlClient'), 'Custom')
  const others = [
    'Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=s',
    'AccountEndpoint=https://x.documents.azure.com:443/;AccountKey=k',
    'Host=db;Username=u;Password=p',
    'postgres://u:p@db/x',
  ]
  for (const other of others) {
    assert.equal(connectionStringType(other), 'Custom', other)
  }
})

test('local.settings.json ConnectionStrings: an entry of another shape is refused by name, value unshown', async () => {
  const file = path.join(await tempDir(), 'local.settings.json')
  await writeFile(file, JSON.stringify({Values: {A: '1'}, ConnectionStrings: {Broken: {ConnectionString: 4242}}}))
  await assert.rejects(readLocalSettings(file), (error: Error & {code?: string}) => {
    assert.equal(error.code, 'SETTINGS_FILE_INVALID')
    assert.match(error.message, /ConnectionStrings\.Broken/)
    assert.doesNotMatch(error.message, /4242/)
    return true
  })
})

describe('chd deploy against the local Azure fake', {skip: goSkip()}, () => {
  for (const [app, route] of [
    ['demo-linux-dedicated', 'zipdeploy'],
    ['demo-linux-premium', 'zipdeploy'],
    ['demo-flex', 'publish'],
    ['demo-linux-consumption', 'run-from-package'],
  ] as const) {
    test(`${app}: ${route}, runtime custom, settings kept, handler still executable, URLs printed`, async () => {
      const settingsBefore = {...fake.site(app).settings}
      const r = await chd(['deploy', appDir, '--app', app, '--json'], {env})
      assert.equal(r.code, 0, r.stderr + r.stdout)
      const doc = r.json()
      assert.equal(doc.target.route, route)
      assert.equal(doc.package.uploaded, true)
      const site = fake.site(app)
      for (const k of Object.keys(settingsBefore)) assert.ok(k in site.settings, `${k} kept`)
      if (app === 'demo-flex') assert.deepEqual([site.runtimeName, site.runtimeVersion], ['custom', '1.0'])
      else assert.equal(site.settings.FUNCTIONS_WORKER_RUNTIME, 'custom')
      if (route === 'run-from-package') {
        assert.match(site.settings.WEBSITE_RUN_FROM_PACKAGE, /function-releases\/.*-[0-9a-f]{64}\.zip\?.*sig=/)
        assert.ok(site.syncs > 0, 'triggers synced')
      }
      assert.equal((await deployedModes(site.packageZip!)).handler, '-rwxr-xr-x')
      assert.equal(doc.verify.hostState, 'Running')
      assert.equal(doc.verify.worker, 'started')
      assert.match(doc.verify.evidence, /Worker process started and initialized\./)
      assert.deepEqual(
        doc.verify.functions.map((f: {name: string}) => f.name),
        ['hello'],
      )
      noSecrets(r.stdout, r.stderr)
    })
  }

  test(
    'a Windows app gets zipdeploy; text output lists the URL and says plainly the start is ' + 'not confirmed',
    async () => {
      const exe = await goHandler('windows-amd64')
      const dir = await makeApp({
        ...goodApp({copy: exe}),
        'host.json': {version: '2.0', customHandler: {description: {defaultExecutablePath: 'handler.exe'}}},
        handler: '',
        'handler.exe': {copy: exe},
      })
      // The fake cannot run a Windows program, so no line says it started (nor failed).
      const r = await chd(['deploy', dir, '--app', 'demo-windows'], {env: {...env, CHD_VERIFY_WINDOW_MS: '2000'}})
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /windows dedicated \[Standard\] via zipdeploy/)
      assert.match(r.stdout, /handler: start not confirmed: no line from the host's log stream .* pass --smoke/)
      assert.match(r.stdout, /hello: https:\/\/127\.0\.0\.1:\d+\/api\/hello/)
    },
  )

  test('an unchanged redeploy uploads 0 bytes', async () => {
    await chd(['deploy', appDir, '--app', 'demo-linux-dedicated'], {env})
    mark = fake.requests.length
    const r = await chd(['deploy', appDir, '--app', 'demo-linux-dedicated', '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json().package.uploaded, false)
    assert.match(r.json().package.reason, /unchanged/)
    assert.equal(since().filter((q) => /zipdeploy|publish/.test(q.path)).length, 0)
    assert.equal(
      since().reduce((n, q) => n + (q.method === 'POST' && q.host === 'scm' ? q.bytes : 0), 0),
      0,
    )
  })

  test('--dry-run sends no write request and shows the settings diff without values', async () => {
    const r = await chd(
      ['deploy', appDir, '--app', 'demo-linux-premium', '--dry-run', '--setting', `TOKEN=${SECRET_VALUE}`, '--force'],
      {env},
    )
    assert.equal(r.code, 0, r.stderr)
    const writes = since().filter((q) => q.method !== 'GET' && !/\/config\/appsettings\/list\?/.test(q.path))
    assert.deepEqual(writes, [])
    assert.match(r.stdout, /\+ TOKEN = \*\*\*/)
    assert.match(r.stdout, /dry run: not uploaded/)
    noSecrets(r.stdout, r.stderr)
  })

  test('--setting and --settings-file are merged in; values never printed, also in --json', async () => {
    const file = path.join(await tempDir(), 'local.settings.json')
    await writeFile(
      file,
      JSON.stringify({
        IsEncrypted: false,
        Values: {FROM_FILE: 'yes', AzureWebJobsStorage: 'UseDevelopmentStorage=true', API_KEY: SECRET_VALUE},
      }),
    )
    const r = await chd(
      [
        'deploy',
        appDir,
        '--app',
        'demo-linux-premium',
        '--settings-file',
        file,
        '--setting',
        'EXTRA=1',
        '--json',
        '--force',
      ],
      {env},
    )
    assert.equal(r.code, 0, r.stderr)
    const s = fake.site('demo-linux-premium').settings
    assert.equal(s.FROM_FILE, 'yes')
    assert.equal(s.API_KEY, SECRET_VALUE)
    assert.equal(s.EXTRA, '1')
    assert.match(
      s.AzureWebJobsStorage,
      /^DefaultEndpointsProtocol=https/,
      'the development storage value is not pushed',
    )
    noSecrets(r.stdout, r.stderr)
  })

  test('--settings-file ConnectionStrings: merged, typed, never printed (core-tools#215)', async () => {
    const app = 'demo-linux-dedicated'
    const existing = {value: `Server=tcp:old.database.windows.net;Password=${SECRET_VALUE}`, type: 'SQLAzure'}
    fake.site(app).connectionStrings = {Existing: existing}
    const file = path.join(await tempDir(), 'local.settings.json')
    const orders = `Server=tcp:orders.database.windows.net,1433;Initial Catalog=orders;Password=${SECRET_VALUE}`
    await writeFile(
      file,
      JSON.stringify({
        IsEncrypted: false,
        Values: {},
        ConnectionStrings: {
          Reports: `postgres://report:${SECRET_VALUE}@db.internal/reports`,
          Orders: {ConnectionString: orders, ProviderName: 'System.Data.SqlClient'},
          Local: 'UseDevelopmentStorage=true',
        },
      }),
    )
    // The handler answers with the names of the connection-string variables it was started with.
    const names = "Object.keys(process.env).filter((k) => k.includes('CONNSTR_')).sort().join(',')"
    const echo = `res.setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({Outputs: {res: {statusCode: 200, body: ${names}}}}))`
    const dir = await makeApp(handlerApp(nodeHandler(echo)))
    const dry = await chd(['deploy', dir, '--app', app, '--settings-file', file, '--dry-run', '--force'], {env})
    assert.equal(dry.code, 0, dry.stderr)
    assert.match(dry.stdout, /\+ Reports \(Custom, read as CUSTOMCONNSTR_Reports\) = \*\*\*/)
    assert.match(dry.stdout, /\+ Orders \(SQLAzure, read as SQLAZURECONNSTR_Orders\) = \*\*\*/)
    assert.match(dry.stdout, /connection strings: 2 added, 0 changed, 0 removed, 1 kept/)
    const writes = since().filter((q) => /\/config\/connectionstrings(\?|$)/.test(q.path))
    assert.deepEqual(writes, [], 'a dry run writes nothing')
    noSecrets(dry.stdout, dry.stderr)
    const r = await chd(['deploy', dir, '--app', app, '--settings-file', file, '--force', '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    noSecrets(r.stdout, r.stderr)
    assert.deepEqual(fake.site(app).connectionStrings, {
      Existing: existing,
      Reports: {value: `postgres://report:${SECRET_VALUE}@db.internal/reports`, type: 'Custom'},
      Orders: {value: orders, type: 'SQLAzure'},
    })
    const doc = r.json()
    assert.deepEqual(doc.connectionStrings.diff, {added: ['Reports', 'Orders'], changed: [], removed: [], unchanged: 1})
    assert.equal(doc.connectionStrings.names.Reports.variable, 'CUSTOMCONNSTR_Reports')
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(doc.verify.functions[0].url, {ca: fake.tls.caPem}, (res) => {
          let text = ''
          res.on('data', (d) => {
            text += d
          })
          res.on('end', () => resolve(text))
        })
        .on('error', reject)
    })
    assert.equal(body, 'CUSTOMCONNSTR_Reports,SQLAZURECONNSTR_Existing,SQLAZURECONNSTR_Orders')
  })

  test('--setting AzureFunctionsJobHost__customHandler__… is judged in validate-local, as host.json is', async () => {
    const key = 'AzureFunctionsJobHost__customHandler__description__defaultExecutablePath'
    const args = ['deploy', appDir, '--app', 'demo-linux-dedicated', '--dry-run']
    // The live setting would point the host at a file the package lacks: refused before upload.
    const missing = await chd([...args, '--setting', `${key}=bin/nothere`, '--json'], {env})
    assert.equal(missing.code, 1, missing.stdout)
    assert.equal(missing.json().error.code, 'CHECKS_FAILED')
    assert.match(missing.json().error.message, /EXECUTABLE_NOT_FOUND: .*bin\/nothere/)
    // And it repairs a host.json that names the wrong file.
    const wrong = await makeApp({
      ...goodApp({copy: await goHandler('linux-amd64')}),
      'host.json': hostJson({
        defaultExecutablePath: 'nothere',
      }),
    })
    const repaired = ['deploy', wrong, '--app', 'demo-linux-dedicated', '--dry-run', '--setting', `${key}=handler`]
    const fixed = await chd(repaired, {env})
    assert.equal(fixed.code, 0, fixed.stderr)
  })

  test('non-HTTP functions get no invoke URL (FunctionMetadataExtensions.GetFunctionInvokeUrlTemplate)', async () => {
    const timer = {bindings: [{type: 'timerTrigger', direction: 'in', name: 'tick', schedule: '0 */5 * * * *'}]}
    const dir = await makeApp({...goodApp({copy: await goHandler('linux-amd64')}), 'tick/function.json': timer})
    const r = await chd(['deploy', dir, '--app', 'demo-linux-dedicated', '--force', '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    const functions = r.json().verify.functions as Array<{name: string; url?: string}>
    assert.deepEqual(
      functions.map((f) => [f.name, Boolean(f.url)]),
      [
        ['hello', true],
        ['tick', false],
      ],
    )
    const text = await chd(['deploy', dir, '--app', 'demo-linux-dedicated', '--force'], {env})
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /\n {2}tick: \(no HTTP trigger\)\n/)
  })

  test('a zip made on Windows (no Unix modes) is not refused: deploy adds the execute bit itself', async () => {
    const zip = path.join(await tempDir(), 'win.zip')
    await dosZip(appDir, ['host.json', 'hello/function.json', 'handler'], zip)
    const r = await chd(['deploy', '--app', 'demo-linux-dedicated', '--package', zip, '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json().package.repacked, true)
    assert.equal(r.json().package.path, zip, 'the zip given, not the repacked copy chd removes')
    const modes = await deployedModes(fake.site('demo-linux-dedicated').packageZip!)
    assert.equal(modes.handler, '-rwxr-xr-x')
    assert.equal(modes['host.json'], '-rw-r--r--')
  })

  test('check errors stop the deploy before anything is sent', async () => {
    const dir = await makeApp(goodApp({copy: await goHandler('linux-arm64')}))
    const r = await chd(['deploy', dir, '--app', 'demo-linux-dedicated'], {env})
    assert.equal(r.code, 1)
    assert.match(r.stderr, /EXECUTABLE_WRONG_ARCH/)
    assert.deepEqual(
      since().filter((q) => q.method !== 'GET' && !/appsettings\/list/.test(q.path)),
      [],
    )
  })

  test("a failed deployment shows Kudu's log and exits 5", async () => {
    const dir = await makeApp({'not-host.json': '{}', 'hello/function.json': {bindings: []}})
    const r = await chd(['deploy', dir, '--app', 'demo-linux-premium', '--force'], {env})
    assert.equal(r.code, 5, r.stderr)
    assert.match(r.stderr, /DEPLOYMENT_FAILED/)
    assert.match(r.stderr, /host\.json is missing/)
  })
})

describe('faults are survived or reported clearly', {skip: goSkip()}, () => {
  test('409 "deployment in progress" is waited out', async () => {
    fake.inject({
      method: 'POST',
      path: /^\/api\/zipdeploy/,
      times: 2,
      status: 409,
      headers: {'content-type': 'text/plain', 'retry-after': '1'},
      body: 'There is a deployment currently in progress. Please try again when it completes.',
    })
    const r = await chd(['deploy', appDir, '--app', 'demo-linux-dedicated', '--force', '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(since().filter((q) => q.path.startsWith('/api/zipdeploy')).length, 3)
  })

  test('429 with Retry-After on ARM and 500 on a poll are retried by the SDK pipeline', async () => {
    fake.inject({
      method: 'GET',
      path: /\/sites\/demo-linux-dedicated\?/,
      times: 1,
      status: 429,
      headers: {'retry-after': '1'},
    })
    fake.inject({method: 'GET', path: /^\/api\/deployments\/[0-9a-f]+$/, times: 1, status: 500})
    const r = await chd(['deploy', appDir, '--app', 'demo-linux-dedicated', '--force'], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.ok(since().some((q) => q.status === 429))
  })

  test('a connection reset mid-upload is retried with the whole package', async () => {
    fake.inject({method: 'POST', path: /^\/api\/zipdeploy/, times: 1, resetAfterBytes: 1024})
    const r = await chd(['deploy', appDir, '--app', 'demo-linux-dedicated', '--force', '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json().package.uploaded, true)
  })

  test('a token that expires mid-poll is reported as an auth failure (exit 3), not a stack', async () => {
    fake.deployMs = 2500
    const started = chd(['deploy', appDir, '--app', 'demo-linux-dedicated', '--force'], {env})
    const until = Date.now() + 10_000
    while (
      !fake.requests.slice(mark).some((q) => q.path.startsWith('/api/zipdeploy') && q.status === 202) &&
      Date.now() < until
    )
      await new Promise((r) => setTimeout(r, 50))
    const tokens = [...fake.tokens]
    fake.tokens.clear()
    const r = await started
    for (const t of tokens) fake.tokens.add(t)
    fake.deployMs = 150
    assert.equal(r.code, 3, r.stderr)
    assert.match(r.stderr, /401/)
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/)
  })

  test('a WEBSITE_RUN_FROM_PACKAGE URL on a zipdeploy app is named before upload', async () => {
    fake.site('demo-linux-premium').settings.WEBSITE_RUN_FROM_PACKAGE = 'https://example.invalid/pkg.zip'
    const r = await chd(['deploy', appDir, '--app', 'demo-linux-premium'], {env})
    delete fake.site('demo-linux-premium').settings.WEBSITE_RUN_FROM_PACKAGE
    assert.equal(r.code, 1)
    assert.match(r.stderr, /RUN_FROM_PACKAGE_URL_SET/)
    assert.match(r.stderr, /chd settings unset/)
  })
})

describe('Linux Consumption: how the platform will read the package', {skip: goSkip()}, () => {
  const app = 'demo-linux-consumption'
  let saved: Record<string, string>
  beforeEach(() => {
    saved = {...fake.site(app).settings}
  })
  const restore = () => {
    fake.site(app).settings = {...saved}
    fake.site(app).identity = undefined
  }
  const identityStorage = () => {
    const s = fake.site(app).settings
    delete s.AzureWebJobsStorage
    s.AzureWebJobsStorage__accountName = 'demostore'
    s.AzureWebJobsStorage__blobServiceUri = fake.blobEndpoint
  }

  test(
    'identity-based storage: a plain URL and WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID=SystemAssigned; ' +
      'the fake fetches it with that identity (PackageDownloadHandler.cs)',
    async () => {
      identityStorage()
      fake.site(app).identity = {system: true, userAssigned: []}
      try {
        const r = await chd(['deploy', appDir, '--app', app, '--force', '--json'], {env})
        assert.equal(r.code, 0, r.stderr)
        const s = fake.site(app).settings
        assert.match(s.WEBSITE_RUN_FROM_PACKAGE, /\/function-releases\/[^?]+\.zip$/)
        assert.equal(s.WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID, 'SystemAssigned')
        assert.equal(r.json().verify.worker, 'started')
      } finally {
        restore()
      }
    },
  )

  test(
    'AzureWebJobsStorage__clientId names a user-assigned identity: its resource id is set; an unknown one ' +
      'is refused before upload',
    async () => {
      identityStorage()
      const id =
        '/subscriptions/x/resourceGroups/demo-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/deployer'
      fake.site(app).identity = {system: false, userAssigned: [{id, clientId: '11111111-2222-3333-4444-555555555555'}]}
      try {
        fake.site(app).settings.AzureWebJobsStorage__clientId = '99999999-2222-3333-4444-555555555555'
        const refused = await chd(['deploy', appDir, '--app', app, '--force'], {env})
        assert.equal(refused.code, 1)
        assert.match(refused.stderr, /STORAGE_IDENTITY_NOT_ASSIGNED/)
        fake.site(app).settings.AzureWebJobsStorage__clientId = '11111111-2222-3333-4444-555555555555'
        const r = await chd(['deploy', appDir, '--app', app, '--force', '--json'], {env})
        assert.equal(r.code, 0, r.stderr)
        assert.equal(fake.site(app).settings.WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID, id)
        assert.equal(r.json().verify.worker, 'started')
      } finally {
        restore()
      }
    },
  )

  test('identity-based storage and no identity on the app: refused with the fix, nothing uploaded', async () => {
    identityStorage()
    try {
      const r = await chd(['deploy', appDir, '--app', app, '--force'], {env})
      assert.equal(r.code, 1)
      assert.match(r.stderr, /STORAGE_IDENTITY_MISSING[\s\S]*az functionapp identity assign/)
      assert.equal(since().filter((q) => q.method !== 'GET' && !/appsettings\/list/.test(q.path)).length, 0)
    } finally {
      restore()
    }
  })

  test(
    'a SAS-only connection string: uploaded with it, and the package URL carries it (never printed); one ' +
      'that cannot read is refused',
    async () => {
      const {
        AccountSASPermissions,
        AccountSASResourceTypes,
        AccountSASServices,
        generateAccountSASQueryParameters,
        StorageSharedKeyCredential,
      } = await import('@azure/storage-blob')
      const sas = (permissions: string) =>
        generateAccountSASQueryParameters(
          {
            permissions: AccountSASPermissions.parse(permissions),
            services: AccountSASServices.parse('b').toString(),
            resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
            expiresOn: new Date(Date.now() + 400 * 86_400_000),
            startsOn: new Date(Date.now() - 600_000),
          },
          new StorageSharedKeyCredential('demostore', STORAGE_KEY),
        ).toString()
      try {
        const good = sas('rwc')
        fake.site(app).settings.AzureWebJobsStorage = `BlobEndpoint=${fake.blobEndpoint};SharedAccessSignature=${good}`
        const r = await chd(['deploy', appDir, '--app', app, '--force', '--json'], {env})
        assert.equal(r.code, 0, r.stderr)
        assert.ok(fake.site(app).settings.WEBSITE_RUN_FROM_PACKAGE.endsWith(`?${good}`))
        assert.equal(r.json().verify.worker, 'started')
        assert.ok(
          !r.stdout.includes(new URLSearchParams(good).get('sig')!) &&
            !r.stderr.includes(new URLSearchParams(good).get('sig')!),
          'the SAS is not printed',
        )
        fake.site(app).settings.AzureWebJobsStorage =
          `BlobEndpoint=${fake.blobEndpoint};SharedAccessSignature=${sas('wc')}`
        const refused = await chd(['deploy', appDir, '--app', app, '--force'], {env})
        assert.equal(refused.code, 1)
        assert.match(refused.stderr, /STORAGE_SAS_INSUFFICIENT/)
      } finally {
        restore()
      }
    },
  )
})

describe(
  'Flex deployment outcomes other than success (core tools DeployStatus.cs, functions-action)',
  {skip: goSkip()},
  () => {
    for (const [status, code] of [
      [5, 'DEPLOY_CONFLICT'],
      [6, 'DEPLOYMENT_PARTIAL'],
      [-1, 'DEPLOYMENT_CANCELLED'],
    ] as const) {
      test(`status ${status} → ${code}, exit 5, with the deployment log`, async () => {
        fake.flexOutcome = {status, text: `outcome ${status} from the deployment service`}
        const r = await chd(['deploy', appDir, '--app', 'demo-flex', '--force'], {env})
        assert.equal(r.code, 5, r.stderr)
        assert.match(r.stderr, new RegExp(`Error \\[${code}\\]`))
        assert.match(r.stderr, new RegExp(`outcome ${status} from the deployment service`))
      })
    }
  },
)

describe('--no-wait', {skip: goSkip()}, () => {
  test('returns once the upload is accepted, with the deployment id, and sets the settings', async () => {
    fake.deployMs = 3000
    const r = await chd(['deploy', appDir, '--app', 'demo-linux-premium', '--no-wait', '--force', '--json'], {env})
    fake.deployMs = 150
    assert.equal(r.code, 0, r.stderr)
    const doc = r.json()
    assert.equal(doc.verify, undefined)
    const pending = fake.site('demo-linux-premium').deployments[0]
    assert.equal(pending.complete, false, 'chd did not wait for the deployment')
    assert.equal(doc.deployment.id, pending.id)
    assert.equal(fake.site('demo-linux-premium').settings.FUNCTIONS_WORKER_RUNTIME, 'custom')
    // Let that deployment finish (and lay out its content) before the next test, by state, not by time.
    const until = Date.now() + 30_000
    while (!(pending.complete && fake.site('demo-linux-premium').host.state === 'Running') && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    assert.ok(pending.complete)
  })
})

describe('--slot', {skip: goSkip()}, () => {
  test('a slot is its own site: the deploy goes to it, production is untouched, sticky settings stay', async () => {
    const prod = fake.site('demo-linux-premium')
    const staging = prod.slots.get('staging')!
    const before = {
      zip: prod.packageZip,
      settings: {...prod.settings},
      deployments: prod.deployments.length,
      syncs: prod.syncs,
    }
    const r = await chd(['deploy', appDir, '--app', 'demo-linux-premium', '--slot', 'staging', '--force', '--json'], {
      env,
    })
    assert.equal(r.code, 0, r.stderr)
    const arm = since().filter((q) => q.host === 'arm' && /\/sites\/demo-linux-premium\//.test(q.path))
    assert.ok(arm.length > 0)
    for (const q of arm) assert.match(q.path, /\/sites\/demo-linux-premium\/slots\/staging/, q.path)
    assert.equal(prod.packageZip, before.zip, 'production content untouched')
    assert.deepEqual(prod.settings, before.settings, 'production settings untouched')
    assert.equal(prod.deployments.length, before.deployments)
    assert.ok(staging.packageZip, 'the slot got the package')
    assert.equal(staging.settings.FUNCTIONS_WORKER_RUNTIME, 'custom')
    assert.equal(staging.settings.SLOT_ROLE, 'staging')
    const doc = r.json()
    assert.equal(doc.slot, 'staging')
    assert.equal(doc.verify.worker, 'started')
    assert.match(doc.verify.functions[0].url, new RegExp(`:${staging.sitePort}/api/hello$`))
  })
})

describe('verify: evidence that the handler started, not the host state', {skip: goSkip()}, () => {
  const crashing = handlerApp(
    nodeHandler(JSON_OK, "process.stderr.write('boom: cannot open config\\n'); process.exit(3)"),
  )

  test(
    'a crash-looping handler (host status Running) fails with HANDLER_EXITED and its stderr ' + 'line, exit 5',
    async () => {
      const dir = await makeApp(crashing)
      const r = await chd(['deploy', dir, '--app', 'demo-linux-dedicated', '--force'], {env})
      assert.equal(r.code, 5, r.stderr)
      assert.match(r.stderr, /Error \[HANDLER_EXITED\]/)
      assert.match(r.stderr, /exited with code 3: boom: cannot open config/)
      // The step that found it says so: a failure is never ticked.
      assert.match(r.stderr, /✖ verify/)
      assert.doesNotMatch(r.stderr, /✔ verify/)
      const json = await chd(['deploy', dir, '--app', 'demo-linux-dedicated', '--force', '--json'], {env})
      assert.equal(json.code, 5)
      const err = json.json().error
      assert.equal(err.code, 'HANDLER_EXITED')
      assert.equal(err.exit, 5)
    },
  )

  test('an arm64 build deployed anyway: EXECUTABLE_WRONG_ARCH from "Exec format error" in the exception', async () => {
    const dir = await makeApp(goodApp({copy: await goHandler('linux-arm64')}))
    const r = await chd(['deploy', dir, '--app', 'demo-linux-dedicated', '--force'], {env})
    assert.equal(r.code, 5, r.stderr)
    assert.match(r.stderr, /Error \[EXECUTABLE_WRONG_ARCH\]/)
  })

  test('no log source (Linux Consumption without App Insights): says so and exits 0; --smoke confirms it', async () => {
    await withoutSetting(fake.site('demo-linux-consumption'), 'APPLICATIONINSIGHTS_CONNECTION_STRING', async () => {
      const r = await chd(['deploy', appDir, '--app', 'demo-linux-consumption', '--force', '--json'], {env})
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.json().verify.worker, 'unconfirmed')
      assert.equal(r.json().verify.logSource, 'none')
      assert.match(r.json().verify.note, /no App Insights and its plan no log stream.*--smoke/)
      const smoke = await chd(
        ['deploy', appDir, '--app', 'demo-linux-consumption', '--force', '--smoke', '/api/hello', '--json'],
        {env},
      )
      assert.equal(smoke.code, 0, smoke.stderr)
      assert.equal(smoke.json().verify.worker, 'started')
      assert.equal(smoke.json().verify.evidence, 'GET /api/hello answered 200')
    })
  })

  test(
    'WebJobsScriptHostService.cs: a host that cannot start (host.json version 3.0) is in Error: ' +
      'HOST_NOT_RUNNING with its errors, exit 5',
    async () => {
      await withoutSetting(fake.site('demo-linux-consumption'), 'APPLICATIONINSIGHTS_CONNECTION_STRING', async () => {
        const dir = await makeApp(
          goodApp(
            {copy: await goHandler('linux-amd64')},
            {'host.json': {version: '3.0', customHandler: {description: {defaultExecutablePath: 'handler'}}}},
          ),
        )
        const r = await chd(['deploy', dir, '--app', 'demo-linux-consumption', '--force'], {env})
        assert.equal(r.code, 5, r.stderr)
        assert.match(
          r.stderr,
          /Error \[HOST_NOT_RUNNING\][\s\S]*the host is in Error: Microsoft\.Azure\.WebJobs\.Script: '3\.0' is an invalid value for host\.json 'version' property/,
        )
      })
    },
  )

  test('--smoke against a handler that never serves fails with exit 5', async () => {
    fake.hostTimeoutMs = 500
    try {
      await withoutSetting(fake.site('demo-linux-consumption'), 'APPLICATIONINSIGHTS_CONNECTION_STRING', async () => {
        const dir = await makeApp(crashing)
        const r = await chd(['deploy', dir, '--app', 'demo-linux-consumption', '--force', '--smoke', '/api/hello'], {
          env: {...env, CHD_VERIFY_WINDOW_MS: '8000'},
        })
        assert.equal(r.code, 5, r.stderr)
        assert.match(r.stderr, /Error \[SMOKE_FAILED\].*\n.*GET \/api\/hello answered (500|503)/)
      })
    } finally {
      fake.hostTimeoutMs = 10_000
    }
  })
})

/** chd's own temporary files in a TMPDIR (tsx keeps its cache there too). */
const ours = async (tmp: string) => (await readdir(tmp)).filter((f) => f.startsWith('chd-'))

describe('--timeout bounds the whole deploy', {skip: goSkip()}, () => {
  test('every request 8 s late: --timeout 10 ends near 10 s, DEPLOY_TIMEOUT names the step, nothing left', async () => {
    const tmp = await tempDir()
    const slow = {path: /./, times: Number.POSITIVE_INFINITY, delayMs: 8000}
    fake.inject(slow)
    const started = Date.now()
    try {
      const args = ['deploy', appDir, '-a', 'demo-linux-dedicated', '-g', 'demo-rg', '--timeout', '10', '--json']
      const r = await chd(args, {env: {...env, TMPDIR: tmp}})
      const seconds = (Date.now() - started) / 1000
      assert.equal(r.code, 5, r.stderr)
      const error = r.json().error
      assert.equal(error.code, 'DEPLOY_TIMEOUT')
      assert.equal(error.step, 'validate-remote')
      assert.match(error.message, /^validate-remote: --timeout \(10 s\) ran out while reading the app settings of /)
      // Generous for a busy machine; without the deadline this took 80 s and more.
      assert.ok(seconds < 30, `took ${seconds} s`)
      assert.deepEqual(await ours(tmp), [])
    } finally {
      fake.faults.splice(fake.faults.indexOf(slow), 1)
    }
  })

  test('SIGTERM during a slow request: exit 143 and no temporary package left', async () => {
    const tmp = await tempDir()
    // A read, so finishing late (after the test) changes nothing.
    const slow = {method: 'POST', path: /\/config\/appsettings\/list/, times: 1, delayMs: 20_000}
    fake.inject(slow)
    let child: ChildProcess | undefined
    const options = {
      env: {...env, TMPDIR: tmp},
      onSpawn: (c: ChildProcess) => {
        child = c
      },
    }
    const result = chd(['deploy', appDir, '--app', 'demo-linux-dedicated', '--force'], options)
    const until = Date.now() + 30_000
    while ((await ours(tmp)).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
    await new Promise((r) => setTimeout(r, 500))
    child!.kill('SIGTERM')
    const r = await result
    fake.faults.splice(fake.faults.indexOf(slow), 1)
    assert.equal(r.code, 143, r.stderr)
    assert.deepEqual(await ours(tmp), [])
  })
})
