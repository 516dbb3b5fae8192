import assert from 'node:assert/strict'
import {test} from 'node:test'

import type {FunctionDef} from '../src/app/model.js'
import {hostValue, readInvocationResponse, toHttpOutput} from '../src/host/protocol.js'

function fn(bindings: Array<{type: string; direction: string; name: string}>): FunctionDef {
  return {name: 'f', path: 'f/function.json', doc: {path: 'f/function.json', text: '', value: {}}, bindings: bindings.map((b, index) => ({...b, index})), problems: []}
}

const json = (body: unknown, status = 200, type = 'application/json; charset=utf-8') =>
  ({status, statusText: 'OK', headers: {'content-type': type}, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), ms: 1})

const HTTP = fn([{type: 'httpTrigger', direction: 'in', name: 'req'}, {type: 'http', direction: 'out', name: 'res'}])
const RETURN = fn([{type: 'httpTrigger', direction: 'in', name: 'req'}, {type: 'http', direction: 'out', name: '$return'}])
const QUEUE = fn([{type: 'queueTrigger', direction: 'in', name: 'msg'}])

test('names are matched case-insensitively; statusCode wins, status is ignored', () => {
  const r = readInvocationResponse(HTTP, json({outputs: {RES: {StatusCode: '204', status: 500}}, logs: ['a']}))
  assert.equal(r.ok, true)
  assert.equal(r.http!.status, 204)
  assert.deepEqual(r.logs, ['a'])
  assert.equal(readInvocationResponse(HTTP, json({Outputs: {res: {status: 500}}})).http!.status, 200)
})

test('a $return http binding reads ReturnValue, also when it is a JSON string', () => {
  const r = readInvocationResponse(RETURN, json({ReturnValue: JSON.stringify({statusCode: 202, body: 'ok'})}))
  assert.equal(r.ok, true)
  assert.equal(r.http!.status, 202)
  const missing = readInvocationResponse(RETURN, json({Outputs: {}}))
  assert.equal(missing.code, 'RESPONSE_OUTPUT_MISSING')
  assert.deepEqual(missing.missing, ['$return'])
})

test('ReturnValue without a $return binding is reported', () => {
  const r = readInvocationResponse(QUEUE, json({Outputs: {}, ReturnValue: 'x'}))
  assert.equal(r.code, 'RESPONSE_OUTPUT_MISSING')
})

test('malformed answers fail as the host fails them', () => {
  assert.equal(readInvocationResponse(HTTP, json({Logs: 'not an array', Outputs: {res: {}}})).code, 'RESPONSE_NOT_JSON')
  assert.equal(readInvocationResponse(HTTP, json('{"Outputs": ')).code, 'RESPONSE_NOT_JSON')
  assert.equal(readInvocationResponse(HTTP, json({Outputs: {res: 'SomeBlah'}})).code, 'INVOCATION_FAILED')
  assert.match(readInvocationResponse(HTTP, json({}, 404)).error!, /404 \(OK\)/)
  assert.equal(readInvocationResponse(HTTP, json('null')).code, 'INVOCATION_FAILED')
  assert.match(readInvocationResponse(HTTP, json('hi', 200, 'text/json')).code!, /RESPONSE_NOT_JSON/)
  assert.equal(readInvocationResponse(HTTP, json({Outputs: {res: {}}}, 200, 'text/json')).ok, true)
})

test('http output bodies: strings raw, objects as indented JSON with a JSON content type', () => {
  assert.deepEqual(toHttpOutput({statusCode: 201, body: {a: 1}}), {status: 201, headers: {'Content-Type': 'application/json; charset=utf-8'}, body: '{\n  "a": 1\n}'})
  assert.deepEqual(toHttpOutput({body: true}), {status: 200, headers: {}, body: 'True'})
})

test('hostValue: strings and numbers travel as JSON text, objects as objects, bytes as base64', () => {
  assert.equal(hostValue('HelloWorld'), '"HelloWorld"')
  assert.equal(hostValue(4), '4')
  assert.deepEqual(hostValue({a: 1}), {a: 1})
  assert.equal(hostValue([1, 2]), '[1,2]')
  assert.equal(hostValue(Buffer.from('hi')), 'aGk=')
})
