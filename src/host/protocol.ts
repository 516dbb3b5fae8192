import {randomUUID} from 'node:crypto'
import http from 'node:http'

import type {Dispatcher} from 'undici'

import {getCI, isObject, keyCI} from '../app/jsonc.js'
import {type Binding, type FunctionDef, isTrigger} from '../app/model.js'
import {isoNow} from '../clock.js'

/** The host version chd reports in X-Azure-Functions-HostVersion and User-Agent. */
export const HOST_VERSION = '4.1037.0'

export interface HttpRequestInput {
  method: string
  /** Path and query as received, e.g. /api/hello?name=x */
  url: string
  /** `url` already parsed (requestTarget). */
  target?: RequestTarget
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

/** Metadata.sys, as JSON text: the hot path writes it into the payload's text as it is. */
function sysText(fn: FunctionDef): string {
  return `{"MethodName":${JSON.stringify(fn.name)},"UtcNow":"${isoNow()}","RandGuid":"${randomUUID()}"}`
}

/**
 * A member name as JSON text. Header names are tokens (RFC 9110 §5.6.2), as route parameter and query
 * names mostly are: JSON never escapes a token, so it is quoted as it is; anything else is escaped.
 */
const TOKEN = /^[\w!#$%&'*+.^`|~-]+$/

function jsonName(name: string): string {
  return TOKEN.test(name) ? `"${name}"` : JSON.stringify(name)
}

/**
 * The members of a JSON object of strings (or null), as text; undefined values are left out, as
 * JSON.stringify leaves them. Written by hand: JSON.stringify on an object costs several times more.
 */
function members(record: Record<string, string | null | undefined>, skip?: Set<string>): string {
  let text = ''
  for (const k in record) {
    const v = record[k]
    if (v === undefined || skip?.has(k)) continue
    text += `${text === '' ? '' : ','}${jsonName(k)}:${JSON.stringify(v)}`
  }
  return text
}

/** The path and query of a request target, as URL parsing gives them. */
export interface RequestTarget {
  pathname: string
  /** "?…", or "" when there is no query (a bare "?" included). */
  search: string
  /** Each key once, its values joined with ",", as the host's Query binding data holds them. */
  query: Record<string, string>
}

/** Paths that parse to themselves: segments of letters, digits, "_-~" and dots (none first), no "//", no query. */
const PLAIN_PATH = /^\/(?:[\w~-][\w.~-]*(?:\/|$))*$/

/** Parses a request target (`/api/x?a=1`); plain paths, most of them, skip the URL parser. */
export function requestTarget(url: string): RequestTarget {
  if (PLAIN_PATH.test(url)) return {pathname: url, search: '', query: {}}
  const parsed = new URL(url, 'http://localhost')
  const query: Record<string, string> = {}
  for (const key of new Set(parsed.searchParams.keys())) query[key] = parsed.searchParams.getAll(key).join(',')
  return {pathname: parsed.pathname, search: parsed.search, query}
}

/**
 * The invocation payload of an HTTP trigger, as the JSON text sent (docs/host-protocol.md §8):
 * Data.<trigger> with the field names and types the host uses, and the Metadata beside it. It is
 * written as text in one walk of the headers rather than built as objects and stringified: that
 * takes a third of the CPU, on the path of every request `chd start` serves (scripts/bench.ts).
 */
export function httpPayloadText(fn: FunctionDef, req: HttpRequestInput): string {
  const target = req.target ?? requestTarget(req.url)
  let listed = ''
  let joined = ''
  for (const k in req.headers) {
    const v = req.headers[k]
    if (v === undefined) continue
    const name = `${listed === '' ? '' : ','}${jsonName(k)}:`
    const text = JSON.stringify(typeof v === 'string' ? v : v.join(','))
    listed += typeof v === 'string' ? `${name}[${text}]` : `${name}${JSON.stringify(v)}`
    joined += `${name}${text}`
  }
  const query = `{${members(target.query)}}`
  const params = req.params ?? {}
  const url = `http://${String(req.headers.host ?? 'localhost')}${target.pathname}${target.search}`
  const request =
    `{"Url":${JSON.stringify(url)},"Method":${JSON.stringify(req.method.toUpperCase())},"Query":${query},` +
    `"Headers":{${listed}},"Params":{${members(params)}},"Identities":[]${bodyField(req)}}`
  const trigger = fn.bindings.find(isTrigger)?.name ?? 'req'
  return `{"Data":{${JSON.stringify(trigger)}:${request}},"Metadata":${metadataText(fn, query, `{${joined}}`, params)}}`
}

/** Body is text, or base64 for binary media types; a request without one has no Body field. */
function bodyField(req: HttpRequestInput): string {
  if (!req.body || req.body.length === 0) return ''
  const binary = /^(application\/octet-stream|multipart\/)/i.test(String(req.headers['content-type'] ?? ''))
  return `,"Body":${JSON.stringify(req.body.toString(binary ? 'base64' : 'utf8'))}`
}

const METADATA_OWN = new Set(['Query', 'Headers', 'sys'])

/**
 * Metadata as the object {Query, Headers, ...params, sys} stringifies: a route parameter named Query or
 * Headers takes that value's place (one left undefined drops it); sys is always the host's own.
 */
function metadataText(fn: FunctionDef, query: string, headers: string, params: Record<string, string | null>): string {
  const replaceable = (k: string, value: string) => {
    if (!Object.hasOwn(params, k)) return `"${k}":${value},`
    return params[k] === undefined ? '' : `"${k}":${JSON.stringify(params[k])},`
  }
  const own = members(params, METADATA_OWN)
  return `{${replaceable('Query', query)}${replaceable('Headers', headers)}${own && `${own},`}"sys":${sysText(fn)}}`
}

/** A non-HTTP trigger (queue, timer, blob …): the value and metadata converted as the host does. */
export function triggerPayload(
  fn: FunctionDef,
  value: unknown,
  metadata: Record<string, unknown> = {},
): InvocationPayload {
  const trigger = fn.bindings.find(isTrigger)
  const meta: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(metadata)) {
    if (v === null || v === undefined || /trigger$/i.test(k)) continue
    meta[k] = hostValue(v)
  }
  return {Data: {[trigger?.name ?? 'input']: hostValue(value)}, Metadata: {...meta, sys: JSON.parse(sysText(fn))}}
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
 * Connections to one launch of the handler, kept open and reused, as the host's one HttpClient
 * does (DefaultHttpWorkerService.CreateHttpClient: a pooled HttpClientHandler, no limit per server).
 * undici rather than node:http: a third of the CPU per request, which is most of what `chd start`
 * spends under load (scripts/bench.ts). Loaded on first use: only commands that run the handler need it.
 */
export async function handlerClient(port: number): Promise<Dispatcher> {
  const {Pool} = await import('undici')
  return new Pool(`http://127.0.0.1:${port}`)
}

/**
 * POST http://127.0.0.1:PORT/{function} with the host's headers. The body goes out chunked,
 * without Content-Length, as the host's HttpClient sends it.
 */
export function postInvocation(
  client: Dispatcher,
  path: string,
  payload: string,
  invocationId: string,
  timeoutMs: number,
): Promise<RawExchange> {
  return exchange(client, {
    path,
    method: 'POST',
    timeoutMs,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'X-Azure-Functions-HostVersion': HOST_VERSION,
      'X-Azure-Functions-InvocationId': invocationId,
      'User-Agent': `Azure-Functions-Host/${HOST_VERSION}`,
    },
    // An iterable body has no length known up front, so it goes out chunked.
    body: [payload],
    maxBody: RESPONSE_MAX_BYTES,
  })
}

interface Call {
  path: string
  method: string
  headers: Record<string, string | string[]>
  body?: Buffer | string[]
  timeoutMs: number
  maxBody?: number
}

/** Errors of a connection that broke before any answer came: the request may never have reached the handler. */
const BROKEN = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'])

/**
 * One request to the handler, its answer collected up to `maxBody` bytes; `timeoutMs` bounds a silent
 * handler. A connection that breaks before any answer is retried once on a new one, as the host's
 * SocketsHttpHandler retries a request that got nothing back on a pooled connection; when the retry
 * fails too, the first error is the one reported.
 */
function exchange(client: Dispatcher, call: Call): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    dispatchOnce(client, call, resolve, (error) => {
      if (error.answered || !BROKEN.has(error.code ?? '')) return reject(toNodeError(error, call))
      dispatchOnce(client, call, resolve, () => reject(toNodeError(error, call)))
    })
  })
}

