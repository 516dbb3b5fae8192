import assert from 'node:assert/strict'
import type {ChildProcess} from 'node:child_process'
import {readdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, beforeEach, describe, test} from 'node:test'

import {goodApp, makeApp, tempDir} from './helpers/app.js'
import {chd} from './helpers/cli.js'
import {goHandler, goSkip} from './helpers/go.js'
import {dosZip, listZip} from './helpers/zip.js'
import {FakeAzure} from './fake-azure/server.js'

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
beforeEach(() => { mark = fake.requests.length })
const since = () => fake.requests.slice(mark)

async function deployedModes(zip: Buffer): Promise<Record<string, string>> {
  const file = path.join(await tempDir(), 'deployed.zip')
  await writeFile(file, zip)
  return Object.fromEntries((await listZip(file)).map((r) => [r.name, r.mode]))
}

function noSecrets(...texts: string[]) {
  for (const t of texts) assert.doesNotMatch(t, new RegExp(SECRET_VALUE), 'a secret value was printed')
}

describe('chd deploy against the local Azure fake', {skip: goSkip()}, () => {
  for (const [app, route] of [['demo-linux-dedicated', 'zipdeploy'], ['demo-linux-premium', 'zipdeploy'], ['demo-flex', 'publish'], ['demo-linux-consumption', 'run-from-package']] as const) {
    test(`${app}: ${route}, runtime custom, settings kept, handler still executable, URLs printed`, async () => {
      const settingsBefore = {...fake.site(app).settings}
      const r = await chd(['deploy', appDir, '--app', app, '--json'], {env})
      assert.equal(r.code, 0, r.stderr + r.stdout)
      const doc = r.json()
      assert.equal(doc.target.route, route)
      assert.equal(doc.package.uploaded, true)
      const site = fake.site(app)
      for (const k of Object.keys(settingsBefore)) assert.ok(k in site.settings, `${k} kept`)
      if (app === 'demo-flex') assert.equal(site.runtimeName, 'custom')
      else assert.equal(site.settings.FUNCTIONS_WORKER_RUNTIME, 'custom')
      if (route === 'run-from-package') {
        assert.match(site.settings.WEBSITE_RUN_FROM_PACKAGE, /function-releases\/.*-[0-9a-f]{64}\.zip\?.*sig=/)
        assert.ok(site.syncs > 0, 'triggers synced')
      }
      assert.equal((await deployedModes(site.packageZip!)).handler, '-rwxr-xr-x')
      assert.equal(doc.verify.hostState, 'Running')
      assert.deepEqual(doc.verify.functions.map((f: {name: string}) => f.name), ['hello'])
      noSecrets(r.stdout, r.stderr)
    })
  }

  test('a Windows app gets zipdeploy; text output lists the URL', async () => {
    const exe = await goHandler('windows-amd64')
    const dir = await makeApp({...goodApp({copy: exe}), 'host.json': {version: '2.0', customHandler: {description: {defaultExecutablePath: 'handler.exe'}}}, handler: '', 'handler.exe': {copy: exe}})
    const r = await chd(['deploy', dir, '--app', 'demo-windows'], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /windows dedicated \[Standard\] via zipdeploy/)
    assert.match(r.stdout, /hello: https:\/\/127\.0\.0\.1:\d+\/api\/hello/)
  })

  test('an unchanged redeploy uploads 0 bytes', async () => {
    await chd(['deploy', appDir, '--app', 'demo-linux-dedicated'], {env})
    mark = fake.requests.length
    const r = await chd(['deploy', appDir, '--app', 'demo-linux-dedicated', '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json().package.uploaded, false)
    assert.match(r.json().package.reason, /unchanged/)
    assert.equal(since().filter((q) => /zipdeploy|publish/.test(q.path)).length, 0)
    assert.equal(since().reduce((n, q) => n + (q.method === 'POST' && q.host === 'scm' ? q.bytes : 0), 0), 0)
  })

  test('--dry-run sends no write request and shows the settings diff without values', async () => {
    const r = await chd(['deploy', appDir, '--app', 'demo-linux-premium', '--dry-run', '--setting', `TOKEN=${SECRET_VALUE}`, '--force'], {env})
    assert.equal(r.code, 0, r.stderr)
    const writes = since().filter((q) => q.method !== 'GET' && !/\/config\/appsettings\/list\?/.test(q.path))
    assert.deepEqual(writes, [])
    assert.match(r.stdout, /\+ TOKEN = \*\*\*/)
    assert.match(r.stdout, /dry run: not uploaded/)
    noSecrets(r.stdout, r.stderr)
  })

  test('--setting and --settings-file are merged in; values never printed, also in --json', async () => {
    const file = path.join(await tempDir(), 'local.settings.json')
    await writeFile(file, JSON.stringify({IsEncrypted: false, Values: {FROM_FILE: 'yes', AzureWebJobsStorage: 'UseDevelopmentStorage=true', API_KEY: SECRET_VALUE}}))
    const r = await chd(['deploy', appDir, '--app', 'demo-linux-premium', '--settings-file', file, '--setting', 'EXTRA=1', '--json', '--force'], {env})
    assert.equal(r.code, 0, r.stderr)
    const s = fake.site('demo-linux-premium').settings
    assert.equal(s.FROM_FILE, 'yes')
    assert.equal(s.API_KEY, SECRET_VALUE)
    assert.equal(s.EXTRA, '1')
    assert.match(s.AzureWebJobsStorage, /^DefaultEndpointsProtocol=https/, 'the development storage value is not pushed')
    noSecrets(r.stdout, r.stderr)
  })

  test('a zip made on Windows (no Unix modes) still deploys with the execute bit', async () => {
    const zip = path.join(await tempDir(), 'win.zip')
    await dosZip(appDir, ['host.json', 'hello/function.json', 'handler'], zip)
    const r = await chd(['deploy', '--app', 'demo-linux-dedicated', '--package', zip, '--json', '--force'], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json().package.repacked, true)
    const modes = await deployedModes(fake.site('demo-linux-dedicated').packageZip!)
    assert.equal(modes.handler, '-rwxr-xr-x')
    assert.equal(modes['host.json'], '-rw-r--r--')
  })

  test('check errors stop the deploy before anything is sent', async () => {
    const dir = await makeApp(goodApp({copy: await goHandler('linux-arm64')}))
    const r = await chd(['deploy', dir, '--app', 'demo-linux-dedicated'], {env})
    assert.equal(r.code, 1)
    assert.match(r.stderr, /EXECUTABLE_WRONG_ARCH/)
    assert.deepEqual(since().filter((q) => q.method !== 'GET' && !/appsettings\/list/.test(q.path)), [])
  })

  test('a failed deployment shows Kudu\'s log and exits 5', async () => {
    const dir = await makeApp({'not-host.json': '{}', 'hello/function.json': {bindings: []}})
    const r = await chd(['deploy', dir, '--app', 'demo-linux-premium', '--force'], {env})
    assert.equal(r.code, 5, r.stderr)
    assert.match(r.stderr, /DEPLOYMENT_FAILED/)
    assert.match(r.stderr, /host\.json is missing/)
  })
})

describe('faults are survived or reported clearly', {skip: goSkip()}, () => {
  test('409 "deployment in progress" is waited out', async () => {
    fake.inject({method: 'POST', path: /^\/api\/zipdeploy/, times: 2, status: 409, headers: {'content-type': 'text/plain', 'retry-after': '1'}, body: 'There is a deployment currently in progress. Please try again when it completes.'})
    const r = await chd(['deploy', appDir, '--app', 'demo-linux-dedicated', '--force', '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(since().filter((q) => q.path.startsWith('/api/zipdeploy')).length, 3)
  })

  test('429 with Retry-After on ARM and 500 on a poll are retried by the SDK pipeline', async () => {
    fake.inject({method: 'GET', path: /\/sites\/demo-linux-dedicated\?/, times: 1, status: 429, headers: {'retry-after': '1'}})
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
    while (!fake.requests.slice(mark).some((q) => q.path.startsWith('/api/zipdeploy') && q.status === 202) && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
    fake.tokens.clear()
    const r = await started
    fake.tokens.add('chd-fake-token')
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
    const options = {env: {...env, TMPDIR: tmp}, onSpawn: (c: ChildProcess) => { child = c }}
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
    await new Promise((resolve) => setTimeout(resolve, 3200))
  })
})

describe('--slot', {skip: goSkip()}, () => {
  test('every ARM call goes to the slot', async () => {
    const r = await chd(['deploy', appDir, '--app', 'demo-linux-dedicated', '--slot', 'staging', '--force'], {env})
    assert.equal(r.code, 0, r.stderr)
    const arm = since().filter((q) => q.host === 'arm' && /\/sites\/demo-linux-dedicated\//.test(q.path))
    assert.ok(arm.length > 0)
    for (const q of arm) assert.match(q.path, /\/sites\/demo-linux-dedicated\/slots\/staging/, q.path)
  })
})
