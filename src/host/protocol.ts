import {randomUUID} from 'node:crypto'
import http from 'node:http'

import {getCI, isObject} from '../app/jsonc.js'
import {type Binding, type FunctionDef, isTrigger} from '../app/model.js'

/** The host version chd reports in X-Azure-Functions-HostVersion and User-Agent. */
export const HOST_VERSION = '4.1037.0'

export interface HttpRequestInput {
  method: string
  /** Path and query as received, e.g. /api/hello?name=x */
  url: string
  headers: Record<string, string | string[] | undefined>
  body?: Buffer
  params?: Record<string, string | null>
}

export interface InvocationPayload {
  Data: Record<string, unknown>
  Metadata: Record<string, unknown>
}

/** Any value the host passes that is not a JSON object travels as its JSON text, in a string. */
export function hostValue(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64')
  if (value instanceof Date) return value.toISOString()
  if (isObject(value)) return value
  return JSON.stringify(value ?? null)
}

function sys(fn: string) {
  return {MethodName: fn, UtcNow: new Date().toISOString(), RandGuid: randomUUID()}
}

function joinedQuery(url: URL): Record<string, string> {
  const q: Record<string, string> = {}
  for (const key of new Set(url.searchParams.keys())) q[key] = url.searchParams.getAll(key).join(',')
  return q
}

/** Data.<trigger> for an HTTP trigger, with the field names and types the host uses (§12). */
export function httpRequestObject(req: HttpRequestInput): Record<string, unknown> {
  const host = String(req.headers.host ?? 'localhost')
  const url = new URL(req.url, `http://${host}`)
  const headers: Record<string, string[]> = {}
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v : [v]
  const out: Record<string, unknown> = {
    Url: `http://${host}${url.pathname}${url.search}`,
    Method: req.method.toUpperCase(),
    Query: joinedQuery(url),
    Headers: headers,
    Params: req.params ?? {},
    Identities: [],
  }
  if (req.body && req.body.length > 0) {
    const type = String(req.headers['content-type'] ?? '')
    out.Body = /^(application\/octet-stream|multipart\/)/i.test(type) ? req.body.toString('base64') : req.body.toString('utf8')
  }
  return out
}

export function httpPayload(fn: FunctionDef, req: HttpRequestInput): InvocationPayload {
  const trigger = fn.bindings.find(isTrigger)
  const url = new URL(req.url, 'http://localhost')
  const headerMap: Record<string, string> = {}
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headerMap[k] = Array.isArray(v) ? v.join(',') : v
  return {
    Data: {[trigger?.name ?? 'req']: httpRequestObject(req)},
    Metadata: {Query: joinedQuery(url), Headers: headerMap, ...(req.params ?? {}), sys: sys(fn.name)},
  }
}

/** A non-HTTP trigger (queue, timer, blob …): the value and metadata converted as the host does. */
export function triggerPayload(fn: FunctionDef, value: unknown, metadata: Record<string, unknown> = {}): InvocationPayload {
  const trigger = fn.bindings.find(isTrigger)
  const meta: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(metadata)) {
    if (v === null || v === undefined || /trigger$/i.test(k)) continue
    meta[k] = hostValue(v)
  }
  return {Data: {[trigger?.name ?? 'input']: hostValue(value)}, Metadata: {...meta, sys: sys(fn.name)}}
}

export interface RawExchange {
  status: number
  statusText: string
  headers: http.IncomingHttpHeaders
  body: Buffer
  ms: number
  /** Bytes the handler sent, when more than `body` keeps (an answer over RESPONSE_MAX_BYTES). */
  bytes?: number
}

/** What chd keeps of a handler's answer to judge it: parsing costs several times its size in memory. */
export const RESPONSE_MAX_BYTES = 64 * 1024 * 1024

/**
 * POST http://127.0.0.1:PORT/{function} with the host's headers. The body goes out chunked,
 * without Content-Length, as the host's HttpClient sends it.
 */
export function postInvocation(port: number, path: string, payload: InvocationPayload, invocationId: string, timeoutMs: number): Promise<RawExchange> {
  return exchange({
    host: '127.0.0.1',
    port,
    path,
    method: 'POST',
    timeout: timeoutMs,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'X-Azure-Functions-HostVersion': HOST_VERSION,
      'X-Azure-Functions-InvocationId': invocationId,
      'User-Agent': `Azure-Functions-Host/${HOST_VERSION}`,
      'Transfer-Encoding': 'chunked',
    },
  }, Buffer.from(JSON.stringify(payload)), RESPONSE_MAX_BYTES)
}