type Failure = NodeJS.ErrnoException & {answered?: boolean}

function dispatchOnce(
  client: Dispatcher,
  call: Call,
  resolve: (raw: RawExchange) => void,
  reject: (error: Failure) => void,
): void {
  const options: Dispatcher.DispatchOptions = {
    path: call.path,
    method: call.method,
    headers: call.headers,
    // undici sends any iterable body chunked; its types name only Readable among streams.
    body: call.body as Dispatcher.DispatchOptions['body'],
    headersTimeout: call.timeoutMs,
    bodyTimeout: call.timeoutMs,
  }
  client.dispatch(options, new Collector(call.maxBody ?? Infinity, resolve, reject))
}

/** One answer, collected through undici's v7 handler callbacks (methods, so a request allocates no closures). */
class Collector implements Dispatcher.DispatchHandler {
  private readonly start = Date.now()
  private readonly chunks: Buffer[] = []
  private bytes = 0
  private status = 0
  private statusText = ''
  private headers?: RawExchange['headers']

  constructor(
    private readonly maxBody: number,
    private readonly resolve: (raw: RawExchange) => void,
    private readonly reject: (error: Failure) => void,
  ) {}

  // Its presence tells undici this handler speaks the v7 callbacks.
  onRequestStart(): void {}

  onResponseStart(_c: unknown, status: number, headers: RawExchange['headers'], statusText?: string): void {
    this.status = status
    this.statusText = statusText ?? ''
    this.headers = headers
  }

