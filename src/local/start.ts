import {randomUUID} from 'node:crypto'
import http from 'node:http'

import {isObject} from '../app/jsonc.js'
import type {FunctionApp, FunctionDef} from '../app/model.js'
import {ChdError, ExitCode} from '../errors.js'
import type {HostLine, LocalHost} from '../host/index.js'
import {type HttpRequestInput, type RequestTarget, requestTarget} from '../host/protocol.js'
import {httpRoutes, matchRoute} from '../host/routes.js'
import {type Progress, runStep} from '../progress.js'
import {findFunction, startLocal} from './session.js'

export type StartEvent =
  | {
      type: 'ready'
      port: number
      handlerPort: number
      startupMs: number
      urls: Array<{function: string; methods: string[]; url: string}>
      other: string[]
    }
  | {
      type: 'invocation'
      /** Absent when the request failed before it was matched to a function (its path is in `path`). */
      function?: string
      method: string
      path: string
      status: number
      ms: number
      invocationId?: string
      ok: boolean
      error?: string
      logs: string[]
    }
  | {type: 'handler'; stream: 'stdout' | 'stderr'; level: HostLine['level']; text: string}
  | {type: 'exit'; code: number | null; signal: string | null; action: 'restart' | 'none' | 'shutdown'; message: string}
  | {type: 'restarted'; handlerPort: number; startupMs: number}

export interface StartOptions {
  dir: string
  port: number
  startupTimeoutMs?: number
  onEvent: (event: StartEvent) => void
}

/** The host's restart budget: 3 launches per 30 minutes (the first plus two restarts). */
const MAX_LAUNCHES = 3
const RESTART_WINDOW_MS = 30 * 60 * 1000

const NO_BODY = Buffer.alloc(0)

