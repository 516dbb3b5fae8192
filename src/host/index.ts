import {randomUUID} from 'node:crypto'
import path from 'node:path'

import type {Dispatcher} from 'undici'

import type {FunctionApp, FunctionDef} from '../app/model.js'
import {isHttpInAndOut} from '../app/model.js'
import {ChdError, ExitCode} from '../errors.js'
import type {ExecutableInfo} from '../platform/inspect.js'
import {type LaunchPlan, planLaunch, type StartedProcess, startProcess} from './launch.js'
import {
  forwardHttp,
  handlerClient,
  httpPayloadText,
  type HttpRequestInput,
  type InvocationResult,
  postInvocation,
  type RawExchange,
  readInvocationResponse,
  triggerPayload,
} from './protocol.js'
import {waitUntilReady} from './ready.js'
import {listeningSockets} from './sockets.js'

export const DEFAULT_STARTUP_TIMEOUT_MS = 30_000

export interface StartupFailure {
  code: 'HANDLER_START_FAILED' | 'HANDLER_EXITED' | 'HANDLER_NOT_READY' | 'HANDLER_WRONG_PORT' | 'HANDLER_IPV6_ONLY'
  message: string
  fix: string
}

export interface StartupReport {
  ok: boolean
  port: number
  ms: number
  timeoutMs: number
  command: string
  cwd: string
  failure?: StartupFailure
  /** Ready, but after more than half the host's window. */
  slow?: boolean
  exit?: {code: number | null; signal: string | null}
  stderrTail: string[]
}

export interface HostLine {
  stream: 'stdout' | 'stderr'
  text: string
  /** How the Functions host files the line: stdout is Information, stderr Error (Warning if it says "warn"). */
  level: 'Information' | 'Warning' | 'Error'
}

export interface LocalHostOptions {
  startupTimeoutMs?: number
  port?: number
  onLine?: (line: HostLine) => void
}

/** host.json initializationTimeout is a .NET TimeSpan ("00:00:30"); undefined when absent or unreadable. */
export function parseTimeSpan(value: string | undefined): number | undefined {
  if (!value) return undefined
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d+))?$/.exec(value.trim())
  if (!m) return undefined
  const [, d, h, min, s, frac] = m
  return (
    ((Number(d ?? 0) * 24 + Number(h)) * 3600 + Number(min) * 60 + Number(s)) * 1000 +
    (frac ? Math.round(Number(`0.${frac}`) * 1000) : 0)
  )
}

function classify(text: string, stream: 'stdout' | 'stderr'): HostLine['level'] {
  if (stream === 'stdout') return 'Information'
  return /warn/i.test(text) ? 'Warning' : 'Error'
}

/** Can this machine execute the file as the kernel would? Node's spawn hides ENOEXEC behind /bin/sh. */
export function runnableHere(
  info: ExecutableInfo | undefined,
): {ok: true} | {ok: false; reason: string; formatError: boolean} {
  if (!info) return {ok: true}
  const arch = process.arch === 'x64' ? 'x64' : process.arch === 'arm64' ? 'arm64' : 'other'
  const os = process.platform
  switch (info.format) {
    case 'elf':
      if (os !== 'linux') return {ok: false, reason: `a Linux binary cannot run on ${os}`, formatError: false}
      if (info.arch !== arch)
        return {ok: false, reason: `a ${info.arch} binary cannot run on this ${arch} machine`, formatError: false}
      return {ok: true}
    case 'pe':
      return os === 'win32' ? {ok: true} : {ok: false, reason: 'a Windows program cannot run here', formatError: false}
    case 'macho':
      return os === 'darwin' && info.archs.includes(arch)
        ? {ok: true}
        : {ok: false, reason: 'a macOS program cannot run here', formatError: false}
    case 'script':
      return os === 'win32' ? {ok: false, reason: 'Windows does not run #! scripts', formatError: false} : {ok: true}
    default:
      return {ok: false, reason: `Exec format error: ${info.reason}`, formatError: true}
  }
}

/**
 * A stand-in for the Functions host's side of the custom-handler protocol: launches the handler
 * the way the host does, waits for it the same way, and sends it invocations shaped as the host
 * shapes them. One handler process at a time; stop() always ends it and its children.
 */
export class LocalHost {
  private process?: StartedProcess
  private plan?: LaunchPlan
  private client?: Dispatcher
  /** forwards() per function, asked on every request `chd start` serves. */
  private readonly modes = new Map<FunctionDef, 'proxy' | 'forward' | false>()
  readonly lines: HostLine[] = []

  constructor(
    readonly app: FunctionApp,
    readonly root: string,
    private readonly options: LocalHostOptions = {},
  ) {}

  get port(): number | undefined {
    return this.plan?.port
  }

  get timeoutMs(): number {
    return (
      this.options.startupTimeoutMs ??
      parseTimeSpan(this.app.customHandler?.initializationTimeout) ??
      DEFAULT_STARTUP_TIMEOUT_MS
    )
  }

