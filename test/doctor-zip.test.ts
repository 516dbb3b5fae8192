import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {chmod, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {PassThrough} from 'node:stream'
import {describe, test} from 'node:test'
import {promisify} from 'node:util'

import {runDoctor} from '../src/doctor/index.js'
import {pack} from '../src/pack/index.js'
import {streamReader} from '../src/platform/bytes.js'
import {silentProgress} from '../src/progress.js'
import {goodApp, makeApp, tempDir} from './helpers/app.js'
import {goHandler, goSkip} from './helpers/go.js'
import {dosZip} from './helpers/zip.js'

const run = promisify(execFile)
const doctorCodes = async (p: string) =>
  (await runDoctor({path: p, target: 'linux-x64'}, silentProgress)).findings.map((f) => f.code)

describe('chd doctor on a .zip package', {skip: goSkip()}, () => {
  test('a package from chd pack is judged like its folder: clean', async () => {
    const dir = await makeApp(goodApp({copy: await goHandler('linux-amd64')}))
    const zip = path.join(await tempDir(), 'app.zip')
    await pack({dir, output: zip, target: 'linux-x64'}, silentProgress)
    const result = await runDoctor({path: zip, target: 'linux-x64'}, silentProgress)
    assert.equal(result.source, 'zip')
    assert.deepEqual(result.findings, [])
    assert.equal(result.executable?.mode, '0755')
  })

  test('Info-ZIP zip of a folder whose executable lost its bit is caught from the recorded mode', async () => {
    const dir = await makeApp(goodApp({copy: await goHandler('linux-amd64')}))
    await chmod(path.join(dir, 'handler'), 0o644)
    const zip = path.join(await tempDir(), 'lost.zip')
    await run('zip', ['-qr', zip, '.'], {cwd: dir})
    const codes = await doctorCodes(zip)
    assert.ok(codes.includes('EXECUTABLE_NOT_EXECUTABLE'), codes.join())
    // local.settings.json went into that zip: it ships, so it is reported.
    assert.ok(codes.includes('SECRET_WOULD_BE_PACKED'), codes.join())
  })

  test('a zip made on a system without Unix modes (MS-DOS "made by") is not executable on Linux', async () => {
    const dir = await makeApp(goodApp({copy: await goHandler('linux-amd64')}))
    const zip = path.join(await tempDir(), 'dos.zip')
    await dosZip(dir, ['host.json', 'hello/function.json', 'handler'], zip)
    assert.deepEqual(await doctorCodes(zip), ['EXECUTABLE_NOT_EXECUTABLE'])
  })

  test('a zip holding the app folder instead of its contents', async () => {
    const parent = await tempDir()
    await makeApp(goodApp({copy: await goHandler('linux-amd64')}), path.join(parent, 'myapp'))
    const zip = path.join(await tempDir(), 'nested.zip')
    await run('zip', ['-qr', zip, 'myapp', '-x', 'myapp/local.settings.json'], {cwd: parent})
    const result = await runDoctor({path: zip, target: 'linux-x64'}, silentProgress)
    assert.deepEqual(
      result.findings.map((f) => f.code),
      ['HOST_JSON_MISSING'],
    )
    assert.match(result.findings[0].fix!, /contents of the app folder/)
  })

  test('judging a binary inside a zip inflates only what the headers need', async () => {
    let served = 0
    const size = 8 * 1024 * 1024
    const reader = streamReader(size, async () => {
      const s = new PassThrough()
      const chunk = Buffer.alloc(64 * 1024)
      let sent = 0
      const pump = () => {
        while (sent < size) {
          sent += chunk.length
          served += chunk.length
          if (!s.write(chunk)) return void s.once('drain', pump)
        }
        s.end()
      }
      pump()
      return s
    })
    const head = await reader.read(0, 4096)
    assert.equal(head.length, 4096)
    await reader.close()
    assert.ok(served < 2 * 1024 * 1024, `inflated ${served} bytes to read 4 KiB`)
  })

  test('a file that is not a zip is a clear error', async () => {
    const file = path.join(await tempDir(), 'not.zip')
    await writeFile(file, 'hello')
    await assert.rejects(runDoctor({path: file, target: 'linux-x64'}, silentProgress), {code: 'ZIP_INVALID'})
  })
})
