import {readdirSync, readFileSync} from 'node:fs'

interface ProcStat {
  ppid: number
  pgrp: number
  zombie: boolean
}

function procStat(pid: number | string): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so count from the last ')'.
    const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return {ppid: Number(ppid), pgrp: Number(pgrp), zombie: state === 'Z' || state === 'X'}
  } catch {
    return undefined
  }
}

/**
 * Every live process of one handler launch, found in /proc: the members of its process group, the
 * descendants of `root`, and every process whose environment holds `marker` (the launch's unique
 * worker id). A child that called setsid() has left the group, and one that daemonized has left
 * the tree as well, but both keep the environment they were started with. Synchronous, so it
 * also runs in an 'exit' handler. Empty where there is no /proc.
 */
export function launchProcesses(marker: string, scope: {root?: number; group?: number} = {}): number[] {
  let names: string[]
  try {
    names = readdirSync('/proc').filter((n) => /^\d+$/.test(n))
  } catch {
    return []
  }
  const children = new Map<number, number[]>()
  const found = new Set<number>()
  for (const name of names) {
    const pid = Number(name)
    const stat = procStat(name)
    // Zombies are dead, only not yet reaped (slowly, where pid 1 is not an init).
    if (pid === process.pid || !stat || stat.zombie) continue
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid])
    try {
      if (stat.pgrp === scope.group || readFileSync(`/proc/${name}/environ`).includes(marker)) found.add(pid)
    } catch {
      // Exited meanwhile, or another user's process: not one of ours.
    }
  }
  const queue = scope.root === undefined ? [] : [...(children.get(scope.root) ?? [])]
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    found.add(pid)
    queue.push(...(children.get(pid) ?? []))
  }
  return [...found]
}

export function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal)
    } catch {
      // Exited meanwhile.
    }
  }
}

/** Whether any of these processes still runs (a zombie does not). */
export function anyAlive(pids: number[]): boolean {
  return pids.some((pid) => {
    try {
      process.kill(pid, 0)
    } catch {
      return false
    }
    return !procStat(pid)?.zombie
  })
}
