import assert from 'node:assert/strict'
import https from 'node:https'
import {after, before, beforeEach, describe, test} from 'node:test'

import {FakeAzure} from './fake-azure/server.js'
import type {FakeSite} from './fake-azure/state.js'
import {makeApp} from './helpers/app.js'
import {chd} from './helpers/cli.js'
import {handlerApp, nodeHandler} from './helpers/handlers.js'
import {loadSchemas, schemaErrors} from './helpers/schemas.js'

/**
 * Releases through deployment slots against the fake, whose swap follows App Service's steps
 * (learn.microsoft.com deploy-staging-slots "Swap operation steps"; test/fake-azure/slots.ts).
 * Builds are real script handlers that answer with their version, so a call to production's URL
 * says which build serves it.
 */

let fake: FakeAzure
let env: Record<string, string>
const APP = 'demo-linux-premium'

before(async () => {
  fake = await new FakeAzure().start()
  env = {...fake.env(), CHD_SETTINGS_SETTLE_MS: '0', CHD_VERIFY_WINDOW_MS: '20000'}
})
after(() => fake.stop())
let mark = 0
beforeEach(() => {
  mark = fake.requests.length
})
const since = () => fake.requests.slice(mark)
const writes = () =>
  since().filter((q) => q.method !== 'GET' && !/\/list$|\/listkeys|\/query/i.test(q.path.split('?')[0]))

/** A build that answers GET /api/hello with its version, and exits at start when `crashIf` (JavaScript) holds. */
function build(version: string, crashIf?: string): Promise<string> {
  const start = crashIf
    ? `if (${crashIf}) {\n  process.stderr.write('cannot start: FEATURE_MODE ' + process.env.FEATURE_MODE + '\\n')\n` +
      '  process.exit(1)\n}\n'
    : ''
  const answer = `res.setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({Outputs: {res: {statusCode: 200, body: '${version}'}}}))`
  const listen = `${start}server.listen(Number(process.env.FUNCTIONS_CUSTOMHANDLER_PORT), '127.0.0.1')`
  return makeApp(handlerApp(nodeHandler(answer, listen)))
}

/** What the site's own URL answers now (production's, or a slot's). */
function call(site: FakeSite): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get({host: '127.0.0.1', port: site.sitePort, path: '/api/hello', ca: fake.tls.caPem}, (res) => {
        let text = ''
        res.on('data', (d) => {
          text += d
        })
        res.on('end', () => resolve(`${res.statusCode} ${text}`))
      })
      .on('error', reject)
  })
}

async function deploy(dir: string, ...args: string[]) {
  return chd(['deploy', dir, '--app', APP, '--force', '--json', ...args], {env})
}

