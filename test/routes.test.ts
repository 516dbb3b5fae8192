import assert from 'node:assert/strict'
import {test} from 'node:test'

import type {FunctionApp, FunctionDef} from '../src/app/model.js'
import {httpRoutes, matchRoute, samplePath} from '../src/host/routes.js'

/** An app of HTTP functions, one per route template (undefined: no route, the function's name). */
function app(routes: Array<string | undefined>, routePrefix?: string): FunctionApp {
  const functions = routes.map((route, i): FunctionDef => {
    const trigger = {type: 'httpTrigger', direction: 'in', name: 'req', ...(route === undefined ? {} : {route})}
    const value = {bindings: [trigger, {type: 'http', direction: 'out', name: 'res'}]}
    return {
      name: `f${i}`,
      path: `f${i}/function.json`,
      doc: {path: `f${i}/function.json`, text: JSON.stringify(value), value},
      bindings: value.bindings.map((b, index) => ({...b, index})),
      problems: [],
    }
  })
  const hostJson = routePrefix === undefined ? {} : {extensions: {http: {routePrefix}}}
  return {functions, hostJson: {path: 'host.json', text: '', value: hostJson}} as unknown as FunctionApp
}

const match = (routes: ReturnType<typeof httpRoutes>, path: string) => {
  const hit = matchRoute(routes, path)
  return hit && {function: hit.route.fn.name, params: {...hit.params}}
}

test('route templates: literal text is matched as it is, never as a pattern', () => {
  const routes = httpRoutes(app(['v1.0/items', 'a+b', 'price($)', 'x|{Query}']))
  assert.deepEqual(match(routes, '/api/v1.0/items'), {function: 'f0', params: {}})
  assert.equal(match(routes, '/api/v1X0/items'), undefined)
  assert.deepEqual(match(routes, '/api/a+b'), {function: 'f1', params: {}})
  assert.equal(match(routes, '/api/aab'), undefined)
  assert.deepEqual(match(routes, '/api/price($)'), {function: 'f2', params: {}})
  assert.equal(match(routes, '/api/x'), undefined)
  assert.deepEqual(match(routes, '/api/x|q'), {function: 'f3', params: {Query: 'q'}})
})

test('route templates: parameters, optional and catch-all segments, defaults; a constraint is read past', () => {
  const routes = httpRoutes(
    app(['items/{id?}', 'files/{*rest}', 'pages/{n=1}', 'users/{user-id:int}/{kind}', 'all/{**path}', undefined]),
  )
  assert.deepEqual(match(routes, '/api/items'), {function: 'f0', params: {}})
  assert.deepEqual(match(routes, '/api/items/'), {function: 'f0', params: {}})
  assert.deepEqual(match(routes, '/api/ITEMS/7'), {function: 'f0', params: {id: '7'}})
  assert.deepEqual(match(routes, '/api/files'), {function: 'f1', params: {}})
  assert.deepEqual(match(routes, '/api/files/a/b.txt'), {function: 'f1', params: {rest: 'a/b.txt'}})
  assert.deepEqual(match(routes, '/api/pages'), {function: 'f2', params: {n: '1'}})
  assert.deepEqual(match(routes, '/api/pages/3'), {function: 'f2', params: {n: '3'}})
  assert.deepEqual(match(routes, '/api/users/5/admin'), {function: 'f3', params: {'user-id': '5', kind: 'admin'}})
  assert.equal(match(routes, '/api/users/5'), undefined)
  assert.deepEqual(match(routes, '/api/all/x/y'), {function: 'f4', params: {path: 'x/y'}})
  assert.deepEqual(match(routes, '/api/f5'), {function: 'f5', params: {}})
})

test('route templates: the prefix from host.json, or none', () => {
  assert.deepEqual(match(httpRoutes(app(['hello'], 'v2')), '/v2/hello'), {function: 'f0', params: {}})
  assert.deepEqual(match(httpRoutes(app(['hello'], '')), '/hello'), {function: 'f0', params: {}})
  assert.equal(match(httpRoutes(app(['hello'])), '/hello'), undefined)
})

test('inline constraints: a value that fails one does not match, and the next route is tried', () => {
  const routes = httpRoutes(app(['items/{id:int}', 'items/{slug:alpha:minlength(3)}', 'n/{n:range(1,10)}']))
  assert.deepEqual(match(routes, '/api/items/42'), {function: 'f0', params: {id: '42'}})
  assert.deepEqual(match(routes, '/api/items/abc'), {function: 'f1', params: {slug: 'abc'}})
  assert.equal(match(routes, '/api/items/ab'), undefined)
  assert.equal(match(routes, '/api/items/4x'), undefined)
  assert.deepEqual(match(routes, '/api/n/10'), {function: 'f2', params: {n: '10'}})
  assert.equal(match(routes, '/api/n/11'), undefined)
  const optional = httpRoutes(app(['a/{d:int?}']))
  assert.deepEqual(match(optional, '/api/a'), {function: 'f0', params: {}})
  assert.equal(match(optional, '/api/a/x'), undefined)
})

test('sample paths for mock requests meet the constraints', () => {
  const routes = httpRoutes(app(['a/{id:int}/{g:guid}/{b:bool}/{s}/{c:length(2)}/{m:min(5)}/{*rest}']))
  const path = samplePath(routes[0])
  assert.equal(path, '/api/a/1/00000000-0000-0000-0000-000000000001/true/test/te/5/test')
  assert.equal(matchRoute(routes, path)?.route, routes[0])
})

test('the path is matched decoded, as Kestrel hands it to routing: every valid escape but %2F', () => {
  const routes = httpRoutes(app(['files/{name}', 'café', 'all/{*rest}']))
  assert.deepEqual(match(routes, '/api/files/a%20b'), {function: 'f0', params: {name: 'a b'}})
  assert.deepEqual(match(routes, '/api/files/a%2Fb'), {function: 'f0', params: {name: 'a%2Fb'}})
  assert.deepEqual(match(routes, '/api/files/%C3%A9t%C3%A9'), {function: 'f0', params: {name: 'été'}})
  assert.deepEqual(match(routes, '/api/files/bad%E9'), {function: 'f0', params: {name: 'bad%E9'}})
  assert.deepEqual(match(routes, '/api/caf%C3%A9'), {function: 'f1', params: {}})
  assert.deepEqual(match(routes, '/api/all/x%2fy/z%3F'), {function: 'f2', params: {rest: 'x%2fy/z?'}})
})
