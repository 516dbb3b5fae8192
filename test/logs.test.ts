import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import https from 'node:https'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {parseStreamLine} from '../src/logs/stream.js'
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
function follow(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/run.js', 'logs', ...args, '--json'], {cwd: path.resolve(import.meta.dirname, '..'), env: {...process.env, ...env, NODE_ENV: 'test'}, stdio: ['ignore', 'pipe', 'pipe']})
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

test('stream lines parse into events; keep-alives and banners are hidden', () => {
  assert.equal(parseStreamLine('2026-11-21T05:06:10  Welcome, you are now connected to log-streaming service.'), undefined)
  assert.equal(parseStreamLine('2026-11-21T05:07:10  No new trace in the past 1 min(s).'), undefined)
  const e = parseStreamLine("2026-11-21T05:06:11.045 [Error] Executed 'Functions.hello' (Failed, Id=330ec166-736f-4d1d-9432-4c970910af5d, Duration=4ms)")!
  assert.deepEqual([e.level, e.function, e.invocationId, e.time], ['Error', 'hello', '330ec166-736f-4d1d-9432-4c970910af5d', '2026-11-21T05:06:11.045Z'])
  assert.equal(parseStreamLine('2026-11-21T05:06:11.045 [Information] Worker process started and initialized.')!.startup, true)
})

describe('chd logs', {skip: goSkip()}, () => {
  test('--follow on Linux Dedicated streams from Kudu; a dropped stream loses and repeats no line', async () => {
    fake.heartbeatMs = 200
    const f = follow(['--app', 'demo-linux-dedicated', '--follow'])
    await new Promise((r) => setTimeout(r, 1500))
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
    await new Promise((r) => setTimeout(r, 1000))
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

  test('history with --since; filtering by invocation id and level', async () => {
    const all = await chd(['logs', '--app', 'demo-linux-dedicated', '--since', '1h', '--json'], {env})
    assert.equal(all.code, 0, all.stderr)
    const events = all.stdout.trim().split('\n').map((l) => JSON.parse(l))
    const inv = events.find((e) => e.invocationId)!.invocationId
    const one = await chd(['logs', '--app', 'demo-linux-dedicated', '--since', '1h', '--invocation', inv, '--json'], {env})
    const mine = one.stdout.trim().split('\n').map((l) => JSON.parse(l))
    assert.ok(mine.length >= 2)
    for (const e of mine) assert.equal(e.invocationId, inv)
    const errors = await chd(['logs', '--app', 'demo-linux-dedicated', '--since', '1h', '--level', 'error', '--json'], {env})
    assert.equal(errors.stdout.trim(), '')
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
