import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import {describe, test} from 'node:test'

import {runInvoke} from '../src/local/invoke.js'
import {silentProgress} from '../src/progress.js'
import {goodApp, hostJson, HTTP_FUNCTION, makeApp} from './helpers/app.js'
import {chd} from './helpers/cli.js'
import {goHandler, goSkip} from './helpers/go.js'
import {handlerApp, JSON_OK, nodeHandler} from './helpers/handlers.js'
import {startServer} from './helpers/start.js'

/** A handler that answers with everything it received, so tests can check what the host sent. */
const ECHO = nodeHandler(
  `require('node:fs').writeFileSync('pid', String(process.pid))
    res.setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({Outputs: {res: {statusCode: 200, body: JSON.stringify({method: req.method, ` +
    `url: req.url, headers: req.headers, payload: JSON.parse(raw)})}}, Logs: ['echoed']}))`,
)

const QUEUE_FUNCTION = {
  bindings: [
    {type: 'queueTrigger', direction: 'in', name: 'msg', queueName: 'jobs', connection: 'AzureWebJobsStorage'},
  ],
}
const BUNDLE = {extensionBundle: {id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)'}}
/**
 * Sends bytes as they are (fetch refuses a malformed request line) and resolves with the first answer's
 * text; with `hangUpMs`, the connection is dropped that long after sending, answered or not.
 */
function rawRequest(port: number, text: string, hangUpMs?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(text)
      if (hangUpMs !== undefined) setTimeout(() => socket.destroy(), hangUpMs)
    })
    let answer = ''
    socket.on('data', (d) => {
      answer += String(d)
      if (answer.includes('\r\n\r\n')) socket.end()
    })
    socket.on('close', () => resolve(answer))
    socket.on('error', reject)
  })
}

/** Running, not merely a zombie waiting for init to reap it. */
async function alive(pid: number): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    let state: string
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
      state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    } catch {
      return false
    }
    if (state === 'Z') return false
    await new Promise((r) => setTimeout(r, 50))
  }
  return true
}

