import assert from 'node:assert/strict'
import path from 'node:path'
import {PassThrough} from 'node:stream'
import {describe, test} from 'node:test'

import {loadApp} from '../src/app/model.js'
import {openSource} from '../src/app/source.js'
import {streamReader} from '../src/platform/bytes.js'
import {hostJson, HTTP_FUNCTION, makeApp, tempDir} from './helpers/app.js'
import {chd} from './helpers/cli.js'
import {writeRawZip} from './helpers/zip.js'

const HOST = Buffer.from(JSON.stringify(hostJson()))
const FUNCTION = Buffer.from(JSON.stringify(HTTP_FUNCTION))
const HANDLER = {name: 'handler', data: Buffer.from('#!/bin/sh\nexit 0\n'), mode: 0o755}
/** A regression inflating a bomb is killed here instead of eating the machine's memory. */
const RSS_LIMIT_MB = 600

async function zipOf(entries: Parameters<typeof writeRawZip>[1]): Promise<string> {
  const file = path.join(await tempDir(), 'app.zip')
  await writeRawZip(file, entries)
  return file
}

function refused(r: Awaited<ReturnType<typeof chd>>, code: string, message: RegExp) {
  assert.equal(r.signal, null, `chd was killed (peak RSS ${r.peakRssMb} MB)`)
  assert.equal(r.code, 1, r.stderr)
  assert.match(r.stderr, new RegExp(`^Error \\[${code}\\]: `, 'm'))
  assert.match(r.stderr, message)
  assert.ok(r.peakRssMb === undefined || r.peakRssMb < 400, `peak RSS ${r.peakRssMb} MB`)
}

describe('packages and config files built to hurt', () => {
  test('a zip bomb (host.json inflating 1000:1 to 2 GiB) is refused before anything is inflated', async () => {
    const zip = await zipOf([{name: 'host.json', zeroMiB: 2047}, {name: 'hello/function.json', data: FUNCTION}, HANDLER])
    refused(await chd(['doctor', zip], {maxRssMb: RSS_LIMIT_MB}), 'ZIP_INVALID', /host\.json would inflate to 2\.0 GiB from 2\.0 MiB \(\d+:1\)/)
  })

  test('an entry whose header under-states its size stops inflating at the header\'s size', async () => {
    const zip = await zipOf([{name: 'host.json', data: HOST}, {name: 'hello/function.json', zeroMiB: 1024, declaredSize: 1000}, HANDLER])
    refused(await chd(['doctor', zip], {maxRssMb: RSS_LIMIT_MB}), 'ZIP_INVALID', /damaged: hello\/function\.json cannot be read \(too many bytes/)
  })

  test('a config file over 1 MiB is refused by its size, in a zip and in a folder', async () => {
    const zip = await zipOf([{name: 'host.json', data: HOST}, {name: 'hello/function.json', zeroMiB: 40}, HANDLER])
    refused(await chd(['doctor', zip], {maxRssMb: RSS_LIMIT_MB}), 'CONFIG_TOO_LARGE', /hello\/function\.json is 40\.0 MiB; chd reads config files of up to 1\.0 MiB/)
    const dir = await makeApp({'host.json': ' '.repeat(3 * 1024 * 1024), handler: '#!/bin/sh\n'})
    const r = await chd(['doctor', dir, '--json'])
    assert.equal(r.code, 1)
    assert.equal(r.json().error.code, 'CONFIG_TOO_LARGE')
  })

  test('many config files cannot add up to more than 2 MiB either', async () => {
    const big = Buffer.from(`{"bindings": [${'0,'.repeat(400 * 1024)}0]}`)
    const zip = await zipOf([{name: 'host.json', data: HOST}, ...['a', 'b', 'c'].map((f) => ({name: `${f}/function.json`, data: big})), HANDLER])
    const source = await openSource(zip)
    try {
      await assert.rejects(loadApp(source), (e: any) => e.code === 'CONFIG_TOO_LARGE' && /add up to more than 2\.0 MiB; chd stopped at c\/function\.json/.test(e.message))
    } finally {
      await source.close()
    }
  })

  test('corrupt deflate data in a valid zip is ZIP_INVALID naming the entry', async () => {
    const zip = await zipOf([{name: 'host.json', data: HOST, corrupt: true}, {name: 'hello/function.json', data: FUNCTION}, HANDLER])
    refused(await chd(['doctor', zip]), 'ZIP_INVALID', /damaged: host\.json cannot be read \(invalid block type\)/)
    const j = await chd(['doctor', zip, '--json'])
    assert.equal(j.json().error.code, 'ZIP_INVALID')
  })

  test('host.json and function.json nested 5,000 deep are invalid at the bracket, like the host, not a crash', async () => {
    const deep = (n: number) => `{"version": "2.0", "x": ${'['.repeat(n)}${']'.repeat(n)}}`
    const dir = await makeApp({'host.json': deep(5000), 'hello/function.json': `{"bindings":\n${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`, handler: '#!/bin/sh\n'})
    const r = await chd(['doctor', dir, '--no-start', '--json'])
    assert.equal(r.code, 1, r.stderr)
    const findings = r.json().findings as Array<{code: string; message: string; line?: number}>
    const host = findings.find((f) => f.code === 'HOST_JSON_INVALID')!
    assert.match(host.message, /^host\.json:1:\d+: nested more than 64 levels deep/)
    const fn = findings.find((f) => f.code === 'FUNCTION_JSON_INVALID')!
    assert.match(fn.message, /^hello\/function\.json:2:\d+: nested more than 64 levels deep/)
    assert.ok(await chd(['doctor', await makeApp({'host.json': deep(60)}), '--no-start', '--json']).then((x) => !x.json().findings.some((f: {message: string}) => /nested/.test(f.message))))
  })

  test('reading an entry keeps only the bytes from the latest read on', async () => {
    let opened = 0
    const size = 64 * 1024 * 1024
    const reader = streamReader(size, async () => {
      opened++
      const s = new PassThrough()
      const chunk = Buffer.alloc(64 * 1024, 7)
      let sent = 0
      const pump = () => {
        while (sent < size) {
          sent += chunk.length
          if (!s.write(chunk)) return void s.once('drain', pump)
        }
        s.end()
      }
      pump()
      return s
    })
    for (let offset = 0; offset < size; offset += 1024 * 1024) assert.equal((await reader.read(offset, 1024 * 1024)).length, 1024 * 1024)
    assert.equal(opened, 1, 'reading forwards inflates once')
    assert.deepEqual([...await reader.read(10, 2)], [7, 7])
    assert.equal(opened, 2, 'the start was let go of, so reading it again inflates again')
    await reader.close()
  })
})
