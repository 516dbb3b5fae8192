import {readFile} from 'node:fs/promises'

import {ChdError, ExitCode, fsError} from '../errors.js'
import type {AppRef} from './release.js'

// Azure's naming rules: app and slot names are letters, digits and hyphens; a resource group also
// takes underscores, periods and parentheses (not ending in a period).
const APP_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,59}$/
const GROUP = /^[\p{L}\p{N}_().-]{0,89}[\p{L}\p{N}_()-]$/u
const SLOT = /^[A-Za-z0-9][A-Za-z0-9-]{0,58}$/

/**
 * `--apps-file`: one `NAME [RESOURCE_GROUP] [SLOT]` a line (`-` for no group), `#` comments and blank
 * lines allowed. A bad line is a usage error naming file:line and the fix.
 */
export async function readAppsFile(file: string): Promise<AppRef[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw fsError(error, file, 'The apps file')
  }
  const apps: AppRef[] = []
  const lines = text.split(/\r?\n/)
  for (const [i, raw] of lines.entries()) {
    const fields = raw.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean)
    if (fields.length === 0) continue
    const bad = (what: string) =>
      new ChdError('APPS_FILE_INVALID', `${file}:${i + 1}: ${what}`, {
        exit: ExitCode.usage,
        file,
        line: i + 1,
        suggestions: [
          'Write one app a line: NAME [RESOURCE_GROUP] [SLOT], with - for no group (e.g. my-func - staging)',
        ],
      })
    const [name, group, slot] = fields
    if (fields.length > 3) throw bad(`${fields.length} fields; an app line has at most 3`)
    if (!APP_NAME.test(name)) throw bad(`"${name}" is not a function app name (letters, digits and hyphens)`)
    if (group !== undefined && group !== '-' && !GROUP.test(group)) throw bad(`"${group}" is not a resource group name`)
    if (slot !== undefined && !SLOT.test(slot)) throw bad(`"${slot}" is not a slot name (letters, digits and hyphens)`)
    apps.push({name, ...(group && group !== '-' ? {resourceGroup: group} : {}), ...(slot ? {slot} : {})})
  }
  if (apps.length === 0) {
    throw new ChdError('APPS_FILE_INVALID', `${file} names no app`, {
      exit: ExitCode.usage,
      file,
      suggestions: ['Write one app a line: NAME [RESOURCE_GROUP] [SLOT]'],
    })
  }
  return apps
}

/** --app and --apps-file together, each with --resource-group and --slot where it names none; none twice. */
export async function listApps(
  named: string[],
  file: string | undefined,
  defaults: {resourceGroup?: string; slot?: string},
): Promise<AppRef[]> {
  const listed: AppRef[] = [...named.map((name) => ({name})), ...(file ? await readAppsFile(file) : [])]
  if (listed.length === 0) {
    throw new ChdError('APP_REQUIRED', 'Name the app to deploy to', {
      exit: ExitCode.usage,
      suggestions: ['--app NAME (repeatable), or --apps-file FILE with one NAME [RESOURCE_GROUP] [SLOT] a line'],
    })
  }
  const apps = listed.map((a) => ({
    name: a.name,
    resourceGroup: a.resourceGroup ?? defaults.resourceGroup,
    slot: a.slot ?? defaults.slot,
  }))
  const keys = apps.map((a) => [a.name, a.resourceGroup ?? '', a.slot ?? ''].join(' ').toLowerCase())
  const twice = apps.find((_, i) => keys.indexOf(keys[i]) !== i)
  if (twice) {
    const what = `${twice.name}${twice.slot ? ` (slot ${twice.slot})` : ''}`
    throw new ChdError('APP_LISTED_TWICE', `${what} is listed twice`, {
      exit: ExitCode.usage,
      suggestions: ['Name each app (and slot) once: two deploys to one app at a time would race'],
    })
  }
  return apps
}
