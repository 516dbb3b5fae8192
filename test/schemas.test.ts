import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {DeployStatus, namedStatus} from '../src/azure/kudu.js'
import {CATALOGUE} from '../src/checks/catalogue.js'
import {FakeAzure} from './fake-azure/server.js'
import {goodApp, hostJson, makeApp, tempDir} from './helpers/app.js'
import {chd} from './helpers/cli.js'
import {goHandler, goSkip} from './helpers/go.js'
import {handlerApp, JSON_OK, nodeHandler} from './helpers/handlers.js'
import {loadSchemas, SCHEMA_DIR, schemaErrors} from './helpers/schemas.js'
import {startServer} from './helpers/start.js'

// Real outputs of the real CLI, checked against the contracts in schemas/: a field renamed, dropped or
// added in src/ fails here until the schema says so too.
const schemas = loadSchemas()

function assertValid(name: string, doc: unknown, what: string): void {
  const v = schemas.validator(name)
  if (!v(doc)) {
    assert.fail(
      `${what} does not match schemas/${name}.schema.json:\n${schemaErrors(v)}\n` +
        `${JSON.stringify(doc).slice(0, 2000)}\n(change the schema with the output, and say so in the README)`,
    )
  }
}

const APP = handlerApp(nodeHandler(`console.log('serving ' + req.url); ${JSON_OK}`))

describe('the schemas themselves', () => {
  test('every schema compiles strictly and says what it is; every property has a description', () => {
    assert.ok(schemas.names.length >= 14, schemas.names.join())
    for (const name of schemas.names) {
      const doc = JSON.parse(readFileSync(path.join(SCHEMA_DIR, name), 'utf8'))
      assert.equal(doc.$schema, 'https://json-schema.org/draft/2020-12/schema', name)
      assert.equal(doc.$id, name)
      assert.ok(doc.description, `${name} has no description`)
      const undescribed: string[] = []
      const walk = (node: unknown, where: string) => {
        if (!node || typeof node !== 'object') return
        const props = (node as {properties?: Record<string, Record<string, unknown>>}).properties
        for (const [key, sub] of Object.entries(props ?? {})) {
          // A property that is only a $ref takes the description of what it refers to.
          if (!sub.description && !sub.$ref && !('const' in sub)) undescribed.push(`${where}.${key}`)
        }
        for (const [key, sub] of Object.entries(node)) walk(sub, `${where}/${key}`)
      }
      walk(doc, name)
      assert.deepEqual(undescribed, [], `properties without a description in ${name}`)
    }
  })

  test("the finding codes are exactly the catalogue's (src/checks/catalogue.ts)", () => {
    const common = JSON.parse(readFileSync(path.join(SCHEMA_DIR, 'common.schema.json'), 'utf8'))
    assert.deepEqual(
      [...common.$defs.findingCode.enum].sort(),
      CATALOGUE.map((c) => c.code).sort(),
      'a finding code was added or removed: list it in schemas/common.schema.json $defs.findingCode too',
    )
  })

  test("Kudu's deployment statuses by name are exactly DeployStatus's (src/azure/kudu.ts), and Unknown", () => {
    const common = JSON.parse(readFileSync(path.join(SCHEMA_DIR, 'common.schema.json'), 'utf8'))
    assert.deepEqual([...common.$defs.deployStatusName.enum].sort(), [...Object.keys(DeployStatus), 'Unknown'].sort())
    assert.deepEqual(namedStatus(4), {status: 4, statusName: 'Success'})
    assert.deepEqual(namedStatus(42), {status: 42, statusName: 'Unknown'})
  })

  test('a document missing a required field, with an unknown field, or an unknown code is rejected', async () => {
    const r = await chd(['doctor', await makeApp(APP), '--no-start', '--json'])
    const doc = r.json()
    assertValid('doctor', doc, 'chd doctor --json')
    const v = schemas.validator('doctor')
    const {summary: _summary, ...withoutSummary} = doc
    assert.equal(v(withoutSummary), false, 'a doctor document without summary passed')
    assert.match(schemaErrors(v), /must have required property 'summary'/)
    assert.equal(v({...doc, extra: 1}), false, 'an unknown top-level field passed')
    const finding = {code: 'NOT_A_CODE', severity: 'error', message: 'x'}
    assert.equal(v({...doc, findings: [finding]}), false, 'an unknown finding code passed')
    const error = schemas.validator('error')
    assert.equal(error({error: {code: 'USAGE', message: 'x'}}), false, 'an error without its exit code passed')
  })
})

