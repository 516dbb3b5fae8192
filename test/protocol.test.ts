import assert from 'node:assert/strict'
import net from 'node:net'
import {test} from 'node:test'

import type {FunctionDef} from '../src/app/model.js'
import {
  handlerClient,
  hostValue,
  httpPayloadText,
  postInvocation,
  readInvocationResponse,
  requestTarget,
  toHttpOutput,
} from '../src/host/protocol.js'

function fn(bindings: Array<{type: string; direction: string; name: string}>): FunctionDef {
  return {
    name: 'f',
    path: 'f/function.json',
    doc: {path: 'f/function.json', text: '', value: {}},
    bindings: bindings.map((b, index) => ({...b, index})),
    problems: [],
  }
}

const json = (body: unknown, status = 200, type = 'application/json; charset=utf-8') => ({
  status,
  statusText: 'OK',
  headers: {'content-type': type},
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  ms: 1,
})

const HTTP = fn([
  {type: 'httpTrigger', direction: 'in', name: 'req'},
  {type: 'http', direction: 'out', name: 'res'},
])
const RETURN = fn([
  {type: 'httpTrigger', direction: 'in', name: 'req'},
  {type: 'http', direction: 'out', name: '$return'},
])
const QUEUE = fn([{type: 'queueTrigger', direction: 'in', name: 'msg'}])

const GO_SAMPLE = fn([
  {type: 'httpTrigger', direction: 'in', name: 'req'},
  {type: 'http', direction: 'out', name: 'res'},
])

test(
  'member names are case-insensitive, Outputs keys are not (HttpScriptInvocationResult: a Dictionary); ' +
    'statusCode wins, status is ignored',
  () => {
    const r = readInvocationResponse(HTTP, json({outputs: {res: {StatusCode: '204', status: 500}}, logs: ['a']}))
    assert.equal(r.ok, true)
    assert.equal(r.http!.status, 204)
    assert.deepEqual(r.logs, ['a'])
    assert.equal(readInvocationResponse(HTTP, json({Outputs: {res: {status: 500}}})).http!.status, 200)
    const upper = readInvocationResponse(HTTP, json({Outputs: {RES: {statusCode: 201}}}))
    assert.equal(upper.ok, true)
    assert.deepEqual(upper.http, {status: 200, headers: {}, body: '{}'})
    assert.match(upper.warnings[0].message, /Outputs has "RES": output names are case-sensitive/)
  },
)

test(
  'ReturnValue null or "" without $return is no error: the Go sample shape ' +
    '(HttpScriptInvocationResultExtensions.ToScriptInvocationResult)',
  () => {
    for (const rv of [null, '']) {
      const r = readInvocationResponse(
        GO_SAMPLE,
        json({Outputs: {res: {statusCode: 200, body: 'hi'}}, Logs: ['x'], ReturnValue: rv}),
      )
      assert.equal(r.ok, true, JSON.stringify(r))
      assert.deepEqual(r.warnings, [])
      assert.equal(r.http!.body, 'hi')
    }
  },
)

test(
  'a JSON-object ReturnValue without $return overwrites Outputs per key; other values are not merged ' +
    '(WorkerFunctionInvoker.HandleOutputDictionary)',
  () => {
    const merged = readInvocationResponse(
      HTTP,
      json({Outputs: {res: {body: 'outputs'}}, ReturnValue: {res: {statusCode: 202, body: 'return'}}}),
    )
    assert.equal(merged.http!.status, 202)
    assert.equal(merged.http!.body, 'return')
    const queue = readInvocationResponse(QUEUE, json({Outputs: {}, ReturnValue: 'x'}))
    assert.equal(queue.ok, true)
    assert.deepEqual(queue.warnings, [])
  },
)

