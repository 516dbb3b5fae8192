import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {bufferReader, fileReader} from '../src/platform/bytes.js'
import type {ElfInfo} from '../src/platform/elf.js'
import {inspectExecutable} from '../src/platform/inspect.js'
import {peHeader} from './helpers/elf.js'
import {goHandler, goSkip} from './helpers/go.js'

async function inspectFile(file: string) {
  const r = await fileReader(file)
  try {
    return await inspectExecutable(r)
  } finally {
    await r.close()
  }
}

describe('inspectExecutable on real Go builds', {skip: goSkip()}, () => {
  test('linux/amd64 without cgo: static x86-64 ELF', async () => {
    const info = await inspectFile(await goHandler('linux-amd64'))
    assert.equal(info.format, 'elf')
    const elf = info
    assert.equal(elf.arch, 'x64')
    assert.equal(elf.bits, 64)
    assert.equal(elf.endian, 'little')
    assert.equal(elf.static, true)
    assert.equal(elf.interpreter, undefined)
    assert.deepEqual(elf.glibcVersions, [])
  })

  test('linux/arm64: aarch64 ELF', async () => {
    const info = (await inspectFile(await goHandler('linux-arm64'))) as ElfInfo
    assert.equal(info.format, 'elf')
    assert.equal(info.arch, 'arm64')
    assert.equal(info.machine, 0xb7)
  })

  test('windows/amd64: console PE for x64', async () => {
    const info = await inspectFile(await goHandler('windows-amd64'))
    assert.deepEqual(info, {format: 'pe', machine: 0x8664, arch: 'x64', bits: 64, subsystem: 'console'})
  })

  test('darwin/arm64: Mach-O arm64', async () => {
    const info = await inspectFile(await goHandler('darwin-arm64'))
    assert.deepEqual(info, {format: 'macho', fat: false, archs: ['arm64']})
  })

  test('cgo build: dynamic, glibc loader, libc needed, GLIBC versions sorted highest first', async () => {
    const info = (await inspectFile(await goHandler('linux-amd64-cgo'))) as ElfInfo
    assert.equal(info.static, false)
    assert.match(info.interpreter!, /ld-linux-x86-64\.so\.2$/)
    assert.equal(info.musl, false)
    assert.ok(info.needed.includes('libc.so.6'), `needed: ${info.needed.join(',')}`)
    assert.ok(info.glibcVersions.length > 0)
    assert.equal(info.maxGlibc, info.glibcVersions[0].slice(6))
    assert.match(info.maxGlibc, /^2\.\d+$/)
  })
})

describe('inspectExecutable on hand-made headers', () => {
  function elfHeader(opts: {bits: 32 | 64; endian: 'little' | 'big'; machine: number}): Buffer {
    const b = Buffer.alloc(64)
    b.write('\x7fELF', 0, 'latin1')
    b[4] = opts.bits === 64 ? 2 : 1
    b[5] = opts.endian === 'little' ? 1 : 2
    b[6] = 1
    if (opts.endian === 'little') b.writeUInt16LE(opts.machine, 18)
    else b.writeUInt16BE(opts.machine, 18)
    return b
  }

  test('32-bit ELF for i386', async () => {
    const info = (await inspectExecutable(bufferReader(elfHeader({bits: 32, endian: 'little', machine: 3})))) as ElfInfo
    assert.equal(info.bits, 32)
    assert.equal(info.arch, 'x86')
  })

  test('big-endian ELF (s390x) reads the machine in big-endian order', async () => {
    const info = (await inspectExecutable(bufferReader(elfHeader({bits: 64, endian: 'big', machine: 0x16})))) as ElfInfo
    assert.equal(info.endian, 'big')
    assert.equal(info.machine, 0x16)
    assert.equal(info.arch, 'other')
  })

  test('universal Mach-O lists every architecture', async () => {
    const b = Buffer.alloc(8 + 2 * 20)
    b.writeUInt32BE(0xcafebabe, 0)
    b.writeUInt32BE(2, 4)
    b.writeUInt32BE(0x01000007, 8)
    b.writeUInt32BE(0x0100000c, 28)
    assert.deepEqual(await inspectExecutable(bufferReader(b)), {format: 'macho', fat: true, archs: ['x64', 'arm64']})
  })

  test('a Java class file (same magic) is not mistaken for Mach-O', async () => {
    const b = Buffer.alloc(16)
    b.writeUInt32BE(0xcafebabe, 0)
    b.writeUInt16BE(0, 4)
    b.writeUInt16BE(61, 6)
    assert.equal((await inspectExecutable(bufferReader(b))).format, 'unknown')
  })

  test('PE for arm64 and a bare MZ stub', async () => {
    assert.deepEqual(await inspectExecutable(bufferReader(peHeader(0xaa64, 2))), {
      format: 'pe',
      machine: 0xaa64,
      arch: 'arm64',
      bits: 64,
      subsystem: 'gui',
    })
    const dos = Buffer.alloc(0x40)
    dos.write('MZ', 0, 'latin1')
    assert.equal((await inspectExecutable(bufferReader(dos))).format, 'unknown')
  })

  test('scripts: interpreter through env, direct path, CRLF on the #! line', async () => {
    assert.deepEqual(await inspectExecutable(bufferReader(Buffer.from('#!/usr/bin/env node\nconsole.log(1)\n'))), {
      format: 'script',
      shebang: '/usr/bin/env node',
      interpreter: 'node',
      viaEnv: true,
      crlf: false,
      crlfLines: false,
    })
    const sh = await inspectExecutable(bufferReader(Buffer.from('#!/bin/sh\r\necho hi\r\n')))
    assert.equal(sh.format, 'script')
    assert.equal((sh as {interpreter: string}).interpreter, '/bin/sh')
    assert.equal((sh as {crlf: boolean}).crlf, true)
    const envS = await inspectExecutable(bufferReader(Buffer.from('#!/usr/bin/env -S deno run --allow-net\n')))
    assert.equal((envS as {interpreter: string}).interpreter, 'deno')
  })

  test('empty and plain text files are unknown', async () => {
    assert.equal((await inspectExecutable(bufferReader(Buffer.alloc(0)))).format, 'unknown')
    assert.equal((await inspectExecutable(bufferReader(Buffer.from('hello')))).format, 'unknown')
  })
})
