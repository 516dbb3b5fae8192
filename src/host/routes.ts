import {getCI, isObject} from '../app/jsonc.js'
import type {FunctionApp, FunctionDef} from '../app/model.js'

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
  regex: RegExp
  params: string[]
}

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
    const params: string[] = []
    const pattern = template
      .split('/')
      .map((seg) =>
        seg.replace(/\{(\*?)([^}:?]+)(?::[^}?]*)?(\??)\}/g, (_m, star: string, name: string, opt: string) => {
          params.push(name)
          return star ? '(?<' + name + '>.*)' : opt ? '(?<' + name + '>[^/]*)' : '(?<' + name + '>[^/]+)'
        }),
      )
      .join('/')
    routes.push({fn, template, methods, regex: new RegExp(`^/${pattern}/?$`, 'i'), params})
  }
  // Literal routes before templated ones, as ASP.NET routing prefers them.
  return routes.sort((a, b) => a.params.length - b.params.length)
}

/** A concrete path for a template, for mock requests: each parameter becomes "test". */
export function samplePath(route: HttpRoute): string {
  return '/' + route.template.replace(/\{[^}]+\}/g, 'test')
}
