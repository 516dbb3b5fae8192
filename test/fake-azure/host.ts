import {type ChildProcess, spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {statSync} from 'node:fs'
import {access, chmod, constants, readFile, stat} from 'node:fs/promises'
import http, {type IncomingMessage, type ServerResponse} from 'node:http'
import net from 'node:net'
import path from 'node:path'

import {functionFolders} from './content.js'
import {compare, readImage} from './exe.js'
import type {ExceptionInfo, SiteLogs} from './logs.js'
import {type FunctionDef, invokeFunction} from './protocol.js'

/**
 * The fake's own model of the Functions host (azure-functions-host @89dc438, 4.1037) running a
 * custom handler: its start-up, the handler's launch and readiness, the restart rules, and the
 * lines it logs, verbatim with their levels and categories (docs/host-protocol.md §6, §7, §14). It
 * shares no code with chd's src/, so a mistake in chd's own host stand-in cannot hide here.
 */

type Env = Record<string, string>

export type HostState = 'Default' | 'Initialized' | 'Running' | 'Error' | 'Stopping' | 'Stopped'
type Dispatcher = 'None' | 'Initializing' | 'Initialized' | 'WorkerProcessRestarting'

/** glibc of Debian 11, the base of the Functions Linux images (docs/platform.md §7). */
const PLATFORM_GLIBC = [2, 31]
const DISPATCHER = 'Microsoft.Azure.WebJobs.Script.Workers.Http.HttpFunctionInvocationDispatcher'
const READY_POLL_MS = 25
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ENOEXEC: 'Exec format error',
}
const CONFIG_ERROR = 'Microsoft.Azure.WebJobs.Script.HostConfigurationException'
/** .NET 8 ProcessUtils.CreateExceptionForErrorStartingProcess for ERROR_BAD_EXE_FORMAT (docs/host-protocol.md §14). */
const NOT_A_VALID_APPLICATION = 'The specified executable is not a valid application for this OS platform.'
/** ScriptHost's warning when nothing was indexed (Host.Startup). */
const NO_FUNCTIONS =
  "No job functions found. Try making your job classes and methods public. If you're using " +
  "binding extensions (e.g. Azure Storage, ServiceBus, Timers, etc.) make sure you've called the registration " +
  'method for the extension(s) in your startup code (e.g. builder.AddAzureStorage(), builder.AddServiceBus(), ' +
  'builder.AddTimers(), etc.).'
/** FunctionMetadataManager: a function without scriptFile outside custom-handler mode (docs/host-protocol.md §2). */
const NO_SCRIPT =
  'Unable to determine the primary function script. Make sure at least one script file is present. Try ' +
  "renaming your entry point script to 'run' or alternatively you can specify the name of the entry point script " +
  "explicitly by adding a 'scriptFile' property to your function metadata."

export interface HostSite {
  os: 'linux' | 'windows'
  plan: 'dedicated' | 'premium' | 'consumption' | 'flex'
  settings: () => Record<string, string>
  /** The fake's stand-in for the 30 s default initializationTimeout (host.json's own value wins). */
  initTimeoutMs: () => number
  /** How long the platform takes to bring a stopped host back. */
  restartDelayMs: () => number
}

interface Config {
  root: string
  functions: FunctionDef[]
  exe: string
  args: string[]
  cwd: string
  env: Record<string, string>
  timeoutMs: number
  forwarding: boolean
  routePrefix: string
}

function ci(obj: unknown, key: string): any {
  if (!obj || typeof obj !== 'object') return undefined
  const k = Object.keys(obj).find((x) => x.toLowerCase() === key.toLowerCase())
  return k === undefined ? undefined : (obj as Record<string, unknown>)[k]
}

/** .NET Environment.ExpandEnvironmentVariables: %NAME% from the host's environment; unknown stay. */
function expand(text: string, env: Record<string, string>): string {
  const lookup = (name: string) => env[Object.keys(env).find((k) => k.toLowerCase() === name.toLowerCase()) ?? '']
  return text.replace(/%([^%]+)%/g, (m, name: string) => lookup(name) ?? m)
}