  onResponseData(_c: unknown, chunk: Buffer): void {
    if (this.bytes + chunk.length <= this.maxBody) this.chunks.push(chunk)
    this.bytes += chunk.length
  }

  onResponseEnd(): void {
    const {chunks, status, statusText, headers} = this
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
    const raw: RawExchange = {status, statusText, headers: headers!, body, ms: Date.now() - this.start}
    if (this.bytes > body.length) raw.bytes = this.bytes
    this.resolve(raw)
  }

  onResponseError(_c: unknown, error: Failure): void {
    error.answered = this.headers !== undefined
    this.reject(error)
  }
}

/** undici's errors in the words node:http used, which findings and tests quote. */
function toNodeError(error: NodeJS.ErrnoException, call: Call): NodeJS.ErrnoException {
  switch (error.code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return Object.assign(new Error(`no answer within ${call.timeoutMs} ms`), {code: 'ETIMEDOUT'})
    case 'UND_ERR_SOCKET':
      return Object.assign(new Error('the handler closed the connection without an answer (socket hang up)'), {
        code: 'ECONNRESET',
      })
    default:
      return error
  }
}

export interface HttpOutput {
  status: number
  headers: Record<string, string>
  body: string | Buffer
}

export interface InvocationResult {
  ok: boolean
  /** RESPONSE_NOT_JSON or INVOCATION_FAILED, when not ok. */
  code?: string
  error?: string
  /** Answers the host accepts but that are probably not what the handler meant (RESPONSE_OUTPUT_MISSING). */
  warnings: Array<{code: string; message: string}>
  logs: string[]
  outputs: Record<string, unknown>
  returnValue?: unknown
  /** What the host would answer the HTTP caller, for functions with an http output. */
  http?: HttpOutput
  /** Out bindings the function declares that the response left out (legal: the binding is not written). */
  missing: string[]
}

function findCI(obj: Record<string, unknown>, key: string): [string, unknown] | undefined {
  const k = keyCI(obj, key)
  return k === undefined ? undefined : [k, obj[k]]
}

const DESERIALIZE_FAILED =
  'Failed while trying to Deserialize to httpOutputBindingResponse. Output is not in expected format'

/** Turns an http output value into the caller's response, as HttpBinding/RawScriptResult do. */
export function toHttpOutput(value: unknown): HttpOutput | {error: string} {
  let v = value
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v)
    } catch {
      return {error: DESERIALIZE_FAILED}
    }
  }
  if (!isObject(v)) return {error: DESERIALIZE_FAILED}
  const statusRaw = getCI(v, 'statusCode')
  const status = statusRaw === undefined || statusRaw === null || statusRaw === '' ? 200 : Number(statusRaw)
  const headers: Record<string, string> = {}
  const h = getCI(v, 'headers')
  if (isObject(h)) for (const [k, val] of Object.entries(h)) headers[k] = String(val)
  const b = getCI(v, 'body')
  let body: string
  if (b === undefined || b === null) body = Object.keys(v).length === 0 ? '{}' : ''
  else if (typeof b === 'string') body = b
  else if (typeof b === 'object') {
    body = JSON.stringify(b, null, 2)
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
      headers['Content-Type'] = 'application/json; charset=utf-8'
  } else body = typeof b === 'boolean' ? (b ? 'True' : 'False') : String(b)
  return {status: Number.isFinite(status) ? status : 200, headers, body}
}