test('a missing output is legal; only an HTTP function left without its http output is warned about', () => {
  const out = fn([
    {type: 'queueTrigger', direction: 'in', name: 'msg'},
    {type: 'queue', direction: 'out', name: 'next'},
  ])
  const skipped = readInvocationResponse(out, json({Outputs: {}}))
  assert.equal(skipped.ok, true)
  assert.deepEqual(skipped.missing, ['next'])
  assert.deepEqual(skipped.warnings, [])
  // Outputs present without res: the host binds an empty object, the caller gets 200 "{}".
  const empty = readInvocationResponse(HTTP, json({Outputs: {}, Logs: []}))
  assert.equal(empty.ok, true)
  assert.deepEqual(empty.http, {status: 200, headers: {}, body: '{}'})
  assert.equal(empty.warnings[0].code, 'RESPONSE_OUTPUT_MISSING')
  assert.match(empty.warnings[0].message, /no Outputs\.res, so the caller gets 200 with the body \{\}/)
  // No Outputs at all: the trigger answers with ReturnValue (HttpBinding.SetResponse).
  assert.deepEqual(readInvocationResponse(HTTP, json({ReturnValue: 'plain'})).http, {
    status: 200,
    headers: {'Content-Type': 'text/plain; charset=utf-8'},
    body: 'plain',
  })
  assert.equal(readInvocationResponse(HTTP, json({Logs: []})).warnings[0].code, 'RESPONSE_OUTPUT_MISSING')
})

test('a $return http binding reads ReturnValue, also when it is a JSON string', () => {
  const r = readInvocationResponse(RETURN, json({ReturnValue: JSON.stringify({statusCode: 202, body: 'ok'})}))
  assert.equal(r.ok, true)
  assert.equal(r.http!.status, 202)
  const missing = readInvocationResponse(RETURN, json({Outputs: {}}))
  assert.equal(missing.ok, true)
  assert.equal(missing.warnings[0].code, 'RESPONSE_OUTPUT_MISSING')
  assert.deepEqual(missing.missing, ['$return'])
})

test(
  'an http output that is null or not JSON fails the invocation: "Failed while trying to Deserialize to ' +
    'httpOutputBindingResponse"',
  () => {
    for (const res of [null, 'SomeBlah', 42]) {
      const r = readInvocationResponse(HTTP, json({Outputs: {res}}))
      assert.equal(r.ok, false)
      assert.equal(r.code, 'INVOCATION_FAILED')
      assert.match(r.error!, /Deserialize to httpOutputBindingResponse/)
    }
  },
)

test('malformed answers fail as the host fails them', () => {
  assert.equal(readInvocationResponse(HTTP, json({Logs: 'not an array', Outputs: {res: {}}})).code, 'RESPONSE_NOT_JSON')
  assert.equal(readInvocationResponse(HTTP, json('{"Outputs": ')).code, 'RESPONSE_NOT_JSON')
  assert.match(readInvocationResponse(HTTP, json({}, 404)).error!, /404 \(OK\)/)
  assert.equal(readInvocationResponse(HTTP, json('null')).code, 'INVOCATION_FAILED')
  assert.match(readInvocationResponse(HTTP, json('hi', 200, 'text/json')).code!, /RESPONSE_NOT_JSON/)
  assert.equal(readInvocationResponse(HTTP, json({Outputs: {res: {}}}, 200, 'text/json')).ok, true)
})

test('http output bodies: strings raw, objects as indented JSON with a JSON content type', () => {
  assert.deepEqual(toHttpOutput({statusCode: 201, body: {a: 1}}), {
    status: 201,
    headers: {'Content-Type': 'application/json; charset=utf-8'},
    body: '{\n  "a": 1\n}',
  })
  assert.deepEqual(toHttpOutput({body: true}), {status: 200, headers: {}, body: 'True'})
})

test('hostValue: strings and numbers travel as JSON text, objects as objects, bytes as base64', () => {
  assert.equal(hostValue('HelloWorld'), '"HelloWorld"')
  assert.equal(hostValue(4), '4')
  assert.deepEqual(hostValue({a: 1}), {a: 1})
  assert.equal(hostValue([1, 2]), '[1,2]')
  assert.equal(hostValue(Buffer.from('hi')), 'aGk=')
})

