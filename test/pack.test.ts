import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {createWriteStream, readdirSync} from 'node:fs'
import {mkdir, readFile, stat, utimes, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, test} from 'node:test'
import {promisify} from 'node:util'
import zlib from 'node:zlib'

import {ChdError} from '../src/errors.js'
import {crc32Combine} from '../src/pack/deflate.js'
import {pack} from '../src/pack/index.js'
import {writeZip, type ZipSourceFile} from '../src/pack/zip.js'
import {silentProgress} from '../src/progress.js'
import {goodApp, makeApp, tempDir} from './helpers/app.js'
import {chd} from './helpers/cli.js'
import {goHandler, goSkip} from './helpers/go.js'
import {listZip, testZip} from './helpers/zip.js'

const run = promisify(execFile)
const skip = goSkip()

async function packApp(dir: string, extra: Partial<Parameters<typeof pack>[0]> = {}) {
  const output = path.join(await tempDir(), 'app.zip')
  const result = await pack({dir, output, target: 'linux-x64', ...extra}, silentProgress)
  return {output, result}
}

describe('chd pack', {skip}, () => {
  test('keeps real modes, Unix "made by", excludes built-ins and .funcignore, and passes unzip -t', async () => {
    const dir = await makeApp(
      goodApp(
        {copy: await goHandler('linux-amd64')},
        {
          'scripts/run.sh': {content: '#!/bin/sh\necho hi\n', mode: 0o750},
          'data/readme.md': 'docs',
          'data/keep.md': 'keep',
          '.funcignore': '*.md\n!keep.md\n',
          '.vscode/settings.json': {},
          '.git/HEAD': 'ref: refs/heads/main',
          '.gitignore': 'node_modules',
        },
      ),
    )
    const {output, result} = await packApp(dir)
    await testZip(output)
    const rows = await listZip(output)
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]))
    assert.deepEqual(Object.keys(byName).sort(), [
      'data/keep.md',
      'handler',
      'hello/function.json',
      'host.json',
      'scripts/run.sh',
    ])
    assert.equal(byName.handler.mode, '-rwxr-xr-x')
    assert.equal(byName['scripts/run.sh'].mode, '-rwxr-x---')
    assert.equal(byName['host.json'].mode, '-rw-r--r--')
    for (const r of rows) assert.equal(r.madeBy, 'unx')
    assert.equal(result.entries, 5)
    assert.match(result.sha256, /^[0-9a-f]{64}$/)
    assert.equal(
      result.sha256,
      createHash('sha256')
        .update(await readFile(output))
        .digest('hex'),
    )
    const reasons = Object.fromEntries(result.excluded.map((e) => [e.path, e.reason]))
    assert.equal(reasons['local.settings.json'], 'built-in')
    assert.equal(reasons['data/readme.md'], '.funcignore')
    assert.equal(reasons['.vscode/settings.json'], 'built-in')
  })

  test('is deterministic: same folder, different mtimes, same sha256 and bytes', async () => {
    const dir = await makeApp(
      goodApp({copy: await goHandler('linux-amd64')}, {'lib/a.txt': 'a'.repeat(5000), 'lib/b.txt': 'b'}),
    )
    const one = await packApp(dir)
    await utimes(path.join(dir, 'lib/a.txt'), new Date('2001-01-01'), new Date('2001-01-01'))
    const two = await packApp(dir)
    assert.equal(one.result.sha256, two.result.sha256)
    assert.deepEqual(await readFile(one.output), await readFile(two.output))
  })

  test('stores incompressible data and deflates text; a multi-chunk file round-trips', async () => {
    const random = Buffer.alloc(3 * 1024 * 1024 + 124)
    for (let i = 0; i < random.length; i += 4) random.writeUInt32LE((Math.imul(i + 1, 2654435761) ^ (i >>> 7)) >>> 0, i)
    const text = Buffer.from('lorem ipsum dolor sit amet '.repeat(200_000))
    const dir = await makeApp(
      goodApp(
        {copy: await goHandler('linux-amd64')},
        {'assets/blob.bin': random, 'assets/photo.jpg': random.subarray(0, 1000), 'big.txt': text},
      ),
    )
    const {output} = await packApp(dir)
    await testZip(output)
    const rows = Object.fromEntries((await listZip(output)).map((r) => [r.name, r]))
    assert.equal(rows['assets/blob.bin'].method, 'stor')
    assert.equal(rows['assets/photo.jpg'].method, 'stor')
    assert.equal(rows['big.txt'].method, 'defN')
    const out = await tempDir()
    await run('unzip', ['-q', output, '-d', out])
    assert.deepEqual(await readFile(path.join(out, 'big.txt')), text)
    assert.deepEqual(await readFile(path.join(out, 'assets/blob.bin')), random)
    assert.equal((await stat(path.join(out, 'handler'))).mode & 0o777, 0o755)
  })

  test('refuses secrets unless --include-secrets, and never packs local.settings.json by default', async () => {
    const dir = await makeApp(
      goodApp({copy: await goHandler('linux-amd64')}, {'.env': 'TOKEN=secret', 'keys/id_rsa': 'x'}),
    )
    await assert.rejects(packApp(dir), (error: ChdError) => {
      assert.equal(error.code, 'CHECKS_FAILED')
      assert.match(error.message, /SECRET_WOULD_BE_PACKED: \.env would be packed/)
      return true
    })
    const forced = await packApp(dir, {force: true})
    assert.deepEqual((await listZip(forced.output)).map((r) => r.name).sort(), [
      'handler',
      'hello/function.json',
      'host.json',
    ])
    const included = await packApp(dir, {includeSecrets: true})
    assert.deepEqual((await listZip(included.output)).map((r) => r.name).sort(), [
      '.env',
      'handler',
      'hello/function.json',
      'host.json',
      'keys/id_rsa',
      'local.settings.json',
    ])
  })

  test('refuses a link that leaves the folder and a link loop, naming them', async () => {
    const exe = {copy: await goHandler('linux-amd64')}
    for (const [name, target] of [
      ['escape', '/etc/hostname'],
      ['loop/again', '..'],
    ] as const) {
      const dir = await makeApp(goodApp(exe, {[name]: {symlink: target}}))
      await assert.rejects(packApp(dir), (error: ChdError) => {
        assert.equal(error.code, 'CHECKS_FAILED')
        assert.match(error.message, new RegExp(`SYMLINK_UNPACKABLE: ${name}`))
        return true
      })
    }
    const inside = await makeApp(goodApp(exe, {'alias.json': {symlink: 'host.json'}}))
    const {output} = await packApp(inside)
    assert.ok((await listZip(output)).some((r) => r.name === 'alias.json' && r.mode === '-rw-r--r--'))
  })

  test('error findings stop the pack; --force packs anyway', async () => {
    const dir = await makeApp(goodApp({copy: await goHandler('linux-arm64')}))
    await assert.rejects(packApp(dir), /EXECUTABLE_WRONG_ARCH/)
    const {result} = await packApp(dir, {force: true})
    assert.equal(result.entries, 3)
  })

  test('a package written inside the app folder is not packed into itself', async () => {
    const dir = await makeApp(goodApp({copy: await goHandler('linux-amd64')}))
    const output = path.join(dir, 'app.zip')
    await pack({dir, output, target: 'linux-x64'}, silentProgress)
    await pack({dir, output, target: 'linux-x64'}, silentProgress)
    assert.ok(!(await listZip(output)).some((r) => r.name === 'app.zip'))
  })
})

