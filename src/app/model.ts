import {getCI, isObject, type JsonDoc, parseJsonc} from './jsonc.js'
import type {AppSource} from './source.js'

export interface Binding {
  type: string
  direction: string
  name: string
  dataType?: string
  /** Index in the bindings array, to point findings at the right line. */
  index: number
}

export interface FunctionDef {
  name: string
  path: string
  doc: JsonDoc
  bindings: Binding[]
  /** Why function.json is unusable, beyond a syntax error (which is in doc.error). */
  problems: Array<{message: string; keys: Array<string | number>}>
}

export interface CustomHandlerConfig {
  /** Which host.json section holds it: the legacy httpWorker section forwards requests as /{name}. */
  section: 'customHandler' | 'httpWorker'
  /** Keys path to the section in host.json, for line lookups. */
  keys: string[]
  hasDescription: boolean
  defaultExecutablePath?: string
  defaultWorkerPath?: string
  arguments: string[]
  workerArguments: string[]
  workingDirectory?: string
  workerDirectory?: string
  enableForwardingHttpRequest: boolean
  enableProxyingHttpRequest: boolean
  port?: string
  initializationTimeout?: string
  /** Which values came from AzureFunctionsJobHost__customHandler__… settings instead of host.json. */
  overriddenBySettings: string[]
}

export interface FunctionApp {
  source: AppSource
  hostJson?: JsonDoc
  customHandler?: CustomHandlerConfig
  functions: FunctionDef[]
  localSettings?: JsonDoc
  /** local.settings.json Values, as strings. Never deployed: they matter only where the app runs here. */
  localValues: Record<string, string>
  /**
   * The settings of the environment the app is judged for, which `customHandler` applies as
   * AzureFunctionsJobHost__customHandler__… overrides: local.settings.json Values for a local run
   * (start, invoke, the probe), the live or deployed app settings for Azure.
   */
  settings: Record<string, string>
  /** Where `settings` come from; 'unknown' when judging for Azure without the app's settings. */
  settingsFrom: 'local' | 'azure' | 'unknown'
  funcignore?: string
}

/** The environment variables the host sets for the handler process (docs/host-protocol.md §5). */
export const HOST_VARIABLES = [
  'FUNCTIONS_CUSTOMHANDLER_PORT',
  'FUNCTIONS_HTTPWORKER_PORT',
  'FUNCTIONS_CUSTOMHANDLER_WORKER_ID',
  'FUNCTIONS_HTTPWORKER_ID',
  'FUNCTIONS_APP_ROOT_PATH',
] as const

const SETTINGS_OVERRIDE_PREFIX = 'azurefunctionsjobhost__customhandler__'

export async function loadApp(source: AppSource): Promise<FunctionApp> {
  const text = async (p: string) => (source.get(p) && !source.get(p)?.badLink ? source.readText(p) : undefined)

  const hostText = await text('host.json')
  const hostJson = hostText === undefined ? undefined : parseJsonc('host.json', hostText)
  const lsText = await text('local.settings.json')
  const localSettings = lsText === undefined ? undefined : parseJsonc('local.settings.json', lsText)
  const values = getCI(localSettings?.value, 'Values')
  const settings: Record<string, string> = {}
  if (isObject(values))
    for (const [k, v] of Object.entries(values)) if (v !== null && v !== undefined) settings[k] = String(v)

  const functions: FunctionDef[] = []
  for (const entry of source.entries) {
    const m = /^([^/]+)\/function\.json$/i.exec(entry.path)
    if (!m || entry.badLink) continue
    functions.push(readFunction(m[1], entry.path, await source.readText(entry.path)))
  }
  functions.sort((a, b) => a.name.localeCompare(b.name))

  return {
    source,
    hostJson,
    customHandler: readCustomHandler(hostJson, settings),
    functions,
    localSettings,
    localValues: settings,
    settings,
    settingsFrom: 'local',
    funcignore: await text('.funcignore'),
  }
}

/**
 * The app as Azure will run it: local.settings.json is never deployed, so only host.json and the
 * app settings that will really be there (the live ones, or those deploy pushes) shape the handler.
 */
export function forAzure(app: FunctionApp, settings?: Record<string, string>): FunctionApp {
  const values = settings ?? {}
  return {
    ...app,
    settings: values,
    settingsFrom: settings ? 'azure' : 'unknown',
    customHandler: readCustomHandler(app.hostJson, values),
  }
}

/** AzureFunctionsJobHost__customHandler__a__b settings, as host.json key paths under the section. */
export function customHandlerOverrides(
  settings: Record<string, string>,
): Array<{setting: string; keys: string[]; value: string}> {
  return Object.entries(settings)
    .filter(([k]) => k.toLowerCase().startsWith(SETTINGS_OVERRIDE_PREFIX))
    .map(([k, value]) => ({setting: k, keys: k.slice(SETTINGS_OVERRIDE_PREFIX.length).split('__'), value}))
}

function str(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  return typeof value === 'string' ? value : String(value)
}

function bool(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true')
}

function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => String(v))
  // The host also accepts one string holding a JSON array (an app-setting override).
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value)
      if (Array.isArray(parsed)) return parsed.map(String)
    } catch {
      // Not JSON: a plain string, read as one item below.
    }
    return [value]
  }
  return []
}

