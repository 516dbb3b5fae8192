import {randomUUID} from 'node:crypto'
import http, {type IncomingMessage, type ServerResponse} from 'node:http'

import type {SiteLogs} from './logs.js'

/**
 * The host ↔ handler invocation protocol for HTTP triggers, as the fake's host speaks it
 * (azure-functions-host src/WebJobs.Script/Workers/Http/DefaultHttpWorkerService.cs,
 * HttpScriptInvocationResultExtensions.cs, Extensions/HttpRequestExtensions.cs,
 * Binding/Http/HttpBinding.cs; docs/host-protocol.md §8–§10).
 */

export interface FunctionDef {
  name: string
  bindings: Array<Record<string, any>>
}

export interface InvokeContext {
  functions: FunctionDef[]
  routePrefix: string
  forwarding: boolean
  logs: SiteLogs
  /** Resolves once the dispatcher is initialized (false: it never was). */
  ready: () => Promise<boolean>
  port: number
}

const HOST_VERSION = '4.1037.0.0'
const type = (b: Record<string, any>) => String(b.type ?? '').toLowerCase()

function trigger(fn: FunctionDef) {
  return fn.bindings.find((b) => type(b) === 'httptrigger')
}

/** Route template → regex: {name}, {name?}, {*rest}, matched case-insensitively like ASP.NET routing. */
function routeRegex(prefix: string, route: string): RegExp {
  const segment = (seg: string) =>
    seg
      .replace(/[.+^$()|[\]\\]/g, '\\$&')
      .replace(/\{\*([^}]+)\}/g, '(?<$1>.*)')
      .replace(/\{([^}?:]+)(?::[^}?]+)?\?\}/g, '(?<$1>[^/]*)')
      .replace(/\{([^}:]+)(?::[^}]+)?\}/g, '(?<$1>[^/]+)')
  return new RegExp(`^/${[prefix, route].filter(Boolean).join('/').split('/').map(segment).join('/')}/?$`, 'i')
}

function isInAndOut(fn: FunctionDef): boolean {
  const ins = fn.bindings.filter((b) => String(b.direction ?? '').toLowerCase() === 'in')
  const outs = fn.bindings.filter((b) => String(b.direction ?? '').toLowerCase() === 'out')
  return ins.length === 1 && type(ins[0]) === 'httptrigger' && outs.length === 1 && type(outs[0]) === 'http'
}

interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

function send(port: number, options: http.RequestOptions, body: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({host: '127.0.0.1', port, ...options}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks)}))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const REASON = 'This function was programmatically called via the host APIs.'
const NOT_EXPECTED_FORMAT =
  'Failed while trying to Deserialize to httpOutputBindingResponse. Output is not in expected format'

export async function invokeFunction(
  ctx: InvokeContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: Buffer,
) {
  const matches = (fn: FunctionDef) => {
    const t = trigger(fn)
    return Boolean(t) && routeRegex(ctx.routePrefix, t!.route ?? fn.name).test(url.pathname)
  }
  const fn = ctx.functions.find(matches)
  const methods = (fn && (trigger(fn)?.methods as string[] | undefined))?.map((m) => m.toLowerCase())
  if (!fn || (methods && !methods.includes(String(req.method).toLowerCase()))) {
    res.writeHead(404)
    return void res.end()
  }
  const id = randomUUID()
  const cat = `Function.${fn.name}`
  const tag = {functionName: fn.name, invocationId: id}
  ctx.logs.write('Information', cat, `Executing 'Functions.${fn.name}' (Reason='${REASON}', Id=${id})`, tag)
  const start = Date.now()
  const done = (ok: boolean, error?: string) => {
    const text =
      `Executed 'Functions.${fn.name}' (${ok ? 'Succeeded' : 'Failed'}, Id=${id}, ` +
      `Duration=${Date.now() - start}ms)`
    const exception = error
      ? {
          type: 'Microsoft.Azure.WebJobs.Host.FunctionInvocationException',
          message: `Exception while executing function: Functions.${fn.name}`,
          inner: {type: 'System.InvalidOperationException', message: error},
        }
      : undefined
    ctx.logs.write(ok ? 'Information' : 'Error', cat, text, {...tag, ...(exception ? {exception} : {})})
  }
  try {
    if (!(await ctx.ready())) throw new Error('The function dispatcher is not initialized.')
    const answer =
      ctx.forwarding && isInAndOut(fn)
        ? await forward(ctx.port, id, req, url, body)
        : await call(ctx, fn, id, req, url, body)
    done(true)
    res.writeHead(answer.status, answer.headers)
    res.end(answer.body)
  } catch (error) {
    done(false, (error as Error).message)
    // ExceptionMiddleware: 500 with an empty body.
    res.writeHead(500)
    res.end()
  }
}

function hostHeaders(id: string): Record<string, string> {
  return {'X-Azure-Functions-HostVersion': HOST_VERSION, 'X-Azure-Functions-InvocationId': id}
}