  async start(info?: ExecutableInfo): Promise<StartupReport> {
    // A restart: what the last launch left behind (children, pipes they hold) goes first.
    await this.stop()
    const plan = await planLaunch(this.app, this.root, {port: this.plan?.port ?? this.options.port})
    this.plan = plan
    this.client = await handlerClient(plan.port)
    const timeoutMs = this.timeoutMs
    const base = {
      port: plan.port,
      timeoutMs,
      command: [plan.file, ...plan.args].join(' '),
      cwd: plan.cwd,
      stderrTail: [] as string[],
    }
    const runnable = runnableHere(info)
    if (!runnable.ok && runnable.formatError) {
      return {
        ...base,
        ok: false,
        ms: 0,
        failure: {
          code: 'HANDLER_START_FAILED',
          message:
            `An error occurred trying to start process '${plan.file}' with working directory ` +
            `'${plan.cwd}'. ${runnable.reason}`,
          fix: 'Point defaultExecutablePath at a binary for the platform, or give the script a #! line',
        },
      }
    }
    const started = Date.now()
    this.process = startProcess(plan, (stream, text) => {
      const line = {stream, text, level: classify(text, stream)}
      this.lines.push(line)
      this.options.onLine?.(line)
    })
    const proc = this.process
    // Let a spawn error (ENOENT, EACCES) surface before polling.
    await new Promise((resolve) => setImmediate(resolve))
    if (proc.spawnError)
      return {...base, ok: false, ms: Date.now() - started, failure: spawnFailure(plan, proc.spawnError)}
    const ready = await waitUntilReady(plan.port, timeoutMs, proc.exited)
    const stderr = proc.lines.filter((l) => l.stream === 'stderr' && l.text.trim()).map((l) => l.text.trim())
    // The host quotes the last 3 stderr lines (WorkerProcessUtilities.AddStdErrMessage); those are often a
    // stack trace's tail, so the line that names the crash is kept too.
    const tail = stderr.slice(-3)
    const key = crashLine(stderr)
    if (proc.spawnError) return {...base, ok: false, ms: ready.ms, failure: spawnFailure(plan, proc.spawnError)}
    if (ready.ready) return {...base, ok: true, ms: ready.ms, slow: ready.ms > timeoutMs / 2, stderrTail: tail}
    if (ready.reason === 'exited') {
      const exit = await proc.exited
      return {
        ...base,
        ok: false,
        ms: ready.ms,
        exit: {code: exit.code, signal: exit.signal},
        stderrTail: tail,
        failure: exitedFailure(plan, exit, tail, key),
      }
    }
    const failure = await notReadyFailure(plan, proc, timeoutMs)
    await this.stop()
    return {...base, ok: false, ms: ready.ms, stderrTail: tail, failure}
  }

  /** Sends one invocation shaped as the host shapes it and reads the answer as the host does. */
  async invoke(
    fn: FunctionDef,
    input: {http?: HttpRequestInput; value?: unknown; metadata?: Record<string, unknown>},
    timeoutMs = 230_000,
  ): Promise<{
    invocationId: string
    /** The payload's JSON text, as sent. */
    payload: string
    raw?: RawExchange
    result: InvocationResult
    ms: number
  }> {
    const client = this.started()
    const invocationId = randomUUID()
    const payload = input.http
      ? httpPayloadText(fn, input.http)
      : JSON.stringify(triggerPayload(fn, input.value, input.metadata))
    const start = Date.now()
    let raw: RawExchange
    try {
      raw = await postInvocation(client, `/${fn.name}`, payload, invocationId, timeoutMs)
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      return {
        invocationId,
        payload,
        ms: Date.now() - start,
        result: {
          ok: false,
          code: 'INVOCATION_FAILED',
          error: `POST /${fn.name} failed: ${e.code ?? ''} ${e.message}`.trim(),
          warnings: [],
          logs: [],
          outputs: {},
          missing: [],
        },
      }
    }
    return {invocationId, payload, raw, result: readInvocationResponse(fn, raw), ms: Date.now() - start}
  }

  /**
   * Forwarding and proxying send the original request and relay the answer as is; proxying wins
   * when both are set. Only HTTP in-and-out functions qualify. False: the JSON payload.
   */
  forwards(fn: FunctionDef): 'proxy' | 'forward' | false {
    let mode = this.modes.get(fn)
    if (mode === undefined) {
      const {customHandler} = this.app
      if (!customHandler || !isHttpInAndOut(fn)) mode = false
      else if (customHandler.enableProxyingHttpRequest) mode = 'proxy'
      else
        mode = customHandler.enableForwardingHttpRequest || customHandler.section === 'httpWorker' ? 'forward' : false
      this.modes.set(fn, mode)
    }
    return mode
  }

  /** Sends the original request to the handler and returns its answer as it is (forwarding or proxying). */
  forward(
    req: HttpRequestInput,
    invocationId: string,
    mode: 'proxy' | 'forward',
    timeoutMs = 230_000,
  ): Promise<RawExchange> {
    const client = this.started()
    return forwardHttp(client, req, invocationId, timeoutMs, mode)
  }

