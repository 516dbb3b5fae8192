import assert from 'node:assert/strict'
import path from 'node:path'
import {describe, test} from 'node:test'

import {splitCommandLine} from '../src/app/commandline.js'
import {loadApp} from '../src/app/model.js'
import {openFolder} from '../src/app/source.js'
import {runDoctor} from '../src/doctor/index.js'
import {LocalHost, parseTimeSpan} from '../src/host/index.js'
import {silentProgress} from '../src/progress.js'
import {goodApp, hostJson, makeApp} from './helpers/app.js'
import {goHandler, goSkip} from './helpers/go.js'
import {handlerApp, JSON_OK, nodeHandler} from './helpers/handlers.js'

async function probe(files: Parameters<typeof makeApp>[0], startupTimeoutMs = 2000) {
  const dir = await makeApp(files)
  return runDoctor({path: dir, target: 'linux-x64', start: true, startupTimeoutMs}, silentProgress)
}

const probeCodes = (r: Awaited<ReturnType<typeof probe>>) =>
  r.findings.filter((f) => f.severity !== 'info' && f.code !== 'SCRIPT_INTERPRETER_UNAVAILABLE').map((f) => f.code)

describe('doctor startup probe against real processes', () => {
  test('a good Node handler: ready, one invocation, status from Outputs.res', async () => {
    const r = await probe(handlerApp(nodeHandler(JSON_OK)))
    assert.deepEqual(probeCodes(r), [])
    assert.equal(r.probe?.ready, true)
    assert.equal(r.probe?.invocations[0].status, 200)
    assert.equal(r.probe?.invocations[0].ok, true)
  })

  test('the Go handler from the foundation tests starts and answers', {skip: goSkip()}, async () => {
    const r = await probe(goodApp({copy: await goHandler('linux-amd64')}))
    assert.deepEqual(probeCodes(r), [])
    assert.equal(r.probe?.ready, true)
    assert.ok(r.probe.startupMs! < 2000)
  })

  test('HANDLER_WRONG_PORT names the port it listens on', async () => {
    const {unusedPort} = await import('../src/host/launch.js')
    const wrong = await unusedPort()
    const r = await probe(
      handlerApp(nodeHandler(JSON_OK, "server.listen(Number(process.env.MY_PORT), '127.0.0.1')"), {
        'local.settings.json': {Values: {MY_PORT: String(wrong)}},
      }),
      1000,
    )
    assert.deepEqual(probeCodes(r), ['HANDLER_WRONG_PORT'])
    assert.match(
      r.findings.find((f) => f.code === 'HANDLER_WRONG_PORT')!.message,
      new RegExp(`127\\.0\\.0\\.1:${wrong}`),
    )
  })

  test('HANDLER_IPV6_ONLY when it listens on ::1', async () => {
    const r = await probe(
      handlerApp(nodeHandler(JSON_OK, "server.listen(Number(process.env.FUNCTIONS_CUSTOMHANDLER_PORT), '::1')")),
      1000,
    )
    assert.deepEqual(probeCodes(r), ['HANDLER_IPV6_ONLY'])
  })

  test('HANDLER_EXITED with the exit code and the last stderr lines', async () => {
    const r = await probe(
      handlerApp(nodeHandler(JSON_OK, "console.error('config: DATABASE_URL is not set'); process.exit(3)")),
    )
    assert.deepEqual(probeCodes(r), ['HANDLER_EXITED'])
    const f = r.findings.find((x) => x.code === 'HANDLER_EXITED')!
    assert.match(f.message, /exited with code 3/)
    assert.match(f.message, /DATABASE_URL is not set/)
  })

  test('HANDLER_EXITED keeps the line that names the crash when a stack trace follows it (a Go panic)', async () => {
    const panic = [
      'panic: runtime error: index out of range [3] with length 0',
      '',
      'goroutine 1 [running]:',
      'main.main()',
      '\t/src/main.go:12 +0x1d',
      'exit status 2',
    ]
    const script = `#!/bin/sh\n${panic.map((l) => `echo '${l}' >&2`).join('\n')}\nexit 2\n`
    const r = await probe(handlerApp({content: script, mode: 0o755}))
    const f = r.findings.find((x) => x.code === 'HANDLER_EXITED')!
    assert.match(f.message, /It wrote: panic: runtime error: index out of range/)
    assert.match(f.message, /Last stderr: main\.main\(\) \| \/src\/main\.go:12 \+0x1d \| exit status 2\./)
  })

  test('HANDLER_NOT_READY when nothing listens before --startup-timeout', async () => {
    const r = await probe(handlerApp(nodeHandler(JSON_OK, 'setInterval(() => {}, 1000)')), 600)
    assert.deepEqual(probeCodes(r), ['HANDLER_NOT_READY'])
    assert.ok(r.probe!.startupMs! >= 600)
  })

  test('HANDLER_SLOW_START when ready after more than half the window', async () => {
    const r = await probe(
      handlerApp(
        nodeHandler(
          JSON_OK,
          "setTimeout(() => server.listen(Number(process.env.FUNCTIONS_CUSTOMHANDLER_PORT), '127.0.0.1'), 700)",
        ),
      ),
      1200,
    )
    assert.deepEqual(probeCodes(r), ['HANDLER_SLOW_START'])
  })

  test('HANDLER_START_FAILED says which: permission denied, not found, exec format error', async () => {
    const noExec = await probe(handlerApp({content: (nodeHandler(JSON_OK) as {content: string}).content, mode: 0o644}))
    assert.match(noExec.findings.find((f) => f.code === 'HANDLER_START_FAILED')!.message, /Permission denied/)
    const noInterp = await probe(handlerApp({content: '#!/nonexistent/interpreter\n', mode: 0o755}))
    assert.match(noInterp.findings.find((f) => f.code === 'HANDLER_START_FAILED')!.message, /No such file or directory/)
    const text = await probe(handlerApp({content: 'not a program\n', mode: 0o755}))
    assert.match(text.findings.find((f) => f.code === 'HANDLER_START_FAILED')!.message, /Exec format error/)
  })

  test('an arm64 build is not started here: PROBE_SKIPPED info, static error kept', {skip: goSkip()}, async () => {
    const r = await probe(goodApp({copy: await goHandler('linux-arm64')}))
    assert.deepEqual(r.findings.map((f) => f.code).sort(), ['EXECUTABLE_WRONG_ARCH', 'PROBE_SKIPPED'])
    assert.equal(r.probe?.ran, false)
  })

  test('RESPONSE_NOT_JSON, INVOCATION_FAILED (non-2xx, empty) and RESPONSE_OUTPUT_MISSING', async () => {
    const text = await probe(
      handlerApp(nodeHandler("res.setHeader('Content-Type', 'text/plain'); res.end('Hello World')")),
    )
    assert.deepEqual(probeCodes(text), ['RESPONSE_NOT_JSON'])
    assert.match(text.findings[0].message, /media type 'text\/plain'/)
    const fail = await probe(
      handlerApp(
        nodeHandler(
          "res.statusCode = 500; res.setHeader('Content-Type', 'application/json'); " +
            "res.end(JSON.stringify({Logs: ['lost']}))",
        ),
      ),
    )
    assert.deepEqual(probeCodes(fail), ['INVOCATION_FAILED'])
    assert.match(fail.findings[0].message, /500 \(Internal Server Error\)/)
    const empty = await probe(handlerApp(nodeHandler("res.setHeader('Content-Type', 'application/json'); res.end()")))
    assert.deepEqual(probeCodes(empty), ['INVOCATION_FAILED'])
    const missing = await probe(
      handlerApp(
        nodeHandler(
          "res.setHeader('Content-Type', 'application/json'); res.end(JSON.stringify({Outputs: {}, Logs: []}))",
        ),
      ),
    )
    assert.deepEqual(probeCodes(missing), ['RESPONSE_OUTPUT_MISSING'])
    assert.equal(missing.findings[0].severity, 'warning')
    assert.match(missing.findings[0].message, /Outputs\.res/)
  })

  test('no handler process survives the probe, even one that starts children', async () => {
    const r = await probe(
      handlerApp(
        nodeHandler(
          JSON_OK,
          `require('node:child_process').spawn('sleep', ['60'], {stdio: 'ignore'}); ` +
            `require('node:fs').writeFileSync('pids', String(process.pid)); ` +
            `server.listen(Number(process.env.FUNCTIONS_CUSTOMHANDLER_PORT), '127.0.0.1')`,
        ),
      ),
    )
    assert.equal(r.probe?.ready, true)
    const {readFile} = await import('node:fs/promises')
    const pid = Number(await readFile(path.join(r.app!, 'pids'), 'utf8'))
    const alive = (p: number) => {
      try {
        process.kill(p, 0)
        return true
      } catch {
        return false
      }
    }
    assert.equal(alive(pid), false)
    const {execFileSync} = await import('node:child_process')
    // Live members of the handler's process group (zombies waiting for init to reap them are dead).
    const live = () =>
      execFileSync('ps', ['-eo', 'pgid=,stat=,comm='], {encoding: 'utf8'})
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter(([g, st]) => Number(g) === pid && !st.startsWith('Z'))
    assert.deepEqual(live(), [])
  })
})

