import {randomUUID} from 'node:crypto'
import http from 'node:http'

import {isObject} from '../app/jsonc.js'
import type {FunctionApp} from '../app/model.js'
import {ChdError, ExitCode} from '../errors.js'
import type {HostLine, LocalHost} from '../host/index.js'
import type {HttpRequestInput} from '../host/protocol.js'
import {httpRoutes} from '../host/routes.js'
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
      function: string
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

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/**
 * Serves the app's functions at http://localhost:PORT/api/... like the Functions host: each
 * request becomes the host's invocation payload (or is forwarded), the handler is restarted
 * within the host's limits, and every invocation is reported as an event. Resolves only when the
 * host would shut down; Ctrl-C ends the process (and with it the handler) from the command.
 */
export async function runStart(options: StartOptions, progress: Progress): Promise<void> {
  const emitLine = (l: HostLine) => options.onEvent({type: 'handler', ...l})
  const {
    value: {app, host, report},
  } = await runStep(progress, `Starting the handler in ${options.dir}`, async () => {
    const started = await startLocal(options.dir, {startupTimeoutMs: options.startupTimeoutMs, onLine: emitLine})
    return {value: started, detail: `ready in ${started.report.ms} ms`}
  })
  let running = true
  const launches = [Date.now()]
  let shutdown: ((error: Error) => void) | undefined
  const stopped = new Promise<void>((_resolve, reject) => {
    shutdown = reject
  })

  const watch = (h: LocalHost) => {
    void h.exited?.then(async (exit) => {
      running = false
      if (exit.code === 0) {
        options.onEvent({
          type: 'exit',
          ...exit,
          action: 'none',
          message: 'The handler exited with code 0; the host does not restart it, so invocations now fail',
        })
        return
      }
      const now = Date.now()
      const recent = launches.filter((t) => now - t < RESTART_WINDOW_MS)
      if (exit.code !== 200 && recent.length >= MAX_LAUNCHES) {
        options.onEvent({
          type: 'exit',
          ...exit,
          action: 'shutdown',
          message: 'Exceeded http worker restart retry count. Shutting down Functions Host',
        })
        shutdown?.(
          new ChdError(
            'HANDLER_RESTARTS_EXCEEDED',
            `The handler exited ${recent.length} times within 30 minutes; the host stops here`,
            {exit: ExitCode.failed},
          ),
        )
        return
      }
      options.onEvent({
        type: 'exit',
        ...exit,
        action: 'restart',
        message:
          exit.code === 200
            ? 'Exit code 200: restarting (not counted)'
            : `Restarting (${recent.length} of ${MAX_LAUNCHES} launches in 30 minutes used)`,
      })
      if (exit.code !== 200) launches.push(now)
      const again = await h.start()
      if (again.ok) {
        running = true
        options.onEvent({type: 'restarted', handlerPort: again.port, startupMs: again.ms})
        watch(h)
      } else {
        options.onEvent({type: 'exit', code: null, signal: null, action: 'shutdown', message: again.failure!.message})
        shutdown?.(
          new ChdError(again.failure!.code, again.failure!.message, {
            exit: ExitCode.failed,
            suggestions: [again.failure!.fix],
          }),
        )
      }
    })
  }
  watch(host)

  const routes = httpRoutes(app)
  const serve = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const start = Date.now()
    const url = new URL(req.url ?? '/', 'http://localhost')
    const body = await readBody(req)
    const reply = (status: number, text: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, {'Content-Type': 'text/plain; charset=utf-8', ...headers})
      res.end(text)
    }
    try {
      const admin = /^\/admin\/functions\/([^/]+)$/i.exec(url.pathname)
      if (admin && req.method === 'POST')
        return await invokeAdmin(app, host, admin[1], body, start, options, reply, running)
      const route = routes.find((r) => r.regex.test(url.pathname))
      if (!route || (route.methods && !route.methods.includes(String(req.method)))) return reply(404, 'Not Found')
      const fn = route.fn
      if (!running) {
        options.onEvent({
          type: 'invocation',
          function: fn.name,
          method: String(req.method),
          path: url.pathname,
          status: 500,
          ms: Date.now() - start,
          ok: false,
          error: 'the handler is not running',
          logs: [],
        })
        return reply(500, 'The handler is not running')
      }
      const params = (route.regex.exec(url.pathname)?.groups ?? {}) as Record<string, string>
      const input: HttpRequestInput = {
        method: String(req.method),
        url: String(req.url),
        headers: req.headers,
        body,
        params,
      }
      const forwarding = host.forwards(fn)
      if (forwarding) {
        const invocationId = randomUUID()
        const raw = await host.forward(input, invocationId, forwarding)
        const headers = Object.fromEntries(
          Object.entries(raw.headers).filter(([k]) => !['transfer-encoding', 'connection', 'keep-alive'].includes(k)),
        ) as http.OutgoingHttpHeaders
        res.writeHead(raw.status, headers)
        res.end(raw.body)
        options.onEvent({
          type: 'invocation',
          function: fn.name,
          method: input.method,
          path: url.pathname,
          status: raw.status,
          ms: Date.now() - start,
          invocationId,
          ok: true,
          logs: [],
        })
        return
      }
      const r = await host.invoke(fn, {http: input})
      const out = r.result.http
      if (r.result.ok) {
        res.writeHead(out?.status ?? 200, out?.headers ?? {})
        res.end(out?.body ?? '')
      } else {
        reply(500, 'Internal Server Error')
      }
      options.onEvent({
        type: 'invocation',
        function: fn.name,
        method: input.method,
        path: url.pathname,
        status: r.result.ok ? (out?.status ?? 200) : 500,
        ms: Date.now() - start,
        invocationId: r.invocationId,
        ok: r.result.ok,
        error: r.result.error,
        logs: r.result.logs,
      })
    } catch (error) {
      if (error instanceof ChdError && error.exit === ExitCode.notFound) return reply(404, error.message)
      reply(500, 'Internal Server Error')
      options.onEvent({
        type: 'invocation',
        function: url.pathname,
        method: String(req.method),
        path: url.pathname,
        status: 500,
        ms: Date.now() - start,
        ok: false,
        error: (error as Error).message,
        logs: [],
      })
    }
  }
  // Fire and forget, as before: Node ignores the promise a request listener returns.
  const server = http.createServer((req, res) => void serve(req, res))
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new ChdError('PORT_IN_USE', `Port ${options.port} is already in use`, {
              exit: ExitCode.usage,
              suggestions: [`chd start --port ${options.port + 1}`],
            })
          : error,
      ),
    )
    server.listen(options.port, '127.0.0.1', () => resolve())
  }).catch(async (error) => {
    await host.stop()
    throw error
  })
  const port = (server.address() as {port: number}).port
  options.onEvent({
    type: 'ready',
    port,
    handlerPort: report.port,
    startupMs: report.ms,
    urls: routes.map((r) => ({
      function: r.fn.name,
      methods: r.methods ?? ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'],
      url: `http://localhost:${port}/${r.template}`,
    })),
    other: app.functions.filter((f) => !routes.some((r) => r.fn === f)).map((f) => f.name),
  })
  try {
    await stopped
  } finally {
    server.close()
    await host.stop()
  }
}

async function invokeAdmin(
  app: FunctionApp,
  host: LocalHost,
  name: string,
  body: Buffer,
  start: number,
  options: StartOptions,
  reply: (s: number, t: string) => void,
  running: boolean,
): Promise<void> {
  const fn = findFunction(app, decodeURIComponent(name))
  if (!running) return reply(500, 'The handler is not running')
  let value: unknown = body.toString('utf8')
  try {
    const doc: unknown = JSON.parse(String(value))
    value = isObject(doc) && 'input' in doc ? doc.input : doc
  } catch {
    // Not JSON: the body goes to the function as the plain string, as the host's admin endpoint does.
  }
  reply(202, '')
  const r = await host.invoke(fn, {value})
  options.onEvent({
    type: 'invocation',
    function: fn.name,
    method: 'POST',
    path: `/admin/functions/${fn.name}`,
    status: r.raw?.status ?? 0,
    ms: Date.now() - start,
    invocationId: r.invocationId,
    ok: r.result.ok,
    error: r.result.error,
    logs: r.result.logs,
  })
}
