import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import https from 'node:https'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {type LogEvent, structured} from '../src/logs/event.js'
import {StreamParser} from '../src/logs/stream.js'
import {FakeAzure} from './fake-azure/server.js'
import {goodApp, makeApp} from './helpers/app.js'
import {chd} from './helpers/cli.js'
import {goHandler, goSkip} from './helpers/go.js'
import {handlerApp, JSON_OK, nodeHandler} from './helpers/handlers.js'

let fake: FakeAzure
let env: Record<string, string>
const urls: Record<string, string> = {}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) =>
    https
      .get(url, {ca: fake.tls.caPem}, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      })
      .on('error', reject),
  )
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
  child.stderr.on('data', (d) => {
    stderr += d
  })
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
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

test("stream lines parse into events; keep-alives, banners and Kudu's own lines are hidden", () => {
  assert.deepEqual(
    parse(
      '2026-11-21T05:06:10  Welcome, you are now connected to log-streaming service. The default timeout ' +
        'is 2 hours. Change the timeout with the App Setting SCM_LOGSTREAM_TIMEOUT (in seconds). ',
      '2026-11-21T05:07:10  No new trace in the past 1 min(s).',
      'Starting Log Tail -n 10 of existing logs ----',
      '/home/LogFiles/Application/Functions/Host/2026-11-21T05-06-00Z-abc.log  ' +
        '(https://x.scm.azurewebsites.net/api/vfs/LogFiles/Application/Functions/Host/2026-11-21T05-06-00Z-abc.log)',
      'Ending Log Tail of existing logs ---',
      'Starting Live Log Stream ---',
      '2026-11-21T07:06:10  The log-streaming session has ended due to timeout 120 min(s).',
    ),
    [],
  )
  const [e] = parse(
    "2026-11-21T05:06:11.045 [Error] Executed 'Functions.hello' (Failed, " +
      'Id=330ec166-736f-4d1d-9432-4c970910af5d, Duration=4ms)',
  )
  assert.deepEqual(
    [e.level, e.function, e.invocationId, e.time],
    ['Error', 'hello', '330ec166-736f-4d1d-9432-4c970910af5d', '2026-11-21T05:06:11.045Z'],
  )
  assert.equal(parse('2026-11-21T05:06:11.045 [Information] Worker process started and initialized.')[0].startup, true)
})

test(
  'FileLogger.cs: exception lines join their record with its time and level; [Level,Function] names the ' + 'function',
  () => {
    const events = parse(
      '2026-11-21T05:06:11.045 [Error] Language Worker Process exited. Pid=42.',
      'Microsoft.Azure.WebJobs.Script.Workers.WorkerProcessExitException : /home/site/wwwroot/handler ' +
        'exited with code 1 (0x1)',
      ' ---> System.Exception : panic: cannot read config',
      '   at Microsoft.Azure.WebJobs.Script.Workers.WorkerProcess.StartProcessAsync()',
      "2026-11-21T05:06:12.000 [Information,hello] Executing 'Functions.hello' (Reason='x', " +
        'Id=330ec166-736f-4d1d-9432-4c970910af5d)',
    )
    assert.equal(events.length, 2)
    assert.equal(events[0].level, 'Error')
    assert.equal(events[0].time, '2026-11-21T05:06:11.045Z')
    assert.match(
      events[0].message,
      /^Language Worker Process exited\. Pid=42\.\n.*exited with code 1 \(0x1\)\n ---> System\.Exception : panic/,
    )
    assert.equal(events[1].function, 'hello')
  },
)

