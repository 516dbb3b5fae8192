import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {PassThrough} from 'node:stream'
import {describe, test} from 'node:test'
import {promisify} from 'node:util'

import {streamReader} from '../src/platform/bytes.js'
import {hostJson, HTTP_FUNCTION, makeApp, tempDir} from './helpers/app.js'
import {chd} from './helpers/cli.js'
import {type RawZipEntry, testZip, writeRawZip} from './helpers/zip.js'

const run = promisify(execFile)
const HOST = Buffer.from(JSON.stringify(hostJson()))
const FUNCTION = Buffer.from(JSON.stringify(HTTP_FUNCTION))
const HANDLER = {name: 'handler', data: Buffer.from('#!/bin/sh\nexit 0\n'), mode: 0o755}
const EXECUTABLE = {content: '#!/bin/sh\nexit 0\n', mode: 0o755}
/** A regression inflating a bomb is killed here instead of eating the machine's memory. */
const RSS_LIMIT_MB = 600

/** A zip of host.json (unless given), the entries given, and a handler. */
async function zipOf(...entries: RawZipEntry[]): Promise<string> {
  const file = path.join(await tempDir(), 'app.zip')
  const host = entries.some((e) => e.name === 'host.json') ? [] : [{name: 'host.json', data: HOST}]
  await writeRawZip(file, [...host, ...entries, HANDLER])
  return file
}

const doctor = (zip: string) => chd(['doctor', zip], {maxRssMb: RSS_LIMIT_MB})

function refused(r: Awaited<ReturnType<typeof chd>>, code: string, message: RegExp) {
  assert.equal(r.signal, null, `chd was killed (peak RSS ${r.peakRssMb} MB)`)
  assert.equal(r.code, 1, r.stderr)
  assert.match(r.stderr, new RegExp(`^Error \\[${code}\\]: `, 'm'))
  assert.match(r.stderr, message)
  assert.ok(r.peakRssMb === undefined || r.peakRssMb < 400, `peak RSS ${r.peakRssMb} MB`)
}