/** One request to the handler, its answer collected up to `maxBody` bytes; `timeout` bounds a silent handler. */
function exchange(options: http.RequestOptions & {timeout: number}, body: Buffer | undefined, maxBody = Infinity): Promise<RawExchange> {
  const start = Date.now()
  return new Promise((resolve, reject) => {
    const req = http.request({...options, agent: false}, (res) => {
      const chunks: Buffer[] = []
      let bytes = 0
      res.on('data', (c: Buffer) => {
        if (bytes + c.length <= maxBody) chunks.push(c)
        bytes += c.length
      })
      res.on('end', () => {
        const kept = Buffer.concat(chunks)
        const head = {status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers}
        resolve({...head, body: kept, ms: Date.now() - start, ...(bytes > kept.length ? {bytes} : {})})
      })
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${options.timeout} ms`), {code: 'ETIMEDOUT'})))
    req.on('error', reject)
    req.end(body)
  })
}

export interface HttpOutput {
  status: number
  headers: Record<string, string>
  body: string | Buffer
}

export interface InvocationResult {
  ok: boolean
  /** RESPONSE_NOT_JSON, INVOCATION_FAILED or RESPONSE_OUTPUT_MISSING, when not ok. */
  code?: string
  error?: string
  logs: string[]
  outputs: Record<string, unknown>
  returnValue?: unknown
  /** What the host would answer the HTTP caller, for functions with an http output. */
  http?: HttpOutput
  /** Out bindings the function declares that the response left out. */
  missing: string[]
}

function findCI(obj: Record<string, unknown>, key: string): [string, unknown] | undefined {
  const k = Object.keys(obj).find((x) => x.toLowerCase() === key.toLowerCase())
  return k === undefined ? undefined : [k, obj[k]]
}

/** Turns an http output value into the caller's response, as HttpBinding/RawScriptResult do. */
export function toHttpOutput(value: unknown): HttpOutput | {error: string} {
  let v = value
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v)
    } catch {
      return {error: 'Failed while trying to Deserialize to httpOutputBindingResponse. Output is not in expected format'}
    }
  }
  if (!isObject(v)) return {status: 200, headers: {}, body: v === undefined || v === null ? '' : String(v)}
  const statusRaw = getCI(v, 'statusCode')
  const status = statusRaw === undefined || statusRaw === null || statusRaw === '' ? 200 : Number(statusRaw)
  const headers: Record<string, string> = {}
  const h = getCI(v, 'headers')
  if (isObject(h)) for (const [k, val] of Object.entries(h)) headers[k] = String(val)
  const b = getCI(v, 'body')
  let body: string
  if (b === undefined || b === null) body = ''
  else if (typeof b === 'string') body = b
  else if (typeof b === 'object') {
    body = JSON.stringify(b, null, 2)
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json; charset=utf-8'
  } else body = typeof b === 'boolean' ? (b ? 'True' : 'False') : String(b)
  return {status: Number.isFinite(status) ? status : 200, headers, body}
}

/** Reads the handler's answer the way the host does (host-protocol §13). */
export function readInvocationResponse(fn: FunctionDef, raw: RawExchange): InvocationResult {
  const fail = (code: string, error: string): InvocationResult => ({ok: false, code, error, logs: [], outputs: {}, missing: []})
  if (raw.bytes !== undefined) {
    const limit = `chd judges answers up to ${RESPONSE_MAX_BYTES} bytes`
    return fail('INVOCATION_FAILED', `The answer is ${raw.bytes} bytes; ${limit}`)
  }
  if (raw.status < 200 || raw.status > 299) {
    return fail('INVOCATION_FAILED', `Response status code does not indicate success: ${raw.status} (${raw.statusText || http.STATUS_CODES[raw.status] || 'Unknown'}). The host drops the body, Logs included.`)
  }
  const type = String(raw.headers['content-type'] ?? '')
  if (raw.body.length === 0 || raw.body.toString('utf8').trim() === 'null') {
    return fail('INVOCATION_FAILED', 'The response body is empty: the host gets no result and the invocation hangs until the function timeout')
  }
  if (!/^(application|text)\/json\b/i.test(type.trim())) {
    const preview = raw.body.toString('utf8').slice(0, 120)
    return fail('RESPONSE_NOT_JSON', `No MediaTypeFormatter is available to read an object of type 'HttpScriptInvocationResult' from content with media type '${type.split(';')[0] || '(none)'}' (body: ${JSON.stringify(preview)})`)
  }
  let doc: unknown
  try {
    doc = JSON.parse(raw.body.toString('utf8'))
  } catch (error) {
    return fail('RESPONSE_NOT_JSON', `Invalid HttpResponseMessage: the body is not valid JSON (${(error as Error).message})`)
  }
  if (!isObject(doc)) return fail('RESPONSE_NOT_JSON', 'Invalid HttpResponseMessage: the body must be a JSON object with Outputs, Logs and ReturnValue')
  const logsRaw = findCI(doc, 'Logs')?.[1]
  if (logsRaw !== undefined && logsRaw !== null && (!Array.isArray(logsRaw) || logsRaw.some((l) => typeof l !== 'string'))) {
    return fail('RESPONSE_NOT_JSON', 'Invalid HttpResponseMessage: "Logs" must be an array of strings')
  }
  const outputsRaw = findCI(doc, 'Outputs')?.[1]
  const outputs: Record<string, unknown> = isObject(outputsRaw) ? outputsRaw : {}
  const returnEntry = findCI(doc, 'ReturnValue')
  const result: InvocationResult = {ok: true, logs: (logsRaw as string[] | undefined) ?? [], outputs, returnValue: returnEntry?.[1], missing: []}

  const outBindings = fn.bindings.filter((b: Binding) => b.direction === 'out' || b.direction === 'inout')
  for (const b of outBindings) {
    if (b.name === '$return') {
      if (returnEntry === undefined) result.missing.push('$return')
      continue
    }
    if (findCI(outputs, b.name) === undefined) result.missing.push(b.name)
  }
  const httpBinding = outBindings.find((b) => b.type.toLowerCase() === 'http')
  if (httpBinding) {
    const value = httpBinding.name === '$return' ? returnEntry?.[1] : findCI(outputs, httpBinding.name)?.[1]
    if (value !== undefined) {
      const mapped = toHttpOutput(value)
      if ('error' in mapped) return {...result, ok: false, code: 'INVOCATION_FAILED', error: mapped.error}
      result.http = mapped
    } else {
      result.http = {status: 200, headers: {}, body: ''}
    }
  }
  if (returnEntry !== undefined && !outBindings.some((b) => b.name === '$return')) result.missing.push('(ReturnValue without a $return binding)')
  if (result.missing.length > 0) {
    result.ok = false
    result.code = 'RESPONSE_OUTPUT_MISSING'
    result.error = `The response leaves out ${result.missing.join(', ')}`
  }
  return result
}

/**
 * Forwarding (enableForwardingHttpRequest) and proxying: the original request goes to the
 * handler at its original path; its answer is relayed verbatim, whatever the status.
 */
export function forwardHttp(port: number, req: HttpRequestInput, invocationId: string, timeoutMs: number, mode: 'forward' | 'proxy' = 'forward'): Promise<RawExchange> {
  const headers: http.OutgoingHttpHeaders = {}
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && k.toLowerCase() !== 'content-length' && k.toLowerCase() !== 'transfer-encoding') headers[k] = v
  headers['X-Azure-Functions-HostVersion'] = HOST_VERSION
  headers['X-Azure-Functions-InvocationId'] = invocationId
  if (mode === 'proxy') {
    // YARP proxying adds the correlation header and leaves User-Agent alone.
    headers['x-ms-invocation-id'] = invocationId
  } else {
    const ua = req.headers['user-agent']
    headers['User-Agent'] = `${ua ? `${Array.isArray(ua) ? ua.join(' ') : ua} ` : ''}Azure-Functions-Host/${HOST_VERSION}`
  }
  // The host streams a body only when the client sent a Content-Length.
  const body = req.body && req.body.length > 0 ? req.body : undefined
  if (body) headers['Content-Length'] = String(body.length)
  return exchange({host: '127.0.0.1', port, path: req.url, method: req.method, timeout: timeoutMs, headers}, body)
}
