import {randomUUID} from 'node:crypto'
import {readFile} from 'node:fs/promises'

import {isObject} from '../app/jsonc.js'
import {ChdError, ExitCode, fsError} from '../errors.js'
import type {HostLine} from '../host/index.js'
import type {HttpRequestInput, InvocationPayload, InvocationResult} from '../host/protocol.js'
import {httpRoutes, samplePath} from '../host/routes.js'
import {type Progress, runStep} from '../progress.js'
import {findFunction, startLocal} from './session.js'

export interface InvokeOptions {
  dir: string
  function: string
  /** Request body (HTTP) or trigger value; "@file" reads a file. */
  data?: string
  triggerMetadata?: string
  method?: string
  query?: string
  startupTimeoutMs?: number
}

export interface InvokeResult {
  function: string
  invocationId: string
  mode: 'payload' | 'forwarded'
  startupMs: number
  request: {method: string; path: string; payload?: InvocationPayload; body?: string}
  response?: {status: number; headers: Record<string, unknown>; body: string}
  result?: InvocationResult
  ok: boolean
  ms: number
  output: HostLine[]
  /** Values cut to SHOW_MAX_CHARS to be shown: where, and how long they were. */
  clipped?: Array<{path: string; chars: number}>
}

/** The whole answer is judged; of one long value only this much is kept, printed and put in --json. */
export const SHOW_MAX_CHARS = 64 * 1024
const SHOW_MAX_DEPTH = 32

async function readData(data: string | undefined): Promise<string | undefined> {
  if (data === undefined || !data.startsWith('@')) return data
  try {
    return await readFile(data.slice(1), 'utf8')
  } catch (error) {
    throw fsError(error, data.slice(1), '--data file')
  }
}

function parseValue(text: string | undefined): unknown {
  if (text === undefined) return 'chd invoke test message'
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Starts the handler, sends one invocation shaped as the host shapes it, stops the handler. */
export async function runInvoke(options: InvokeOptions, progress: Progress): Promise<InvokeResult> {
  const clipped: NonNullable<InvokeResult['clipped']> = []
  const invoked = await invokeOnce(options, progress)
  const result = {
    ...invoked,
    response: clip(invoked.response, 'response', clipped),
    result: clip(invoked.result, 'result', clipped),
    output: clip(invoked.output, 'output', clipped),
  }
  return clipped.length > 0 ? {...result, clipped} : result
}

/** Strings past SHOW_MAX_CHARS are cut, and values nested past SHOW_MAX_DEPTH dropped; each cut is recorded. */
function clip<T>(value: T, where: string, clipped: NonNullable<InvokeResult['clipped']>, depth = 0): T {
  if (typeof value === 'string' && value.length > SHOW_MAX_CHARS) {
    clipped.push({path: where, chars: value.length})
    return value.slice(0, SHOW_MAX_CHARS) as T
  }
  if (!value || typeof value !== 'object' || Buffer.isBuffer(value)) return value
  if (depth >= SHOW_MAX_DEPTH) {
    clipped.push({path: where, chars: 0})
    return (Array.isArray(value) ? [] : {}) as T
  }
  if (Array.isArray(value)) return value.map((v: unknown, i) => clip(v, `${where}[${i}]`, clipped, depth + 1)) as T
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => [
    k,
    clip(v, `${where}.${k}`, clipped, depth + 1),
  ])
  return Object.fromEntries(entries) as T
}

async function invokeOnce(options: InvokeOptions, progress: Progress): Promise<InvokeResult> {
  const data = await readData(options.data)
  let metadata: Record<string, unknown> | undefined
  if (options.triggerMetadata !== undefined) {
    const parsed = parseValue(options.triggerMetadata)
    if (!isObject(parsed))
      throw new ChdError('INVALID_METADATA', '--trigger-metadata must be a JSON object', {
        exit: ExitCode.usage,
        suggestions: [`--trigger-metadata '{"DequeueCount": 1}'`],
      })
    metadata = parsed
  }
  const output: HostLine[] = []
  const {
    value: {app, host, report},
  } = await runStep(progress, `Starting ${options.dir}`, async () => {
    const started = await startLocal(options.dir, {
      startupTimeoutMs: options.startupTimeoutMs,
      onLine: (l) => output.push(l),
    })
    return {value: started, detail: `ready in ${started.report.ms} ms on port ${started.report.port}`}
  })
  try {
    const fn = findFunction(app, options.function)
    const fromHost = (r: Awaited<ReturnType<typeof host.invoke>>): InvokeResult => ({
      function: fn.name,
      invocationId: r.invocationId,
      mode: 'payload',
      startupMs: report.ms,
      request: {method: 'POST', path: `/${fn.name}`, payload: JSON.parse(r.payload) as InvocationPayload},
      response: r.raw && {status: r.raw.status, headers: r.raw.headers, body: r.raw.body.toString('utf8')},
      result: r.result,
      ok: r.result.ok,
      ms: r.ms,
      output,
    })
    const route = httpRoutes(app).find((r) => r.fn === fn)
    if (route) {
      const method = (options.method ?? (data === undefined ? (route.methods?.[0] ?? 'GET') : 'POST')).toUpperCase()
      const url = `${samplePath(route)}${options.query ? `?${options.query.replace(/^\?/, '')}` : ''}`
      const http: HttpRequestInput = {
        method,
        url,
        headers: {
          host: 'localhost:7071',
          'user-agent': 'chd-invoke',
          ...(data === undefined
            ? {}
            : {
                'content-type': isObject(parseValue(data)) ? 'application/json' : 'text/plain',
                'content-length': String(Buffer.byteLength(data)),
              }),
        },
        body: data === undefined ? undefined : Buffer.from(data),
      }
      const forwarding = host.forwards(fn)
      if (forwarding) {
        const invocationId = randomUUID()
        const raw = await host.forward(http, invocationId, forwarding)
        return {
          function: fn.name,
          invocationId,
          mode: 'forwarded',
          startupMs: report.ms,
          request: {method, path: url, body: data},
          response: {status: raw.status, headers: raw.headers, body: raw.body.toString('utf8')},
          ok: true,
          ms: raw.ms,
          output,
        }
      }
      return fromHost(await host.invoke(fn, {http}))
    }
    return fromHost(await host.invoke(fn, {value: parseValue(data), metadata}))
  } finally {
    await host.stop()
  }
}