test("KuduLite: the platform's docker lines are events with their own time and level", () => {
  const [e] = parse(
    "2024-02-05T17:30:54.015Z ERROR - Container app_0_1 didn't respond to HTTP pings on port: 8080, " +
      'failing site start. See container logs for debugging.',
  )
  assert.deepEqual([e.time, e.level], ['2024-02-05T17:30:54.015Z', 'Error'])
  assert.match(e.message, /^Container app_0_1 didn't respond/)
})

/** A handler's console line as the host files it: stdout Information, stderr Error (WorkerProcess.cs). */
function consoleLine(message: string, level: LogEvent['level'] = 'Information'): LogEvent {
  return {time: '2026-11-21T05:06:11.045Z', level, message, source: 'insights'}
}

test("structured handler lines (host#6608, custom-handlers#17): each library's own JSON, level and message", () => {
  const t = '2026-11-21T05:06:11.045Z'
  const refused = 'connect ECONNREFUSED 127.0.0.1:5432'
  const stack = `Error: ${refused}\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)`
  const timeout = 'dial tcp 10.0.0.4:5432: i/o timeout'
  const zapStack = 'main.main\n\t/src/handler/main.go:42'
  // [library, its line (an object is written as JSON.stringify writes it: compact, in key order), level, message]
  const samples: Array<[string, object | string, LogEvent['level'], string]> = [
    [
      'pino',
      {
        level: 50,
        time: 1795237571045,
        pid: 7,
        hostname: 'a1b2c3',
        err: {type: 'Error', message: refused, stack},
        msg: refused,
      },
      'Error',
      `${refused} err={"type":"Error"`,
    ],
    [
      'pino info',
      {level: 30, time: 1795237571045, pid: 7, hostname: 'a1b2c3', msg: 'listening'},
      'Information',
      'listening',
    ],
    [
      'bunyan',
      {name: 'handler', hostname: 'a1b2c3', pid: 7, level: 40, msg: 'slow query', time: t, v: 0},
      'Warning',
      'slow query name=handler',
    ],
    [
      'bunyan fatal',
      {name: 'handler', hostname: 'a1b2c3', pid: 7, level: 60, msg: 'out of memory', time: t, v: 0},
      'Critical',
      'out of memory name=handler',
    ],
    [
      'winston',
      {level: 'error', message: 'payment failed', service: 'billing'},
      'Error',
      'payment failed service=billing',
    ],
    [
      'zap',
      {
        level: 'error',
        ts: 1795237571.0451,
        caller: 'handler/main.go:42',
        msg: 'db down',
        error: timeout,
        stacktrace: zapStack,
      },
      'Error',
      `db down caller=handler/main.go:42 error="${timeout}" stacktrace="main.main\\n`,
    ],
    [
      'zap dpanic',
      {level: 'dpanic', ts: 1795237571.0451, caller: 'handler/main.go:50', msg: 'nil config'},
      'Critical',
      'nil config caller=handler/main.go:50',
    ],
    [
      'zerolog',
      {level: 'error', error: 'dial tcp: i/o timeout', time: '2026-11-21T05:06:11Z', message: 'db down'},
      'Error',
      'db down error="dial tcp: i/o timeout"',
    ],
    ['logrus', {level: 'warning', msg: 'retrying', time: '2026-11-21T05:06:11Z'}, 'Warning', 'retrying'],
    [
      'slog',
      {time: '2026-11-21T05:06:11.045123Z', level: 'ERROR', msg: 'db down', err: 'dial tcp: i/o timeout'},
      'Error',
      'db down err="dial tcp: i/o timeout"',
    ],
    [
      'slog offset',
      {time: '2026-11-21T05:06:11.045123Z', level: 'DEBUG-4', msg: 'cache miss', key: 'user:42'},
      'Debug',
      'cache miss key=user:42',
    ],
    [
      'Serilog CLEF',
      {'@t': '2026-11-21T05:06:11.0450000Z', '@mt': 'Disk {Disk} is low', '@l': 'Warning', Disk: 'C:'},
      'Warning',
      'Disk C: is low',
    ],
    [
      'Serilog CLEF, Information has no @l',
      {'@t': '2026-11-21T05:06:11.0450000Z', '@mt': 'Started in {Elapsed:0} ms', Elapsed: 42},
      'Information',
      'Started in 42 ms',
    ],
    [
      'Serilog rendered',
      {
        '@t': '2026-11-21T05:06:11.0450000Z',
        '@m': 'Payment 7 failed',
        '@i': 'a1b2c3d4',
        '@l': 'Error',
        '@x': 'System.TimeoutException: The operation has timed out.',
      },
      'Error',
      'Payment 7 failed @x="System.TimeoutException: The operation has timed out."',
    ],
    [
      'python-json-logger',
      '{"asctime": "2026-11-21 05:06:11,045", "levelname": "ERROR", "name": "root", ' + '"message": "db down"}',
      'Error',
      'db down name=root',
    ],
    ['Google Cloud severity', {severity: 'CRITICAL', message: 'cannot start'}, 'Critical', 'cannot start'],
    ['log15', {t: '2026-11-21T05:06:11Z', lvl: 'eror', msg: 'db down', attempt: 3}, 'Error', 'db down attempt=3'],
    [
      'Rust tracing',
      {
        timestamp: '2026-11-21T05:06:11.045123Z',
        level: 'ERROR',
        fields: {message: 'db down', retries: 3},
        target: 'handler::db',
      },
      'Error',
      'db down retries=3 target=handler::db',
    ],
    [
      '.NET JsonConsole',
      {EventId: 0, LogLevel: 'Error', Category: 'Handler', Message: 'db down', State: {Message: 'db down'}},
      'Error',
      'db down EventId=0 Category=Handler State={"Message":"db down"}',
    ],
  ]
  for (const [name, written, level, message] of samples) {
    const line = typeof written === 'string' ? written : JSON.stringify(written)
    // On stdout the host files every line as Information; on stderr as Error (or Warning when it says "warn").
    for (const hostLevel of ['Information', 'Error'] as const) {
      const e = structured(consoleLine(line, hostLevel))
      assert.equal(e.level, level, `${name}: level`)
      assert.equal(e.message.slice(0, message.length), message, name)
      assert.equal(e.raw, line, `${name}: the line is kept`)
    }
  }
  // The file log's record, from the stream: the same.
  const record = '2026-11-21T05:06:11.045 [Information] {"level":"error","msg":"db down","time":"2026-11-21T05:06:11Z"}'
  const [streamed] = parse(record)
  assert.deepEqual([streamed.level, streamed.message, streamed.time], ['Error', 'db down', '2026-11-21T05:06:11.045Z'])
  // Not a log line: payloads, arrays, broken JSON, plain text stay as the host filed them.
  const others = [
    '{"Outputs":{"res":{"statusCode":200}}}',
    '[{"level":"error"}]',
    '{"level":"error", oops}',
    'level=error msg=x',
  ]
  for (const line of others) {
    assert.deepEqual(structured(consoleLine(line, 'Error')), consoleLine(line, 'Error'), line)
  }
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

  test(
    "EnableDebugModeFilter / DebugStateProvider.cs: --follow switches the host's file log on and keeps " +
      'renewing it',
    async () => {
      const site = fake.site('demo-linux-dedicated')
      site.logs.debugNotify = 0
      const pings = () =>
        fake.requests.filter((q) => q.host === 'site' && q.path.startsWith('/admin/host/status')).length
      const before = pings()
      const f = follow(['--app', 'demo-linux-dedicated', '--follow'], {CHD_DEBUG_RENEW_MS: '300'})
      await f.until(() => pings() >= before + 3)
      assert.ok(site.logs.fileLoggingOn, 'debug mode is on')
      f.child.kill('SIGINT')
      await f.closed
      assert.ok(
        f.events.every((e) => !/^Host Status:/.test(e.message)),
        "chd's own status pings are not shown",
      )
    },
  )

  test(
    'Windows Kudu (LogStreamManager.cs): nothing from before the connection; CRLF lines; an exception joins ' +
      'its record',
    async () => {
      const site = fake.site('demo-windows')
      site.logs.debugNotify = Date.now()
      site.logs.write('Information', 'Host.General', 'written before chd connected')
      const before = fake.logstreamConnections
      const f = follow(['--app', 'demo-windows', '--follow'])
      await f.until(() => fake.logstreamConnections > before, 30_000)
      site.logs.write('Error', 'Worker.HttpWorkerProcess.x', 'Language Worker Process exited. Pid=7.', {
        exception: {
          type: 'Microsoft.Azure.WebJobs.Script.Workers.WorkerProcessExitException',
          message: 'D:\\home\\site\\wwwroot\\handler.exe exited with code 1 (0x1)',
          inner: {type: 'System.Exception', message: 'boom'},
        },
      })
      await f.until(() => f.events.some((e) => /^Language Worker Process exited/.test(e.message)))
      f.child.kill('SIGINT')
      await f.closed
      const e = f.events.find((x) => /^Language Worker Process exited/.test(x.message))
      assert.equal(e.level, 'Error')
      assert.match(
        e.message,
        /\nMicrosoft\.Azure\.WebJobs\.Script\.Workers\.WorkerProcessExitException : .*exited with code 1 \(0x1\)\n ---> System\.Exception : boom/,
      )
      assert.ok(
        f.events.every((x) => !x.message.includes('\r')),
        'CRLF handled',
      )
      assert.ok(
        f.events.every((x) => x.message !== 'written before chd connected'),
        'Windows Kudu replays nothing',
      )
      assert.ok(f.events.every((x) => !/Welcome|SCM_LOGSTREAM_TIMEOUT/.test(x.message)))
    },
  )

  test(
    'App Insights: the exceptions row is shown with the text that names the cause (outerMessage ---> ' +
      'innermostMessage)',
    async () => {
      fake
        .site('demo-flex')
        .logs.write('Error', 'Worker.HttpWorkerProcess.y', 'Language Worker Process exited. Pid=9.', {
          exception: {
            type: 'Microsoft.Azure.WebJobs.Script.Workers.WorkerProcessExitException',
            message: '/home/site/wwwroot/handler exited with code 2 (0x2)',
            inner: {type: 'System.Exception', message: 'no config'},
          },
        })
      const r = await chd(['logs', '--app', 'demo-flex', '--since', '1h', '--json'], {env})
      assert.equal(r.code, 0, r.stderr)
      const events = r.lines()
      assert.ok(
        events.some((e) => e.message === 'Language Worker Process exited. Pid=9.'),
        'the generic trace',
      )
      const x = events.find((e) => e.message === '/home/site/wwwroot/handler exited with code 2 (0x2) ---> no config')
      assert.ok(x, JSON.stringify(events.map((e) => e.message)))
      assert.equal(x.level, 'Error')
    },
  )

  test(
    '--slot reads the slot\'s own rows (cloud_RoleName "<app>-<slot>", ' +
      'WebJobsRoleEnvironmentTelemetryInitializer.cs)',
    async () => {
      const prod = fake.site('demo-linux-premium')
      prod.logs.write('Information', 'Host.General', 'a line from production')
      prod.slots.get('staging')!.logs.write('Information', 'Host.General', 'a line from staging')
      const r = await chd(['logs', '--app', 'demo-linux-premium', '--slot', 'staging', '--since', '1h', '--json'], {
        env,
      })
      assert.equal(r.code, 0, r.stderr)
      const messages = r.lines().map((e) => e.message)
      assert.ok(messages.includes('a line from staging'))
      assert.ok(!messages.includes('a line from production'))
    },
  )

  test('history with --since; filtering by invocation id and level', async () => {
    const all = await chd(['logs', '--app', 'demo-linux-dedicated', '--since', '1h', '--json'], {env})
    assert.equal(all.code, 0, all.stderr)
    const events = all.lines()
    const inv = events.find((e) => e.invocationId)!.invocationId
    const one = await chd(['logs', '--app', 'demo-linux-dedicated', '--since', '1h', '--invocation', inv, '--json'], {
      env,
    })
    const mine = one.lines()
    assert.ok(mine.length >= 2)
    for (const e of mine) assert.equal(e.invocationId, inv)
    // The filter, on lines of both kinds (a loaded machine may add real errors of its own).
    const site = fake.site('demo-linux-dedicated')
    site.logs.write('Error', 'Host.General', 'an error line for the filter')
    site.logs.write('Warning', 'Host.General', 'a warning line for the filter')
    const errors = await chd(['logs', '--app', 'demo-linux-dedicated', '--since', '1h', '--level', 'error', '--json'], {
      env,
    })
    const shown = errors.lines()
    assert.ok(shown.some((e) => e.message === 'an error line for the filter'))
    for (const e of shown) assert.ok(['Error', 'Critical'].includes(e.level), JSON.stringify(e))
  })

  test("a handler's JSON lines count at their level: --level error shows a stdout error, no stderr info", async () => {
    const startup = [
      "console.log(JSON.stringify({level: 50, time: Date.now(), pid: process.pid, hostname: 'h', msg: 'no db'}))",
      "console.error(JSON.stringify({level: 'info', msg: 'config loaded from env', time: new Date().toISOString()}))",
      "server.listen(Number(process.env.FUNCTIONS_CUSTOMHANDLER_PORT), '127.0.0.1')",
    ].join('\n')
    const dir = await makeApp(handlerApp(nodeHandler(JSON_OK, startup)))
    const deployed = await chd(['deploy', dir, '--app', 'demo-linux-premium', '--force'], {env})
    assert.equal(deployed.code, 0, deployed.stderr)
    const read = async (level: string) => {
      const r = await chd(['logs', '--app', 'demo-linux-premium', '--since', '1h', '--level', level, '--json'], {env})
      assert.equal(r.code, 0, r.stderr)
      return r.lines()
    }
    const errors = await read('error')
    const e = errors.find((x) => x.message === 'no db')
    assert.ok(e, JSON.stringify(errors.map((x) => x.message)))
    assert.equal(e.level, 'Error')
    assert.match(e.raw, /^\{"level":50,"time":\d+,"pid":\d+,"hostname":"h","msg":"no db"\}$/)
    assert.ok(!errors.some((x) => /config loaded/.test(x.message)), 'an info line on stderr is not an error')
    const info = (await read('information')).find((x) => x.message === 'config loaded from env')
    assert.equal(info?.level, 'Information')
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
