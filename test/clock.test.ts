import assert from 'node:assert/strict'
import {test} from 'node:test'

import {isoNow} from '../src/clock.js'

test('isoNow writes what Date.toISOString writes, across seconds, days and years', () => {
  const starts = [0, 999, 1000, Date.UTC(2026, 11, 31, 23, 59, 59, 990), Date.UTC(2000, 1, 29), Date.now()]
  for (const start of starts)
    for (let ms = start; ms < start + 1500; ms += 7) assert.equal(isoNow(ms), new Date(ms).toISOString())
  assert.match(isoNow(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
})
