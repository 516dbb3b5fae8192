import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import https from 'node:https'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {StreamParser} from '../src/logs/stream.js'
import {goodApp, makeApp} from './helpers/app.js'
import {chd} from './helpers/cli.js'
import {goHandler, goSkip} from './helpers/go.js'
import {FakeAzure} from './fake-azure/server.js'

let fake: FakeAzure
let env: Record<string, string>
const urls: Record<string, string> = {}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => https.get(url, {ca: fake.tls.caPem}, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)) }).on('error', reject))
}

before(async () => {
  fake = await new FakeAzure().start()
  env = {...fake.env(), CHD_SETTINGS_SETTLE_MS: '0', CHD_INSIGHTS_POLL_MS: '300'}
  if (goSkip()) return
  const dir = await makeApp(goodApp({copy: await goHandler('linux-amd64')}))
  for (const app of ['demo-linux-dedicated', 'demo-flex']) {
    const r = await chd(['deploy', dir, '--app', app, '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    urls[app] = r.json().verify.functions[0].url
  }
})
after(() => fake.stop())

/** Runs `chd logs … --json` in the background, collecting NDJSON events until stopped. */
function follow(args: string[], extraEnv: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/run.js', 'logs', ...args, '--json'], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: {...process.env, ...env, ...extraEnv, NODE_ENV: 'test'},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const events: any[] = []
  let buf = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    buf += d
    let nl
    while ((nl = buf.indexOf('\n')) !== -1) {
      events.push(JSON.parse(buf.slice(0, nl)))
      buf = buf.slice(nl + 1)
    }
  })
  child.stderr.on('data', (d) => { stderr += d })
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const until = async (pred: () => boolean, ms = 15_000) => {
    const end = Date.now() + ms
    while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
    assert.ok(pred(), `timed out; events: ${JSON.stringify(events)} stderr: ${stderr}`)
  }
  return {child, events, closed, until, stderr: () => stderr}
}

function parse(...lines: string[]) {
  const p = new StreamParser()
  return [...lines.flatMap((l) => p.line(l)), ...p.flush()]
}

test('stream lines parse into events; keep-alives, banners and Kudu\'s own lines are hidden', () => {
  assert.deepEqual(parse(
    '2026-11-21T05:06:10  Welcome, you are now connected to log-streaming service. The default timeout is 2 hours. Change the timeout with the App Setting SCM_LOGSTREAM_TIMEOUT (in seconds). ',
    '2026-11-21T05:07:10  No new trace in the past 1 min(s).',
    'Starting Log Tail -n 10 of existing logs ----',
    '/home/LogFiles/Application/Functions/Host/2026-11-21T05-06-00Z-abc.log  (https://x.scm.azurewebsites.net/api/vfs/LogFiles/Application/Functions/Host/2026-11-21T05-06-00Z-abc.log)',
    'Ending Log Tail of existing logs ---',
    'Starting Live Log Stream ---',
    '2026-11-21T07:06:10  The log-streaming session has ended due to timeout 120 min(s).',
  ), [])
  const [e] = parse("2026-11-21T05:06:11.045 [Error] Executed 'Functions.hello' (Failed, Id=330ec166-736f-4d1d-9432-4c970910af5d, Duration=4ms)")
  assert.deepEqual([e.level, e.function, e.invocationId, e.time], ['Error', 'hello', '330ec166-736f-4d1d-9432-4c970910af5d', '2026-11-21T05:06:11.045Z'])
  assert.equal(parse('2026-11-21T05:06:11.045 [Information] Worker process started and initialized.')[0].startup, true)
})

test('FileLogger.cs: exception lines join their record with its time and level; [Level,Function] names the function', () => {
  const events = parse(
    '2026-11-21T05:06:11.045 [Error] Language Worker Process exited. Pid=42.',
    'Microsoft.Azure.WebJobs.Script.Workers.WorkerProcessExitException : /home/site/wwwroot/handler exited with code 1 (0x1)',
    ' ---> System.Exception : panic: cannot read config',
    '   at Microsoft.Azure.WebJobs.Script.Workers.WorkerProcess.StartProcessAsync()',
    '2026-11-21T05:06:12.000 [Information,hello] Executing \'Functions.hello\' (Reason=\'x\', Id=330ec166-736f-4d1d-9432-4c970910af5d)',
  )
  assert.equal(events.length, 2)
  assert.equal(events[0].level, 'Error')
  assert.equal(events[0].time, '2026-11-21T05:06:11.045Z')
  assert.match(events[0].message, /^Language Worker Process exited\. Pid=42\.\n.*exited with code 1 \(0x1\)\n ---> System\.Exception : panic/)
  assert.equal(events[1].function, 'hello')
})

