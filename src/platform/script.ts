export interface ScriptInfo {
  format: 'script'
  /** The shebang line as written, without "#!" and line ending. */
  shebang: string
  /** The program that will run it: "node" for "#!/usr/bin/env node", "/bin/sh" for "#!/bin/sh". */
  interpreter: string
  /** The interpreter named through /usr/bin/env, looked up on PATH at exec time. */
  viaEnv: boolean
  /** The shebang line ends in CR LF: the kernel looks for an interpreter named "sh\r". */
  crlf: boolean
  /** Any CR LF line ending in the part that was read. */
  crlfLines: boolean
}

export function parseShebang(head: Buffer): ScriptInfo | undefined {
  if (head[0] !== 0x23 || head[1] !== 0x21) return undefined
  const text = head.toString('utf8')
  const nl = text.indexOf('\n')
  const rawLine = nl === -1 ? text.slice(2) : text.slice(2, nl)
  const crlf = rawLine.endsWith('\r')
  const shebang = rawLine.replace(/\r$/, '').trim()
  const parts = shebang.split(/\s+/)
  let interpreter = parts[0] ?? ''
  let viaEnv = false
  if (/(^|\/)env$/.test(interpreter)) {
    viaEnv = true
    const rest = parts.slice(1).filter((p) => !p.startsWith('-') || p === '-')
    interpreter = rest[0] ?? ''
  }
  return {format: 'script', shebang, interpreter, viaEnv, crlf, crlfLines: text.includes('\r\n')}
}

/** Base name of an interpreter path, for matching against what a target image ships. */
export function interpreterName(interpreter: string): string {
  return interpreter.split('/').pop() ?? interpreter
}
