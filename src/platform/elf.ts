import type {ByteReader} from './bytes.js'

export type Arch = 'x64' | 'arm64' | 'x86' | 'arm' | 'other'

export interface ElfInfo {
  format: 'elf'
  /** e_type: an executable (ET_EXEC, or ET_DYN with a program interpreter), a shared library, or else. */
  kind: 'executable' | 'library' | 'other'
  bits: 32 | 64
  endian: 'little' | 'big'
  machine: number
  arch: Arch
  /** Statically linked: no program interpreter, so nothing to resolve at exec time. */
  static: boolean
  interpreter?: string
  musl: boolean
  needed: string[]
  /** Every versioned glibc symbol requirement, e.g. GLIBC_2.34, highest first. */
  glibcVersions: string[]
  maxGlibc?: string
}

const ET_EXEC = 2
const ET_DYN = 3
const PT_LOAD = 1
const PT_DYNAMIC = 2
const PT_INTERP = 3
const DT_NULL = 0
const DT_NEEDED = 1
const DT_STRTAB = 5
const DT_STRSZ = 10
const DT_VERNEED = 0x6ffffffe
const DT_VERNEEDNUM = 0x6fffffff

export function elfArch(machine: number): Arch {
  switch (machine) {
    case 0x3e:
      return 'x64'
    case 0xb7:
      return 'arm64'
    case 0x03:
      return 'x86'
    case 0x28:
      return 'arm'
    default:
      return 'other'
  }
}

export function elfMachineName(machine: number): string {
  const names: Record<number, string> = {
    0x3e: 'x86-64',
    0xb7: 'aarch64 (arm64)',
    0x03: 'i386 (32-bit x86)',
    0x28: 'arm (32-bit)',
    0xf3: 'riscv',
    0x08: 'mips',
    0x14: 'powerpc',
    0x15: 'powerpc64',
    0x16: 's390',
  }
  return names[machine] ?? `machine 0x${machine.toString(16)}`
}

/**
 * Reads what the dynamic loader would need, from the program headers only (section headers may
 * be stripped, and sit at the end of the file): PT_INTERP, and the DT_NEEDED / DT_VERNEED
 * entries of PT_DYNAMIC, whose addresses are mapped to file offsets through the PT_LOAD segments.
 */
export async function parseElf(reader: ByteReader, head: Buffer): Promise<ElfInfo> {
  const bits = head[4] === 2 ? 64 : 32
  const endian = head[5] === 2 ? 'big' : 'little'
  const le = endian === 'little'
  const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o))
  const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o))
  const word = (b: Buffer, o: number) =>
    bits === 64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(b, o)

  const machine = u16(head, 18)
  const type = u16(head, 16)
  const kind = type === ET_EXEC ? 'executable' : type === ET_DYN ? 'library' : 'other'
  const info: ElfInfo = {
    format: 'elf',
    kind,
    bits,
    endian,
    machine,
    arch: elfArch(machine),
    static: true,
    musl: false,
    needed: [],
    glibcVersions: [],
  }

  const phoff = word(head, bits === 64 ? 32 : 28)
  const phentsize = u16(head, bits === 64 ? 54 : 42)
  const phnum = u16(head, bits === 64 ? 56 : 44)
  if (!phoff || !phnum || phentsize < (bits === 64 ? 56 : 32)) return info
  const ph = await reader.read(phoff, phentsize * phnum)

  interface Segment {
    type: number
    offset: number
    vaddr: number
    filesz: number
  }
  const segments: Segment[] = []
  for (let i = 0; i < phnum && (i + 1) * phentsize <= ph.length; i++) {
    const o = i * phentsize
    segments.push(
      bits === 64
        ? {type: u32(ph, o), offset: word(ph, o + 8), vaddr: word(ph, o + 16), filesz: word(ph, o + 32)}
        : {type: u32(ph, o), offset: u32(ph, o + 4), vaddr: u32(ph, o + 8), filesz: u32(ph, o + 16)},
    )
  }

  const interp = segments.find((s) => s.type === PT_INTERP)
  if (interp) {
    const raw = await reader.read(interp.offset, Math.min(interp.filesz, 4096))
    info.interpreter = raw.toString('latin1').replace(/\0.*$/s, '')
    info.static = false
    info.musl = /ld-musl/.test(info.interpreter)
    // A position-independent executable is ET_DYN too; its interpreter is what makes it runnable.
    if (info.kind === 'library') info.kind = 'executable'
  }

  const dynamic = segments.find((s) => s.type === PT_DYNAMIC)
  if (!dynamic) return info
  const loads = segments.filter((s) => s.type === PT_LOAD)
  const toOffset = (vaddr: number): number | undefined => {
    const seg = loads.find((s) => vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz)
    return seg ? vaddr - seg.vaddr + seg.offset : undefined
  }

  const entSize = bits === 64 ? 16 : 8
  const dyn = await reader.read(dynamic.offset, Math.min(dynamic.filesz, 64 * 1024))
  const needed: number[] = []
  let strtab: number | undefined
  let strsz = 0
  let verneed: number | undefined
  let verneednum = 0
  for (let o = 0; o + entSize <= dyn.length; o += entSize) {
    const tag = word(dyn, o)
    const val = word(dyn, o + entSize / 2)
    if (tag === DT_NULL) break
    if (tag === DT_NEEDED) needed.push(val)
    else if (tag === DT_STRTAB) strtab = val
    else if (tag === DT_STRSZ) strsz = val
    else if (tag === DT_VERNEED) verneed = val
    else if (tag === DT_VERNEEDNUM) verneednum = val
  }
  const strOffset = strtab === undefined ? undefined : toOffset(strtab)
  if (strOffset === undefined || strsz === 0) return info
  const strings = await reader.read(strOffset, Math.min(strsz, 1024 * 1024))
  const str = (i: number) => {
    if (i >= strings.length) return ''
    const end = strings.indexOf(0, i)
    return strings.toString('utf8', i, end === -1 ? strings.length : end)
  }
  info.needed = needed.map(str).filter(Boolean)
  // A musl-built shared library has no interpreter of its own but needs musl's libc.
  if (info.needed.some((n) => /^libc\.musl-/.test(n))) info.musl = true

  const verOffset = verneed === undefined ? undefined : toOffset(verneed)
  if (verOffset !== undefined && verneednum > 0) {
    // Elf_Verneed and Elf_Vernaux are 16 bytes each in both classes; walk them in bounded reads.
    const versions = new Set<string>()
    let vn = verOffset
    for (let n = 0; n < verneednum && n < 256; n++) {
      const rec = await reader.read(vn, 16)
      if (rec.length < 16) break
      const cnt = u16(rec, 2)
      const auxOff = u32(rec, 8)
      const next = u32(rec, 12)
      let aux = vn + auxOff
      for (let a = 0; a < cnt && a < 256; a++) {
        const ar = await reader.read(aux, 16)
        if (ar.length < 16) break
        const name = str(u32(ar, 8))
        if (name.startsWith('GLIBC_')) versions.add(name)
        const anext = u32(ar, 12)
        if (!anext) break
        aux += anext
      }
      if (!next) break
      vn += next
    }
    info.glibcVersions = [...versions]
      .filter((v) => /^GLIBC_\d+(\.\d+)*$/.test(v))
      .sort((a, b) => compareVersions(b.slice(6), a.slice(6)))
    info.maxGlibc = info.glibcVersions[0]?.slice(6)
  }
  return info
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}