describe('packages and config files built to hurt', () => {
  test('a zip bomb (host.json inflating 1000:1 to 2 GiB) is refused before anything is inflated', async () => {
    const zip = await zipOf({name: 'host.json', zeroMiB: 2047}, {name: 'hello/function.json', data: FUNCTION})
    refused(await doctor(zip), 'ZIP_INVALID', /host\.json would inflate to 2\.0 GiB from 2\.0 MiB \(\d+:1\)/)
  })

  test("an entry whose header under-states its size stops inflating at the header's size", async () => {
    const zip = await zipOf({name: 'hello/function.json', zeroMiB: 1024, declaredSize: 1000})
    refused(await doctor(zip), 'ZIP_INVALID', /damaged: hello\/function\.json cannot be read \(too many bytes/)
  })

  test('a config file over 512 KiB is refused by its size, in a zip and in a folder', async () => {
    const zip = await zipOf({name: 'hello/function.json', zeroMiB: 40})
    refused(await doctor(zip), 'CONFIG_TOO_LARGE', /function\.json is 40\.0 MiB; chd reads config files of up to 512/)
    const dir = await makeApp({'host.json': ' '.repeat(3 * 1024 * 1024), handler: '#!/bin/sh\n'})
    const r = await chd(['doctor', dir, '--json'])
    assert.equal(r.code, 1)
    assert.equal(r.json().error.code, 'CONFIG_TOO_LARGE')
  })

  test('config files cannot add up to more than 1 MiB either; the worst JSON within that stays small', async () => {
    // The costliest JSON to hold: one tiny value per two bytes.
    const data = Buffer.from(`{"bindings": [${'0,'.repeat(200 * 1024)}0]}`)
    const big = (name: string) => ({name: `${name}/function.json`, data})
    const three = await doctor(await zipOf(big('a'), big('b'), big('c')))
    refused(three, 'CONFIG_TOO_LARGE', /add up to more than 1\.0 MiB; chd stopped at c\//)
    const two = await chd(['doctor', await zipOf(big('a'), big('b')), '--json'], {maxRssMb: RSS_LIMIT_MB})
    assert.ok(two.peakRssMb === undefined || two.peakRssMb < 400, `peak RSS ${two.peakRssMb} MB`)
    const problems = two.json().findings.filter((f: {file?: string}) => f.file === 'a/function.json')
    assert.equal(problems.length, 11, 'ten problems named, the rest counted')
    assert.match(problems.at(-1).message, /and 204791 more bindings like these/)
  })

  test('corrupt deflate data in a valid zip is ZIP_INVALID naming the entry', async () => {
    const zip = await zipOf({name: 'host.json', data: HOST, corrupt: true})
    refused(await doctor(zip), 'ZIP_INVALID', /damaged: host\.json cannot be read \(invalid block type\)/)
    const j = await chd(['doctor', zip, '--json'])
    assert.equal(j.json().error.code, 'ZIP_INVALID')
  })

  test('host.json and function.json nested 5,000 deep are invalid at the bracket, as in the host', async () => {
    const deep = (n: number) => `{"version": "2.0", "x": ${'['.repeat(n)}${']'.repeat(n)}}`
    const deepFn = `{"bindings":\n${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`
    const dir = await makeApp({'host.json': deep(5000), 'hello/function.json': deepFn, handler: '#!/bin/sh\n'})
    const r = await chd(['doctor', dir, '--no-start', '--json'])
    assert.equal(r.code, 1, r.stderr)
    const findings = r.json().findings as Array<{code: string; message: string; line?: number}>
    const host = findings.find((f) => f.code === 'HOST_JSON_INVALID')!
    assert.match(host.message, /^host\.json:1:\d+: nested more than 64 levels deep/)
    const fn = findings.find((f) => f.code === 'FUNCTION_JSON_INVALID')!
    assert.match(fn.message, /^hello\/function\.json:2:\d+: nested more than 64 levels deep/)
    const shallow = await chd(['doctor', await makeApp({'host.json': deep(60)}), '--no-start', '--json'])
    assert.ok(!shallow.json().findings.some((f: {message: string}) => /nested/.test(f.message)), '60 levels are fine')
  })

  test('a name that is not UTF-8 is checked (as \\xNN), packed as its exact bytes, and judged in the zip', async () => {
    const dir = await makeApp({'host.json': hostJson(), 'hello/function.json': HTTP_FUNCTION, handler: EXECUTABLE})
    const latin1 = (name: string) => Buffer.from(name, 'latin1')
    await mkdir(Buffer.concat([Buffer.from(`${dir}/`), latin1('d\xFCr')]))
    await writeFile(Buffer.concat([Buffer.from(`${dir}/`), latin1('d\xFCr/caf\xE9.txt')]), 'latin-1 names')
    await writeFile(Buffer.concat([Buffer.from(`${dir}/`), latin1('s\xE9cret.pem')]), 'key')
    const doctor = await chd(['doctor', dir, '--no-start', '--json'])
    const secret = doctor.json().findings.find((f: {code: string}) => f.code === 'SECRET_WOULD_BE_PACKED')
    assert.equal(secret?.file, 's\\xE9cret.pem', doctor.stdout)
    const zip = path.join(await tempDir(), 'app.zip')
    const packed = await chd(['pack', dir, '-o', zip, '--include-secrets', '--json'])
    assert.equal(packed.code, 0, packed.stderr)
    await testZip(zip)
    // Python's zipfile reads names without the UTF-8 flag as CP437; encoding back gives the stored bytes.
    const {stdout} = await run('python3', [
      '-c',
      `import zipfile, sys
for i in zipfile.ZipFile(sys.argv[1]).infolist():
    print((i.filename.encode() if i.flag_bits & 0x800 else i.filename.encode('cp437')).hex())`,
      zip,
    ])
    const names = stdout
      .trim()
      .split('\n')
      .map((h) => Buffer.from(h, 'hex').toString('latin1'))
    assert.deepEqual(names.filter((n) => /[^\x20-\x7e]/.test(n)).sort(), ['d\xFCr/caf\xE9.txt', 's\xE9cret.pem'])
    const fromZip = await chd(['doctor', zip, '--json'])
    assert.ok(
      fromZip.json().findings.some((f: {file?: string}) => f.file === 's\\xE9cret.pem'),
      fromZip.stdout,
    )
  })

  test('a path longer than PATH_MAX is PATH_TOO_LONG, not a crash', {skip: process.platform !== 'linux'}, async () => {
    const dir = await makeApp({'host.json': hostJson(), handler: EXECUTABLE})
    const segment = 'd'.repeat(250)
    // mkdir -p walks the path one folder at a time, so it can make one longer than PATH_MAX.
    await run('mkdir', ['-p', Array.from({length: 18}, () => segment).join('/')], {cwd: dir})
    try {
      const r = await chd(['doctor', dir, '--no-start'])
      assert.equal(r.code, 1, r.stderr)
      assert.match(r.stderr, /^Error \[PATH_TOO_LONG\]: Folder could not be read: \/.*… \(its path is \d+ bytes/m)
      assert.match(r.stderr, /Try this: Shorten the folder and file names/)
    } finally {
      // fs.rm joins whole paths (ENAMETOOLONG); rm -rf descends folder by folder.
      await run('rm', ['-rf', path.join(dir, segment)])
    }
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
    const MiB = 1024 * 1024
    for (let offset = 0; offset < size; offset += MiB) assert.equal((await reader.read(offset, MiB)).length, MiB)
    assert.equal(opened, 1, 'reading forwards inflates once')
    assert.deepEqual([...(await reader.read(10, 2))], [7, 7])
    assert.equal(opened, 2, 'the start was let go of, so reading it again inflates again')
    await reader.close()
  })
})
