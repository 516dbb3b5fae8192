import {getCI, isObject, lineOf} from '../app/jsonc.js'
import {isHttpInAndOut} from '../app/model.js'
import {type CheckContext, finding} from './context.js'
import type {Finding} from './finding.js'

/**
 * Bindings the v4 host has built in (WebJobsCoreScriptBindingProvider, CoreExtensionsScriptBindingProvider,
 * ScriptHostBuilderExtensions.AddScriptHostCore); everything else comes from an extension bundle.
 */
const BUILT_IN_BINDINGS = new Set(['httptrigger', 'http', 'timertrigger', 'manualtrigger', 'warmuptrigger'])

export function functionRules(ctx: CheckContext): Finding[] {
  const {app} = ctx
  const out: Finding[] = []
  const hostOk = app.hostJson && !app.hostJson.error && isObject(app.hostJson.value)
  // Functions can also come from routes: customHandler.http.routes, or the routes a custom-handler
  // configurationProfile injects (HostConfigurationProfile, HttpWorkerFunctionProvider).
  const profile = String(getCI(app.hostJson?.value, 'configurationProfile') ?? '').toLowerCase()
  const hasRoutes =
    Array.isArray(getCI(getCI(getCI(app.hostJson?.value, 'customHandler'), 'http'), 'routes')) ||
    profile === 'mcp-custom-handler' ||
    profile === 'web-app-custom-handler'
  // Without host.json at the root the folder itself is wrong; HOST_JSON_MISSING says so.
  if (app.functions.length === 0 && !hasRoutes && app.hostJson) {
    const deeper = app.source.entries.find((e) => /\/function\.json$/i.test(e.path))
    out.push(
      finding(
        'NO_FUNCTIONS',
        deeper
          ? `No function.json one level below the root; ${deeper.path} is too deep, the host only looks in ` +
              `<root>/<function>/function.json`
          : 'No <function>/function.json in the app: the host finds no functions and never starts the handler',
        {
          fix: 'Add a folder per function with a function.json, e.g. hello/function.json with an httpTrigger binding',
        },
      ),
    )
  }
  for (const fn of app.functions) {
    if (fn.doc.error) {
      out.push(
        finding(
          'FUNCTION_JSON_INVALID',
          `${fn.path}:${fn.doc.error.line}:${fn.doc.error.column}: ${fn.doc.error.message}`,
          {file: fn.path, line: fn.doc.error.line, fix: 'Fix the JSON syntax at that position'},
        ),
      )
      continue
    }
    for (const p of fn.problems) {
      out.push(
        finding('FUNCTION_JSON_INVALID', `${fn.path}: ${p.message}`, {
          file: fn.path,
          line: lineOf(fn.doc, p.keys),
          fix: 'Each binding needs "type", "direction" ("in"/"out") and "name"; one binding must be a trigger',
        }),
      )
    }
  }
  if (!hostOk) return out

  const bundle = getCI(app.hostJson!.value, 'extensionBundle')
  if (!isObject(bundle)) {
    for (const fn of app.functions) {
      const needs = fn.bindings.filter((b) => !BUILT_IN_BINDINGS.has(b.type.toLowerCase()))
      if (needs.length === 0) continue
      const types = [...new Set(needs.map((b) => b.type))].join(', ')
      out.push(
        finding(
          'BINDING_NEEDS_EXTENSION_BUNDLE',
          `${fn.name} uses ${types}, which comes from an extension bundle, and host.json has no ` +
            `extensionBundle; the host loads the other functions but not this one: "The binding type(s) ` +
            `'${types}' are not registered. Please ensure the type is correct and the binding extension is ` +
            `installed."`,
          {
            file: fn.path,
            line: lineOf(fn.doc, ['bindings', needs[0].index, 'type']),
            fix:
              'Add to host.json: "extensionBundle": {"id": "Microsoft.Azure.Functions.ExtensionBundle", ' +
              '"version": "[4.*, 5.0.0)"}',
          },
        ),
      )
    }
  }

  const {customHandler} = app
  if (customHandler && (customHandler.enableForwardingHttpRequest || customHandler.enableProxyingHttpRequest)) {
    const flag = customHandler.enableProxyingHttpRequest ? 'enableProxyingHttpRequest' : 'enableForwardingHttpRequest'
    for (const fn of app.functions) {
      if (fn.doc.error || fn.bindings.length === 0 || isHttpInAndOut(fn)) continue
      out.push(
        finding(
          'FORWARDING_NOT_APPLICABLE',
          `${flag} is on, but ${fn.name} is not exactly one httpTrigger and one http output ` +
            `(${fn.bindings.map((b) => `${b.type} ${b.direction}`).join(', ')}): the host sends it the JSON ` +
            `payload at POST /${fn.name}, not the original request`,
          {
            file: fn.path,
            line: lineOf(fn.doc, ['bindings']),
            fix:
              `Handle POST /${fn.name} with the invocation payload in the handler too, or reduce the ` +
              `function to one httpTrigger + one http output`,
          },
        ),
      )
    }
  }
  return out
}
