import {type ChildProcess, spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {existsSync} from 'node:fs'
import {createServer} from 'node:net'
import path from 'node:path'

import {buildCommandLine, substituteHostVariables} from '../app/commandline.js'
import type {FunctionApp} from '../app/model.js'
import {expandVariables, resolveDirectory, resolveExecutable} from '../app/resolve.js'
import {ChdError, ExitCode} from '../errors.js'
import {anyAlive, launchProcesses, signalAll} from './processes.js'

export interface LaunchPlan {
  /** What Process.Start would be given: an absolute path, or a bare name looked up on PATH. */
  file: string
  args: string[]
  /** The single command line the host builds (for messages). */
  commandLine: string
  cwd: string
  env: Record<string, string>
  port: number
  workerId: string
  /** %NAME% pairs the host deletes from the arguments. */
  deleted: string[]
}

/** Picks a port the way WorkerUtilities.GetUnusedTcpPort does: bind 127.0.0.1:0, read, close. */
export function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
  })
}

/** Builds the handler's command line, environment and port as the host does (docs/host-protocol.md §4–§5). */
export async function planLaunch(
  app: FunctionApp,
  root: string,
  options: {port?: number; extraEnv?: Record<string, string>} = {},
): Promise<LaunchPlan> {
  const {customHandler} = app
  const os = process.platform === 'win32' ? 'windows' : 'linux'
  const exe = resolveExecutable(app, os)
  if (exe.kind === 'empty' || !customHandler) {
    throw new ChdError(
      'EXECUTABLE_PATH_EMPTY',
      'host.json has no customHandler.description.defaultExecutablePath to start',
      {exit: ExitCode.failed},
    )
  }
  const configuredPort =
    customHandler.port === undefined
      ? undefined
      : Number.parseInt(expandVariables(customHandler.port, app.settings), 10)
  const port =
    options.port ??
    (configuredPort && configuredPort > 0 && configuredPort < 65536 ? configuredPort : await unusedPort())
  const workerId = randomUUID()
  const hostVars: Record<string, string> = {
    FUNCTIONS_CUSTOMHANDLER_PORT: String(port),
    FUNCTIONS_HTTPWORKER_PORT: String(port),
    FUNCTIONS_CUSTOMHANDLER_WORKER_ID: workerId,
    FUNCTIONS_HTTPWORKER_ID: workerId,
    FUNCTIONS_APP_ROOT_PATH: root,
  }
  // The handler inherits the host's environment, which on Azure holds every app setting.
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
  Object.assign(env, app.settings, options.extraEnv, hostVars)

  const file =
    exe.kind === 'app'
      ? path.join(root, ...exe.path.split('/'))
      : exe.kind === 'missing'
        ? path.join(root, ...exe.path.split('/'))
        : exe.kind === 'outside'
          ? exe.path
          : exe.name
  const {line, args, deleted} = buildCommandLine(customHandler, env, hostVars)
  const wd = resolveDirectory(app, customHandler.workingDirectory, os)
  const cwd = wd.kind === 'app' ? path.join(root, ...wd.path.split('/').filter(Boolean)) : wd.path
  return {
    file: substituteHostVariables(file, env, hostVars),
    args,
    commandLine: `${file}${line}`,
    cwd,
    env,
    port,
    workerId,
    deleted,
  }
}

type Stream = 'stdout' | 'stderr'

export interface StartedProcess {
  /** The handler's pid; none when it never started (see spawnError). */
  pid?: number
  /** Every line the handler wrote, labelled like the host logs them. */
  lines: Array<{stream: 'stdout' | 'stderr'; text: string}>
  exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>
  /** The spawn error (ENOENT, EACCES, ENOEXEC…), when the process never started. */
  spawnError?: NodeJS.ErrnoException
  stop(): Promise<void>
}

const running = new Set<{kill(): void}>()
let exitHookInstalled = false

/** Kills every handler still running when chd exits, whatever the reason (no orphans). */
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const p of running) p.kill()
  })
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    // The handler leads its own process group, so its children go with it.
    if (process.platform === 'win32') child.kill(signal)
    else process.kill(-child.pid, signal)
  } catch {
    // The group is already gone.
  }
}