/** Status, media type and JSON shape: what DefaultHttpWorkerService checks before it reads any value. */
function readEnvelope(
  raw: RawExchange,
): {doc: Record<string, unknown>; logs: string[]} | {code: string; error: string} {
  if (raw.bytes !== undefined) {
    return {
      code: 'INVOCATION_FAILED',
      error: `The answer is ${raw.bytes} bytes; chd judges answers up to ${RESPONSE_MAX_BYTES} bytes`,
    }
  }
  if (raw.status < 200 || raw.status > 299) {
    return {
      code: 'INVOCATION_FAILED',
      error:
        `Response status code does not indicate success: ${raw.status} ` +
        `(${raw.statusText || http.STATUS_CODES[raw.status] || 'Unknown'}). The host drops the body, Logs ` +
        `included.`,
    }
  }
  const type = String(raw.headers['content-type'] ?? '')
  const text = raw.body.toString('utf8')
  if (raw.body.length === 0 || text.trim() === 'null') {
    return {
      code: 'INVOCATION_FAILED',
      error: 'The response body is empty: the host gets no result and the invocation hangs until the function timeout',
    }
  }
  if (!/^(application|text)\/json\b/i.test(type.trim())) {
    const preview = text.slice(0, 120)
    return {
      code: 'RESPONSE_NOT_JSON',
      error:
        `No MediaTypeFormatter is available to read an object of type 'HttpScriptInvocationResult' from ` +
        `content with media type '${type.split(';')[0] || '(none)'}' (body: ${JSON.stringify(preview)})`,
    }
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (error) {
    return {
      code: 'RESPONSE_NOT_JSON',
      error: `Invalid HttpResponseMessage: the body is not valid JSON (${(error as Error).message})`,
    }
  }
  if (!isObject(doc))
    return {
      code: 'RESPONSE_NOT_JSON',
      error: 'Invalid HttpResponseMessage: the body must be a JSON object with Outputs, Logs and ReturnValue',
    }
  const logs = findCI(doc, 'Logs')?.[1]
  if (logs === undefined || logs === null) return {doc, logs: []}
  if (!Array.isArray(logs) || logs.some((l) => typeof l !== 'string')) {
    return {code: 'RESPONSE_NOT_JSON', error: 'Invalid HttpResponseMessage: "Logs" must be an array of strings'}
  }
  return {doc, logs: logs as string[]}
}

/**
 * Reads the handler's answer the way the host does: HttpScriptInvocationResultExtensions.ToScriptInvocationResult
 * (Outputs keys are a case-sensitive dictionary; an http output is deserialized, a missing one becomes an
 * empty object), then WorkerFunctionInvoker.HandleOutputDictionary (a JSON-object ReturnValue without a
 * $return binding overwrites Outputs per key; any other ReturnValue is not merged). A missing output is
 * legal: the binding is simply not written.
 */
export function readInvocationResponse(fn: FunctionDef, raw: RawExchange): InvocationResult {
  const envelope = readEnvelope(raw)
  if ('code' in envelope)
    return {ok: false, code: envelope.code, error: envelope.error, warnings: [], logs: [], outputs: {}, missing: []}
  const {doc, logs} = envelope
  const outputsRaw = findCI(doc, 'Outputs')?.[1]
  const outputs = isObject(outputsRaw) ? outputsRaw : undefined
  const returnValue = findCI(doc, 'ReturnValue')?.[1] ?? undefined
  const result: InvocationResult = {ok: true, warnings: [], logs, outputs: outputs ?? {}, returnValue, missing: []}
  const {out, hasReturn, httpBinding, httpTrigger} = outputPlan(fn)
  const merged: Record<string, unknown> = {...outputs}
  if (!hasReturn && isObject(returnValue)) Object.assign(merged, returnValue)
  for (const binding of out) {
    const present = binding.name === '$return' ? returnValue !== undefined : binding.name in merged
    if (!present) result.missing.push(binding.name)
  }
  if (httpBinding || httpTrigger)
    return withHttpResponse(result, {httpBinding, outputs, merged, returnValue, hasReturn})
  return result
}

/** What reading an answer needs of a function's bindings: worked out once per function, not per answer. */
interface OutputPlan {
  out: Binding[]
  hasReturn: boolean
  httpBinding?: Binding
  httpTrigger: boolean
}

const outputPlans = new WeakMap<FunctionDef, OutputPlan>()

function outputPlan(fn: FunctionDef): OutputPlan {
  let plan = outputPlans.get(fn)
  if (!plan) {
    const out = fn.bindings.filter((binding) => binding.direction === 'out' || binding.direction === 'inout')
    plan = {
      out,
      hasReturn: out.some((binding) => binding.name === '$return'),
      httpBinding: out.find((binding) => binding.type.toLowerCase() === 'http'),
      httpTrigger: fn.bindings.some((b) => b.direction === 'in' && b.type.toLowerCase() === 'httptrigger'),
    }
    outputPlans.set(fn, plan)
  }
  return plan
}

function withHttpResponse(
  result: InvocationResult,
  r: {
    httpBinding?: Binding
    outputs?: Record<string, unknown>
    merged: Record<string, unknown>
    returnValue: unknown
    hasReturn: boolean
  },
): InvocationResult {
  const {httpBinding} = r
  const fromOutputs = httpBinding && httpBinding.name !== '$return' && r.outputs !== undefined
  let value: unknown
  let bound = false
  if (httpBinding?.name === '$return') {
    bound = r.returnValue !== undefined
    value = r.returnValue
  } else if (httpBinding && (fromOutputs || httpBinding.name in r.merged)) {
    bound = true
    // The host turns a declared http output missing from Outputs into an empty object: 200 with "{}".
    value = httpBinding.name in r.merged ? r.merged[httpBinding.name] : {}
  }
  if (bound) {
    const mapped = toHttpOutput(value)
    if ('error' in mapped)
      return {...result, ok: false, code: 'INVOCATION_FAILED', error: `${mapped.error} (Outputs.${httpBinding!.name})`}
    result.http = mapped
    if (result.missing.includes(httpBinding!.name))
      result.warnings.push(missingHttp(httpBinding!.name, r.outputs, '200 with the body {}'))
    return result
  }
  // Nothing bound the response: the trigger answers with the invocation's return value (HttpBinding.SetResponse).
  const rv = r.returnValue
  if (rv === undefined || rv === null) {
    result.http = {status: 204, headers: {}, body: ''}
    if (httpBinding) result.warnings.push(missingHttp(httpBinding.name, r.outputs, 'an empty answer'))
  } else if (isObject(rv) || Array.isArray(rv)) {
    result.http = {status: 200, headers: {'Content-Type': 'application/json; charset=utf-8'}, body: JSON.stringify(rv)}
  } else {
    result.http = {status: 200, headers: {'Content-Type': 'text/plain; charset=utf-8'}, body: String(rv)}
  }
  return result
}

function missingHttp(
  name: string,
  outputs: Record<string, unknown> | undefined,
  what: string,
): {code: string; message: string} {
  const near = outputs && Object.keys(outputs).find((k) => k !== name && k.toLowerCase() === name.toLowerCase())
  const where = name === '$return' ? 'ReturnValue' : `Outputs.${name}`
  return {
    code: 'RESPONSE_OUTPUT_MISSING',
    message:
      `The response has no ${where}, so the caller ` +
      `gets ${what}${near ? ` (Outputs has "${near}": output names are case-sensitive)` : ''}`,
  }
}

/**
 * Request headers not passed on: those of the caller's connection (hop-by-hop) and its body framing,
 * which the forwarded request sets anew (undici refuses most of them).
 */
const NOT_FORWARDED = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
])