/** Splits one command line into argv the way .NET's Process does on Unix (whitespace, double quotes). */
function splitArgs(line: string): string[] {
  const out: string[] = []
  for (const m of line.matchAll(/"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2])
  return out
}

function timeSpanMs(v: unknown): number | undefined {
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(String(v ?? ''))
  return m ? (((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1000 : undefined
}

function freePort(): Promise<number> {
  // WorkerUtilities.GetUnusedTcpPort: bind 127.0.0.1:0, read the port, close.
  return new Promise((resolve, reject) => {
    const s = net
      .createServer()
      .listen(0, '127.0.0.1', () => {
        const {port} = s.address() as net.AddressInfo
        s.close(() => resolve(port))
      })
      .on('error', reject)
  })
}

class HostStartError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message)
  }
}

export class FakeHost {
  state: HostState = 'Default'
  /** Utility.FlattenException(LastError): what /admin/host/status lists under `errors`. */
  errors: string[] = []
  dispatcher: Dispatcher = 'None'
  private config?: Config
  private child?: ChildProcess
  private errorEvents: number[] = []
  /** Bumped on every stop: async work from an older host or channel sees it and gives up. */
  private epoch = 0
  private dir?: string
  private port = 0

  constructor(
    private readonly site: HostSite,
    private readonly logs: SiteLogs,
  ) {}

  /** Set when the fake shuts down: nothing starts after that (a restart may still be on its way). */
  private closed = false

  /** WebJobsScriptHostService.StartAsync on the content in `dir` (a new host process). */
  async start(dir: string): Promise<void> {
    if (this.closed) return
    await this.stop()
    const epoch = ++this.epoch
    this.dir = dir
    this.errorEvents = []
    const opId = randomUUID()
    this.logs.write('Information', 'Host.Startup', `Initializing Host. OperationId: '${opId}'.`)
    let config: Config
    try {
      config = await this.configure(dir)
    } catch (error) {
      if (epoch !== this.epoch) return
      if (!(error instanceof HostStartError)) throw error
      // UnsynchronizedStartHostAsync catch: State = Error, LastError = exc; EventId 515.
      this.state = 'Error'
      this.errors = [`Microsoft.Azure.WebJobs.Script: ${error.message}`]
      this.logs.write('Error', 'Host.Startup', `A host error has occurred during startup operation '${opId}'.`, {
        exception: {type: error.type, message: error.message},
      })
      return
    }
    // Another start (a newer deployment or restart) overtook this one.
    if (epoch !== this.epoch) return
    this.config = config
    const c = config
    this.logs.write(
      'Information',
      'Host.Startup',
      `Starting Host (HostId=fake, InstanceId=${randomUUID()}, ` +
        `Version=4.1037.0.0, ProcessId=${process.pid}, AppDomainId=${randomUUID()}, ` +
        `InDebugMode=${this.logs.fileLoggingOn}, InDiagnosticMode=False, FunctionsExtensionVersion=~4)`,
    )
    this.logs.write('Information', 'Host.Startup', `${c.functions.length} functions found (Custom)`)
    if (c.functions.length === 0) {
      this.logs.write('Warning', 'Host.Startup', NO_FUNCTIONS)
    } else {
      const names = c.functions.map((f) => `Host.Functions.${f.name}`).join('\n')
      this.logs.write('Information', 'Host.Startup', `Found the following functions:\n${names}\n`)
    }
    this.logs.write('Information', 'Host.Startup', 'Host started (12ms)')
    this.logs.write('Information', 'Host.General', 'Job host started')
    this.state = 'Running'
    this.errors = []
    // HttpFunctionInvocationDispatcher.InitializeAsync: no functions, no handler; otherwise the
    // channel starts fire-and-forget, so the host is Running whatever the handler does.
    // The port is chosen once per host and reused by every restarted channel.
    this.port = await freePort()
    if (c.functions.length > 0 && c.exe && epoch === this.epoch) this.launch(epoch, this.port)
  }

  /** host.json and function.json as the host reads them; throws what makes the host state Error. */
  private async configure(root: string): Promise<Config> {
    const settings = this.site.settings()
    let hostJson: any
    try {
      // HostJsonFileConfigurationSource: JSON with comments; none at all → a default one, no customHandler.
      const text = await readFile(path.join(root, 'host.json'), 'utf8').catch(() => '{"version": "2.0"}')
      hostJson = JSON.parse(text.replace(/^\s*\/\/.*$/gm, ''))
    } catch {
      throw new HostStartError('System.FormatException', `Unable to parse host configuration file '${root}/host.json'.`)
    }
    const version = ci(hostJson, 'version')
    if (version === undefined) {
      throw new HostStartError(
        CONFIG_ERROR,
        "The host.json file is missing the required 'version' property. " +
          'See https://aka.ms/functions-hostjson for steps to migrate the configuration file.',
      )
    }
    if (version !== '2.0') {
      throw new HostStartError(
        CONFIG_ERROR,
        `'${version}' is an invalid value for host.json 'version' property. ` +
          "We recommend you set the 'version' property to '2.0'. ",
      )
    }
    const logging = ci(hostJson, 'logging')
    const mode = String(ci(logging, 'fileLoggingMode') ?? 'debugOnly').toLowerCase()
    this.logs.fileLoggingMode = mode === 'always' ? 'always' : mode === 'never' ? 'never' : 'debugOnly'
    const defaultLevel = String(ci(ci(logging, 'logLevel'), 'default') ?? 'Information')
    const levels = ['Trace', 'Debug', 'Information', 'Warning', 'Error']
    const level = levels.find((l) => l.toLowerCase() === defaultLevel.toLowerCase())
    this.logs.minLevel = (level ?? 'Information') as typeof this.logs.minLevel
    const section = ci(hostJson, 'customHandler') ?? ci(hostJson, 'httpWorker')
    const folders = await functionFolders(root)
    let functions: FunctionDef[] = folders.map((f) => ({name: f.name, bindings: ci(f.config, 'bindings') ?? []}))
    if (!section) {
      // No HTTP worker: the RPC path with FUNCTIONS_WORKER_RUNTIME (Utility.VerifyFunctionsMatchSpecifiedLanguage).
      const runtime = (settings.FUNCTIONS_WORKER_RUNTIME ?? '').toLowerCase()
      if (runtime === 'custom' && functions.length > 0) {
        const type = 'Microsoft.Azure.WebJobs.Script.HostInitializationException'
        throw new HostStartError(type, 'Did not find functions with language [custom].')
      }
      for (const f of functions) {
        this.logs.write('Error', 'Host.Startup', `The '${f.name}' function is in error: ${NO_SCRIPT}`)
      }
      functions = []
    }
    const description = ci(section, 'description')
    if (section && !description) throw new HostStartError(CONFIG_ERROR, 'Missing worker Description.')
    const routePrefix = ci(ci(ci(hostJson, 'extensions'), 'http'), 'routePrefix')
    return this.commandLine(root, settings, {section, description, functions, routePrefix})
  }

  /**
   * HttpWorkerOptionsSetup / HttpWorkerDescription.ApplyDefaultsAndValidate /
   * DefaultWorkerProcessFactory.GetArguments: %VAR% expansion, workerDirectory for a relative
   * executable that exists there, arguments joined, defaultWorkerPath in quotes, leftovers deleted.
   */
  private commandLine(
    root: string,
    settings: Record<string, string>,
    parts: {section: unknown; description: unknown; functions: FunctionDef[]; routePrefix: unknown},
  ): Config {
    const {section, description, functions, routePrefix} = parts
    const env: Env = {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/home', WEBSITE_SITE_NAME: 'fake'}
    Object.assign(env, settings)
    const rel = (v: unknown) => (v ? path.resolve(root, String(v)) : root)
    const workerDir = rel(ci(description, 'workerDirectory'))
    let exe = expand(String(ci(description, 'defaultExecutablePath') ?? ''), env)
    if (section && !exe.trim()) {
      const type = 'System.ComponentModel.DataAnnotations.ValidationException'
      throw new HostStartError(type, 'WorkerDescription DefaultExecutablePath cannot be empty')
    }
    if (exe && !path.isAbsolute(exe)) {
      const candidate = path.join(workerDir, exe)
      exe = existsSync(candidate) ? candidate : exe
    }
    // GetArgumentList also takes one string holding a JSON array (an app setting override).
    const list = (v: unknown): string[] => {
      if (Array.isArray(v)) return v.map(String)
      return typeof v === 'string' && v.trim().startsWith('[') ? JSON.parse(v) : []
    }
    const workerPath = ci(description, 'defaultWorkerPath')
    let line = list(ci(description, 'arguments'))
      .map((a) => ` ${expand(a, env)}`)
      .join('')
    if (workerPath) line += ` "${expand(String(workerPath), env)}"`
    line += list(ci(description, 'workerArguments'))
      .map((a) => ` ${expand(a, env)}`)
      .join('')
    return {
      root,
      functions,
      exe,
      args: splitArgs(line),
      cwd: rel(ci(description, 'workingDirectory')),
      env,
      timeoutMs: timeSpanMs(ci(section, 'initializationTimeout')) ?? this.site.initTimeoutMs(),
      forwarding: Boolean(ci(section, 'enableForwardingHttpRequest')),
      routePrefix: routePrefix === undefined ? 'api' : String(routePrefix),
    }
  }

  /** A channel start whose content may vanish under it when a newer host replaces this one. */
  private launch(epoch: number, port: number): void {
    this.startChannel(epoch, port).catch((error) => {
      if (epoch === this.epoch) this.logs.write('Error', DISPATCHER, `fake host: ${(error as Error).message}`)
    })
  }

  /** HttpWorkerChannel.StartWorkerProcessAsync + DelayUntilWokerInitialized, one channel. */
  private async startChannel(epoch: number, port: number): Promise<void> {
    const c = this.config!
    const workerId = randomUUID()
    const wp = `Worker.HttpWorkerProcess.${workerId}`
    this.dispatcher = this.dispatcher === 'None' ? 'Initializing' : this.dispatcher
    // HttpWorkerProcess.CreateWorkerProcess: the five variables, on top of the host's environment.
    const vars: Record<string, string> = {
      FUNCTIONS_CUSTOMHANDLER_PORT: String(port),
      FUNCTIONS_HTTPWORKER_PORT: String(port),
      FUNCTIONS_CUSTOMHANDLER_WORKER_ID: workerId,
      FUNCTIONS_HTTPWORKER_ID: workerId,
      FUNCTIONS_APP_ROOT_PATH: c.root,
    }
    const sub = (s: string) => Object.entries(vars).reduce((t, [k, v]) => t.replaceAll(`%${k}%`, v), s)
    const file = sub(c.exe)
    const args = c.args
      .map(sub)
      .map((a) => a.replace(/%(.+?)%/g, ''))
      .filter((a) => a !== '')
    this.logs.write('Debug', `Worker.HttpWorkerChannel.${workerId}`, 'Initiating Worker Process start up')
    const started =
      `Starting worker process with FileName:${file} WorkingDirectory:${c.cwd} ` + `Arguments:${args.join(' ')}`
    this.logs.write('Debug', wp, started)
    const child = await this.exec(file, args, {...c.env, ...vars}, wp)
    if (!child || epoch !== this.epoch || this.closed) return void child?.kill('SIGKILL')
    this.child = child
    this.logs.write('Debug', wp, `${file} process with Id=${child.pid} started`)
    const stderr: string[] = []
    const lines = (stream: NodeJS.ReadableStream, err: boolean) => {
      let buf = ''
      stream.on('data', (d) => {
        buf += d
        let nl
        while ((nl = buf.indexOf('\n')) !== -1) {
          const text = buf.slice(0, nl).replace(/\r$/, '')
          buf = buf.slice(nl + 1)
          if (err) stderr.push(text)
          // WorkerProcess.ParseErrorMessageAndLog: stderr is Error, or Warning when it says "warn".
          const level = err ? (/warn/i.test(text) ? 'Warning' : 'Error') : 'Information'
          this.logs.write(level, 'Host.Function.Console', text)
        }
      })
    }
    lines(child.stdout!, false)
    lines(child.stderr!, true)
    child.on('exit', (code) => this.onExit(epoch, child, code ?? 1, stderr, file, wp, port))
    const ready = await this.waitReady(epoch, child, port, c.timeoutMs)
    if (epoch !== this.epoch || this.child !== child) return
    if (ready) {
      this.dispatcher = 'Initialized'
      this.logs.write('Debug', `Worker.HttpWorkerChannel.${workerId}`, 'HttpWorker is Initialized.')
      this.logs.write('Information', DISPATCHER, 'Worker process started and initialized.')
      return
    }
    const failed = `Failed to start http worker process. workerId:${workerId}`
    this.logs.write('Error', `Worker.HttpWorkerChannel.${workerId}`, failed, {
      exception: {type: 'System.TimeoutException', message: 'Initializing HttpWorker timed out.'},
    })
    this.errorEvent(epoch, port)
  }

  /**
   * Process.Start as .NET does it, on the fake's emulated platform: an executable that Linux
   * x86-64 with Debian 11's glibc cannot run fails as it would there, whatever this machine is.
   * A failure to start is logged and nothing else happens (the task is Forget()-ten): no restart.
   */
  private async exec(file: string, args: string[], env: Env, wp: string): Promise<ChildProcess | undefined> {
    const c = this.config!
    const failed = (reason: string, code = this.site.os === 'windows' ? 193 : undefined) => {
      const message = `An error occurred trying to start process '${file}' with working directory '${c.cwd}'. ${reason}`
      const type = `System.ComponentModel.Win32Exception${code ? ` (${code})` : ''}`
      const exception: ExceptionInfo = {type, message}
      this.logs.write('Error', wp, `Failed to start Worker Channel. Process fileName: ${file}`, {exception})
      return undefined
    }
    const isPath = file.includes('/') || file.includes('\\')
    const exists =
      isPath &&
      (await stat(file).then(
        (s) => s.isFile(),
        () => false,
      ))
    if (this.site.os === 'windows') {
      // ProcessUtils.CreateExceptionForErrorStartingProcess (.NET 8) for ERROR_BAD_EXE_FORMAT.
      if (!exists) return failed('The system cannot find the file specified.', 2)
      const image = await readImage(file)
      if (image.kind !== 'pe' || !image.x64) return failed(NOT_A_VALID_APPLICATION)
      // This machine cannot run a Windows program: the fake leaves the channel starting, and no
      // line says it started, which is what a caller would see of a handler that never answers.
      return undefined
    }
    const consumption = this.site.plan === 'consumption' || this.site.plan === 'flex'
    if (consumption && exists && ((await stat(file)).mode & 0o100) === 0) {
      // WorkerProcess.AssignUserExecutePermissionsIfNotExists, on IsAnyLinuxConsumption only.
      this.logs.write('Debug', wp, `Assigning execute permissions to file: ${file}`)
      await chmod(file, (await stat(file)).mode | 0o111)
    }
    if (exists) {
      if (
        await access(file, constants.X_OK).then(
          () => false,
          () => true,
        )
      )
        return failed(STRERROR.EACCES)
      const image = await readImage(file)
      const runs = image.kind === 'script' || (image.kind === 'elf' && image.x64)
      if (!runs) return failed(STRERROR.ENOEXEC)
      if (image.kind === 'elf' && image.glibc && compare(image.glibc.split('.').map(Number), PLATFORM_GLIBC) > 0) {
        // The dynamic loader's refusal: a process that prints it and exits 1, as on the image.
        const text =
          `${file}: /lib/x86_64-linux-gnu/libc.so.6: version \`GLIBC_${image.glibc}' not found ` +
          `(required by ${file})`
        const print = 'printf "%s\\n" "$0" >&2; exit 1'
        return spawn('/bin/sh', ['-c', print, text], {cwd: c.cwd, env, stdio: ['ignore', 'pipe', 'pipe']})
      }
    }
    return new Promise((resolve) => {
      const child = spawn(file, args, {cwd: c.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true})
      child.once('spawn', () => resolve(child))
      child.once('error', (e: NodeJS.ErrnoException) => resolve(failed(STRERROR[e.code ?? ''] ?? e.message)))
    })
  }

  /**
   * DefaultHttpWorkerService.IsWorkerReady: GET / every 25 ms; any HTTP answer is ready. A handler
   * that exits 0 meanwhile is no error event, so the window simply runs out (docs/host-protocol.md §7).
   */
  private async waitReady(epoch: number, child: ChildProcess, port: number, timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs
    while (Date.now() < end && epoch === this.epoch && this.child === child) {
      const ok = await new Promise<boolean>((resolve) => {
        const req = http.get({host: '127.0.0.1', port, path: '/', timeout: 2000}, (res) => {
          res.resume()
          resolve(true)
        })
        req.on('error', () => resolve(false))
        req.on('timeout', () => {
          req.destroy()
          resolve(false)
        })
      })
      if (ok) return true
      await new Promise((r) => setTimeout(r, READY_POLL_MS))
    }
    return false
  }

  /** WorkerProcess.OnProcessExited: 0 nothing, 200 a restart not counted, else an error event. */
  private onExit(
    epoch: number,
    child: ChildProcess,
    code: number,
    stderr: string[],
    file: string,
    wp: string,
    port: number,
  ): void {
    if (epoch !== this.epoch || this.child !== child) return
    this.logs.write('Debug', wp, `Process ${child.pid} has exited with code ${code}.`)
    if (code === 0) return
    if (code === 200) {
      this.logs.write('Information', wp, 'Language Worker Process exited and needs to be restarted.')
      return this.launch(epoch, port)
    }
    const inner = stderr.slice(-3).join(',')
    this.logs.write('Error', wp, `Language Worker Process exited. Pid=${child.pid}.`, {
      exception: {
        type: 'Microsoft.Azure.WebJobs.Script.Workers.WorkerProcessExitException',
        message: `${file} exited with code ${code} (0x${code.toString(16).toUpperCase()})`,
        ...(inner ? {inner: {type: 'System.Exception', message: inner}} : {}),
      },
    })
    this.errorEvent(epoch, port)
  }

  /** HttpFunctionInvocationDispatcher: 3 errors within 30 minutes stop the whole host. */
  private errorEvent(epoch: number, port: number): void {
    const now = Date.now()
    const last = this.errorEvents.at(-1)
    if (last !== undefined && now - last > 30 * 60_000) this.errorEvents = []
    this.errorEvents.push(now)
    this.dispatcher = 'WorkerProcessRestarting'
    this.killChild()
    if (this.errorEvents.length < 3) {
      this.logs.write('Debug', DISPATCHER, 'Restarting http invoker channel')
      return this.launch(epoch, port)
    }
    this.logs.write('Error', DISPATCHER, 'Exceeded http worker restart retry count. Shutting down Functions Host')
    void this.stopApplication()
  }

  /** IApplicationLifetime.StopApplication: the host process ends; the platform starts a new one. */
  private async stopApplication(): Promise<void> {
    const dir = this.dir
    this.state = 'Stopping'
    await this.stop()
    this.state = 'Stopped'
    const epoch = this.epoch
    const again = () => {
      if (epoch === this.epoch && dir) this.start(dir).catch(() => {})
    }
    setTimeout(again, this.site.restartDelayMs()).unref()
  }

  private killChild(): void {
    const child = this.child
    this.child = undefined
    if (child?.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
    }
  }

  /** Stops for good: the fake is shutting down. */
  async close(): Promise<void> {
    this.closed = true
    await this.stop()
  }

  async stop(): Promise<void> {
    this.epoch++
    this.killChild()
    this.dispatcher = 'None'
    this.state = 'Default'
  }

  /** An HTTP trigger call on the site host: HostAvailabilityCheckMiddleware, then the invoker. */
  async invoke(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
    for (let i = 0; i < 40 && this.state !== 'Running'; i++) await new Promise((r) => setTimeout(r, 100))
    const c = this.config
    if (this.state !== 'Running' || !c) {
      res.writeHead(503, {'content-type': 'text/plain'})
      return void res.end('Function host is not running.')
    }
    const epoch = this.epoch
    // WorkerFunctionInvoker.DelayUntilFunctionDispatcherInitializedOrShutdown: (3+1) × the timeout.
    const ready = async () => {
      const end = Date.now() + 4 * c.timeoutMs
      while (this.dispatcher !== 'Initialized' && Date.now() < end && epoch === this.epoch) {
        await new Promise((r) => setTimeout(r, 50))
      }
      if (this.dispatcher === 'Initialized' || epoch !== this.epoch) return this.dispatcher === 'Initialized'
      const text =
        `Final functionDispatcher state: ${this.dispatcher}. ` + 'Initialization timed out and host is shutting down'
      this.logs.write('Error', 'Microsoft.Azure.WebJobs.Script.Description.WorkerFunctionInvoker', text)
      void this.stopApplication()
      return false
    }
    const {functions, routePrefix, forwarding} = c
    const context = {functions, routePrefix, forwarding, logs: this.logs, ready, port: this.port}
    await invokeFunction(context, req, res, url, body)
  }
}

function existsSync(file: string): boolean {
  try {
    return statSync(file).isFile()
  } catch {
    return false
  }
}