describe('chd invoke sends what the host sends', () => {
  test('HTTP trigger: request line, headers and Data.req field by field', async () => {
    const dir = await makeApp(handlerApp(ECHO))
    const r = await runInvoke(
      {dir, function: 'hello', query: 'name=a&name=b&x=1', data: 'hi there', method: 'POST'},
      silentProgress,
    )
    assert.equal(r.ok, true)
    const seen = JSON.parse(String(r.result!.http!.body))
    assert.equal(seen.method, 'POST')
    assert.equal(seen.url, '/hello')
    assert.equal(seen.headers['content-type'], 'application/json; charset=utf-8')
    assert.equal(seen.headers['transfer-encoding'], 'chunked')
    assert.equal(seen.headers['content-length'], undefined)
    assert.match(seen.headers['x-azure-functions-hostversion'], /^4\.\d+\.\d+$/)
    assert.equal(seen.headers['x-azure-functions-invocationid'], r.invocationId)
    assert.match(seen.headers['user-agent'], /^Azure-Functions-Host\//)
    const req = seen.payload.Data.req
    assert.deepEqual(Object.keys(req).sort(), ['Body', 'Headers', 'Identities', 'Method', 'Params', 'Query', 'Url'])
    assert.equal(req.Url, 'http://localhost:7071/api/hello?name=a&name=b&x=1')
    assert.equal(req.Method, 'POST')
    assert.deepEqual(req.Query, {name: 'a,b', x: '1'})
    assert.deepEqual(req.Headers.host, ['localhost:7071'])
    for (const v of Object.values(req.Headers)) assert.ok(Array.isArray(v) && v.every((s) => typeof s === 'string'))
    assert.equal(req.Body, 'hi there')
    assert.deepEqual(req.Params, {})
    assert.deepEqual(req.Identities, [])
    assert.equal(seen.payload.Metadata.sys.MethodName, 'hello')
    assert.match(seen.payload.Metadata.sys.UtcNow, /^\d{4}-\d\d-\d\dT/)
    assert.match(seen.payload.Metadata.sys.RandGuid, /^[0-9a-f-]{36}$/)
    assert.deepEqual(r.result!.logs, ['echoed'])
    assert.equal(await alive(Number(await readFile(path.join(dir, 'pid'), 'utf8'))), false, 'the handler is stopped')
  })

  test('GET without a body has no Body field', async () => {
    const r = await runInvoke({dir: await makeApp(handlerApp(ECHO)), function: 'hello'}, silentProgress)
    assert.equal('Body' in JSON.parse(String(r.result!.http!.body)).payload.Data.req, false)
  })

  test(
    'queue trigger: a string arrives as its JSON text, an object as an object; metadata encoded, *Trigger ' +
      'keys dropped',
    async () => {
      const files = handlerApp(
        nodeHandler(
          `res.setHeader('Content-Type', 'application/json'); res.end(JSON.stringify({Outputs: {}, Logs: [raw]}))`,
        ),
        {
          'host.json': hostJson({defaultExecutablePath: 'handler'}, {}, BUNDLE),
          'work/function.json': QUEUE_FUNCTION,
        },
      )
      const dir = await makeApp(files)
      const text = await runInvoke(
        {
          dir,
          function: 'work',
          data: 'HelloWorld',
          triggerMetadata: '{"DequeueCount": 4, "Id": "abc", "QueueTrigger": "HelloWorld", "Empty": null}',
        },
        silentProgress,
      )
      const sent = JSON.parse(text.result!.logs[0])
      assert.equal(sent.Data.msg, '"HelloWorld"')
      assert.equal(sent.Metadata.DequeueCount, '4')
      assert.equal(sent.Metadata.Id, '"abc"')
      assert.equal('QueueTrigger' in sent.Metadata, false)
      assert.equal('Empty' in sent.Metadata, false)
      assert.equal(sent.Metadata.sys.MethodName, 'work')
      const obj = await runInvoke({dir, function: 'work', data: '{"id": 7}'}, silentProgress)
      assert.deepEqual(JSON.parse(obj.result!.logs[0]).Data.msg, {id: 7})
    },
  )

  test('CLI: --json gives the raw exchange; a failed invocation exits 1; unknown function exits 4', async () => {
    const dir = await makeApp(handlerApp(ECHO))
    const ok = await chd(['invoke', dir, 'hello', '--json'])
    assert.equal(ok.code, 0, ok.stderr)
    const doc = ok.json()
    assert.equal(doc.request.path, '/hello')
    assert.equal(doc.response.status, 200)
    assert.ok(doc.request.payload.Data.req)
    const bad = await makeApp(handlerApp(nodeHandler("res.setHeader('Content-Type', 'text/plain'); res.end('oops')")))
    const failed = await chd(['invoke', bad, 'hello'])
    assert.equal(failed.code, 1)
    assert.match(failed.stdout, /RESPONSE_NOT_JSON/)
    const missing = await chd(['invoke', dir, 'nope'])
    assert.equal(missing.code, 4)
    assert.match(missing.stderr, /FUNCTION_NOT_FOUND.*nope/)
  })

  test('a handler that cannot start is a clear error, exit 1', async () => {
    const dir = await makeApp(handlerApp(nodeHandler(JSON_OK, "console.error('boom'); process.exit(2)")))
    const r = await chd(['invoke', dir, 'hello'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /HANDLER_EXITED.*exited with code 2.*boom/)
  })

  test('a 50 MB answer is judged whole, shown cut and says so (also --json); past 64 MiB it is refused', async () => {
    const big = (mib: number) =>
      makeApp(
        handlerApp(
          nodeHandler(`res.setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({Outputs: {res: {body: 'x'.repeat(${mib} * 1024 * 1024)}}, Logs: ['big']}))`),
        ),
      )
    const dir = await big(50)
    const j = await chd(['invoke', dir, 'hello', '--json'], {maxRssMb: 1500})
    assert.equal(j.code, 0, j.stderr)
    const doc = j.json()
    assert.equal(doc.ok, true)
    const paths = doc.clipped.map((c: {path: string}) => c.path)
    assert.deepEqual(paths, ['response.body', 'result.outputs.res.body', 'result.http.body'])
    assert.equal(doc.result.http.body.length, 65_536)
    assert.ok(j.stdout.length < 1024 * 1024, `${j.stdout.length} bytes of JSON`)
    const text = await chd(['invoke', dir, 'hello'], {maxRssMb: 1500})
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /result\.http\.body is 52428800 characters long; shown: the first 65536/)
    assert.ok(text.stdout.length < 1024 * 1024, `${text.stdout.length} bytes of text`)
    const huge = await chd(['invoke', await big(70), 'hello', '--json'], {maxRssMb: 1500})
    assert.equal(huge.code, 1, huge.stderr)
    assert.match(huge.json().result.error, /^The answer is \d+ bytes; chd judges answers up to 67108864 bytes/)
  })
})

describe('chd start', () => {
  test(
    'serves /api/<function> with the http output mapped like the host; Ctrl-C stops ' + 'everything, exit 130',
    async () => {
      const dir = await makeApp(
        handlerApp(nodeHandler(`require('node:fs').writeFileSync('pid', String(process.pid)); ${JSON_OK}`)),
      )
      const s = await startServer(dir)
      const ready = s.events[0]
      assert.equal(ready.urls[0].url, `http://localhost:${s.port}/api/hello`)
      const res = await fetch(`http://127.0.0.1:${s.port}/api/hello?x=1`)
      assert.equal(res.status, 201)
      assert.equal(res.headers.get('x-from'), 'handler')
      assert.equal(await res.text(), 'made')
      const inv = await s.waitFor((e) => e.type === 'invocation')
      assert.equal(inv.function, 'hello')
      assert.equal(inv.status, 201)
      assert.deepEqual(inv.logs, ['did it'])
      assert.match(inv.invocationId, /^[0-9a-f-]{36}$/)
      assert.equal((await fetch(`http://127.0.0.1:${s.port}/api/other`)).status, 404)
      const pid = Number(await readFile(path.join(dir, 'pid'), 'utf8'))
      s.child.kill('SIGINT')
      assert.equal(await s.closed, 130)
      assert.equal(await alive(pid), false, 'no handler survives Ctrl-C')
    },
  )

  test(
    "keeps its connections to the handler open and reuses them, as the host's one HttpClient does " +
      '(DefaultHttpWorkerService.CreateHttpClient)',
    async () => {
      const dir = await makeApp(
        handlerApp(
          nodeHandler(
            `res.setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({Outputs: {res: {body: JSON.stringify({port: req.socket.remotePort, ` +
              `chunked: req.headers['transfer-encoding'], length: raw.length})}}}))`,
          ),
        ),
      )
      const s = await startServer(dir)
      const seen = []
      for (let i = 0; i < 20; i++) seen.push(await (await fetch(`http://127.0.0.1:${s.port}/api/hello`)).json())
      assert.equal(new Set(seen.map((x) => x.port)).size, 1, JSON.stringify(seen))
      for (const x of seen) assert.ok(x.chunked === 'chunked' && x.length > 100, JSON.stringify(x))
      s.child.kill('SIGINT')
      assert.equal(await s.closed, 130)
    },
  )

  test('a burst of 200 requests prints 200 invocation lines, each once, ready first', async () => {
    const dir = await makeApp(handlerApp(nodeHandler(JSON_OK)))
    const s = await startServer(dir)
    const answers = await Promise.all(
      Array.from({length: 200}, (_v, i) => fetch(`http://127.0.0.1:${s.port}/api/hello?i=${i}`).then((r) => r.status)),
    )
    assert.deepEqual(new Set(answers), new Set([201]))
    s.child.kill('SIGINT')
    assert.equal(await s.closed, 130)
    assert.equal(s.events[0].type, 'ready')
    const invocations = s.events.filter((e) => e.type === 'invocation')
    assert.equal(invocations.length, 200)
    assert.equal(new Set(invocations.map((e) => e.invocationId)).size, 200)
  })

  test('the payload carries the URL, query and headers sent, a query or none; bad requests leave it up', async () => {
    const s = await startServer(await makeApp(handlerApp(ECHO)))
    const get = async (q: string) => {
      const res = await fetch(`http://127.0.0.1:${s.port}/api/hello${q}`, {headers: {'x-tag': 'one'}})
      return JSON.parse(await res.text()).payload
    }
    const withQuery = await get('?name=a&name=b&x=1')
    assert.equal(withQuery.Data.req.Url, `http://127.0.0.1:${s.port}/api/hello?name=a&name=b&x=1`)
    assert.deepEqual(withQuery.Data.req.Query, {name: 'a,b', x: '1'})
    assert.deepEqual(withQuery.Metadata.Query, {name: 'a,b', x: '1'})
    assert.deepEqual(withQuery.Data.req.Headers['x-tag'], ['one'])
    assert.equal(withQuery.Metadata.Headers['x-tag'], 'one')
    for (const q of ['', '?']) {
      const none = await get(q)
      assert.equal(none.Data.req.Url, `http://127.0.0.1:${s.port}/api/hello`)
      assert.deepEqual([none.Data.req.Query, none.Metadata.Query], [{}, {}])
    }
    // Both of these once ended chd start with an unhandled rejection: a target no URL parser reads,
    // and a caller that goes away in the middle of its body.
    assert.match(await rawRequest(s.port, 'GET //[ HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 400 /)
    const partial = 'POST /api/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789'
    assert.equal(await rawRequest(s.port, partial, 200), '')
    assert.deepEqual((await get('')).Data.req.Method, 'GET')
    assert.equal(s.events.filter((e) => e.type === 'invocation' && e.method === 'POST').length, 0)
    s.child.kill('SIGINT')
    assert.equal(await s.closed, 130)
  })

  test('a port in use is PORT_IN_USE, exit 2, at once: the handler it started is stopped, not restarted', async () => {
    // Every launch of the handler appends its pid, so a restart would show as a second line.
    const launches =
      "require('node:fs').appendFileSync('pids', process.pid + '\\n'); " +
      "server.listen(Number(process.env.FUNCTIONS_CUSTOMHANDLER_PORT), '127.0.0.1')"
    const dir = await makeApp(handlerApp(nodeHandler(JSON_OK, launches)))
    const busy = net.createServer()
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    try {
      const {port} = busy.address() as net.AddressInfo
      const r = await chd(['start', dir, '--port', String(port), '--json'])
      assert.equal(r.code, 2, r.stderr)
      const events = r.lines()
      assert.ok(
        events.some((e) => e.type === 'error' && e.code === 'PORT_IN_USE'),
        r.stdout,
      )
      assert.ok(!events.some((e) => e.type === 'restarted'), r.stdout)
      const pids = (await readFile(path.join(dir, 'pids'), 'utf8')).trim().split('\n')
      assert.equal(pids.length, 1, `launched once: ${pids.join(', ')}`)
      assert.equal(await alive(Number(pids[0])), false, 'the handler is stopped')
    } finally {
      busy.close()
    }
  })

  test('forwarding sends the original request and relays the answer verbatim', {skip: goSkip()}, async () => {
    const dir = await makeApp(
      goodApp(
        {copy: await goHandler('linux-amd64')},
        {'host.json': hostJson({defaultExecutablePath: 'handler'}, {enableForwardingHttpRequest: true})},
      ),
    )
    const s = await startServer(dir)
    const res = await fetch(`http://127.0.0.1:${s.port}/api/hello`)
    assert.equal(res.status, 200)
    // The Go handler answers every path with its JSON; forwarded, it reaches the caller unchanged.
    assert.deepEqual((await res.json()).Logs, ['handled /api/hello'])
    s.child.kill('SIGINT')
    assert.equal(await s.closed, 130)
  })

  test('restarts a crashing handler within the host limits, then shuts down (exit 1)', async () => {
    const dir = await makeApp(handlerApp(nodeHandler(`${JSON_OK}; setTimeout(() => process.exit(3), 20)`)))
    const s = await startServer(dir)
    for (let i = 0; i < 3; i++) {
      if (i > 0) await s.waitFor(() => s.events.filter((x) => x.type === 'restarted').length === i)
      assert.equal((await fetch(`http://127.0.0.1:${s.port}/api/hello`)).status, 201)
      await s.waitFor((e) => e.type === 'exit' && s.events.filter((x) => x.type === 'exit').length === i + 1)
    }
    const exits = s.events.filter((e) => e.type === 'exit')
    assert.deepEqual(
      exits.map((e) => e.action),
      ['restart', 'restart', 'shutdown'],
    )
    assert.equal(await s.closed, 1)
  })

  test('non-HTTP functions through POST /admin/functions/<name>', async () => {
    const dir = await makeApp(
      handlerApp(
        nodeHandler(
          `res.setHeader('Content-Type', 'application/json'); res.end(JSON.stringify({Outputs: {}, Logs: ` +
            `['got ' + JSON.parse(raw).Data.msg]}))`,
        ),
        {
          'host.json': hostJson({defaultExecutablePath: 'handler'}, {}, BUNDLE),
          'work/function.json': QUEUE_FUNCTION,
          'hello/function.json': HTTP_FUNCTION,
        },
      ),
    )
    const s = await startServer(dir)
    assert.deepEqual(s.events[0].other, ['work'])
    const res = await fetch(`http://127.0.0.1:${s.port}/admin/functions/work`, {
      method: 'POST',
      body: JSON.stringify({input: 'job-1'}),
    })
    assert.equal(res.status, 202)
    const inv = await s.waitFor((e) => e.type === 'invocation' && e.function === 'work')
    assert.deepEqual(inv.logs, ['got "job-1"'])
    s.child.kill('SIGINT')
    await s.closed
  })
})