/**
 * Forwarding (enableForwardingHttpRequest) and proxying: the original request goes to the
 * handler at its original path; its answer is relayed verbatim, whatever the status.
 */
export function forwardHttp(
  client: Dispatcher,
  req: HttpRequestInput,
  invocationId: string,
  timeoutMs: number,
  mode: 'forward' | 'proxy' = 'forward',
): Promise<RawExchange> {
  const headers: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined && !NOT_FORWARDED.has(k.toLowerCase())) headers[k] = v
  headers['X-Azure-Functions-HostVersion'] = HOST_VERSION
  headers['X-Azure-Functions-InvocationId'] = invocationId
  if (mode === 'proxy') {
    // YARP proxying adds the correlation header and leaves User-Agent alone.
    headers['x-ms-invocation-id'] = invocationId
  } else {
    const ua = req.headers['user-agent']
    headers['User-Agent'] =
      `${ua ? `${Array.isArray(ua) ? ua.join(' ') : ua} ` : ''}Azure-Functions-Host/${HOST_VERSION}`
  }
  // The host streams a body only when the client sent a Content-Length.
  const body = req.body && req.body.length > 0 ? req.body : undefined
  if (body) headers['Content-Length'] = String(body.length)
  return exchange(client, {path: req.url, method: req.method, timeoutMs, headers, body})
}
