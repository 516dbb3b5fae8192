import {readdir, readFile, readlink} from 'node:fs/promises'

export interface Listener {
  address: string
  port: number
  family: 4 | 6
  pid: number
}

/** Members of a process group: the handler and anything it started (Linux /proc). */
async function groupPids(pgid: number): Promise<number[]> {
  const pids: number[] = []
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8')
      // Fields after the parenthesised command name: state ppid pgrp …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) === pgid) pids.push(Number(name))
    } catch {
      // Exited meanwhile.
    }
  }
  return pids
}

function hexV4(hex: string): string {
  const n = Number.parseInt(hex, 16)
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.')
}

function hexV6(hex: string): string {
  const bytes: number[] = []
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8)
    for (let b = 3; b >= 0; b--) bytes.push(Number.parseInt(word.slice(b * 2, b * 2 + 2), 16))
  }
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16))
  const full = groups.join(':')
  if (full === '0:0:0:0:0:0:0:0') return '::'
  if (full === '0:0:0:0:0:0:0:1') return '::1'
  if (full.startsWith('0:0:0:0:0:ffff:')) return `::ffff:${hexV4(hex.slice(24))}`
  return full
}

/**
 * The TCP sockets a process group is listening on, read from /proc: how chd tells "listening on
 * the wrong port" and "listening on ::1 only" apart from "not listening at all". Linux only;
 * elsewhere it returns undefined and the finding stays a plain timeout.
 */
export async function listeningSockets(pgid: number): Promise<Listener[] | undefined> {
  if (process.platform !== 'linux') return undefined
  const inodes = new Map<string, number>()
  for (const pid of await groupPids(pgid)) {
    let fds: string[]
    try {
      fds = await readdir(`/proc/${pid}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/fd/${fd}`))
        if (m) inodes.set(m[1], pid)
      } catch {
        // The descriptor closed meanwhile.
      }
    }
  }
  const out: Listener[] = []
  for (const [file, family] of [
    ['/proc/net/tcp', 4],
    ['/proc/net/tcp6', 6],
  ] as const) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      if (cols.length < 10 || cols[3] !== '0A') continue
      const pid = inodes.get(cols[9])
      if (pid === undefined) continue
      const [addr, port] = cols[1].split(':')
      out.push({address: family === 4 ? hexV4(addr) : hexV6(addr), port: Number.parseInt(port, 16), family, pid})
    }
  }
  return out
}
