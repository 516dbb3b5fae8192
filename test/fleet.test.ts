import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, beforeEach, describe, test} from 'node:test'

import {listApps} from '../src/deploy/apps-file.js'
import {Steps} from '../src/deploy/steps.js'
import {ChdError} from '../src/errors.js'
import {silentProgress} from '../src/progress.js'
import {fleetDisplay} from '../src/ui/fleet.js'
import {FakeAzure} from './fake-azure/server.js'
import {goodApp, hostJson, makeApp, tempDir} from './helpers/app.js'
import {chd} from './helpers/cli.js'
import {goHandler, goSkip} from './helpers/go.js'
import {dosZip} from './helpers/zip.js'

// host.json names the executable by an app setting, so one package serves Linux and Windows apps (and one
// app can be made to crash): %VAR% in defaultExecutablePath expands from the app's settings
// (HttpWorkerOptionsSetup, as the fake host does it).
const EXE_SETTING = 'HANDLER_EXE'

async function appsFile(text: string): Promise<string> {
  const file = path.join(await tempDir(), 'apps.txt')
  await writeFile(file, text)
  return file
}

describe('--apps-file and the list of apps', () => {
  test('NAME [RESOURCE_GROUP] [SLOT] a line, # comments, blank lines, - for no group; flags fill in', async () => {
    const file = await appsFile('# regions\n\nfunc-weu  rg-weu\r\nfunc-eus - staging   # east\n  func-win\n')
    assert.deepEqual(await listApps(['func-cli'], file, {resourceGroup: 'rg-default'}), [
      {name: 'func-cli', resourceGroup: 'rg-default', slot: undefined},
      {name: 'func-weu', resourceGroup: 'rg-weu', slot: undefined},
      {name: 'func-eus', resourceGroup: 'rg-default', slot: 'staging'},
      {name: 'func-win', resourceGroup: 'rg-default', slot: undefined},
    ])
  })

  for (const [text, line, why] of [
    ['ok-app\nfunc one two three\n', 2, /4 fields; an app line has at most 3/],
    ['# x\nfunc_under rg\n', 2, /"func_under" is not a function app name/],
    ['ok-app rg/with/slash\n', 1, /"rg\/with\/slash" is not a resource group name/],
    ['ok-app rg slot.dot\n', 1, /"slot\.dot" is not a slot name/],
  ] as const) {
    test(`a bad line is a usage error naming file:line and the fix: ${why.source}`, async () => {
      const file = await appsFile(text)
      await assert.rejects(listApps([], file, {}), (error: ChdError) => {
        assert.equal(error.code, 'APPS_FILE_INVALID')
        assert.equal(error.exit, 2)
        assert.equal(error.location, `${file}:${line}`)
        assert.match(error.message, new RegExp(`^${file.replaceAll('.', '\\.')}:${line}: `))
        assert.match(error.message, why)
        assert.match(error.suggestions[0], /NAME \[RESOURCE_GROUP\] \[SLOT\]/)
        return true
      })
    })
  }

  test('an empty file, no app at all, and an app named twice are usage errors', async () => {
    const empty = await appsFile('# nothing yet\n\n')
    await assert.rejects(listApps([], empty, {}), {code: 'APPS_FILE_INVALID', exit: 2})
    await assert.rejects(listApps([], undefined, {}), {code: 'APP_REQUIRED', exit: 2})
    const twice = await appsFile('func-a\n')
    await assert.rejects(listApps(['FUNC-A'], twice, {}), {code: 'APP_LISTED_TWICE', exit: 2})
    // Another slot of the same app is another site.
    assert.equal((await listApps(['func-a'], await appsFile('func-a - staging\n'), {})).length, 2)
  })

  test('the CLI: a bad --apps-file exits 2 before anything is deployed, naming file:line', async () => {
    const file = await appsFile('good-app\nbad_app\n')
    const r = await chd(['deploy', '--apps-file', file, '--json'], {env: {CHD_ARM_ENDPOINT: 'https://127.0.0.1:9'}})
    assert.equal(r.code, 2, r.stderr)
    assert.equal(r.json().error.code, 'APPS_FILE_INVALID')
    assert.equal(r.json().error.location, `${file}:2`)
  })
})

