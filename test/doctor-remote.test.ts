import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {findingsFromLogs, judgeLogs, matchLine} from '../src/remote/diagnose.js'
import {FakeAzure} from './fake-azure/server.js'
import {goodApp, hostJson, makeApp, tempDir} from './helpers/app.js'
import {chd} from './helpers/cli.js'
import {goHandler, goSkip} from './helpers/go.js'
import {handlerApp, JSON_OK, nodeHandler} from './helpers/handlers.js'
import {withoutSetting} from './helpers/settings.js'

let fake: FakeAzure
let env: Record<string, string>
let elsewhere: string
before(async () => {
  fake = await new FakeAzure().start()
  fake.hostTimeoutMs = 2000
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
  const at = (message: string) => ({
    time: '2026-11-21T00:00:00Z',
    level: 'Error' as const,
    message,
    source: 'stream' as const,
    startup: true,
  })
  const codes = (message: string) => findingsFromLogs([at(message)]).map((f) => f.code)
  assert.deepEqual(
    codes("./handler: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by ./handler)"),
    ['EXECUTABLE_GLIBC_TOO_NEW'],
  )
  assert.deepEqual(
    codes(
      "An error occurred trying to start process '/home/site/wwwroot/handler' with working directory " +
        "'/home/site/wwwroot'. Exec format error",
    ),
    ['EXECUTABLE_WRONG_ARCH'],
  )
  assert.deepEqual(
    codes(
      "An error occurred trying to start process '/home/site/wwwroot/handler' with working directory " +
        "'/home/site/wwwroot'. No such file or directory",
    ),
    ['EXECUTABLE_NOT_FOUND'],
  )
  assert.deepEqual(codes('Initializing HttpWorker timed out.'), ['HANDLER_NOT_READY'])
  assert.deepEqual(codes('No job functions found. Try making your job classes and methods public.'), ['NO_FUNCTIONS'])
  assert.deepEqual(codes('Exceeded http worker restart retry count. Shutting down Functions Host'), ['HANDLER_EXITED'])
  // docs/host-protocol.md §14: .NET 8 on Windows; the .NET Framework text too.
  assert.deepEqual(
    codes(
      'Failed to start Worker Channel. Process fileName: ' +
        'D:\\home\\site\\wwwroot\\handler.exe\nSystem.ComponentModel.Win32Exception (193) : An error ' +
        "occurred trying to start process 'D:\\home\\site\\wwwroot\\handler.exe' with working directory " +
        "'D:\\home\\site\\wwwroot'. The specified executable is not a valid application for this OS " +
        'platform.',
    ),
    ['EXECUTABLE_WRONG_ARCH'],
  )
  assert.deepEqual(codes('%1 is not a valid Win32 application.'), ['EXECUTABLE_WRONG_ARCH'])
  // The generic texts alone (App Insights traces without their exceptions).
  assert.deepEqual(codes('Failed to start Worker Channel. Process fileName: /home/site/wwwroot/handler'), [
    'HANDLER_START_FAILED',
  ])
  assert.deepEqual(codes('Language Worker Process exited. Pid=12.'), ['HANDLER_EXITED'])
  assert.deepEqual(codes('Failed to start http worker process. workerId:1'), ['HANDLER_NOT_READY'])
  assert.deepEqual(
    codes('Final functionDispatcher state: Initializing. Initialization timed out and host is shutting down'),
    ['HANDLER_START_FAILED'],
  )
  // App Insights exceptions row: outer ---> innermost.
  const both = findingsFromLogs([
    at('Language Worker Process exited. Pid=12.'),
    at('/home/site/wwwroot/handler exited with code 1 (0x1) ---> panic: boom'),
  ])
  assert.deepEqual(
    both.map((f) => f.code),
    ['HANDLER_EXITED'],
  )
  assert.match(both[0].message, /exited with code 1: panic: boom/)
  assert.deepEqual(codes('Something nobody has seen before'), ['HOST_STARTUP_ERROR'])
})

/** A host log line at second `s` of a fixed minute. */
function line(s: number, message: string, level: 'Information' | 'Error' = 'Error') {
  const time = `2026-11-21T00:00:${String(s).padStart(2, '0')}.000Z`
  return {time, level, message, source: 'insights' as const, startup: true}
}
const START = "Initializing Host. OperationId: '00000000-0000-0000-0000-000000000000'."
const CRASH =
  'Language Worker Process exited. Pid=12.\n' +
  'Microsoft.Azure.WebJobs.Script.Workers.WorkerProcessExitException : ' +
  '/home/site/wwwroot/handler exited with code 3 (0x3)\n' +
  ' ---> System.Exception : boom: cannot open config'