  private started(): Dispatcher {
    if (!this.client) throw new ChdError('HANDLER_NOT_STARTED', 'The handler is not running', {exit: ExitCode.failed})
    return this.client
  }

  get exited(): Promise<{code: number | null; signal: NodeJS.Signals | null}> | undefined {
    return this.process?.exited
  }

  async stop(): Promise<void> {
    const client = this.client
    this.client = undefined
    await Promise.all([client?.destroy(), this.process?.stop()])
  }
}

function spawnFailure(plan: LaunchPlan, error: NodeJS.ErrnoException): StartupFailure {
  const why: Record<string, [string, string]> = {
    ENOENT: [
      'No such file or directory',
      'Check defaultExecutablePath, its #! interpreter (and CRLF line endings), and workingDirectory',
    ],
    EACCES: ['Permission denied', `chmod +x ${path.relative(process.cwd(), plan.file) || plan.file}`],
    ENOEXEC: ['Exec format error', 'Build the handler for this platform'],
  }
  const [text, fix] = why[error.code ?? ''] ?? [error.message, 'Check that defaultExecutablePath can be executed']
  const dir = error.syscall === 'chdir' ? ` (the working directory ${plan.cwd} does not exist)` : ''
  return {
    code: 'HANDLER_START_FAILED',
    message:
      `An error occurred trying to start process '${plan.file}' with working directory ` +
      `'${plan.cwd}'. ${text}${dir}`,
    fix,
  }
}

/** Lines that name why a process died: Go panics, Node/Python/Java/Rust errors, the loader's complaints. */
const CRASH =
  /^(panic:|fatal error:|thread '.*' panicked|Traceback|\w*(Error|Exception)\b[:(]|error(\[\w+\])?:|Caused by:)|cannot find module|not found|no such file|permission denied|address already in use|segmentation fault/i

/** The first line of stderr that says what went wrong, when the last lines do not include it. */
export function crashLine(lines: string[]): string | undefined {
  const hit = lines.find((l) => CRASH.test(l))
  return hit && !lines.slice(-3).includes(hit) ? hit : undefined
}

function exitedFailure(
  plan: LaunchPlan,
  exit: {code: number | null; signal: NodeJS.Signals | null},
  tail: string[],
  key?: string,
): StartupFailure {
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`
  const restart =
    exit.code === 0
      ? ' The host does not restart a handler that exits with 0.'
      : exit.code === 200
        ? ' Exit code 200 asks the host for a restart.'
        : ' The host restarts it at most twice in 30 minutes, then stops.'
  return {
    code: 'HANDLER_EXITED',
    message:
      `${path.basename(plan.file)} ${how} before it answered GET /.${key ? ` It wrote: ${key}.` : ''}` +
      (tail.length > 0 ? ` Last stderr: ${tail.join(' | ')}.` : ' It wrote nothing to stderr.') +
      restart,
    fix: 'Run the handler by hand with FUNCTIONS_CUSTOMHANDLER_PORT set and read its error',
  }
}

async function notReadyFailure(plan: LaunchPlan, proc: StartedProcess, timeoutMs: number): Promise<StartupFailure> {
  const secs = (timeoutMs / 1000).toFixed(timeoutMs % 1000 === 0 ? 0 : 1)
  const listeners = proc.pid === undefined ? undefined : await listeningSockets(proc.pid)
  const onPort = listeners?.filter((l) => l.port === plan.port) ?? []
  if (onPort.length > 0 && onPort.every((l) => l.address === '::1')) {
    return {
      code: 'HANDLER_IPV6_ONLY',
      message:
        `The handler listens on [::1]:${plan.port} (IPv6 loopback only); the host calls ` +
        `http://127.0.0.1:${plan.port}/ and never reaches it`,
      fix: "Listen on 127.0.0.1 or 0.0.0.0 (in Node, listen(port, '127.0.0.1') instead of 'localhost')",
    }
  }
  const elsewhere = listeners?.filter((l) => l.port !== plan.port) ?? []
  if (elsewhere.length > 0) {
    const where = [...new Set(elsewhere.map((l) => `${l.family === 6 ? `[${l.address}]` : l.address}:${l.port}`))].join(
      ', ',
    )
    return {
      code: 'HANDLER_WRONG_PORT',
      message:
        `The handler listens on ${where}, but the host gave it port ${plan.port} in ` +
        `FUNCTIONS_CUSTOMHANDLER_PORT and waited there for ${secs} s`,
      fix:
        'Read the port from the FUNCTIONS_CUSTOMHANDLER_PORT environment variable (or pin one with ' +
        'customHandler.port in host.json)',
    }
  }
  return {
    code: 'HANDLER_NOT_READY',
    message: `Nothing answered GET http://127.0.0.1:${plan.port}/ within ${secs} s (the host's initialization timeout)`,
    fix:
      'Start listening on FUNCTIONS_CUSTOMHANDLER_PORT sooner, or raise customHandler.initializationTimeout ' +
      'in host.json',
  }
}