describe('--fail-fast between steps (src/deploy/steps.ts)', () => {
  const work = (log: string[], name: string) => () => {
    log.push(name)
    return Promise.resolve({value: undefined, detail: ''})
  }

  test('stopped: nothing starts; an upload is still followed by activate (no new content, old settings)', async () => {
    const stop = new AbortController()
    const reason = new ChdError('SKIPPED', 'stopped')
    const log: string[] = []
    const steps = new Steps(silentProgress, stop.signal)
    await steps.run('validate-remote', work(log, 'validate-remote'))
    await steps.run('upload', () => {
      stop.abort(reason)
      return work(log, 'upload')()
    })
    await steps.run('activate', work(log, 'activate'))
    await assert.rejects(steps.run('verify', work(log, 'verify')), (e) => e === reason)
    assert.deepEqual(log, ['validate-remote', 'upload', 'activate'])

    const early = new Steps(silentProgress, stop.signal)
    await assert.rejects(early.run('validate-remote', work(log, 'never')), (e) => e === reason)
    await assert.rejects(early.run('activate', work(log, 'never')), (e) => e === reason)
    assert.ok(!log.includes('never'))
  })
})

describe('the live table on a terminal (src/ui/fleet.ts)', () => {
  test('one row per app (plan and route, step, upload %, result), redrawn in place over the last frame', () => {
    const writes: string[] = []
    const stream = {isTTY: true, columns: 100, write: (s: string) => writes.push(s)} as unknown as NodeJS.WriteStream
    const ci = process.env.CI
    delete process.env.CI
    try {
      const display = fleetDisplay({json: false, stream})
      const a = {name: 'func-weu'}
      const b = {name: 'func-win', slot: 'staging'}
      const upload = display.app(a).step('upload')
      display.app(b).step('validate-remote').fail()
      display.target!(a, 'linux consumption, run-from-package')
      upload.update('42% of 3.7 MB, 12.0 MB/s')
      display.ended!(b, {ref: b, error: new ChdError('APP_NOT_FOUND', 'no such app')})
      display.close()
      const first = writes.at(-1)!
      assert.ok(!first.includes('\u001B['), 'the first frame moves nothing')
      assert.match(first, /^APP +PLAN \/ ROUTE +STEP +% +RESULT\n/)
      assert.match(first, /\nfunc-weu +linux consumption, run-from-package +upload +42% *\n/)
      assert.match(first, /\nfunc-win\/staging +validate-remote ✖ +✖ APP_NOT_FOUND\n/)
      upload.succeed('3.7 MB')
      display.ended!(a, {ref: a})
      display.close()
      const second = writes.at(-1)!
      // Back up over the 3 lines of the last frame, erase them, draw again.
      assert.ok(second.startsWith('\u001B[3F\u001B[0J'), JSON.stringify(second.slice(0, 12)))
      assert.match(second, /\nfunc-weu +linux consumption, run-from-package +upload ✔ \d+ ms +✔\n/)
    } finally {
      if (ci !== undefined) process.env.CI = ci
    }
  })
})

