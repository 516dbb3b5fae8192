import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import path from 'node:path'
import {Writable} from 'node:stream'
import {test} from 'node:test'

import {LineWriter} from '../src/ui/lines.js'

function sink(): {stream: Writable; writes: string[]} {
  const writes: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      writes.push(chunk.toString())
      done()
    },
  })
  return {stream, writes}
}

test('lines written in one turn of the event loop go out in one write, in order', async () => {
  const {stream, writes} = sink()
  const out = new LineWriter(stream)
  for (const l of ['a', 'b', 'c']) out.line(l)
  assert.deepEqual(writes, [])
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(writes, ['a\nb\nc\n'])
  out.line('d')
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(writes, ['a\nb\nc\n', 'd\n'])
})

test('flush() writes what waits at once, and nothing when nothing waits', async () => {
  const {stream, writes} = sink()
  const out = new LineWriter(stream)
  out.flush()
  out.line('invocation')
  out.line('exit')
  out.flush()
  assert.deepEqual(writes, ['invocation\nexit\n'])
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(writes, ['invocation\nexit\n'])
})

test('lines still waiting when the process exits (Ctrl-C ends chd start through process.exit) are written', () => {
  const script =
    "import {LineWriter} from './src/ui/lines.ts'; const out = new LineWriter(); " +
    "for (let i = 0; i < 3; i++) out.line('line ' + i); process.exit(130)"
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: path.resolve(import.meta.dirname, '..'),
    encoding: 'utf8',
  })
  assert.equal(r.status, 130, r.stderr)
  assert.equal(r.stdout, 'line 0\nline 1\nline 2\n')
})
