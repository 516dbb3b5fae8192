import type {ByteReader} from './bytes.js'
import {type ElfInfo, parseElf} from './elf.js'
import {type MachOInfo, parseMachO} from './macho.js'
import {parsePe, type PeInfo} from './pe.js'
import {parseShebang, type ScriptInfo} from './script.js'

export type ExecutableInfo = ElfInfo | PeInfo | MachOInfo | ScriptInfo | {format: 'unknown'; reason: string}

const HEAD = 4096

/** What is this file? Judged from its own bytes, never from its name or extension. */
export async function inspectExecutable(reader: ByteReader): Promise<ExecutableInfo> {
  if (reader.size === 0) return {format: 'unknown', reason: 'the file is empty'}
  const head = await reader.read(0, HEAD)
  if (head.length >= 20 && head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF') return parseElf(reader, head)
  if (head[0] === 0x4d && head[1] === 0x5a) {
    const pe = await parsePe(reader, head)
    if (pe) return pe
    return {format: 'unknown', reason: 'an MZ (DOS) file without a PE header'}
  }
  const macho = await parseMachO(reader, head)
  if (macho) return macho
  const script = parseShebang(head)
  if (script) return script
  return {format: 'unknown', reason: 'not an ELF, PE or Mach-O binary and no #! line'}
}

export function describeExecutable(info: ExecutableInfo): string {
  switch (info.format) {
    case 'elf': {
      const link = info.static ? 'statically linked' : `dynamically linked (${info.musl ? 'musl' : info.interpreter})`
      const glibc = info.maxGlibc ? `, needs GLIBC_${info.maxGlibc}` : ''
      const arch = info.arch === 'other' ? `machine 0x${info.machine.toString(16)}` : info.arch
      return `ELF ${info.bits}-bit ${arch}, ${link}${glibc}`
    }
    case 'pe':
      return `Windows PE ${info.arch} (${info.subsystem})`
    case 'macho':
      return `macOS Mach-O ${info.fat ? 'universal ' : ''}${info.archs.join('+')}`
    case 'script':
      return `script (#!${info.shebang})${info.crlf ? ' with CRLF line endings' : ''}`
    default:
      return `unknown format: ${info.reason}`
  }
}
