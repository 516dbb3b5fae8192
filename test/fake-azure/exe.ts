import {open} from 'node:fs/promises'

/**
 * What the fake's platform sees in a file it is asked to exec: its own small reader, kept apart
 * from chd's src/platform so a bug there cannot hide here. Linux x86-64 runs x86-64 ELF files and
 * `#!` scripts; the kernel answers anything else with ENOEXEC ("Exec format error").
 */
export type ExecImage =
  {kind: 'elf'; x64: boolean; glibc?: string} | {kind: 'script'} | {kind: 'pe'; x64: boolean} | {kind: 'other'}

const SHT_GNU_VERNEED = 0x6ffffffe

export async function readImage(file: string): Promise<ExecImage> {
  const fh = await open(file, 'r')
  try {
    const {size} = await fh.stat()
    const head = Buffer.alloc(Math.min(size, 4096))
    await fh.read(head, 0, head.length, 0)
    if (head.subarray(0, 2).toString('latin1') === '#!') return {kind: 'script'}
    if (head.subarray(0, 2).toString('latin1') === 'MZ' && head.length >= 0x40) {
      const pe = head.readUInt32LE(0x3c)
      return {kind: 'pe', x64: pe + 6 <= head.length && head.readUInt16LE(pe + 4) === 0x8664}
    }
    if (head.length < 64 || head.readUInt32BE(0) !== 0x7f454c46) return {kind: 'other'}
    const x64 = head[4] === 2 && head[5] === 1 && head.readUInt16LE(18) === 0x3e
    if (!x64) return {kind: 'elf', x64: false}
    // The dynamic loader checks each GLIBC_x.y the file's version-needs section names.
    const data = Buffer.alloc(size)
    await fh.read(data, 0, size, 0)
    return {kind: 'elf', x64: true, glibc: maxGlibc(data)}
  } finally {
    await fh.close()
  }
}

function maxGlibc(elf: Buffer): string | undefined {
  const shoff = Number(elf.readBigUInt64LE(40))
  const shentsize = elf.readUInt16LE(58)
  const shnum = elf.readUInt16LE(60)
  const section = (i: number) => {
    const at = shoff + i * shentsize
    return {
      type: elf.readUInt32LE(at + 4),
      offset: Number(elf.readBigUInt64LE(at + 24)),
      link: elf.readUInt32LE(at + 40),
    }
  }
  let best: number[] | undefined
  for (let i = 0; i < shnum; i++) {
    const s = section(i)
    if (s.type !== SHT_GNU_VERNEED) continue
    const strtab = section(s.link).offset
    // Elf64_Verneed {vn_version, vn_cnt, vn_file, vn_aux, vn_next}; Elf64_Vernaux {hash, flags, other, name, next}
    for (let vn = s.offset; ;) {
      const count = elf.readUInt16LE(vn + 2)
      for (let k = 0, aux = vn + elf.readUInt32LE(vn + 8); k < count; k++) {
        const nameAt = strtab + elf.readUInt32LE(aux + 8)
        const name = elf.toString('latin1', nameAt, elf.indexOf(0, nameAt))
        const v = /^GLIBC_(\d+(?:\.\d+)+)$/.exec(name)?.[1]?.split('.').map(Number)
        if (v && (!best || compare(v, best) > 0)) best = v
        const next = elf.readUInt32LE(aux + 12)
        if (!next) break
        aux += next
      }
      const next = elf.readUInt32LE(vn + 12)
      if (!next) break
      vn += next
    }
  }
  return best?.join('.')
}

export function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}