describe('launch rules', () => {
  test(
    'arguments: %VAR% from settings and the host, leftovers deleted, .NET splitting, quoted ' + 'worker path',
    async () => {
      const dir = await makeApp({
        'host.json': hostJson({
          defaultExecutablePath: 'handler',
          defaultWorkerPath: 'app/main.js',
          arguments: ['--port', '%FUNCTIONS_CUSTOMHANDLER_PORT%', '--name=%NAME%', '--gone=%UNSET%', '--two words'],
          workerArguments: ['--w'],
        }),
        'hello/function.json': {bindings: []},
        handler: '',
        'local.settings.json': {Values: {NAME: 'chd'}},
      })
      const app = await loadApp(await openFolder(dir))
      const host = new LocalHost(app, dir)
      const {planLaunch} = await import('../src/host/launch.js')
      const plan = await planLaunch(app, dir, {port: 5555})
      assert.deepEqual(plan.args, ['--port', '5555', '--name=chd', '--gone=', '--two', 'words', 'app/main.js', '--w'])
      assert.deepEqual(plan.deleted, ['%UNSET%'])
      assert.equal(plan.env.FUNCTIONS_CUSTOMHANDLER_PORT, '5555')
      assert.equal(plan.env.FUNCTIONS_HTTPWORKER_PORT, '5555')
      assert.equal(plan.env.FUNCTIONS_CUSTOMHANDLER_WORKER_ID, plan.env.FUNCTIONS_HTTPWORKER_ID)
      assert.equal(plan.env.FUNCTIONS_APP_ROOT_PATH, dir)
      assert.equal(plan.env.NAME, 'chd')
      assert.equal(plan.cwd, dir)
      assert.equal(host.timeoutMs, 30_000)
    },
  )

  test('splitCommandLine follows the Windows/.NET rules', () => {
    assert.deepEqual(splitCommandLine(' a "b c" d\\"e "f\\\\" g'), ['a', 'b c', 'd"e', 'f\\', 'g'])
    assert.deepEqual(splitCommandLine(' ""'), [''])
  })

  test('initializationTimeout is a TimeSpan', () => {
    assert.equal(parseTimeSpan('00:00:30'), 30_000)
    assert.equal(parseTimeSpan('00:01:05.5'), 65_500)
    assert.equal(parseTimeSpan('1.00:00:00'), 86_400_000)
    assert.equal(parseTimeSpan('soon'), undefined)
  })
})
