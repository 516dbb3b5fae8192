import type {ByteReader} from './bytes.js'
import type {Arch} from './elf.js'

export interface PeInfo {
  format: 'pe'
  machine: number
  arch: Arch
  subsystem: 'console' | 'gui' | 'other'
  bits: 32 | 64
}

export function peArch(machine: number): Arch {
  switch (machine) {
    case 0x8664:
      return 'x64'
    case 0xaa64:
      return 'arm64'
    case 0x14c:
      return 'x86'
    case 0x1c4:
      return 'arm'
    default:
      return 'other'
  }
}

/** Returns undefined when the MZ stub does not lead to a PE header (a DOS program, or junk). */
export async function parsePe(reader: ByteReader, head: Buffer): Promise<PeInfo | undefined> {
  if (head.length < 0x40) return undefined
  const lfanew = head.readUInt32LE(0x3c)
  const hdr = await reader.read(lfanew, 24 + 72)
  if (hdr.length < 24 || hdr.toString('latin1', 0, 4) !== 'PE\0\0') return undefined
  const machine = hdr.readUInt16LE(4)
  const magic = hdr.length >= 26 ? hdr.readUInt16LE(24) : 0
  const subsystemValue = hdr.length >= 24 + 70 ? hdr.readUInt16LE(24 + 68) : 0
  return {
    format: 'pe',
    machine,
    arch: peArch(machine),
    bits: magic === 0x20b ? 64 : 32,
    subsystem: subsystemValue === 3 ? 'console' : subsystemValue === 2 ? 'gui' : 'other',
  }
}