function readBody(req: http.IncomingMessage): Promise<Buffer> | Buffer {
  // Most requests (GET) declare no body: no stream to wait for. Node discards what is left unread.
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return NO_BODY
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/**
 * Writes a whole answer at once. With its length given, Node sends head and body in one write instead
 * of chunks, as the host (Kestrel) answers a buffered result; answers that carry no body get no length.
 */
function send(res: http.ServerResponse, status: number, headers: http.OutgoingHttpHeaders, body: string | Buffer) {
  const bodiless = status < 200 || status === 204 || status === 304
  const framed = Object.keys(headers).some((k) => /^(content-length|transfer-encoding)$/i.test(k))
  res.writeHead(status, bodiless || framed ? headers : {...headers, 'Content-Length': Buffer.byteLength(body)})
  res.end(body)
}

/**
 * Serves the app's functions at http://localhost:PORT/api/... like the Functions host: each
 * request becomes the host's invocation payload (or is forwarded), the handler is restarted
 * within the host's limits, and every invocation is reported as an event. Resolves only when the
 * host would shut down; Ctrl-C ends the process (and with it the handler) from the command.
 */
export async function runStart(options: StartOptions, progress: Progress): Promise<void> {
  const emitLine = (l: HostLine) => options.onEvent({type: 'handler', ...l})
  const {value: started} = await runStep(progress, `Starting the handler in ${options.dir}`, async () => {
    const value = await startLocal(options.dir, {startupTimeoutMs: options.startupTimeoutMs, onLine: emitLine})
    return {value, detail: `ready in ${value.report.ms} ms`}
  })
  const session = new StartSession(started.app, started.host, options)
  try {
    const port = await session.listen()
    options.onEvent({
      type: 'ready',
      port,
      handlerPort: started.report.port,
      startupMs: started.report.ms,
      urls: session.routes.map((r) => ({
        function: r.fn.name,
        methods: r.methods ?? ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'],
        url: `http://localhost:${port}/${r.template}`,
      })),
      other: started.app.functions.filter((f) => !session.routes.some((r) => r.fn === f)).map((f) => f.name),
    })
    await session.stopped
  } finally {
    session.close()
    await started.host.stop()
  }
}

type Reply = (status: number, text: string) => void
type InvocationEvent = Extract<StartEvent, {type: 'invocation'}>

/** One `chd start`: the handler under the host's restart budget, and the server in front of it. */
class StartSession {
  readonly routes: ReturnType<typeof httpRoutes>
  /** Rejects when the host would shut down (restart budget spent, or a restart that fails). */
  readonly stopped: Promise<void>
  private running = true
  /** Set once the session is over: the handler's exit is then chd stopping it, not a crash to restart. */
  private closed = false
  private readonly launches = [Date.now()]
  private shutdown: (error: Error) => void = () => {}
  private server?: http.Server

  constructor(
    private readonly app: FunctionApp,
    private readonly host: LocalHost,
    private readonly options: StartOptions,
  ) {
    this.routes = httpRoutes(app)
    this.stopped = new Promise<void>((_resolve, reject) => {
      this.shutdown = reject
    })
    this.supervise()
  }

  /** Listens on 127.0.0.1; resolves with the port. */
  async listen(): Promise<number> {
    // Fire and forget: Node ignores the promise a request listener returns.
    const server = http.createServer((req, res) => void this.serve(req, res))
    this.server = server
    const {port} = this.options
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EADDRINUSE') return reject(error)
        reject(
          new ChdError('PORT_IN_USE', `Port ${port} is already in use`, {
            exit: ExitCode.usage,
            suggestions: [`chd start --port ${port + 1}`],
          }),
        )
      })
      server.listen(port, '127.0.0.1', () => resolve())
    })
    return (server.address() as {port: number}).port
  }

  close(): void {
    this.closed = true
    this.server?.close()
  }

  private emit(event: StartEvent): void {
    this.options.onEvent(event)
  }

  /** Restarts the handler as the host does: exit 0 is the end, 200 is free, 3 launches per 30 minutes. */
  private supervise(): void {
    void this.host.exited?.then(async (exit) => {
      this.running = false
      if (this.closed) return
      if (exit.code === 0) {
        const message = 'The handler exited with code 0; the host does not restart it, so invocations now fail'
        return this.emit({type: 'exit', ...exit, action: 'none', message})
      }
      const now = Date.now()
      const recent = this.launches.filter((t) => now - t < RESTART_WINDOW_MS)
      if (exit.code !== 200 && recent.length >= MAX_LAUNCHES) {
        const message = 'Exceeded http worker restart retry count. Shutting down Functions Host'
        this.emit({type: 'exit', ...exit, action: 'shutdown', message})
        const why = `The handler exited ${recent.length} times within 30 minutes; the host stops here`
        return this.shutdown(new ChdError('HANDLER_RESTARTS_EXCEEDED', why, {exit: ExitCode.failed}))
      }
      const message =
        exit.code === 200
          ? 'Exit code 200: restarting (not counted)'
          : `Restarting (${recent.length} of ${MAX_LAUNCHES} launches in 30 minutes used)`
      this.emit({type: 'exit', ...exit, action: 'restart', message})
      if (exit.code !== 200) this.launches.push(now)
      const again = await this.host.start()
      if (again.ok) {
        this.running = true
        this.emit({type: 'restarted', handlerPort: again.port, startupMs: again.ms})
        return this.supervise()
      }
      const {code, message: failed, fix} = again.failure!
      this.emit({type: 'exit', code: null, signal: null, action: 'shutdown', message: failed})
      this.shutdown(new ChdError(code, failed, {exit: ExitCode.failed, suggestions: [fix]}))
    })
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const start = Date.now()
    const body = readBody(req)
    // A caller that goes away while sending its body gets no answer, and leaves no invocation.
    if (Buffer.isBuffer(body)) void this.answer(req, res, body, start)
    else
      body.then(
        (b) => this.answer(req, res, b, start),
        () => res.destroy(),
      )
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, start: number) {
    const method = String(req.method)
    const url = String(req.url)
    const reply: Reply = (status, text) => send(res, status, {'Content-Type': 'text/plain; charset=utf-8'}, text)
    let target: RequestTarget
    try {
      target = requestTarget(url)
    } catch {
      // A target the URL parser cannot read (`//[`): refused before any function is chosen, not a crash.
      return reply(400, 'Bad Request')
    }
    const path = target.pathname
    let name: string | undefined
    try {
      const admin = /^\/admin\/functions\/([^/]+)$/i.exec(path)
      if (admin && method === 'POST') {
        const fn = findFunction(this.app, decodeURIComponent(admin[1]))
        name = fn.name
        return await this.invokeAdmin(fn, body, start, reply)
      }
      const {route, params} = matchRoute(this.routes, path) ?? {}
      if (!route || (route.methods && !route.methods.includes(method))) return reply(404, 'Not Found')
      name = route.fn.name
      if (!this.running) {
        this.failed(method, path, name, start, 'the handler is not running')
        return reply(500, 'The handler is not running')
      }
      const input: HttpRequestInput = {method, url, target, headers: req.headers, body, params}
      this.emit(await this.invokeHttp(route.fn, input, res, start))
    } catch (error) {
      if (error instanceof ChdError && error.exit === ExitCode.notFound) return reply(404, error.message)
      if (!res.headersSent) reply(500, 'Internal Server Error')
      // An admin call was answered 202 before the handler was called: the event keeps that status.
      this.failed(method, path, name, start, (error as Error).message, res.headersSent ? res.statusCode : 500)
    }
  }

  private failed(method: string, path: string, name: string | undefined, start: number, error: string, status = 500) {
    const ms = Date.now() - start
    this.emit({type: 'invocation', function: name, method, path, status, ms, ok: false, error, logs: []})
  }

  /** An HTTP function: forwarded as it came, or sent as the host's invocation payload. */
  private async invokeHttp(
    fn: FunctionDef,
    input: HttpRequestInput,
    res: http.ServerResponse,
    start: number,
  ): Promise<InvocationEvent> {
    const {method} = input
    const path = input.target!.pathname
    const forwarding = this.host.forwards(fn)
    if (forwarding) {
      const invocationId = randomUUID()
      const raw = await this.host.forward(input, invocationId, forwarding)
      const hopByHop = ['transfer-encoding', 'connection', 'keep-alive']
      const headers = Object.fromEntries(Object.entries(raw.headers).filter(([k]) => !hopByHop.includes(k)))
      send(res, raw.status, headers, raw.body)
      return {
        type: 'invocation',
        function: fn.name,
        method,
        path,
        status: raw.status,
        ms: Date.now() - start,
        invocationId,
        ok: true,
        logs: [],
      }
    }
    const {result, invocationId} = await this.host.invoke(fn, {http: input})
    const out = result.http
    const status = result.ok ? (out?.status ?? 200) : 500
    if (result.ok) send(res, status, out?.headers ?? {}, out?.body ?? '')
    else send(res, 500, {'Content-Type': 'text/plain; charset=utf-8'}, 'Internal Server Error')
    const {ok, error, logs} = result
    const ms = Date.now() - start
    return {type: 'invocation', function: fn.name, method, path, status, ms, invocationId, ok, error, logs}
  }

  /** POST /admin/functions/<name>: a non-HTTP trigger, answered 202 at once as the host does. */
  private async invokeAdmin(fn: FunctionDef, body: Buffer, start: number, reply: Reply): Promise<void> {
    if (!this.running) return reply(500, 'The handler is not running')
    let value: unknown = body.toString('utf8')
    try {
      const doc: unknown = JSON.parse(String(value))
      value = isObject(doc) && 'input' in doc ? doc.input : doc
    } catch {
      // Not JSON: the body goes to the function as the plain string, as the host's admin endpoint does.
    }
    reply(202, '')
    const r = await this.host.invoke(fn, {value})
    const {ok, error, logs} = r.result
    this.emit({
      type: 'invocation',
      function: fn.name,
      method: 'POST',
      path: `/admin/functions/${fn.name}`,
      status: r.raw?.status ?? 0,
      ms: Date.now() - start,
      invocationId: r.invocationId,
      ok,
      error,
      logs,
    })
  }
}
