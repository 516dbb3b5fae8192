import {getCI, isObject} from '../app/jsonc.js'
import type {FunctionApp, FunctionDef} from '../app/model.js'
import {type Constraint, parseConstraints, sampleValue, satisfies} from './constraints.js'

/** extensions.http.routePrefix from host.json; "api" unless set (an empty string removes it). */
export function routePrefix(app: FunctionApp): string {
  const prefix = getCI(getCI(getCI(app.hostJson?.value, 'extensions'), 'http'), 'routePrefix')
  return typeof prefix === 'string' ? prefix.replace(/^\/+|\/+$/g, '') : 'api'
}

export interface HttpRoute {
  fn: FunctionDef
  /** The route template, e.g. "products/{id?}". */
  template: string
  methods?: string[]
  /** The template as a pattern: literal text matched as it is, each parameter one capture group. */
  regex: RegExp
  /** Parameter names, in the order of their capture groups. */
  params: string[]
  /** Values of `{name=value}` parameters, for a request that leaves them out. */
  defaults: Record<string, string>
  /** Inline constraints per parameter (`{id:int}`); a value that fails one does not match the route. */
  constraints: Record<string, Constraint[]>
}

/** `{name}`, `{name?}`, `{*rest}` / `{**rest}`, `{name:constraint}`, `{name=default}` (ASP.NET route templates). */
const PARAMETER = /\{(\*{0,2})([^}:?=*]+)((?::[^}?=]*)?)(\?|=[^}]*)?\}/g

const escapeRegex = (text: string) => text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')

export function httpRoutes(app: FunctionApp): HttpRoute[] {
  const prefix = routePrefix(app)
  const routes: HttpRoute[] = []
  for (const fn of app.functions) {
    const trigger = fn.bindings.find((b) => b.type.toLowerCase() === 'httptrigger')
    if (!trigger) continue
    const raw =
      fn.doc.value && isObject(fn.doc.value) ? (getCI(fn.doc.value, 'bindings') as unknown[])[trigger.index] : undefined
    const route = String(getCI(raw, 'route') ?? fn.name).replace(/^\/+/, '')
    const methodsRaw = getCI(raw, 'methods')
    const methods = Array.isArray(methodsRaw) ? methodsRaw.map((m) => String(m).toUpperCase()) : undefined
    const template = [prefix, route].filter(Boolean).join('/')
    routes.push({fn, template, methods, ...templatePattern(template)})
  }
  // Literal routes before templated ones, as ASP.NET routing prefers them.
  return routes.sort((a, b) => a.params.length - b.params.length)
}

/**
 * A route template as a case-insensitive pattern over the whole path. A segment that is only an
 * optional, defaulted or catch-all parameter may be left out, its slash with it ("items/{id?}"
 * matches /items), as in ASP.NET routing.
 */
function templatePattern(template: string): Pick<HttpRoute, 'regex' | 'params' | 'defaults' | 'constraints'> {
  const params: string[] = []
  const defaults: Record<string, string> = {}
  const constraints: Record<string, Constraint[]> = {}
  let pattern = ''
  for (const segment of template.split('/')) {
    let text = ''
    let last = 0
    let omissible = false
    for (const m of segment.matchAll(PARAMETER)) {
      const [whole, star, name, inline, tail = ''] = m
      params.push(name)
      if (inline) constraints[name] = parseConstraints(inline)
      if (tail.startsWith('=')) defaults[name] = tail.slice(1)
      omissible = whole === segment && (star !== '' || tail !== '')
      text += `${escapeRegex(segment.slice(last, m.index))}${star ? '(.*)' : tail ? '([^/]*)' : '([^/]+)'}`
      last = m.index + whole.length
    }
    text += escapeRegex(segment.slice(last))
    pattern += omissible ? `(?:/${text})?` : `/${text}`
  }
  return {regex: new RegExp(`^${pattern}/?$`, 'i'), params, defaults, constraints}
}

/**
 * The first route whose template and constraints match the path, and the parameters it captured. The
 * path is matched as routing sees it: percent-escapes decoded, all but %2F (docs/host-protocol.md §11).
 */
export function matchRoute(
  routes: HttpRoute[],
  path: string,
): {route: HttpRoute; params: Record<string, string>} | undefined {
  const decoded = path.includes('%') ? decodeExceptSlash(path) : path
  for (const route of routes) {
    const m = route.regex.exec(decoded)
    const params = m && routeValues(route, m)
    if (params) return {route, params}
  }
  return undefined
}

/** Runs of escapes other than %2F, decoded as UTF-8; a run that is not valid UTF-8 stays as it came. */
function decodeExceptSlash(path: string): string {
  return path.replace(/(?:%(?!2f)[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run)
    } catch {
      return run
    }
  })
}

/** The route's values from a match, or undefined when one fails its constraints (a value left out is not checked). */
function routeValues(route: HttpRoute, m: RegExpExecArray): Record<string, string> | undefined {
  // No prototype: a parameter may be called anything, __proto__ included.
  const params = Object.create(null) as Record<string, string>
  for (const [i, name] of route.params.entries()) {
    const captured = m[i + 1]
    if (captured && route.constraints[name] && !satisfies(captured, route.constraints[name])) return undefined
    const value = captured || route.defaults[name]
    if (value !== undefined) params[name] = value
  }
  return params
}

/** A concrete path for a template, for mock requests: each parameter a value its constraints accept. */
export function samplePath(route: HttpRoute): string {
  const values = route.params.map((name) => sampleValue(route.constraints[name] ?? []))
  return '/' + route.template.replace(PARAMETER, () => values.shift() ?? 'test')
}
