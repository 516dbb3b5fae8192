import {getCI, isObject, lineOf} from '../app/jsonc.js'
import {nearest as closest} from '../near.js'
import {type CheckContext, finding} from './context.js'
import type {Finding} from './finding.js'

/**
 * The keys the host binds (Microsoft.Extensions.Configuration, case-insensitive). Section level:
 * HttpWorkerOptions (Workers/Http/Configuration/HttpWorkerOptions.cs); description:
 * HttpWorkerDescription + WorkerDescription (Workers/ProcessManagement/WorkerDescription.cs);
 * http: CustomHandlerHttpOptions. Anything else is silently ignored by the binder.
 */
const SECTION_KEYS = [
  'type',
  'description',
  'arguments',
  'port',
  'enableForwardingHttpRequest',
  'enableProxyingHttpRequest',
  'initializationTimeout',
  'customRoutesEnabled',
  'http',
]
const DESCRIPTION_KEYS = [
  'defaultExecutablePath',
  'defaultWorkerPath',
  'workerDirectory',
  'arguments',
  'workerArguments',
  'isDisabled',
  'workingDirectory',
  'useStdErrorStreamForErrorsOnly',
]
const HTTP_KEYS = ['defaultAuthorizationLevel', 'routes']

/** Keys people put one level off: the host binds them only in the other place. */
const ONLY_IN_DESCRIPTION = new Set([
  'defaultexecutablepath',
  'defaultworkerpath',
  'workerdirectory',
  'workerarguments',
  'workingdirectory',
])
const ONLY_IN_SECTION = new Set([
  'enableforwardinghttprequest',
  'enableproxyinghttprequest',
  'port',
  'initializationtimeout',
  'http',
  'type',
])

/** Typo'd or documented-but-unbound keys and what the host binds instead. */
const KNOWN_MISTAKES: Record<string, string> = {
  enablehttpproxyingrequest: 'enableProxyingHttpRequest',
  enableproxying: 'enableProxyingHttpRequest (at customHandler level; http.enableProxying binds to nothing)',
  enableforwarding: 'enableForwardingHttpRequest',
  defaultexecutable: 'defaultExecutablePath',
  executablepath: 'defaultExecutablePath',
}

export function hostKeyRules(ctx: CheckContext): Finding[] {
  const {app} = ctx
  const {customHandler} = app
  const doc = app.hostJson
  if (!customHandler || !doc?.tree) return []
  const section = getCI(doc.value, customHandler.section)
  if (!isObject(section)) return []
  const out: Finding[] = []
  const report = (keys: Array<string | number>, message: string, fix: string) =>
    out.push(finding('HOST_JSON_KEY_IGNORED', message, {file: 'host.json', line: lineOf(doc, keys), fix}))

  for (const [key, value] of Object.entries(section)) {
    const where = `${customHandler.section}.${key}`
    const lower = key.toLowerCase()
    if (SECTION_KEYS.some((k) => k.toLowerCase() === lower) && lower !== 'arguments') {
      if (lower === 'http' && isObject(value)) checkKeys(value, HTTP_KEYS, [customHandler.section, key], report)
      continue
    }
    if (ONLY_IN_DESCRIPTION.has(lower) || lower === 'arguments') {
      report(
        [customHandler.section, key],
        `host.json ${where} is ignored: the host reads ${key} only inside "description"`,
        `Move "${key}" into ${customHandler.section}.description`,
      )
    } else {
      report(
        [customHandler.section, key],
        `host.json ${where} is not a setting the host knows, so it is ignored${hint(key, SECTION_KEYS)}`,
        fixFor(key, SECTION_KEYS),
      )
    }
  }
  const description = Object.entries(section).find(([k]) => k.toLowerCase() === 'description')?.[1]
  if (isObject(description)) {
    const descKey = Object.keys(section).find((k) => k.toLowerCase() === 'description')!
    for (const key of Object.keys(description)) {
      const lower = key.toLowerCase()
      if (DESCRIPTION_KEYS.some((k) => k.toLowerCase() === lower)) continue
      if (ONLY_IN_SECTION.has(lower)) {
        report(
          [customHandler.section, descKey, key],
          `host.json ${customHandler.section}.description.${key} is ignored: the host reads ${key} one ` +
            `level up, directly under "${customHandler.section}"`,
          `Move "${key}" out of description, next to it in ${customHandler.section}`,
        )
      } else {
        report(
          [customHandler.section, descKey, key],
          `host.json ${customHandler.section}.description.${key} is not a setting the host knows, so it ` +
            `is ignored${hint(key, DESCRIPTION_KEYS)}`,
          fixFor(key, DESCRIPTION_KEYS),
        )
      }
    }
  }
  return out
}

function checkKeys(
  value: Record<string, unknown>,
  known: string[],
  path: string[],
  report: (keys: string[], message: string, fix: string) => void,
): void {
  for (const key of Object.keys(value)) {
    if (known.some((k) => k.toLowerCase() === key.toLowerCase())) continue
    report(
      [...path, key],
      `host.json ${path.join('.')}.${key} is not a setting the host knows, so it is ignored${hint(key, known)}`,
      fixFor(key, known),
    )
  }
}

function nearest(key: string, known: string[]): string | undefined {
  return KNOWN_MISTAKES[key.toLowerCase()] ?? closest(key, known)
}

function hint(key: string, known: string[]): string {
  const near = nearest(key, known)
  return near ? ` (did you mean ${near}?)` : ''
}

function fixFor(key: string, known: string[]): string {
  const near = nearest(key, known)
  return near ? `Rename "${key}" to ${near}` : `Remove "${key}", or use one of: ${known.join(', ')}`
}