const GAVE_UP = 'Exceeded http worker restart retry count. Shutting down Functions Host'
const second = (s: number) => Date.parse(line(s, '').time)

test('WorkerFunctionInvoker.DelayUntilFunctionDispatcherInitializedOrShutdown: each final state, verbatim', () => {
  const final = (state: string) =>
    `Final functionDispatcher state: ${state}. ` + 'Initialization timed out and host is shutting down'
  // Initializing: no channel ever started (a failed Process.Start is forgotten: no restart).
  const never = judgeLogs([line(1, final('Initializing'))])
  assert.deepEqual(
    never.findings.map((f) => f.code),
    ['HANDLER_START_FAILED'],
  )
  assert.match(never.findings[0].message, /never got the handler started.*shut down/)
  assert.match(never.findings[0].fix!, /chd doctor DIR/)
  assert.equal(never.final, true)
  // The other states: it started at least once and failed (FunctionInvocationDispatcherState.cs).
  for (const state of ['WorkerProcessRestarting', 'Disposing', 'Disposed']) {
    const [f] = findingsFromLogs([line(1, final(state))])
    assert.equal(f.code, 'HANDLER_NOT_READY', state)
    assert.match(f.message, new RegExp(`dispatcher ${state}: .*shut down`))
  }
  assert.match(findingsFromLogs([line(1, final('WorkerProcessRestarting'))])[0].message, /still restarting it/)
  // The line that names the cause wins over the host's reaction to it.
  const failed =
    'Failed to start Worker Channel. Process fileName: /home/site/wwwroot/handler\n' +
    "System.ComponentModel.Win32Exception : An error occurred trying to start process '/home/site/wwwroot/handler' " +
    "with working directory '/home/site/wwwroot'. Exec format error"
  const codes = (...lines: string[]) => findingsFromLogs(lines.map((l, i) => line(i, l))).map((f) => f.code)
  assert.deepEqual(codes(failed, final('Initializing')), ['EXECUTABLE_WRONG_ARCH'])
  assert.deepEqual(codes(CRASH, final('WorkerProcessRestarting')), ['HANDLER_EXITED'])
  assert.deepEqual(matchLine(final('Initializing')), ['HANDLER_START_FAILED'])
  assert.deepEqual(matchLine(final('WorkerProcessRestarting')), ['HANDLER_NOT_READY'])
  assert.deepEqual(matchLine('Job host started'), [])
})

test('only the current host start counts; older lines are history, never findings', () => {
  const crashLoop = [line(1, START, 'Information'), line(2, CRASH), line(3, CRASH), line(4, CRASH), line(5, GAVE_UP)]
  // A fixed package deployed at second 10, whose start has not reached the handler yet.
  const restarted = [...crashLoop, line(11, START, 'Information')]
  const fixed = judgeLogs([...restarted, line(12, 'Job host started', 'Information')], {since: second(10)})
  assert.deepEqual(fixed.findings, [])
  assert.equal(fixed.started, undefined)
  assert.deepEqual(
    fixed.history.map((f) => f.code),
    ['HANDLER_EXITED'],
  )
  assert.match(fixed.history[0].message, /exited with code 3: boom/)
  // No deployment since: the host gave up and the platform started the same package again.
  const again = judgeLogs([...crashLoop, line(11, START, 'Information')])
  assert.deepEqual(
    again.findings.map((f) => f.code),
    ['HANDLER_EXITED'],
  )
  // A start failure does not stop the host: a later start is for another reason (new settings, a recycle).
  const failed =
    'Failed to start Worker Channel. Process fileName: D:\\home\\site\\wwwroot\\handler.exe\n' +
    'System.ComponentModel.Win32Exception (193): ' +
    'The specified executable is not a valid application for this OS platform.'
  const later = judgeLogs([line(1, START, 'Information'), line(2, failed), line(11, START, 'Information')])
  assert.deepEqual(later.findings, [])
  assert.deepEqual(
    later.history.map((f) => f.code),
    ['EXECUTABLE_WRONG_ARCH'],
  )
  // The new start said it: started, and the crash it replaced is history.
  const started = line(13, 'Worker process started and initialized.', 'Information')
  const ok = judgeLogs([...restarted, started], {since: second(10)})
  assert.ok(ok.started)
  assert.deepEqual([ok.findings, ok.history.map((f) => f.code)], [[], ['HANDLER_EXITED']])
  // The new host may start on the new files before the deployment is called done: its lines count.
  const early = judgeLogs([...crashLoop, line(8, START, 'Information'), line(11, CRASH)], {since: second(10)})
  assert.deepEqual(
    early.findings.map((f) => f.code),
    ['HANDLER_EXITED'],
  )
  assert.match(early.findings[0].message, /00:00:11/)
})