/** A 256 KiB tmpfs for the duration of `body`: a real ENOSPC and EROFS. Needs root (CAP_SYS_ADMIN). */
async function withSmallDisk(body: (mount: string) => Promise<void>): Promise<void> {
  const mount = await tempDir()
  await run('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mount])
  try {
    await body(mount)
  } finally {
    await run('umount', [mount])
  }
}

const canMount = async () =>
  process.getuid?.() === 0 &&
  run('mount', ['--version']).then(
    () => true,
    () => false,
  )

describe('chd pack write failures name the write and the fix', () => {
  const app = () => makeApp({'host.json': {version: '2.0'}, 'data.bin': randomBytes(1024 * 1024)})

  test('an output that is a folder: PATH_IS_A_DIRECTORY, exit 2, nothing left behind', async () => {
    const out = await tempDir()
    const r = await chd(['pack', await app(), '-o', out, '--force'])
    assert.equal(r.code, 2, r.stderr)
    const written = `Package file could not be written: ${out}: it is a folder`
    assert.match(r.stderr, new RegExp(`^Error \\[PATH_IS_A_DIRECTORY\\]: ${written}`, 'm'))
    assert.match(r.stderr, /Try this: Name a file in it: .*\/app\.zip/)
    assert.deepEqual(
      readdirSync(path.dirname(out)).filter((f) => f.endsWith('.tmp')),
      [],
    )
  })

  test('a full disk is DISK_FULL and a read-only one PATH_NOT_WRITABLE, not a read error', async (t) => {
    if (!(await canMount())) return t.skip('needs root to mount a small tmpfs')
    const dir = await app()
    await withSmallDisk(async (mount) => {
      const full = await chd(['pack', dir, '-o', path.join(mount, 'app.zip'), '--force'])
      assert.equal(full.code, 1, full.stderr)
      assert.match(full.stderr, /^Error \[DISK_FULL\]: Package file could not be written: .*app\.zip: no space left/m)
      assert.doesNotMatch(full.stderr, /could not be read/)
      assert.deepEqual(readdirSync(mount), [])
      await run('mount', ['-o', 'remount,ro', mount])
      const ro = await chd(['pack', dir, '-o', path.join(mount, 'app.zip'), '--force'])
      assert.equal(ro.code, 1, ro.stderr)
      assert.match(ro.stderr, /^Error \[PATH_NOT_WRITABLE\]: Package file could not be written: .*: it is on a read-o/m)
    })
  })
})

describe('zip writer', () => {
  function memoryFile(name: string, data: Buffer, mode: ZipSourceFile['mode'] = 0o644): ZipSourceFile {
    return {name, size: data.length, mode, read: async (o, target) => data.copy(target, 0, o, o + target.length)}
  }

  test('without modes on disk, executables found by content get 0755 (the Windows case)', async () => {
    const dir = await tempDir()
    const file = path.join(dir, 'w.zip')
    const byContent = (head: Buffer) =>
      (head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF') || (head[0] === 0x23 && head[1] === 0x21)
        ? 0o755
        : 0o644
    await writeZip(
      [
        memoryFile('bin/tool', Buffer.from('\x7fELF\x02\x01\x01rest', 'latin1'), byContent),
        memoryFile('run.sh', Buffer.from('#!/bin/sh\n'), byContent),
        memoryFile('notes.txt', Buffer.from('hello'), byContent),
      ],
      createWriteStream(file),
    )
    const modes = Object.fromEntries((await listZip(file)).map((r) => [r.name, r.mode]))
    assert.deepEqual(modes, {'bin/tool': '-rwxr-xr-x', 'run.sh': '-rwxr-xr-x', 'notes.txt': '-rw-r--r--'})
  })

  test('more than 65,535 entries switch to zip64 and stay readable', async () => {
    const dir = await tempDir()
    const file = path.join(dir, 'many.zip')
    const files = Array.from({length: 70_000}, (_, i) => memoryFile(`f/${String(i).padStart(6, '0')}`, Buffer.alloc(0)))
    const result = await writeZip(files, createWriteStream(file))
    assert.equal(result.entries, 70_000)
    await testZip(file)
    const {stdout} = await promisify(execFile)('unzip', ['-Z', '-1', file], {maxBuffer: 64 * 1024 * 1024})
    assert.equal(stdout.trim().split('\n').length, 70_000)
  })

  test(
    'the same bytes whether files are read by the deflate threads (on disk) or handed over (a package being ' +
      'rewritten)',
    async () => {
      const dir = await tempDir()
      const line = (i: number) => `row ${i}: ${(i * 7919) % 1000} quick brown foxes, ${(i * 31) % 97} lazy dogs\n`
      const text = Buffer.from(Array.from({length: 60_000}, (_, i) => line(i)).join(''))
      const random = randomBytes(2 * 1024 * 1024 + 5)
      const contents: Array<[string, Buffer]> = [
        ['a/empty', Buffer.alloc(0)],
        ['a/small.txt', text.subarray(0, 3000)],
        ['a/noise.bin', random.subarray(0, 3000)],
        ['b/one-chunk.txt', text.subarray(0, 1024 * 1024)],
        ['b/three-chunks.txt', text.subarray(0, 2 * 1024 * 1024 + 1)],
        ['c/random.bin', random],
        ['c/photo.jpg', random.subarray(0, 200_000)],
        ['d/run.sh', Buffer.from('#!/bin/sh\necho hi\n')],
      ]
      for (const [name, data] of contents) {
        await mkdir(path.dirname(path.join(dir, name)), {recursive: true})
        await writeFile(path.join(dir, name), data)
      }
      const byContent = (head: Buffer) => (head[0] === 0x23 && head[1] === 0x21 ? 0o755 : 0o644)
      const zips: Buffer[] = []
      for (const onDisk of [true, false]) {
        const files = contents.map(([name, data]) => ({
          ...memoryFile(name, data, byContent),
          ...(onDisk ? {path: path.join(dir, name)} : {}),
        }))
        const file = path.join(dir, `${onDisk}.zip`)
        await writeZip(files, createWriteStream(file), {level: 6})
        await testZip(file)
        zips.push(await readFile(file))
      }
      assert.ok(zips[0].equals(zips[1]))
      const rows = Object.fromEntries((await listZip(path.join(dir, 'true.zip'))).map((r) => [r.name, r]))
      assert.deepEqual(
        [rows['b/three-chunks.txt'].method, rows['c/random.bin'].method, rows['a/noise.bin'].method],
        ['defN', 'stor', 'stor'],
      )
      assert.equal(rows['d/run.sh'].mode, '-rwxr-xr-x')
      const out = await tempDir()
      await run('unzip', ['-q', path.join(dir, 'true.zip'), '-d', out])
      for (const [name, data] of contents) assert.ok((await readFile(path.join(out, name))).equals(data), name)
    },
  )

  test(
    'a file that changed size since the folder was read is FILE_CHANGED; one that is gone, ' + 'its fs error',
    async () => {
      const dir = await tempDir()
      const big = Buffer.from('some text that deflates well '.repeat(100_000))
      await writeFile(path.join(dir, 'small.txt'), 'grown since')
      await writeFile(path.join(dir, 'big.txt'), big)
      await writeFile(path.join(dir, 'big.bin'), randomBytes(3 * 1024 * 1024))
      const onDisk = (name: string, size: number): ZipSourceFile => ({
        ...memoryFile(name, Buffer.alloc(0)),
        size,
        path: path.join(dir, name),
        read: async () => 0,
      })
      for (const file of [
        onDisk('small.txt', 5),
        onDisk('big.txt', big.length + 10),
        onDisk('big.txt', big.length - 10),
      ]) {
        await assert.rejects(
          writeZip([file], createWriteStream(path.join(dir, 'x.zip'))),
          (e: ChdError) => e.code === 'FILE_CHANGED',
        )
      }
      await assert.rejects(
        writeZip([onDisk('gone.txt', 10)], createWriteStream(path.join(dir, 'x.zip'))),
        (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && String(e.path).endsWith('gone.txt'),
      )
    },
  )

  test('crc32Combine gives the CRC of the joined data', () => {
    const data = randomBytes(300_000)
    for (const cut of [0, 1, 4095, 65_536, 299_999, 300_000]) {
      const a = data.subarray(0, cut)
      const b = data.subarray(cut)
      assert.equal(crc32Combine(zlib.crc32(a), zlib.crc32(b), b.length), zlib.crc32(data), `cut at ${cut}`)
    }
  })

  test('non-ASCII names are flagged UTF-8', async () => {
    const dir = await tempDir()
    const file = path.join(dir, 'u.zip')
    await writeZip([memoryFile('données/été.txt', Buffer.from('x'))], createWriteStream(file))
    assert.deepEqual(
      (await listZip(file)).map((r) => r.name),
      ['données/été.txt'],
    )
  })
})