describe('local commands: doctor, pack, explain, invoke, start and their errors', () => {
  let dir: string
  before(async () => {
    dir = await makeApp(APP)
  })

  test('doctor on a folder (with the startup probe), on a zip, and --list-checks', async () => {
    const folder = await chd(['doctor', dir, '--json'])
    assert.equal(folder.code, 0, folder.stderr)
    assert.equal(folder.json().probe.ran, true)
    assertValid('doctor', folder.json(), 'chd doctor DIR --json')
    const zip = path.join(await tempDir(), 'app.zip')
    const pack = await chd(['pack', dir, '-o', zip, '--json'])
    assert.equal(pack.code, 0, pack.stderr)
    assertValid('pack', pack.json(), 'chd pack --json')
    const packaged = await chd(['doctor', zip, '--json'])
    assert.equal(packaged.json().source, 'zip')
    assertValid('doctor', packaged.json(), 'chd doctor ZIP --json')
    assertValid(
      'doctor-checks',
      (await chd(['doctor', '--list-checks', '--json'])).json(),
      'chd doctor --list-checks --json',
    )
  })

  test('explain: a code, the list, log lines', async () => {
    assertValid(
      'explain-code',
      (await chd(['explain', 'handler_not_ready', '--json'])).json(),
      'chd explain CODE --json',
    )
    assertValid(
      'explain-code',
      (await chd(['explain', 'CHECKS_FAILED', '--json'])).json(),
      'chd explain ERROR_CODE --json',
    )
    assertValid('explain-list', (await chd(['explain', '--json'])).json(), 'chd explain --json')
    const lines = 'Worker process started and initialized.\nExceeded http worker restart retry count.\n'
    const log = await chd(['explain', '--line', '-', '--json'], {input: lines})
    assert.equal(log.json().matches.length, 1, log.stdout)
    assertValid('explain-log', log.json(), 'chd explain --line - --json')
  })

  test('invoke: the raw exchange and what the host makes of it', async () => {
    const r = await chd(['invoke', dir, 'hello', '--query', 'name=Ada', '--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json().result.http.status, 201)
    assertValid('invoke', r.json(), 'chd invoke --json')
  })

  test('start: ready, handler, invocation, exit and restarted events, one per line', async () => {
    const crashing = await makeApp(
      handlerApp(nodeHandler(`console.log('serving'); ${JSON_OK}; setTimeout(() => process.exit(3), 20)`)),
    )
    const s = await startServer(crashing)
    assert.equal((await fetch(`http://127.0.0.1:${s.port}/api/hello`)).status, 201)
    await s.waitFor((e) => e.type === 'restarted')
    s.child.kill('SIGINT')
    assert.equal(await s.closed, 130)
    assert.deepEqual([...new Set(s.events.map((e) => e.type))].sort(), [
      'exit',
      'handler',
      'invocation',
      'ready',
      'restarted',
    ])
    for (const e of s.events) assertValid('start-event', e, `chd start --json event ${e.type}`)
  })

  test('start: a request that fails in chd names its function in function, never its path', async () => {
    // Forwarded, and the handler drops the connection: chd's own forward fails (local/start.ts serve's catch).
    const dropping = await makeApp({
      ...handlerApp(nodeHandler('req.socket.destroy()')),
      'host.json': hostJson({defaultExecutablePath: 'handler'}, {enableForwardingHttpRequest: true}),
    })
    const s = await startServer(dropping)
    assert.equal((await fetch(`http://127.0.0.1:${s.port}/api/hello`)).status, 500)
    const failed = await s.waitFor((e) => e.type === 'invocation')
    assert.deepEqual([failed.function, failed.path, failed.ok], ['hello', '/api/hello', false])
    assert.ok(failed.error, JSON.stringify(failed))
    assertValid('start-event', failed, 'chd start --json, a failed invocation')
    s.child.kill('SIGINT')
    assert.equal(await s.closed, 130)
  })

  test("errors: the envelope (with findings when checks fail), a usage error, and start's error event", async () => {
    const unknown = await chd(['explain', 'NO_SUCH_THING', '--json'])
    assert.equal(unknown.code, 2)
    assertValid('error', unknown.json(), 'chd explain UNKNOWN --json')
    const broken = await makeApp({'host.json': {version: '2.0'}, 'hello/function.json': {bindings: []}})
    const failed = await chd(['pack', broken, '-o', path.join(await tempDir(), 'x.zip'), '--json'])
    assert.equal(failed.json().error.code, 'CHECKS_FAILED', failed.stdout)
    assert.ok(failed.json().error.findings.length > 0)
    assertValid('error', failed.json(), 'chd pack --json, checks failed')
    const usage = await chd(['pack', dir, '--level', '12', '--json'])
    assert.equal(usage.code, 2)
    assertValid('error', usage.json(), 'chd pack --level 12 --json')
    const start = await chd(['start', broken, '--port', '0', '--json'])
    assert.equal(start.code, 1, start.stderr)
    const events = start.lines()
    assert.equal((events.at(-1) as {type: string}).type, 'error')
    for (const e of events) assertValid('start-event', e, 'chd start --json, failing')
  })
})

describe('Azure commands against the fake: deploy, doctor --app, settings, logs', {skip: goSkip()}, () => {
  let fake: FakeAzure
  let env: Record<string, string>
  let appDir: string
  before(async () => {
    fake = await new FakeAzure().start()
    env = {...fake.env(), CHD_SETTINGS_SETTLE_MS: '0'}
    appDir = await makeApp(goodApp({copy: await goHandler('linux-amd64')}))
  })
  after(() => fake?.stop())

  test('deploy: a dry run, a deploy that started, one that did not (error.deploy)', async () => {
    const dry = await chd(['deploy', appDir, '--app', 'demo-flex', '--dry-run', '--json'], {env})
    assert.equal(dry.code, 0, dry.stderr)
    assertValid('deploy', dry.json(), 'chd deploy --dry-run --json')
    const settingsFile = path.join(await tempDir(), 'local.settings.json')
    await writeFile(
      settingsFile,
      JSON.stringify({
        ConnectionStrings: {Orders: {ConnectionString: 'Server=x', ProviderName: 'System.Data.SqlClient'}},
      }),
    )
    const done = await chd(
      [
        'deploy',
        appDir,
        '--app',
        'demo-linux-dedicated',
        '--setting',
        'GREETING=hi',
        '--settings-file',
        settingsFile,
        '--json',
      ],
      {env},
    )
    assert.equal(done.code, 0, done.stderr)
    assert.equal(done.json().verify.worker, 'started')
    assert.ok(done.json().connectionStrings.names.Orders)
    assert.equal(done.json().package.path, undefined, 'the temporary zip is gone: no path names it')
    assert.deepEqual(done.json().deployment.statusName, 'Success')
    assertValid('deploy', done.json(), 'chd deploy --json')
    const arm = await makeApp(goodApp({copy: await goHandler('linux-arm64')}))
    const failed = await chd(['deploy', arm, '--app', 'demo-linux-premium', '--force', '--json'], {env})
    assert.equal(failed.code, 5, failed.stderr)
    assert.equal(failed.json().error.deploy.verify.worker, 'failed')
    assertValid('error', failed.json(), 'chd deploy --json, handler did not start')
  })

  test('deploy --app A --app B: the fleet document, a deployed app and a missing one', async () => {
    const args = ['deploy', appDir, '--app', 'demo-flex', '--app', 'no-such-app', '--dry-run', '--json']
    const r = await chd(args, {env})
    assert.equal(r.code, 4, r.stderr)
    const doc = r.json()
    assertValid('deploy-fleet', doc, 'chd deploy --app A --app B --json')
    assert.deepEqual(
      doc.apps.map((a: {ok: boolean}) => a.ok),
      [true, false],
    )
    const v = schemas.validator('deploy-fleet')
    const {error: _error, ...noError} = doc.apps[1]
    assert.equal(v({...doc, apps: [doc.apps[0], noError]}), false, 'a failure without its error passed')
    const {ok: _ok, ...notOk} = doc.apps[0]
    assert.equal(v({...doc, apps: [notOk]}), false, 'a fleet entry without ok passed')
  })

  test('deploy --slot --swap (swap under deploy.schema.json), and chd swap back (swap.schema.json)', async () => {
    const base = ['--app', 'demo-linux-premium', '--slot', 'staging', '--smoke', '/api/hello', '--json']
    const deployed = await chd(['deploy', appDir, ...base, '--swap'], {env})
    assert.equal(deployed.code, 0, deployed.stdout)
    assert.equal(deployed.json().swap.verify.worker, 'started')
    assertValid('deploy', deployed.json(), 'chd deploy --slot --swap --json')
    // Production had the arm64 build of the test above: swapping back brings it back, and it fails there.
    const back = await chd(['swap', ...base], {env})
    assert.equal(back.code, 5, back.stdout)
    assert.equal(back.json().error.code, 'SWAP_VERIFY_FAILED')
    assertValid('error', back.json(), 'chd swap --json, the target failed its verify (error.swap)')
    const again = await chd(['swap', ...base], {env})
    assert.equal(again.code, 0, again.stdout)
    assertValid('swap', again.json(), 'chd swap --json')
    // Staging now holds the arm64 build: the preview is not verified.
    const preview = await chd(['swap', ...base, '--preview', '--no-verify'], {env})
    assertValid('swap', preview.json(), 'chd swap --preview --json')
    const cancel = await chd(['swap', ...base, '--cancel'], {env})
    assertValid('swap', cancel.json(), 'chd swap --cancel --json')
  })

  test('doctor --app, with and without the folder', async () => {
    const live = await chd(['doctor', '--app', 'demo-linux-dedicated', '--json'], {env, cwd: await tempDir()})
    assert.ok(live.json().remote, live.stdout)
    // No folder was judged, so no path says one was; the live app is named in remote.
    assert.equal(live.json().app, undefined)
    assert.equal(live.json().source, undefined)
    assert.equal(live.json().remote.app, 'demo-linux-dedicated')
    assert.equal(live.json().remote.lastDeployment.statusName, 'Success', live.stdout)
    assertValid('doctor', live.json(), 'chd doctor --app --json')
    const both = await chd(['doctor', appDir, '--app', 'demo-linux-premium', '--no-start', '--json'], {env})
    assert.equal(both.json().app, appDir)
    assertValid('doctor', both.json(), 'chd doctor DIR --app --json')
  })

  test('settings list (hidden and shown), set, unset', async () => {
    const app = ['--app', 'demo-linux-consumption']
    assertValid(
      'settings-list',
      (await chd(['settings', 'list', ...app, '--json'], {env})).json(),
      'chd settings list --json',
    )
    const shown = await chd(['settings', 'list', ...app, '--show-values', '--json'], {env})
    assert.equal(shown.json().fingerprints, undefined)
    assertValid('settings-list', shown.json(), 'chd settings list --show-values --json')
    const set = await chd(['settings', 'set', ...app, 'SCHEMA_CHECK=1', '--json'], {env})
    assert.deepEqual(set.json().diff.added, ['SCHEMA_CHECK'])
    assertValid('settings-change', set.json(), 'chd settings set --json')
    assertValid(
      'settings-change',
      (await chd(['settings', 'unset', ...app, 'SCHEMA_CHECK', '--json'], {env})).json(),
      'chd settings unset --json',
    )
    // A slot's documents name it, as settings list does.
    const slot = ['--app', 'demo-windows', '--slot', 'staging']
    const inSlot = await chd(['settings', 'set', ...slot, 'SCHEMA_CHECK=1', '--json'], {env})
    assert.equal(inSlot.json().slot, 'staging', inSlot.stderr)
    assertValid('settings-change', inSlot.json(), 'chd settings set --slot --json')
    const unset = await chd(['settings', 'unset', ...slot, 'SCHEMA_CHECK', '--json'], {env})
    assert.deepEqual([unset.json().slot, unset.json().diff.removed], ['staging', ['SCHEMA_CHECK']])
  })

  test('logs: event lines from App Insights, and the error line', async () => {
    const r = await chd(['logs', '--app', 'demo-linux-dedicated', '--since', '1h', '--level', 'trace', '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    const events = r.lines()
    assert.ok(events.length > 0, 'no log events')
    for (const e of events) assertValid('logs-event', e, 'chd logs --json line')
    const missing = await chd(['logs', '--app', 'no-such-app', '--since', '1h', '--json'], {env})
    assert.equal(missing.code, 4, missing.stderr)
    for (const e of missing.lines()) assertValid('logs-event', e, 'chd logs --json, failing')
  })
})