describe('chd doctor --app names the cause from the live app', {skip: goSkip()}, () => {
  test('a good deploy: the live app is clean', async () => {
    const {r, doc, codes} = await deployThen('demo-linux-premium', goodApp({copy: await goHandler('linux-amd64')}))
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.deepEqual(codes, [])
    assert.equal(doc.remote.hostState, 'Running')
  })

  test(
    'lost execute bit, running from the package (modes as packed): EXECUTABLE_NOT_EXECUTABLE while the host ' +
      'says Running',
    async () => {
      const site = fake.site('demo-linux-dedicated')
      site.settings.WEBSITE_RUN_FROM_PACKAGE = '1'
      try {
        const {r, codes, doc} = await deployThen(
          'demo-linux-dedicated',
          goodApp({copy: await goHandler('linux-amd64'), mode: 0o644}),
        )
        assert.equal(r.code, 1)
        assert.deepEqual(codes, ['EXECUTABLE_NOT_EXECUTABLE'])
        assert.equal(doc.remote.hostState, 'Running', 'the host state alone would say all is well')
      } finally {
        delete site.settings.WEBSITE_RUN_FROM_PACKAGE
      }
    },
  )

  test('a crash-looping handler: HANDLER_EXITED with its stderr line, though the host reports Running', async () => {
    const {codes, doc} = await deployThen(
      'demo-linux-premium',
      handlerApp(nodeHandler(JSON_OK, "process.stderr.write('fatal: no DATABASE_URL\\n'); process.exit(2)")),
    )
    // Between its give-ups the host may be down a moment (HOST_NOT_RUNNING), but the cause is named.
    assert.deepEqual(
      codes.filter((c) => c !== 'HOST_NOT_RUNNING'),
      ['HANDLER_EXITED'],
    )
    assert.match(JSON.stringify(doc.findings), /exited with code 2: fatal: no DATABASE_URL/)
  })

  test(
    'no App Insights: the stream after switching debug mode on; nothing seen is said plainly ' +
      '(HANDLER_START_UNCONFIRMED)',
    async () => {
      const site = fake.site('demo-windows')
      site.logs.debugNotify = 0
      const r = await withoutSetting(site, 'APPLICATIONINSIGHTS_CONNECTION_STRING', () =>
        chd(['doctor', '--app', 'demo-windows', '--json'], {env, cwd: elsewhere}),
      )
      const doc = r.json()
      assert.equal(doc.remote.hostState, 'Running', 'an app never deployed runs a host with no functions')
      assert.ok(site.logs.debugNotify > 0, 'the host status request switched debug mode on')
      const unconfirmed = doc.findings.find((f: {code: string}) => f.code === 'HANDLER_START_UNCONFIRMED')
      assert.ok(unconfirmed, JSON.stringify(doc.findings))
      assert.match(unconfirmed.message, /debug mode/)
    },
  )

  test(
    'the execute bit by route: a zip push chmods 777 (warning), running from the package keeps the mode ' + '(error)',
    async () => {
      const dir = await makeApp(goodApp({copy: await goHandler('linux-amd64'), mode: 0o644}))
      const judge = async () =>
        (await chd(['doctor', dir, '--app', 'demo-linux-premium', '--no-start', '--json'], {env}))
          .json()
          .findings.find((f: {code: string}) => f.code === 'EXECUTABLE_NOT_EXECUTABLE')
      assert.equal((await judge()).severity, 'warning')
      fake.site('demo-linux-premium').settings.WEBSITE_RUN_FROM_PACKAGE = '1'
      try {
        assert.equal((await judge()).severity, 'error')
      } finally {
        delete fake.site('demo-linux-premium').settings.WEBSITE_RUN_FROM_PACKAGE
      }
    },
  )

  test('an arm64 build → EXECUTABLE_WRONG_ARCH from the live logs', async () => {
    const {codes} = await deployThen('demo-linux-dedicated', goodApp({copy: await goHandler('linux-arm64')}))
    assert.ok(codes.includes('EXECUTABLE_WRONG_ARCH'), codes.join())
  })

  test('a cgo build against a newer glibc → EXECUTABLE_GLIBC_TOO_NEW from the live logs', async () => {
    const {codes} = await deployThen('demo-linux-dedicated', goodApp({copy: await goHandler('linux-amd64-cgo')}))
    assert.ok(codes.includes('EXECUTABLE_GLIBC_TOO_NEW'), codes.join())
  })

  test('a handler on the wrong port (any free one, not FUNCTIONS_CUSTOMHANDLER_PORT) → HANDLER_NOT_READY', async () => {
    const {codes} = await deployThen(
      'demo-linux-dedicated',
      handlerApp(nodeHandler(JSON_OK, "server.listen(0, '127.0.0.1')")),
    )
    assert.ok(codes.includes('HANDLER_NOT_READY'), codes.join())
  })

  test("a failed deployment → LAST_DEPLOYMENT_FAILED with Kudu's words", async () => {
    const {codes, doc} = await deployThen('demo-windows', {'nothost.json': '{}', 'hello/function.json': {bindings: []}})
    assert.ok(codes.includes('LAST_DEPLOYMENT_FAILED'), codes.join())
    assert.match(JSON.stringify(doc.findings), /host\.json is missing/)
  })

  test('never deployed, runtime not custom, storage removed, stale package URL', async () => {
    const site = fake.site('demo-linux-consumption')
    delete site.settings.AzureWebJobsStorage
    site.settings.WEBSITE_RUN_FROM_PACKAGE = `${fake.blobEndpoint}/function-releases/gone.zip?sv=2025&sig=abc`
    const r = await chd(['doctor', '--app', 'demo-linux-consumption', '--json'], {env, cwd: elsewhere})
    const codes = (r.json().findings as Array<{code: string}>).map((f) => f.code)
    for (const c of ['REMOTE_WORKER_RUNTIME', 'REMOTE_STORAGE_MISSING', 'RUN_FROM_PACKAGE_STALE'])
      assert.ok(codes.includes(c), `${c} in ${codes.join(',')}`)
    assert.doesNotMatch(r.stdout, /sig=abc/, 'the SAS is not printed')
  })

  test('a fixed redeploy that has not reached the handler yet: exit 0, the crash it replaced is history', async () => {
    const app = 'demo-linux-dedicated'
    const crash = "process.stderr.write('boom: cannot open config\\n'); process.exit(3)"
    const crashing = handlerApp(nodeHandler(JSON_OK, crash))
    const crashed = await chd(['deploy', await makeApp(crashing), '--app', app, '--force'], {env})
    assert.equal(crashed.code, 5, crashed.stderr)
    // The fixed build answers only after 30 s (its initializationTimeout allows 2 min): running, not ready yet.
    const listen = "setTimeout(() => server.listen(Number(process.env.FUNCTIONS_CUSTOMHANDLER_PORT), '127.0.0.1'), 3e4)"
    const patient = hostJson({defaultExecutablePath: 'handler'}, {initializationTimeout: '00:02:00'})
    const slow = handlerApp(nodeHandler(JSON_OK, listen), {'host.json': patient})
    const fixed = await chd(['deploy', await makeApp(slow), '--app', app, '--force', '--no-wait'], {env})
    assert.equal(fixed.code, 0, fixed.stderr)
    const until = Date.now() + 30_000
    while (!fake.site(app).deployments[0].complete && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
    const r = await chd(['doctor', '--app', app, '--json'], {env, cwd: elsewhere})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const doc = r.json()
    assert.ok(!doc.findings.some((f: {code: string}) => f.code === 'HANDLER_EXITED'), JSON.stringify(doc.findings))
    const earlier = doc.history.find((f: {code: string}) => f.code === 'HANDLER_EXITED')
    assert.match(earlier?.message ?? '', /exited with code 3: boom: cannot open config/, JSON.stringify(doc.history))
    assert.equal(doc.remote.deployedAt, fake.site(app).deployments[0].end_time)
    const text = await chd(['doctor', '--app', app], {env, cwd: elsewhere})
    assert.equal(text.code, 0, text.stdout + text.stderr)
    const block = /earlier \(before the current host start or the last deployment; not counted\):\n {2}HANDLER_EXITED: /
    assert.match(text.stdout, block)
  })

  test('with a folder: local checks against the live platform, plus the remote findings', async () => {
    const dir = await makeApp({
      ...goodApp({copy: await goHandler('windows-amd64')}),
      'host.json': hostJson({defaultExecutablePath: 'handler'}),
    })
    const r = await chd(['doctor', dir, '--app', 'demo-linux-premium', '--no-start', '--json'], {env})
    const doc = r.json()
    assert.equal(doc.target.name, 'linux-x64')
    assert.equal(doc.target.plan, 'premium')
    assert.ok(doc.findings.some((f: {code: string}) => f.code === 'EXECUTABLE_WRONG_OS'))
  })
})
