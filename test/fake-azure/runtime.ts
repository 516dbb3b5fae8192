import {randomUUID} from 'node:crypto'
import {mkdir, mkdtemp, rm, writeFile, chmod} from 'node:fs/promises'
import type {IncomingMessage, ServerResponse} from 'node:http'
import os from 'node:os'
import path from 'node:path'

import yauzl from 'yauzl'

import {type FunctionApp, loadApp} from '../../src/app/model.js'
import {resolveExecutable} from '../../src/app/resolve.js'
import {openFolder} from '../../src/app/source.js'
import {LocalHost, runnableHere} from '../../src/host/index.js'
import {forwardHttp} from '../../src/host/protocol.js'
import {httpRoutes} from '../../src/host/routes.js'
import {fileReader} from '../../src/platform/bytes.js'
import {compareVersions} from '../../src/platform/elf.js'
import {inspectExecutable} from '../../src/platform/inspect.js'
import type {PlanKind} from './state.js'

export interface HostLog {
  id: string
  time: string
  level: 'Debug' | 'Information' | 'Warning' | 'Error'
  category: string
  message: string
  functionName?: string
  invocationId?: string
}

/** glibc of the Functions Linux images the fake imitates (Debian 11). */
const PLATFORM_GLIBC = '2.31'

interface Entry {
  name: string
  mode?: number
  data: Buffer
}

function readZip(zip: Buffer): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, {lazyEntries: true}, (err, z) => {
      if (err || !z) return reject(err)
      const out: Entry[] = []
      z.on('entry', (e: yauzl.Entry) => {
        if (e.fileName.endsWith('/')) return z.readEntry()
        z.openReadStream(e, (err2, s) => {
          if (err2 || !s) return reject(err2)
          const chunks: Buffer[] = []
          s.on('data', (c: Buffer) => chunks.push(c))
          s.on('end', () => {
            const unix = e.versionMadeBy >> 8 === 3
            const attr = e.externalFileAttributes >>> 16
            out.push({name: e.fileName, mode: unix && attr ? attr & 0o777 : undefined, data: Buffer.concat(chunks)})
            z.readEntry()
          })
        })
      })
      z.on('end', () => resolve(out))
      z.on('error', reject)
      z.readEntry()
    })
  })
}

/**
 * What runs a deployed package in the fake: unpacks it the way the plan does (Dedicated and
 * Premium keep the zip's modes; Consumption and Flex lose them and the host adds u+x to the
 * executable only), starts the handler with chd's own host stand-in, serves the invoke URLs, and
 * writes the host's log lines, which feed the logstream and the App Insights route.
 */
export class SiteRuntime {
  readonly logs: HostLog[] = []
  private readonly listeners = new Set<(l: HostLog) => void>()
  private host?: LocalHost
  private app?: FunctionApp
  private dir?: string
  state: 'Default' | 'Running' | 'Error' = 'Default'

  constructor(private readonly plan: PlanKind, private readonly linux: boolean, private readonly settings: () => Record<string, string>, private readonly timeoutMs: () => number) {}

