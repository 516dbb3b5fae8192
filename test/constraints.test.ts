import assert from 'node:assert/strict'
import {test} from 'node:test'

import {parseConstraints, satisfies} from '../src/host/constraints.js'

const ok = (value: string, inline: string) => satisfies(value, parseConstraints(inline))

test('constraints are parsed as the inline resolver reads them, regex() arguments whole', () => {
  assert.deepEqual(parseConstraints(':int:min(1)'), [
    {name: 'int', args: []},
    {name: 'min', args: ['1']},
  ])
  assert.deepEqual(parseConstraints(':length(2, 5)'), [{name: 'length', args: ['2', '5']}])
  assert.deepEqual(parseConstraints(':regex(^(a|b),c$):alpha'), [
    {name: 'regex', args: ['^(a|b),c$']},
    {name: 'alpha', args: []},
  ])
})

test('numbers: int and long bounds, sign and white space as int.TryParse reads them; min, max, range', () => {
  for (const v of ['0', '-5', '+5', ' 7 ', '2147483647', '-2147483648']) assert.ok(ok(v, ':int'), v)
  for (const v of ['', '1.5', '2147483648', '0x10', '1e3', '١']) assert.equal(ok(v, ':int'), false, v)
  assert.ok(ok('2147483648', ':long'))
  assert.equal(ok('9223372036854775808', ':long'), false)
  assert.deepEqual(
    ['0', '1', '10', '11', 'x'].map((v) => ok(v, ':range(1,10)')),
    [false, true, true, false, false],
  )
  assert.deepEqual([ok('4', ':min(5)'), ok('5', ':min(5)'), ok('6', ':max(5)')], [false, true, false])
})

test('bool, guid, alpha, lengths, required, regex; the culture-bound ones are not checked', () => {
  assert.deepEqual(
    ['true', 'FALSE', ' True ', 'yes', '1'].map((v) => ok(v, ':bool')),
    [true, true, true, false, false],
  )
  const g = '0f8fad5b-d9cb-469f-a165-70867728950e'
  for (const v of [g, g.toUpperCase(), `{${g}}`, `(${g})`, g.replaceAll('-', '')]) assert.ok(ok(v, ':guid'), v)
  for (const v of ['', g.slice(1), `{${g}`]) assert.equal(ok(v, ':guid'), false, v)
  assert.deepEqual(
    ['abc', 'ABC', 'ab1', ''].map((v) => ok(v, ':alpha')),
    [true, true, false, true],
  )
  assert.deepEqual(
    ['ab', 'abc'].map((v) => ok(v, ':minlength(3)')),
    [false, true],
  )
  assert.deepEqual(
    ['abcd', 'abc'].map((v) => ok(v, ':maxlength(3)')),
    [false, true],
  )
  assert.deepEqual(
    ['ab', 'abc', 'abcdef'].map((v) => ok(v, ':length(3,5)')),
    [false, true, false],
  )
  assert.deepEqual(
    ['ab', 'abc'].map((v) => ok(v, ':length(2)')),
    [true, false],
  )
  assert.equal(ok('', ':required'), false)
  assert.deepEqual(
    ['A-12', 'x'].map((v) => ok(v, ':regex(^[a-z]-\\d+$)')),
    [true, false],
  )
  for (const inline of [':datetime', ':decimal', ':double', ':float', ':file', ':nonfile', ':unknown', ':regex(('])
    assert.ok(ok('anything', inline), inline)
})