function readCustomHandler(
  hostJson: JsonDoc | undefined,
  settings: Record<string, string>,
): CustomHandlerConfig | undefined {
  const host = hostJson?.value
  let section: CustomHandlerConfig['section'] = 'customHandler'
  let raw = getCI(host, 'customHandler')
  if (raw === undefined) {
    raw = getCI(host, 'httpWorker')
    if (raw !== undefined) section = 'httpWorker'
  }
  // AzureFunctionsJobHost__customHandler__description__defaultExecutablePath and friends win over host.json.
  const overrides: Record<string, string> = {}
  for (const [k, v] of Object.entries(settings)) {
    if (k.toLowerCase().startsWith(SETTINGS_OVERRIDE_PREFIX))
      overrides[k.slice(SETTINGS_OVERRIDE_PREFIX.length).toLowerCase()] = v
  }
  if (raw === undefined && Object.keys(overrides).length === 0) return undefined
  const description = getCI(raw, 'description')
  const overriddenBySettings: string[] = []
  const pick = (key: string, fromDescription: boolean): unknown => {
    const overrideKey = (fromDescription ? `description__${key}` : key).toLowerCase()
    if (overrideKey in overrides) {
      overriddenBySettings.push(key)
      return overrides[overrideKey]
    }
    return getCI(fromDescription ? description : raw, key)
  }
  return {
    section,
    keys: [section],
    hasDescription: isObject(description) || Object.keys(overrides).some((k) => k.startsWith('description__')),
    defaultExecutablePath: str(pick('defaultExecutablePath', true)),
    defaultWorkerPath: str(pick('defaultWorkerPath', true)),
    arguments: stringList(pick('arguments', true)),
    workerArguments: stringList(pick('workerArguments', true)),
    workingDirectory: str(pick('workingDirectory', true)),
    workerDirectory: str(pick('workerDirectory', true)),
    enableForwardingHttpRequest: bool(pick('enableForwardingHttpRequest', false)),
    enableProxyingHttpRequest: bool(pick('enableProxyingHttpRequest', false)),
    port: str(pick('port', false)),
    initializationTimeout: str(pick('initializationTimeout', false)),
    overriddenBySettings,
  }
}

const MAX_PROBLEMS = 10

function readFunction(name: string, path: string, text: string): FunctionDef {
  const doc = parseJsonc(path, text)
  const fn: FunctionDef = {name, path, doc, bindings: [], problems: []}
  if (doc.error) return fn
  const bindings = getCI(doc.value, 'bindings')
  if (!Array.isArray(bindings)) {
    fn.problems.push({message: '"bindings" must be an array', keys: ['bindings']})
    return fn
  }
  // A file of 100,000 broken bindings is one problem repeated: name the first few, count the rest.
  let more = 0
  const problem = (p: FunctionDef['problems'][number]) => {
    if (fn.problems.length < MAX_PROBLEMS) fn.problems.push(p)
    else more++
  }
  bindings.forEach((b, index) => {
    const type = str(getCI(b, 'type'))
    const direction = str(getCI(b, 'direction'))
    const bname = str(getCI(b, 'name'))
    const missing = [!type && 'type', !direction && 'direction', !bname && 'name'].filter(Boolean)
    if (missing.length > 0) {
      problem({message: `binding ${index + 1} has no ${missing.join(', ')}`, keys: ['bindings', index]})
      return
    }
    if (!['in', 'out', 'inout'].includes(direction!.toLowerCase())) {
      const message = `binding "${bname}" has direction "${direction}" (expected in, out or inout)`
      problem({message, keys: ['bindings', index, 'direction']})
    }
    fn.bindings.push({
      type: type!,
      direction: direction!.toLowerCase(),
      name: bname!,
      dataType: str(getCI(b, 'dataType')),
      index,
    })
  })
  if (more > 0) fn.problems.push({message: `and ${more} more bindings like these`, keys: ['bindings']})
  if (fn.problems.length === 0 && !fn.bindings.some(isTrigger)) {
    fn.problems.push({
      message: 'no trigger binding (a binding of direction "in" whose type ends in "Trigger")',
      keys: ['bindings'],
    })
  }
  return fn
}

export function isTrigger(b: Binding): boolean {
  return b.direction === 'in' && /trigger$/i.test(b.type)
}

/** Has an httpTrigger: the only kind with an invoke URL (FunctionMetadataExtensions.GetFunctionInvokeUrlTemplate). */
export function httpTriggered(fn: FunctionDef): boolean {
  return fn.bindings.some((b) => b.direction !== 'out' && b.type.toLowerCase() === 'httptrigger')
}

/** Exactly one httpTrigger in and one http out: the only shape the host forwards or proxies. */
export function isHttpInAndOut(fn: FunctionDef): boolean {
  const inputs = fn.bindings.filter((b) => b.direction === 'in' || b.direction === 'inout')
  const outputs = fn.bindings.filter((b) => b.direction === 'out' || b.direction === 'inout')
  return (
    inputs.length === 1 &&
    inputs[0].type.toLowerCase() === 'httptrigger' &&
    outputs.length === 1 &&
    outputs[0].type.toLowerCase() === 'http'
  )
}
