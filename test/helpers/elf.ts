/**
 * Minimal hand-made ELF files for loader cases the Go toolchain cannot produce here (musl).
 * Only the header and program headers the inspector reads; not runnable.
 */
export function elfWithInterpreter(interpreter: string, machine = 0x3e): Buffer {
  const ehsize = 64
  const phentsize = 56
  const interpOffset = ehsize + phentsize
  const interp = Buffer.from(`${interpreter}\0`, 'latin1')
  const b = Buffer.alloc(interpOffset + interp.length)
  b.write('\x7fELF', 0, 'latin1')
  b[4] = 2
  b[5] = 1
  b[6] = 1
  b.writeUInt16LE(2, 16)
  b.writeUInt16LE(machine, 18)
  b.writeUInt32LE(1, 20)
  b.writeBigUInt64LE(64n, 32)
  b.writeUInt16LE(ehsize, 52)
  b.writeUInt16LE(phentsize, 54)
  b.writeUInt16LE(1, 56)
  b.writeUInt32LE(3, ehsize)
  b.writeBigUInt64LE(BigInt(interpOffset), ehsize + 8)
  b.writeBigUInt64LE(BigInt(interp.length), ehsize + 32)
  interp.copy(b, interpOffset)
  return b
}

/** A PE header: MZ stub, PE signature, COFF machine, PE32+ optional header with a subsystem. */
export function peHeader(machine: number, subsystem: number): Buffer {
  const pe = Buffer.alloc(0x80 + 24 + 72)
  pe.write('MZ', 0, 'latin1')
  pe.writeUInt32LE(0x80, 0x3c)
  pe.write('PE\0\0', 0x80, 'latin1')
  pe.writeUInt16LE(machine, 0x84)
  pe.writeUInt16LE(0x20b, 0x80 + 24)
  pe.writeUInt16LE(subsystem, 0x80 + 24 + 68)
  return pe
}

export const guiPe = () => peHeader(0x8664, 2)
