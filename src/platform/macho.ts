import type {ByteReader} from './bytes.js'
import type {Arch} from './elf.js'

export interface MachOInfo {
  format: 'macho'
  fat: boolean
  archs: Arch[]
}

const CPU_X86_64 = 0x01000007
const CPU_ARM64 = 0x0100000c
const CPU_X86 = 7
const CPU_ARM = 12

function machArch(cpu: number): Arch {
  if (cpu === CPU_X86_64) return 'x64'
  if (cpu === CPU_ARM64) return 'arm64'
  if (cpu === CPU_X86) return 'x86'
  if (cpu === CPU_ARM) return 'arm'
  return 'other'
}

const THIN: Record<number, 'le' | 'be'> = {0xfeedface: 'be', 0xfeedfacf: 'be', 0xcefaedfe: 'le', 0xcffaedfe: 'le'}

export async function parseMachO(reader: ByteReader, head: Buffer): Promise<MachOInfo | undefined> {
  if (head.length < 8) return undefined
  const magic = head.readUInt32BE(0)
  if (magic in THIN) {
    const cpu = THIN[magic] === 'le' ? head.readUInt32LE(4) : head.readUInt32BE(4)
    return {format: 'macho', fat: false, archs: [machArch(cpu)]}
  }
  if (magic === 0xcafebabe || magic === 0xcafebabf) {
    // Java class files share this magic; their next word is a class-file version (>= 45), while
    // a universal binary holds a small count of architectures.
    const count = head.readUInt32BE(4)
    if (count === 0 || count > 30) return undefined
    const entry = magic === 0xcafebabf ? 32 : 20
    const table = await reader.read(8, count * entry)
    const archs: Arch[] = []
    for (let i = 0; i < count && (i + 1) * entry <= table.length; i++)
      archs.push(machArch(table.readUInt32BE(i * entry)))
    return {format: 'macho', fat: true, archs}
  }
  return undefined
}