/** ProcessHttpInAndOutInvocationRequest: the original request, relayed back verbatim. */
async function forward(port: number, id: string, req: IncomingMessage, url: URL, body: Buffer): Promise<Answer> {
  const agent = `${req.headers['user-agent'] ?? ''} Azure-Functions-Host/${HOST_VERSION}`.trim()
  return send(
    port,
    {
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers: {...req.headers, ...hostHeaders(id), 'user-agent': agent},
    },
    body,
  )
}

/**
 * ProcessDefaultInvocationRequest: POST /<function> with the JSON payload; its answer mapped to the caller's
 * response.
 */
async function call(ctx: InvokeContext, fn: FunctionDef, id: string, req: IncomingMessage, url: URL, body: Buffer) {
  const headers = {
    ...hostHeaders(id),
    'User-Agent': `Azure-Functions-Host/${HOST_VERSION}`,
    'Content-Type': 'application/json; charset=utf-8',
  }
  const out = await send(
    ctx.port,
    {method: 'POST', path: `/${fn.name}`, headers},
    JSON.stringify(payload(fn, req, url, body)),
  )
  const response = readResult(fn, out)
  for (const l of response.logs)
    ctx.logs.write('Information', `Function.${fn.name}.User`, l, {functionName: fn.name, invocationId: id})
  return {status: response.status, headers: response.headers, body: Buffer.from(response.body)}
}

function payload(fn: FunctionDef, req: IncomingMessage, url: URL, body: Buffer) {
  const query: Record<string, string> = {}
  for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`
  const arrays: Record<string, string[]> = {}
  const flat: Record<string, string> = {}
  for (const [k, v] of Object.entries(req.headers)) {
    arrays[k] = Array.isArray(v) ? v : [String(v)]
    flat[k] = arrays[k].join(',')
  }
  const name = trigger(fn)!.name ?? 'req'
  const request = {
    Url: `https://${req.headers.host}${url.pathname}${url.search}`,
    Method: req.method,
    Query: query,
    Headers: arrays,
    Params: {},
    Identities: [],
    ...(body.length > 0 ? {Body: body.toString('utf8')} : {}),
  }
  const sys = {MethodName: fn.name, UtcNow: new Date().toISOString(), RandGuid: randomUUID()}
  return {Data: {[name]: request}, Metadata: {Query: query, Headers: flat, sys}}
}

/** Member lookup as Newtonsoft binds HttpScriptInvocationResult: case-insensitive. */
function get(o: any, k: string): any {
  return o && typeof o === 'object'
    ? o[Object.keys(o).find((x) => x.toLowerCase() === k.toLowerCase()) ?? '']
    : undefined
}

/** EnsureSuccessStatusCode, a JSON body, then Outputs.<http binding> → the caller's response. */
function readResult(fn: FunctionDef, out: Answer) {
  if (out.status < 200 || out.status > 299)
    throw new Error(`Response status code does not indicate success: ${out.status}.`)
  const mediaType = String(out.headers['content-type'] ?? 'application/octet-stream')
    .split(';')[0]
    .trim()
    .toLowerCase()
  if (mediaType !== 'application/json' && mediaType !== 'text/json') {
    throw new Error(
      "No MediaTypeFormatter is available to read an object of type 'HttpScriptInvocationResult' " +
        `from content with media type '${mediaType}'.`,
    )
  }
  const doc = JSON.parse(out.body.toString('utf8') || 'null') as Record<string, any> | null
  const logs = ((get(doc, 'Logs') ?? []) as unknown[]).map(String)
  const outputs = get(doc, 'Outputs') as Record<string, unknown> | undefined
  const binding = fn.bindings.find((b) => type(b) === 'http' && String(b.direction).toLowerCase() === 'out')
  // Outputs keys are case-sensitive (a Dictionary); a $return http binding reads ReturnValue.
  let value: any = binding?.name === '$return' ? get(doc, 'ReturnValue') : outputs?.[binding?.name ?? 'res']
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value)
    } catch {
      throw new Error(NOT_EXPECTED_FORMAT)
    }
  }
  if (value === null) throw new Error(NOT_EXPECTED_FORMAT)
  // A missing value is an empty ExpandoObject: 200 with "{}".
  if (value === undefined) return {status: 200, headers: {'content-type': 'application/json'}, body: '{}', logs}
  const given = Object.entries((get(value, 'headers') ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)])
  const b = get(value, 'body')
  const status = Number.parseInt(String(get(value, 'statusCode') ?? '200'), 10)
  const text = b === undefined || b === null ? '' : typeof b === 'string' ? b : JSON.stringify(b)
  const contentType =
    typeof b === 'string' || b === undefined ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8'
  return {
    status: Number.isFinite(status) ? status : 200,
    headers: {'content-type': contentType, ...Object.fromEntries(given)},
    body: text,
    logs,
  }
}