  subscribe(fn: (l: HostLog) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  log(level: HostLog['level'], category: string, message: string, extra: Partial<HostLog> = {}): void {
    const line: HostLog = {id: randomUUID(), time: new Date().toISOString(), level, category, message, ...extra}
    this.logs.push(line)
    for (const l of this.listeners) l(line)
  }

  async load(zip: Buffer): Promise<void> {
    await this.stop()
    const dir = await mkdtemp(path.join(os.tmpdir(), 'chd-fake-site-'))
    this.dir = dir
    const keepModes = this.linux && (this.plan === 'dedicated' || this.plan === 'premium')
    for (const e of await readZip(zip)) {
      const file = path.join(dir, ...e.name.split('/'))
      await mkdir(path.dirname(file), {recursive: true})
      await writeFile(file, e.data)
      await chmod(file, keepModes ? e.mode ?? 0o644 : 0o644)
    }
    this.log('Information', 'Host.Startup', 'Starting Host (HostId=fake, InstanceId=fake, Version=4.1037.0.0)')
    const app = await loadApp(await openFolder(dir))
    this.app = app
    // The host reads function.json, then the worker runtime; FUNCTIONS_WORKER_RUNTIME plays no part in custom handlers.
    this.log('Information', 'Host.Startup', `${app.functions.length} functions found`)
    if (app.functions.length === 0) {
      this.log('Warning', 'Host.Startup', 'No job functions found. Try making your job classes and methods public. If you\'re using binding extensions (e.g. Azure Storage, ServiceBus, Timers, etc.) make sure you\'ve called the registration method for the extension(s) in your startup code (e.g. builder.AddAzureStorage(), builder.AddServiceBus(), builder.AddTimers(), etc.).')
      this.state = 'Running'
      return
    }
    if (!app.customHandler?.hasDescription) {
      this.log('Error', 'Host.Startup', 'Unable to determine the primary function script. Make sure at least one script file is present. Try renaming your entry point script to \'run\' or alternatively you can specify the name of the entry point script explicitly by adding a \'scriptFile\' property to your function metadata.')
      this.state = 'Error'
      return
    }
    await this.startHandler()
  }

  private async startHandler(): Promise<void> {
    const app = this.app!
    const dir = this.dir!
    const exe = resolveExecutable(app, this.linux ? 'linux' : 'windows')
    const file = exe.kind === 'app' ? path.join(dir, exe.path) : exe.kind === 'command' ? exe.name : exe.kind === 'empty' ? '' : exe.path
    const workerId = randomUUID()
    if (exe.kind === 'app' && (this.plan === 'consumption' || this.plan === 'flex') && this.linux) {
      this.log('Debug', `Worker.HttpWorkerProcess.${workerId}`, `Assigning execute permissions to file: ${file}`)
      await chmod(file, 0o755)
    }
    this.log('Debug', `Worker.HttpWorkerProcess.${workerId}`, `Starting worker process with FileName:${file} WorkingDirectory:${dir} Arguments:`)
    let info
    if (exe.kind === 'app') {
      const r = await fileReader(file)
      try { info = await inspectExecutable(r) } finally { await r.close() }
    }
    if (!this.linux) {
      // A Windows worker would run a PE handler; this machine cannot, so the fake only judges it.
      if (info?.format === 'pe' && info.arch === 'x64') {
        this.log('Information', 'Microsoft.Azure.WebJobs.Script.Workers.Http.DefaultHttpWorkerService', 'Worker process started and initialized. (fake: Windows handlers are not executed here)')
        this.state = 'Running'
        return
      }
      return this.startFailed(file, dir, '%1 is not a valid Win32 application.')
    }
    // The platform is Linux x64 with Debian 11's glibc: what cannot run there fails as it would.
    const cannot = info && !runnableHere(info).ok ? 'Exec format error' : undefined
    if (cannot) return this.startFailed(file, dir, cannot)
    if (info?.format === 'elf' && info.maxGlibc && compareVersions(info.maxGlibc, PLATFORM_GLIBC) > 0) {
      this.log('Error', 'Host.Function.Console', `${file}: /lib/x86_64-linux-gnu/libc.so.6: version \`GLIBC_${info.maxGlibc}' not found (required by ${file})`)
      this.log('Error', `Worker.HttpWorkerProcess.${workerId}`, `${file} exited with code 1 (0x1)`)
      this.log('Error', 'Host.Function.Console', 'Language Worker Process exited. Pid=0.')
      this.state = 'Error'
      return
    }
    const host = new LocalHost(app, dir, {startupTimeoutMs: this.timeoutMs(), onLine: (l) => this.log(l.level, 'Host.Function.Console', l.text)})
    this.host = host
    const report = await host.start(info)
    if (report.ok) {
      this.log('Information', 'Microsoft.Azure.WebJobs.Script.Workers.Http.DefaultHttpWorkerService', 'Worker process started and initialized.')
      this.state = 'Running'
      return
    }
    const f = report.failure!
    if (f.code === 'HANDLER_START_FAILED') return this.startFailed(file, dir, f.message.split('. ').pop() ?? f.message)
    if (f.code === 'HANDLER_EXITED') {
      this.log('Error', `Worker.HttpWorkerProcess.${workerId}`, `${file} exited with code ${report.exit?.code} (0x${(report.exit?.code ?? 0).toString(16).toUpperCase()}): ${report.stderrTail.join(',')}`)
      this.log('Error', 'Host.Function.Console', 'Language Worker Process exited. Pid=0.')
    } else {
      this.log('Debug', `Worker.HttpWorkerChannel.${workerId}`, `Waiting for HttpWorker to be initialized. Request to: http://127.0.0.1:${report.port}/ failing with exception message: Connection refused (127.0.0.1:${report.port})`)
      this.log('Error', `Worker.HttpWorkerChannel.${workerId}`, 'Initializing HttpWorker timed out.')
      this.log('Error', `Worker.HttpWorkerChannel.${workerId}`, `Failed to start http worker process. workerId:${workerId}`)
    }
    this.log('Error', 'Host.Function.Console', 'Exceeded http worker restart retry count. Shutting down Functions Host')
    this.state = 'Error'
  }

  private startFailed(file: string, dir: string, reason: string): void {
    this.log('Error', 'Microsoft.Azure.WebJobs.Script.Workers.Http.HttpWorkerChannel', `Failed to start Worker Channel. Process fileName: ${file} System.ComponentModel.Win32Exception: An error occurred trying to start process '${file}' with working directory '${dir}'. ${reason}`)
    this.state = 'Error'
  }

  /** Serves /api/... for the deployed functions, logging Executing/Executed lines like the host. */
  async invoke(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
    const route = this.app ? httpRoutes(this.app).find((r) => r.regex.test(url.pathname)) : undefined
    if (!route) {
      res.writeHead(404)
      return void res.end()
    }
    const fn = route.fn
    const id = randomUUID()
    const cat = `Function.${fn.name}`
    this.log('Information', cat, `Executing 'Functions.${fn.name}' (Reason='This function was programmatically called via the host APIs.', Id=${id})`, {functionName: fn.name, invocationId: id})
    const start = Date.now()
    const done = (ok: boolean, error?: string) => this.log(ok ? 'Information' : 'Error', cat, `Executed 'Functions.${fn.name}' (${ok ? 'Succeeded' : 'Failed'}, Id=${id}, Duration=${Date.now() - start}ms)${error ? `: ${error}` : ''}`, {functionName: fn.name, invocationId: id})
    if (!this.host || this.state !== 'Running') {
      done(false, 'Did not find functions with language [custom]. The worker is not running.')
      res.writeHead(500)
      return void res.end()
    }
    const input = {method: String(req.method), url: `${url.pathname}${url.search}`, headers: req.headers, body, params: (route.regex.exec(url.pathname)?.groups ?? {}) as Record<string, string>}
    const forwarding = this.host.forwards(fn)
    try {
      if (forwarding) {
        const raw = await forwardHttp(this.host.port!, input, id, 30_000, forwarding)
        done(true)
        res.writeHead(raw.status, {'content-type': String(raw.headers['content-type'] ?? 'text/plain')})
        return void res.end(raw.body)
      }
      const r = await this.host.invoke(fn, {http: input}, 30_000)
      for (const l of r.result.logs) this.log('Information', `${cat}.User`, l, {functionName: fn.name, invocationId: id})
      done(r.result.ok, r.result.error)
      const out = r.result.http
      res.writeHead(r.result.ok && out ? out.status : 500, out?.headers ?? {})
      res.end(r.result.ok && out ? out.body : '')
    } catch (error) {
      done(false, (error as Error).message)
      res.writeHead(500)
      res.end()
    }
  }

  async stop(): Promise<void> {
    await this.host?.stop()
    this.host = undefined
    if (this.dir) await rm(this.dir, {recursive: true, force: true})
    this.dir = undefined
    this.state = 'Default'
  }
}