describe('chd deploy --app A --app B …: one package to many apps', {skip: goSkip()}, () => {
  let fake: FakeAzure
  let env: Record<string, string>
  let appDir: string
  let mark = 0
  before(async () => {
    fake = await new FakeAzure().start()
    env = {...fake.env(), CHD_SETTINGS_SETTLE_MS: '0', CHD_VERIFY_WINDOW_MS: '3000'}
    const linux = await goHandler('linux-amd64')
    appDir = await makeApp(
      goodApp(
        {copy: linux},
        {
          'host.json': hostJson({defaultExecutablePath: `%${EXE_SETTING}%`}),
          'handler.exe': {copy: await goHandler('windows-amd64')},
          'crash.sh': {content: '#!/bin/sh\necho "boom: cannot open config" >&2\nexit 3\n', mode: 0o755},
        },
      ),
    )
    for (const site of fake.allSites()) site.settings[EXE_SETTING] = site.linux ? 'handler' : 'handler.exe'
  })
  after(() => fake.stop())
  beforeEach(() => {
    mark = fake.requests.length
  })

  test('three plans, one package (one sha256, one pack), one blob upload for two apps on one storage', async () => {
    const second = await fake.addSite({
      name: 'fleet-consumption-2',
      plan: 'consumption',
      linux: true,
      settings: {...fake.site('demo-linux-consumption').settings},
    })
    const blobPuts = () => fake.azurite!.log.filter((l) => /"PUT \/demostore\/function-releases\/[^?" ]+\.zip/.test(l))
    const putsBefore = blobPuts().length
    const apps = ['demo-linux-dedicated', 'demo-windows', 'demo-linux-consumption', second.name]
    const r = await chd(['deploy', appDir, ...apps.flatMap((a) => ['--app', a]), '--json'], {env})
    assert.equal(r.code, 0, r.stderr + r.stdout)
    const doc = r.json()
    assert.equal(doc.ok, true)
    assert.deepEqual(
      doc.apps.map((a: {app: string; ok: boolean; target: {route: string}}) => [a.app, a.ok, a.target.route]),
      [
        ['demo-linux-dedicated', true, 'zipdeploy'],
        ['demo-windows', true, 'zipdeploy'],
        ['demo-linux-consumption', true, 'run-from-package'],
        ['fleet-consumption-2', true, 'run-from-package'],
      ],
    )
    // One pack: every app got the very bytes of the one package, whose sha256 the document names.
    for (const app of apps) {
      const zip = fake.site(app).packageZip!
      assert.equal(createHash('sha256').update(zip).digest('hex'), doc.package.sha256, app)
    }
    for (const a of doc.apps) assert.equal(a.package.sha256, doc.package.sha256)
    // The Windows app was judged for Windows (its handler.exe), the Linux ones for Linux.
    const local = (a: {steps: Array<{name: string; detail: string}>}) =>
      a.steps.find((s) => s.name === 'validate-local')
    assert.match(local(doc.apps[1])!.detail, /^Windows dedicated: 0 error/)
    assert.match(local(doc.apps[0])!.detail, /^Linux dedicated: 0 error/)
    // Judged once per distinct target: the two Consumption apps share a judgement.
    const judged = doc.judgements.map((apps: string[]) => apps.sort().join(' ')).sort()
    assert.deepEqual(judged, ['demo-linux-consumption fleet-consumption-2', 'demo-linux-dedicated', 'demo-windows'])
    // Both Consumption apps run from the one blob, uploaded once.
    assert.equal(blobPuts().length - putsBefore, 1, blobPuts().join('\n'))
    assert.equal(
      second.settings.WEBSITE_RUN_FROM_PACKAGE,
      fake.site('demo-linux-consumption').settings.WEBSITE_RUN_FROM_PACKAGE,
    )
    const upload = (a: {steps: Array<{name: string; detail: string}>}) =>
      a.steps.find((s) => s.name === 'upload')!.detail
    assert.equal(doc.apps.slice(2).filter((a: never) => /already in function-releases/.test(upload(a))).length, 1)
    assert.equal(doc.apps[0].verify.worker, 'started')
  })

  test('one failing app among three: the others deploy, every app is reported, exit is the highest class', async () => {
    const premium = fake.site('demo-linux-premium')
    premium.settings[EXE_SETTING] = 'crash.sh'
    try {
      const args = ['deploy', appDir, '--app', 'demo-linux-premium', '--app', 'no-such-app', '--app', 'demo-flex']
      const r = await chd([...args, '--force', '--json'], {env})
      assert.equal(r.code, 5, r.stderr)
      const doc = r.json()
      assert.equal(doc.ok, false)
      const [crashed, missing, flex] = doc.apps
      assert.deepEqual([crashed.ok, crashed.error.code, crashed.error.exit], [false, 'HANDLER_EXITED', 5])
      assert.match(crashed.error.message, /exited with code 3: boom: cannot open config/)
      assert.equal(crashed.deploy.verify.worker, 'failed')
      assert.deepEqual([missing.ok, missing.error.code, missing.error.exit], [false, 'APP_NOT_FOUND', 4])
      assert.match(missing.error.fix, /Check the name/)
      assert.deepEqual([flex.ok, flex.verify.worker], [true, 'started'])
      assert.equal(fake.site('demo-flex').runtimeName, 'custom')
    } finally {
      premium.settings[EXE_SETTING] = 'handler'
    }
  })

  test('--fail-fast: after the first failure no other app starts; they are reported as skipped', async () => {
    const args = ['deploy', appDir, '--app', 'no-such-app', '--app', 'demo-linux-dedicated', '--app', 'demo-flex']
    const r = await chd([...args, '--parallel', '1', '--fail-fast', '--force', '--json'], {env})
    assert.equal(r.code, 4, r.stderr)
    const doc = r.json()
    assert.deepEqual(
      doc.apps.map((a: {app: string; skipped?: boolean; error: {code: string}}) => [a.app, a.skipped, a.error.code]),
      [
        ['no-such-app', undefined, 'APP_NOT_FOUND'],
        ['demo-linux-dedicated', true, 'SKIPPED'],
        ['demo-flex', true, 'SKIPPED'],
      ],
    )
    assert.match(doc.apps[1].error.message, /^not deployed: --fail-fast stopped/)
    const writes = fake.requests.slice(mark).filter((q) => q.method !== 'GET' && !/\/list\b|\/list\?/.test(q.path))
    assert.deepEqual(writes, [], 'nothing was written')
  })

  test('a modes-less zip, apps naming different executables: refused, two packages needed', async () => {
    const zip = path.join(await tempDir(), 'win.zip')
    await dosZip(appDir, ['host.json', 'hello/function.json', 'handler', 'crash.sh'], zip)
    const premium = fake.site('demo-linux-premium')
    premium.settings[EXE_SETTING] = 'crash.sh'
    try {
      const args = ['deploy', '--package', zip, '--app', 'demo-linux-dedicated', '--app', 'demo-linux-premium']
      const r = await chd([...args, '--dry-run', '--json'], {env})
      assert.equal(r.code, 2, r.stderr)
      for (const a of r.json().apps) {
        assert.equal(a.error.code, 'FLEET_PACKAGES_DIFFER')
        assert.match(a.error.message, /handler, crash\.sh|crash\.sh, handler/)
      }
      // One executable for both: one package, with the modes added.
      premium.settings[EXE_SETTING] = 'handler'
      const same = await chd([...args, '--dry-run', '--json'], {env})
      assert.equal(same.code, 0, same.stderr)
      assert.equal(same.json().apps[1].package.repacked, true)
    } finally {
      premium.settings[EXE_SETTING] = 'handler'
    }
  })

  test('--parallel 1: one app after the other, in the order given; CI lines carry the app name', async () => {
    const args = ['deploy', appDir, '--app', 'demo-flex', '--app', 'demo-linux-dedicated', '--parallel', '1']
    const r = await chd([...args, '--force'], {env: {...env, CI: 'true'}})
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stderr.split('\n')
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l))
    assert.ok(at(/^\[demo-flex\] ✔ validate-remote/) < at(/^\[demo-linux-dedicated\] - validate-remote/))
    assert.ok(at(/^\[demo-flex\] ✔ verify/) < at(/^\[demo-linux-dedicated\] - package/), r.stderr)
    // The pack is one step of the fleet, not of an app.
    assert.equal(lines.filter((l) => /^✔ package: .*, once for 2 apps/.test(l)).length, 1, r.stderr)
    assert.match(r.stdout, /^demo-flex \(demo-rg\): linux flex/m)
    assert.match(r.stdout, /\n2 apps: one package \(sha256 [0-9a-f]{12}…\), 2 deployed, 0 failed\n$/)
  })
})