test(
  'a kept connection the handler drops as it is reused is retried once on a new one, like ' + 'SocketsHttpHandler',
  async () => {
    // Answers the first request on each connection, then drops the connection at the next one.
    let connections = 0
    const server = net.createServer((socket) => {
      connections++
      let requests = 0
      socket.on('data', (d) => {
        if (!d.includes('0\r\n\r\n')) return
        if (++requests > 1) return void socket.resetAndDestroy()
        const body = JSON.stringify({Outputs: {}, Logs: [`connection ${connections}`]})
        socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        )
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as net.AddressInfo).port
    const client = await handlerClient(port)
    try {
      const payload = JSON.stringify({Data: {}, Metadata: {}})
      const first = await postInvocation(client, '/f', payload, 'id-1', 5000)
      const second = await postInvocation(client, '/f', payload, 'id-2', 5000)
      assert.deepEqual([first.status, second.status], [200, 200])
      assert.deepEqual(JSON.parse(String(second.body)).Logs, ['connection 2'])
      assert.equal(connections, 2)
    } finally {
      await client.destroy()
      server.close()
    }
  },
)

test('request targets: plain paths skip the URL parser and read as URL parsing reads them', () => {
  const targets = [
    '/',
    '/api/hello',
    '/api/hello/',
    '/api/v1.2/file.txt',
    '/api/a~b_c-d',
    '/api//double',
    '/api/./x',
    '/api/../x',
    '/.well-known/x',
    '//host/x',
    '/api/%7Euser',
    '/api/é',
    '/api/a b',
    '/api/x?',
    '/api/x?name=a&name=b&x=1',
    '/api/x?q=a%20b&empty=&flag',
  ]
  for (const t of targets) {
    const url = new URL(t, 'http://localhost')
    const query: Record<string, string> = {}
    for (const k of new Set(url.searchParams.keys())) query[k] = url.searchParams.getAll(k).join(',')
    assert.deepEqual(requestTarget(t), {pathname: url.pathname, search: url.search, query}, t)
  }
})

test('the HTTP payload text: every header name and value escaped where JSON needs it, params in their place', () => {
  const text = httpPayloadText(HTTP, {
    method: 'post',
    url: '/api/items/7?tag=a&tag=b',
    headers: {
      host: 'example.test:7071',
      'x-quote': 'say "hi" \\ back',
      'x-unicode': 'naïve ✓',
      'set-cookie': ['a=1', 'b=2'],
      'bad"name': 'v',
      skipped: undefined,
      'content-type': 'application/octet-stream',
    },
    body: Buffer.from([0, 1, 2, 255]),
    params: {id: '7', Query: 'from-route', sys: 'never', missing: undefined as unknown as string, none: null},
  })
  const doc = JSON.parse(text)
  assert.deepEqual(doc.Data.req, {
    Url: 'http://example.test:7071/api/items/7?tag=a&tag=b',
    Method: 'POST',
    Query: {tag: 'a,b'},
    Headers: {
      host: ['example.test:7071'],
      'x-quote': ['say "hi" \\ back'],
      'x-unicode': ['naïve ✓'],
      'set-cookie': ['a=1', 'b=2'],
      'bad"name': ['v'],
      'content-type': ['application/octet-stream'],
    },
    Params: {id: '7', Query: 'from-route', sys: 'never', none: null},
    Identities: [],
    Body: Buffer.from([0, 1, 2, 255]).toString('base64'),
  })
  const {sys, ...metadata} = doc.Metadata
  assert.deepEqual(metadata, {
    Query: 'from-route',
    Headers: {
      host: 'example.test:7071',
      'x-quote': 'say "hi" \\ back',
      'x-unicode': 'naïve ✓',
      'set-cookie': 'a=1,b=2',
      'bad"name': 'v',
      'content-type': 'application/octet-stream',
    },
    id: '7',
    none: null,
  })
  assert.deepEqual(Object.keys(sys), ['MethodName', 'UtcNow', 'RandGuid'])
  assert.equal(sys.MethodName, 'f')
  assert.ok(Math.abs(Date.parse(sys.UtcNow) - Date.now()) < 5000)
  assert.match(sys.RandGuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
})

test('a route parameter named Query that matched nothing drops Metadata.Query, as the object spread did', () => {
  const params = {Query: undefined} as unknown as Record<string, string>
  const doc = JSON.parse(httpPayloadText(HTTP, {method: 'GET', url: '/api/x', headers: {}, params}))
  assert.deepEqual(Object.keys(doc.Metadata), ['Headers', 'sys'])
  assert.deepEqual(doc.Data.req.Params, {})
})