describe('deploy --slot --swap and chd swap', () => {
  const prod = () => fake.site(APP)
  const staging = () => prod().slots.get('staging')!

  before(async () => {
    const r = await deploy(await build('v1'))
    assert.equal(r.code, 0, r.stderr)
    assert.equal(await call(prod()), '200 v1')
  })

  test('a healthy build deployed to staging and swapped: production serves it, sticky settings stay', async () => {
    const r = await deploy(await build('v2'), '--slot', 'staging', '--swap', '--smoke', '/api/hello')
    assert.equal(r.code, 0, r.stderr + r.stdout)
    const doc = r.json()
    assert.equal(doc.verify.worker, 'started')
    assert.deepEqual([doc.swap.source, doc.swap.target], ['staging', 'production'])
    // SLOT_ROLE is a slot setting that differs, so phase 1 restarted staging on production's value.
    assert.deepEqual(doc.swap.slotSettingsApplied, ['SLOT_ROLE'])
    assert.equal(doc.swap.verify.worker, 'started')
    assert.equal(doc.swap.content.sha256, doc.package.sha256, 'production runs the package deployed to staging')
    assert.deepEqual(doc.steps.map((s: {name: string}) => s.name).slice(-3), ['verify', 'swap', 'verify-swap'])
    assert.equal(await call(prod()), '200 v2')
    assert.equal(await call(staging()), '200 v1', 'staging has the previous production build')
    assert.deepEqual([prod().settings.SLOT_ROLE, staging().settings.SLOT_ROLE], ['production', 'staging'])
    assert.equal(since().filter((q) => /slotsswap/.test(q.path) && q.method === 'POST').length, 1)
  })

  test('chd swap rolls it back (swapping again); --json pinned by schemas/swap.schema.json', async () => {
    const r = await chd(['swap', '--app', APP, '--slot', 'staging', '--smoke', '/api/hello', '--json'], {env})
    assert.equal(r.code, 0, r.stderr + r.stdout)
    const doc = r.json()
    assert.equal(doc.action, 'swap')
    assert.equal(doc.verify.worker, 'started')
    assert.equal(await call(prod()), '200 v1')
    assert.equal(await call(staging()), '200 v2')
    assert.deepEqual([prod().settings.SLOT_ROLE, staging().settings.SLOT_ROLE], ['production', 'staging'])
  })

  test('a crashing build in staging is never swapped: production unchanged, exit 5', async () => {
    const r = await deploy(await build('v3', 'true'), '--slot', 'staging', '--swap')
    assert.equal(r.code, 5, r.stderr + r.stdout)
    assert.equal(r.json().error.code, 'HANDLER_EXITED')
    assert.equal(since().filter((q) => /slotsswap/i.test(q.path)).length, 0, 'no swap was asked for')
    assert.equal(await call(prod()), '200 v1')
  })

  test('production fails its verify after the swap: swapped back, SWAP_ROLLED_BACK, the old build serves', async () => {
    // A slot setting only production has, which the new build refuses: staging is fine, production is not.
    prod().settings.FEATURE_MODE = 'strict'
    staging().settings.FEATURE_MODE = 'lenient'
    prod().slotConfigNames.appSettingNames.push('FEATURE_MODE')
    try {
      const r = await deploy(await build('v4', "process.env.FEATURE_MODE === 'strict'"), '--slot', 'staging', '--swap')
      assert.equal(r.code, 5, r.stderr + r.stdout)
      const error = r.json().error
      assert.equal(error.code, 'SWAP_ROLLED_BACK')
      assert.match(error.message, /HANDLER_EXITED.*cannot start: FEATURE_MODE strict/s)
      const valid = loadSchemas().validator('error')
      assert.ok(valid(r.json()), schemaErrors(valid))
      const swap = error.deploy.swap
      assert.equal(swap.verify.worker, 'failed')
      assert.notEqual(swap.rolledBack.verify.worker, 'failed')
      assert.equal(since().filter((q) => /slotsswap/i.test(q.path) && q.method === 'POST').length, 2)
      assert.equal(await call(prod()), '200 v1')
      assert.equal(prod().settings.FEATURE_MODE, 'strict')
      assert.equal(staging().settings.FEATURE_MODE, 'lenient')
    } finally {
      prod().slotConfigNames.appSettingNames.splice(prod().slotConfigNames.appSettingNames.indexOf('FEATURE_MODE'), 1)
      delete prod().settings.FEATURE_MODE
      delete staging().settings.FEATURE_MODE
    }
  })

  test("--preview gives staging production's slot settings, --cancel resets them, --complete swaps", async () => {
    const base = ['swap', '--app', APP, '--slot', 'staging', '--smoke', '/api/hello', '--json']
    const preview = await chd([...base, '--preview'], {env})
    assert.equal(preview.code, 0, preview.stderr + preview.stdout)
    assert.equal(preview.json().verify.worker, 'started')
    assert.equal(staging().settings.SLOT_ROLE, 'production')
    assert.equal(await call(prod()), '200 v1', 'production untouched in phase 1')
    const cancel = await chd(['swap', '--app', APP, '--slot', 'staging', '--cancel', '--json'], {env})
    assert.equal(cancel.code, 0, cancel.stderr)
    assert.equal(staging().settings.SLOT_ROLE, 'staging')
    assert.equal((await chd([...base, '--preview'], {env})).code, 0)
    const complete = await chd([...base, '--complete'], {env})
    assert.equal(complete.code, 0, complete.stderr + complete.stdout)
    assert.equal(await call(prod()), '200 v4')
    assert.deepEqual([prod().settings.SLOT_ROLE, staging().settings.SLOT_ROLE], ['production', 'staging'])
    assert.equal((await chd(['swap', '--app', APP, '--slot', 'staging', '--no-verify'], {env})).code, 0)
    assert.equal(await call(prod()), '200 v1')
  })
})

describe('usage errors before anything is written', () => {
  for (const app of ['demo-linux-consumption', 'demo-flex']) {
    test(`${app}: --slot is SLOTS_UNSUPPORTED (exit 2), for deploy and chd swap`, async () => {
      const dir = await build('v1')
      const d = await chd(['deploy', dir, '--app', app, '--slot', 'staging', '--swap', '--json'], {env})
      assert.equal(d.code, 2, d.stderr + d.stdout)
      assert.equal(d.json().error.code, 'SLOTS_UNSUPPORTED')
      const s = await chd(['swap', '--app', app, '--slot', 'staging'], {env})
      assert.equal(s.code, 2, s.stderr)
      assert.match(s.stderr, /Error \[SLOTS_UNSUPPORTED\]: .* which has no deployment slots/)
      assert.deepEqual(writes(), [])
    })
  }

  test('--swap needs --slot; a target that is the source, or a slot that does not exist, is refused', async () => {
    const dir = await build('v1')
    const noSlot = await chd(['deploy', dir, '--app', APP, '--swap'], {env})
    assert.equal(noSlot.code, 2)
    assert.match(noSlot.stderr, /--slot/)
    const same = await chd(['swap', '--app', APP, '--slot', 'staging', '--target-slot', 'staging', '--json'], {env})
    assert.equal(same.code, 2)
    assert.equal(same.json().error.code, 'SWAP_TARGET_INVALID')
    const missing = await chd(['deploy', dir, '--app', APP, '--slot', 'stagign', '--json'], {env})
    assert.equal(missing.code, 4)
    assert.equal(missing.json().error.code, 'SLOT_NOT_FOUND')
    assert.match(missing.json().error.suggestions[0], /staging/)
    assert.deepEqual(writes(), [])
  })
})