test('KuduLite: the platform\'s docker lines are events with their own time and level', () => {
  const [e] = parse('2024-02-05T17:30:54.015Z ERROR - Container app_0_1 didn\'t respond to HTTP pings on port: 8080, failing site start. See container logs for debugging.')
  assert.deepEqual([e.time, e.level], ['2024-02-05T17:30:54.015Z', 'Error'])
  assert.match(e.message, /^Container app_0_1 didn't respond/)
})

describe('chd logs', {skip: goSkip()}, () => {
  test('--follow on Linux Dedicated streams from Kudu; a dropped stream loses and repeats no line', async () => {
    fake.heartbeatMs = 200
    const before = fake.logstreamConnections
    const f = follow(['--app', 'demo-linux-dedicated', '--follow'])
    // Wait for the connection itself, not for time: a loaded machine may take long to get there.
    await f.until(() => fake.logstreamConnections > before, 30_000)
    const connections = fake.logstreamConnections
    fake.dropStreamAfter = 3
    for (let i = 0; i < 3; i++) assert.equal(await get(`${urls['demo-linux-dedicated']}?i=${i}`), 200)
    await f.until(() => f.events.filter((e) => /^Executed 'Functions\.hello'/.test(e.message)).length >= 3)
    f.child.kill('SIGINT')
    assert.equal(await f.closed, 130)
    const executed = f.events.filter((e) => /^Executed 'Functions\.hello'/.test(e.message))
    assert.equal(executed.length, 3, JSON.stringify(f.events.map((e) => e.message)))
    assert.equal(new Set(f.events.map((e) => `${e.time}|${e.message}`)).size, f.events.length, 'no line repeated')
    for (const e of f.events) assert.equal(e.source, 'stream')
    assert.ok(f.events.every((e) => !/No new trace|Welcome/.test(e.message)))
    assert.equal(fake.dropStreamAfter, undefined, 'the stream was dropped')
    assert.ok(fake.logstreamConnections > connections, 'chd reconnected')
    assert.doesNotMatch(f.stderr(), /Interrupted/)
  })

  test('Flex has no stream: --follow reads App Insights, says so once, and shows the invocation', async () => {
    const f = follow(['--app', 'demo-flex', '--follow', '--function', 'hello'])
    assert.equal(await get(urls['demo-flex']), 200)
    await f.until(() => f.events.some((e) => /^Executed 'Functions\.hello' \(Succeeded/.test(e.message)))
    f.child.kill('SIGINT')
    await f.closed
    for (const e of f.events) {
      assert.equal(e.source, 'insights')
      assert.equal(e.function, 'hello')
    }
    const r = await chd(['logs', '--app', 'demo-flex', '--follow', '--source', 'stream'], {env})
    assert.equal(r.code, 2)
    assert.match(r.stderr, /no Kudu log stream/)
  })

  test('EnableDebugModeFilter / DebugStateProvider.cs: --follow switches the host\'s file log on and keeps renewing it', async () => {
    const site = fake.site('demo-linux-dedicated')
    site.logs.debugNotify = 0
    const pings = () => fake.requests.filter((q) => q.host === 'site' && q.path.startsWith('/admin/host/status')).length
    const before = pings()
    const f = follow(['--app', 'demo-linux-dedicated', '--follow'], {CHD_DEBUG_RENEW_MS: '300'})
    await f.until(() => pings() >= before + 3)
    assert.ok(site.logs.fileLoggingOn, 'debug mode is on')
    f.child.kill('SIGINT')
    await f.closed
    assert.ok(f.events.every((e) => !/^Host Status:/.test(e.message)), 'chd\'s own status pings are not shown')
  })

  test('Windows Kudu (LogStreamManager.cs): nothing from before the connection; CRLF lines; an exception joins its record', async () => {
    const site = fake.site('demo-windows')
    site.logs.debugNotify = Date.now()
    site.logs.write('Information', 'Host.General', 'written before chd connected')
    const before = fake.logstreamConnections
    const f = follow(['--app', 'demo-windows', '--follow'])
    await f.until(() => fake.logstreamConnections > before, 30_000)
    site.logs.write('Error', 'Worker.HttpWorkerProcess.x', 'Language Worker Process exited. Pid=7.', {exception: {
      type: 'Microsoft.Azure.WebJobs.Script.Workers.WorkerProcessExitException', message: 'D:\\home\\site\\wwwroot\\handler.exe exited with code 1 (0x1)',
      inner: {type: 'System.Exception', message: 'boom'},
    }})
    await f.until(() => f.events.some((e) => /^Language Worker Process exited/.test(e.message)))
    f.child.kill('SIGINT')
    await f.closed
    const e = f.events.find((x) => /^Language Worker Process exited/.test(x.message))
    assert.equal(e.level, 'Error')
    assert.match(e.message, /\nMicrosoft\.Azure\.WebJobs\.Script\.Workers\.WorkerProcessExitException : .*exited with code 1 \(0x1\)\n ---> System\.Exception : boom/)
    assert.ok(f.events.every((x) => !x.message.includes('\r')), 'CRLF handled')
    assert.ok(f.events.every((x) => x.message !== 'written before chd connected'), 'Windows Kudu replays nothing')
    assert.ok(f.events.every((x) => !/Welcome|SCM_LOGSTREAM_TIMEOUT/.test(x.message)))
  })

  test('App Insights: the exceptions row is shown with the text that names the cause (outerMessage ---> innermostMessage)', async () => {
    fake.site('demo-flex').logs.write('Error', 'Worker.HttpWorkerProcess.y', 'Language Worker Process exited. Pid=9.', {exception: {
      type: 'Microsoft.Azure.WebJobs.Script.Workers.WorkerProcessExitException', message: '/home/site/wwwroot/handler exited with code 2 (0x2)',
      inner: {type: 'System.Exception', message: 'no config'},
    }})
    const r = await chd(['logs', '--app', 'demo-flex', '--since', '1h', '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
    assert.ok(events.some((e) => e.message === 'Language Worker Process exited. Pid=9.'), 'the generic trace')
    const x = events.find((e) => e.message === '/home/site/wwwroot/handler exited with code 2 (0x2) ---> no config')
    assert.ok(x, JSON.stringify(events.map((e) => e.message)))
    assert.equal(x.level, 'Error')
  })

  test('--slot reads the slot\'s own rows (cloud_RoleName "<app>-<slot>", WebJobsRoleEnvironmentTelemetryInitializer.cs)', async () => {
    const prod = fake.site('demo-linux-premium')
    prod.logs.write('Information', 'Host.General', 'a line from production')
    prod.slots.get('staging')!.logs.write('Information', 'Host.General', 'a line from staging')
    const r = await chd(['logs', '--app', 'demo-linux-premium', '--slot', 'staging', '--since', '1h', '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    const messages = r.stdout.trim().split('\n').map((l) => JSON.parse(l).message)
    assert.ok(messages.includes('a line from staging'))
    assert.ok(!messages.includes('a line from production'))
  })

  test('history with --since; filtering by invocation id and level', async () => {
    const all = await chd(['logs', '--app', 'demo-linux-dedicated', '--since', '1h', '--json'], {env})
    assert.equal(all.code, 0, all.stderr)
    const events = all.stdout.trim().split('\n').map((l) => JSON.parse(l))
    const inv = events.find((e) => e.invocationId)!.invocationId
    const one = await chd(['logs', '--app', 'demo-linux-dedicated', '--since', '1h', '--invocation', inv, '--json'], {env})
    const mine = one.stdout.trim().split('\n').map((l) => JSON.parse(l))
    assert.ok(mine.length >= 2)
    for (const e of mine) assert.equal(e.invocationId, inv)
    // The filter, on lines of both kinds (a loaded machine may add real errors of its own).
    const site = fake.site('demo-linux-dedicated')
    site.logs.write('Error', 'Host.General', 'an error line for the filter')
    site.logs.write('Warning', 'Host.General', 'a warning line for the filter')
    const errors = await chd(['logs', '--app', 'demo-linux-dedicated', '--since', '1h', '--level', 'error', '--json'], {env})
    const shown = errors.stdout.trim().split('\n').map((l) => JSON.parse(l))
    assert.ok(shown.some((e) => e.message === 'an error line for the filter'))
    for (const e of shown) assert.ok(['Error', 'Critical'].includes(e.level), JSON.stringify(e))
  })

  test('no App Insights: a clear error naming the setting; a bad --since is a usage error', async () => {
    delete fake.site('demo-linux-premium').settings.APPLICATIONINSIGHTS_CONNECTION_STRING
    const r = await chd(['logs', '--app', 'demo-linux-premium', '--since', '1h'], {env})
    assert.equal(r.code, 1)
    assert.match(r.stderr, /INSIGHTS_MISSING.*APPLICATIONINSIGHTS_CONNECTION_STRING/)
    const bad = await chd(['logs', '--app', 'demo-linux-dedicated', '--since', 'yesterday'], {env})
    assert.equal(bad.code, 2)
  })
})
