import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {findingsFromLogs} from '../src/remote/diagnose.js'
import {goodApp, hostJson, makeApp, tempDir} from './helpers/app.js'
import {chd} from './helpers/cli.js'
import {goHandler, goSkip} from './helpers/go.js'
import {handlerApp, JSON_OK, nodeHandler} from './helpers/handlers.js'
import {FakeAzure} from './fake-azure/server.js'

let fake: FakeAzure
let env: Record<string, string>
let elsewhere: string
before(async () => {
  fake = await new FakeAzure().start()
  fake.hostTimeoutMs = 1000
  env = {...fake.env(), CHD_SETTINGS_SETTLE_MS: '0'}
  elsewhere = await tempDir()
})
after(() => fake.stop())

async function deployThen(app: string, files: Parameters<typeof makeApp>[0]) {
  const dir = await makeApp(files)
  await chd(['deploy', dir, '--app', app, '--force'], {env})
  const r = await chd(['doctor', '--app', app, '--json'], {env, cwd: elsewhere})
  return {r, doc: r.json(), codes: (r.json().findings as Array<{code: string}>).map((f) => f.code)}
}

test('host log lines map to the local finding codes', () => {
  const at = (message: string) => ({time: '2026-11-21T00:00:00Z', level: 'Error' as const, message, source: 'stream' as const, startup: true})
  const codes = (message: string) => findingsFromLogs([at(message)]).map((f) => f.code)
  assert.deepEqual(codes("./handler: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by ./handler)"), ['EXECUTABLE_GLIBC_TOO_NEW'])
  assert.deepEqual(codes("An error occurred trying to start process '/home/site/wwwroot/handler' with working directory '/home/site/wwwroot'. Exec format error"), ['EXECUTABLE_WRONG_ARCH'])
  assert.deepEqual(codes("An error occurred trying to start process '/home/site/wwwroot/handler' with working directory '/home/site/wwwroot'. No such file or directory"), ['EXECUTABLE_NOT_FOUND'])
  assert.deepEqual(codes('Initializing HttpWorker timed out.'), ['HANDLER_NOT_READY'])
  assert.deepEqual(codes('No job functions found. Try making your job classes and methods public.'), ['NO_FUNCTIONS'])
  assert.deepEqual(codes('Exceeded http worker restart retry count. Shutting down Functions Host'), ['HANDLER_EXITED'])
  assert.deepEqual(codes('Something nobody has seen before'), ['HOST_STARTUP_ERROR'])
})

describe('chd doctor --app names the cause from the live app', {skip: goSkip()}, () => {
  test('a good deploy: the live app is clean', async () => {
    const {r, doc, codes} = await deployThen('demo-linux-premium', goodApp({copy: await goHandler('linux-amd64')}))
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.deepEqual(codes, [])
    assert.equal(doc.remote.hostState, 'Running')
  })

  test('lost execute bit on Dedicated → EXECUTABLE_NOT_EXECUTABLE and HOST_NOT_RUNNING', async () => {
    const {r, codes} = await deployThen('demo-linux-dedicated', goodApp({copy: await goHandler('linux-amd64'), mode: 0o644}))
    assert.equal(r.code, 1)
    assert.deepEqual(codes.sort(), ['EXECUTABLE_NOT_EXECUTABLE', 'HOST_NOT_RUNNING'])
  })

  test('an arm64 build → EXECUTABLE_WRONG_ARCH from the live logs', async () => {
    const {codes} = await deployThen('demo-linux-dedicated', goodApp({copy: await goHandler('linux-arm64')}))
    assert.ok(codes.includes('EXECUTABLE_WRONG_ARCH'), codes.join())
  })

  test('a cgo build against a newer glibc → EXECUTABLE_GLIBC_TOO_NEW from the live logs', async () => {
    const {codes} = await deployThen('demo-linux-dedicated', goodApp({copy: await goHandler('linux-amd64-cgo')}))
    assert.ok(codes.includes('EXECUTABLE_GLIBC_TOO_NEW'), codes.join())
  })

  test('a handler on the wrong port → HANDLER_NOT_READY', async () => {
    const {codes} = await deployThen('demo-linux-dedicated', handlerApp(nodeHandler(JSON_OK, "server.listen(8089, '127.0.0.1')")))
    assert.ok(codes.includes('HANDLER_NOT_READY'), codes.join())
  })

  test('a failed deployment → LAST_DEPLOYMENT_FAILED with Kudu\'s words', async () => {
    const {codes, doc} = await deployThen('demo-windows', {'nothost.json': '{}', 'hello/function.json': {bindings: []}})
    assert.ok(codes.includes('LAST_DEPLOYMENT_FAILED'), codes.join())
    assert.match(JSON.stringify(doc.findings), /host\.json is missing/)
  })

  test('never deployed, runtime not custom, storage removed, stale package URL', async () => {
    const site = fake.site('demo-linux-consumption')
    delete site.settings.AzureWebJobsStorage
    site.settings.WEBSITE_RUN_FROM_PACKAGE = `${fake.armEndpoint}/demostore/function-releases/gone.zip?sv=2025&sig=abc`
    const r = await chd(['doctor', '--app', 'demo-linux-consumption', '--json'], {env, cwd: elsewhere})
    const codes = (r.json().findings as Array<{code: string}>).map((f) => f.code)
    for (const c of ['REMOTE_WORKER_RUNTIME', 'REMOTE_STORAGE_MISSING', 'RUN_FROM_PACKAGE_STALE']) assert.ok(codes.includes(c), `${c} in ${codes}`)
    assert.doesNotMatch(r.stdout, /sig=abc/, 'the SAS is not printed')
  })

  test('with a folder: local checks against the live platform, plus the remote findings', async () => {
    const dir = await makeApp({...goodApp({copy: await goHandler('windows-amd64')}), 'host.json': hostJson({defaultExecutablePath: 'handler'})})
    const r = await chd(['doctor', dir, '--app', 'demo-linux-premium', '--no-start', '--json'], {env})
    const doc = r.json()
    assert.equal(doc.target.name, 'linux-x64')
    assert.equal(doc.target.plan, 'premium')
    assert.ok(doc.findings.some((f: {code: string}) => f.code === 'EXECUTABLE_WRONG_OS'))
  })
})
