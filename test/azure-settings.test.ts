import assert from 'node:assert/strict'
import {createHash, createHmac} from 'node:crypto'
import {readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {connect} from '../src/azure/arm.js'
import {staticTokenCredential} from '../src/azure/credential.js'
import {readSettings, updateSettings} from '../src/azure/settings.js'
import {resolveSite} from '../src/azure/site.js'
import {unusedPort} from '../src/host/launch.js'
import {FakeAzure, SUBSCRIPTION} from './fake-azure/server.js'
import {tempDir} from './helpers/app.js'
import {chd} from './helpers/cli.js'

let fake: FakeAzure
let env: Record<string, string>
before(async () => {
  fake = await new FakeAzure().start()
  env = {...fake.env(), CHD_CONFIG_DIR: await tempDir()}
})
after(() => fake.stop())

/** A seeded generator, so a failing interleaving can be replayed. */
function random(seed: number): (n: number) => number {
  return (n) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n
}

const ctxFor = () =>
  connect({
    armEndpoint: fake.armEndpoint,
    subscription: SUBSCRIPTION,
    credential: staticTokenCredential('chd-fake-token'),
    ca: fake.tls.caPem,
  })

describe('Azure connection through the real SDK clients against the fake', () => {
  test('detects plan and OS for every demo app, and the Kudu host from ARM', async () => {
    const ctx = await ctxFor()
    const seen: Record<string, string> = {}
    for (const name of [
      'demo-linux-dedicated',
      'demo-linux-premium',
      'demo-linux-consumption',
      'demo-flex',
      'demo-windows',
    ]) {
      const site = await resolveSite(ctx, name)
      seen[name] = `${site.linux ? 'linux' : 'windows'}/${site.plan}`
      assert.equal(site.resourceGroup, 'demo-rg')
      assert.equal(site.scmHost, `127.0.0.1:${fake.site(name).scmPort}`)
    }
    assert.deepEqual(seen, {
      'demo-linux-dedicated': 'linux/dedicated',
      'demo-linux-premium': 'linux/premium',
      'demo-linux-consumption': 'linux/consumption',
      'demo-flex': 'linux/flex',
      'demo-windows': 'windows/dedicated',
    })
    assert.equal((await resolveSite(ctx, 'demo-flex')).flexRuntime, 'node')
  })

  test('an ambiguous name lists the candidates; a missing one exits 4', async () => {
    await fake.addSite({name: 'twin', plan: 'dedicated', linux: true, settings: {}, resourceGroup: 'rg-a'})
    await fake.addSite({name: 'twin', plan: 'dedicated', linux: true, settings: {}, resourceGroup: 'rg-b'})
    const ctx = await ctxFor()
    await assert.rejects(
      resolveSite(ctx, 'twin'),
      (e: any) => e.code === 'APP_AMBIGUOUS' && /rg-a/.test(e.message) && /rg-b/.test(e.message),
    )
    await assert.rejects(resolveSite(ctx, 'ghost'), (e: any) => e.code === 'APP_NOT_FOUND' && e.exit === 4)
    await assert.rejects(
      resolveSite(ctx, 'ghost', 'demo-rg'),
      (e: any) => e.exit === 4 && /ResourceNotFound|was not found/.test(e.message) && /request id/.test(e.message),
    )
  })

  test("a rejected token exits 3 with Azure's message", async () => {
    const ctx = await connect({
      armEndpoint: fake.armEndpoint,
      subscription: SUBSCRIPTION,
      credential: staticTokenCredential('stale'),
      ca: fake.tls.caPem,
    })
    await assert.rejects(resolveSite(ctx, 'demo-flex', 'demo-rg'), (e: any) => e.exit === 3 && /401/.test(e.message))
  })
})

describe('settings are merged, never replaced', () => {
  test('set keeps every existing setting; unset removes only what was named', async () => {
    const ctx = await ctxFor()
    const site = await resolveSite(ctx, 'demo-linux-premium')
    const beforeKeys = Object.keys(await readSettings(ctx, site))
    const r = await updateSettings(ctx, site, {set: {FUNCTIONS_WORKER_RUNTIME: 'custom', NEW_ONE: 'x'}}, {settleMs: 0})
    assert.deepEqual(r.diff.added, ['NEW_ONE'])
    assert.deepEqual(r.diff.changed, ['FUNCTIONS_WORKER_RUNTIME'])
    assert.deepEqual(r.diff.removed, [])
    for (const k of beforeKeys) assert.ok(k in r.after, `${k} kept`)
    const u = await updateSettings(ctx, site, {unset: ['NEW_ONE']}, {settleMs: 0})
    assert.deepEqual(u.diff.removed, ['NEW_ONE'])
    assert.equal(Object.keys(u.after).length, beforeKeys.length)
  })

  test('two merge-safe writers at random offsets: no setting lost (50 interleavings)', async () => {
    const ctx = await ctxFor()
    const rand = random(7)
    for (let trial = 0; trial < 50; trial++) {
      const name = `race-${trial}`
      const s = await fake.addSite({name, plan: 'dedicated', linux: true, settings: {KEEP_1: 'a', KEEP_2: 'b'}})
      const site = {name, resourceGroup: 'demo-rg'}
      const later = (ms: number) => new Promise((r) => setTimeout(r, ms))
      await Promise.all([
        later(rand(30)).then(() =>
          updateSettings(ctx, site, {set: {OURS: String(trial), FUNCTIONS_WORKER_RUNTIME: 'custom'}}, {settleMs: 80}),
        ),
        later(rand(30)).then(() =>
          updateSettings(ctx, site, {set: {THEIRS: String(trial)}, unset: ['KEEP_2']}, {settleMs: 80}),
        ),
      ])
      assert.deepEqual(
        Object.keys(s.settings).sort(),
        ['FUNCTIONS_WORKER_RUNTIME', 'KEEP_1', 'OURS', 'THEIRS'],
        `trial ${trial}: ${s.settingsWrites} writes`,
      )
    }
  })

  test('a writer that PUTs a stale copy never removes our change or what existed before', async () => {
    const ctx = await ctxFor()
    const rand = random(11)
    for (let trial = 0; trial < 50; trial++) {
      const name = `stale-${trial}`
      const s = await fake.addSite({name, plan: 'dedicated', linux: true, settings: {KEEP_1: 'a', KEEP_2: 'b'}})
      // A portal-style edit: read, wait, write the copy back with one more key. Its whole cycle
      // fits in our settle window. (Its own key can be lost: it does not check its write.)
      const other = (async () => {
        await new Promise((r) => setTimeout(r, rand(40)))
        const stale = {...s.settings}
        await new Promise((r) => setTimeout(r, rand(25)))
        s.settings = {...stale, THEIRS: String(trial)}
        s.settingsWrites++
      })()
      await Promise.all([
        other,
        updateSettings(ctx, {name, resourceGroup: 'demo-rg'}, {set: {OURS: String(trial)}}, {settleMs: 120}),
      ])
      for (const k of ['KEEP_1', 'KEEP_2', 'OURS']) assert.ok(k in s.settings, `trial ${trial}: ${k} lost`)
    }
  })
})

describe('chd settings through the CLI', () => {
  test('list hides values (text and JSON); --show-values shows them; set/unset print keys only', async () => {
    const list = await chd(['settings', 'list', '--app', 'demo-linux-dedicated'], {env})
    assert.equal(list.code, 0, list.stderr)
    assert.match(list.stdout, /DATABASE_URL\s+\*\*\*/)
    assert.doesNotMatch(list.stdout + list.stderr, /s3cret-password/)
    const json = await chd(['settings', 'list', '--app', 'demo-linux-dedicated', '--json'], {env})
    assert.equal(json.json().settings.DATABASE_URL, '***')
    assert.doesNotMatch(json.stdout, /s3cret-password/)
    const shown = await chd(['settings', 'list', '--app', 'demo-linux-dedicated', '--show-values', '--json'], {env})
    assert.match(shown.json().settings.DATABASE_URL, /s3cret-password/)
    const set = await chd(['settings', 'set', '--app', 'demo-windows', 'TOKEN=hunter2-secret', 'GREETING=hi'], {
      env: {...env, CHD_SETTINGS_SETTLE_MS: '0'},
    })
    assert.equal(set.code, 0, set.stderr)
    assert.match(set.stdout, /\+ TOKEN = \*\*\*/)
    assert.match(set.stdout, /~ GREETING = \*\*\*/)
    assert.doesNotMatch(set.stdout + set.stderr, /hunter2/)
    assert.equal(fake.site('demo-windows').settings.DATABASE_URL, 'postgres://app:s3cret-password@db.internal/app')
    const bad = await chd(['settings', 'set', '--app', 'demo-windows', 'NOEQUALS'], {env})
    assert.equal(bad.code, 2)
    const missing = await chd(['settings', 'list', '--app', 'nope'], {env})
    assert.equal(missing.code, 4)
    assert.match(missing.stderr, /APP_NOT_FOUND/)
  })
})

describe('secrets stay secret', () => {
  test('DEBUG=* prints the command line, but no setting value from it', async () => {
    // Nothing listens there: each command fails after it has printed its debug lines.
    const nowhere = `https://127.0.0.1:${await unusedPort()}`
    const noAzure = {DEBUG: '*', CHD_ARM_ENDPOINT: nowhere, CHD_ACCESS_TOKEN: 'x', AZURE_SUBSCRIPTION_ID: SUBSCRIPTION}
    const quiet = {env: noAzure}
    const set = await chd(['settings', 'set', '--app', 'x', '-g', 'rg', 'K=s3cret-one', 'OTHER=s3cret-two'], quiet)
    const settings = ['--setting', 'K=s3cret-3', '--setting=J=s3cret-4']
    const deploy = await chd(['deploy', 'examples/hello-node', '-a', 'x', '-g', 'rg', ...settings], quiet)
    for (const r of [set, deploy]) {
      assert.notEqual(r.code, 0)
      assert.match(r.stderr, /oclif:main process\.argv/, 'debug output is on')
      assert.match(r.stderr, /K=\*\*\*/)
      assert.doesNotMatch(r.stdout + r.stderr, /s3cret/)
    }
  })

  test('a malformed KEY=VALUE is refused without echoing it', async () => {
    for (const arg of ['=s3cret-value', 's3cret-value']) {
      const r = await chd(['settings', 'set', '--app', 'demo-windows', 'OK=1', arg], {env})
      assert.equal(r.code, 2, r.stderr)
      assert.match(r.stderr, /^Error \[INVALID_SETTING\]: /m)
      assert.doesNotMatch(r.stdout + r.stderr, /s3cret/)
    }
  })

  test('setting names the platform refuses: control characters anywhere, more on Linux', async () => {
    const linux = await chd(['settings', 'set', '--app', 'demo-linux-dedicated', 'Logging:Level=debug'], {env})
    assert.equal(linux.code, 2, linux.stderr)
    assert.match(linux.stderr, /names the app would refuse: "Logging:Level" holds characters a Linux app refuses/)
    assert.match(linux.stderr, /Try this: On Linux, write a nested key a:b as a__b/)
    const noSettle = {env: {...env, CHD_SETTINGS_SETTLE_MS: '0'}}
    const windows = await chd(['settings', 'set', '--app', 'demo-windows', 'Logging:Level=debug'], noSettle)
    assert.equal(windows.code, 0, windows.stderr)
    assert.equal(fake.site('demo-windows').settings['Logging:Level'], 'debug')
    const control = await chd(['settings', 'set', '--app', 'demo-windows', 'A\u0007B=1'], {env})
    assert.equal(control.code, 2, control.stderr)
    assert.match(control.stderr, /"A\\u0007B" holds a control character/)
    const dryRun = ['deploy', 'examples/hello-node', '-a', 'demo-linux-dedicated', '--dry-run']
    const deploy = await chd([...dryRun, '--setting', 'my-key=1'], {env})
    assert.equal(deploy.code, 2, deploy.stderr)
    assert.match(deploy.stderr, /"my-key" holds characters a Linux app refuses/)
  })

  test('fingerprints are a keyed HMAC: stable for one user, not a plain hash anyone could brute-force', async () => {
    const home = await tempDir()
    const list = async (dir: string) => {
      const r = await chd(['settings', 'list', '-a', 'demo-linux-dedicated', '--json'], {
        env: {...env, CHD_CONFIG_DIR: dir},
      })
      return r.json().fingerprints
    }
    const first = await list(home)
    assert.match(first.GREETING, /^[0-9a-f]{16}$/)
    assert.deepEqual(await list(home), first)
    const key = await readFile(path.join(home, 'fingerprint.key'))
    assert.equal((await stat(path.join(home, 'fingerprint.key'))).mode & 0o777, 0o600)
    const value = fake.site('demo-linux-dedicated').settings.GREETING
    assert.equal(first.GREETING, createHmac('sha256', key).update(value).digest('hex').slice(0, 16))
    assert.notEqual(first.GREETING.slice(0, 8), createHash('sha256').update(value).digest('hex').slice(0, 8))
    assert.notEqual((await list(await tempDir())).GREETING, first.GREETING, 'another user, another key')
    const text = await chd(['settings', 'list', '--app', 'demo-linux-dedicated'], {env: {...env, CHD_CONFIG_DIR: home}})
    assert.match(text.stdout, new RegExp(`GREETING\\s+\\*\\*\\*\\s+\\(hmac:${first.GREETING}\\)`))
  })
})