function groupAlive(pgid: number | undefined): boolean {
  if (pgid === undefined || process.platform === 'win32') return false
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}

/** Without /proc (macOS), a signal to the group is all there is to wait on, zombies included. */
const PROCFS = existsSync('/proc/self/stat')

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function startProcess(
  plan: LaunchPlan,
  onLine?: (stream: 'stdout' | 'stderr', text: string) => void,
): StartedProcess {
  if (plan.cwd && !existsSync(plan.cwd)) {
    const err = Object.assign(
      new Error(
        `An error occurred trying to start process '${plan.file}' with working directory '${plan.cwd}'. ` +
          `No such file or directory`,
      ),
      {code: 'ENOENT', syscall: 'chdir', path: plan.cwd},
    )
    return {lines: [], exited: Promise.resolve({code: null, signal: null}), spawnError: err, stop: async () => {}}
  }
  installExitHook()
  const child = spawn(plan.file, plan.args, {
    cwd: plan.cwd,
    env: plan.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
    windowsHide: true,
  })
  // Every process this launch starts inherits it, including those that leave the group (setsid).
  const marker = `FUNCTIONS_CUSTOMHANDLER_WORKER_ID=${plan.workerId}`
  const members = () => {
    // Once the handler has exited and been reaped its pid may be reused: then it roots no tree.
    const alive = child.exitCode === null && child.signalCode === null
    return launchProcesses(marker, {group: child.pid, root: alive ? child.pid : undefined})
  }
  const signalLaunch = (signal: NodeJS.Signals, also: number[] = []) => {
    killGroup(child, signal)
    const pids = [...also, ...members()]
    signalAll(pids, signal)
    return pids
  }
  const tracked = {kill: () => void signalLaunch('SIGKILL')}
  const lines: StartedProcess['lines'] = []
  const output = readLines(child, lines, onLine)
  const started: StartedProcess = {
    pid: child.pid,
    lines,
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({code, signal}))
      child.once('error', () => resolve({code: null, signal: null}))
    }),
    async stop() {
      running.delete(tracked)
      if (started.spawnError) return
      const strays = signalLaunch('SIGTERM')
      const timer = setTimeout(() => signalLaunch('SIGKILL', strays), 1000)
      await started.exited
      clearTimeout(timer)
      // Children that ignored SIGTERM, outlived the leader or left its group.
      const left = signalLaunch('SIGKILL', strays)
      const remaining = () => anyAlive(left) || members().length > 0 || (!PROCFS && groupAlive(child.pid))
      for (let i = 0; i < 40 && remaining(); i++) await sleep(25)
      await output.close()
    },
  }
  child.once('error', (error) => {
    started.spawnError = error
  })
  running.add(tracked)
  return started
}

/**
 * Splits the handler's stdout and stderr into lines. close() waits briefly for both pipes to end,
 * then destroys them: a process that escaped every kill may still hold one open, and waiting on
 * it would keep chd from ever exiting.
 */
function readLines(child: ChildProcess, lines: StartedProcess['lines'], onLine?: (from: Stream, text: string) => void) {
  const closed: Array<Promise<void>> = []
  for (const stream of ['stdout', 'stderr'] as const) {
    const pipe = child[stream]!
    let buf = ''
    const emit = (text: string) => {
      lines.push({stream, text})
      onLine?.(stream, text)
    }
    pipe.setEncoding('utf8')
    pipe.on('data', (d: string) => {
      buf += d
      let nl
      while ((nl = buf.indexOf('\n')) !== -1) {
        emit(buf.slice(0, nl).replace(/\r$/, ''))
        buf = buf.slice(nl + 1)
      }
    })
    closed.push(
      new Promise((resolve) =>
        pipe.once('close', () => {
          if (buf) emit(buf)
          buf = ''
          resolve()
        }),
      ),
    )
  }
  return {
    async close(): Promise<void> {
      const all = Promise.all(closed)
      if (await Promise.race([all.then(() => true), sleep(250).then(() => false)])) return
      child.stdout?.destroy()
      child.stderr?.destroy()
      await all
    },
  }
}
