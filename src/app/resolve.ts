import path from 'node:path'

import type {Os} from '../platform/targets.js'
import {keyCI} from './jsonc.js'
import {type FunctionApp, HOST_VARIABLES} from './model.js'

export type ResolvedPath =
  | {kind: 'empty'}
  /** A file of the app, as an app-relative posix path. */
  | {kind: 'app'; path: string}
  /** Written as a path into the app, but nothing is there. `hint` names a near miss. */
  | {kind: 'missing'; path: string; hint?: string}
  /** A bare name, which Process.Start looks up on PATH (host dir, host cwd, then PATH). */
  | {kind: 'command'; name: string; hint?: string}
  /** An absolute path outside the app root: it must exist in the platform image. */
  | {kind: 'outside'; path: string}

const LINUX_ROOT = /^\/home\/site\/wwwroot(\/|$)/
const WINDOWS_ROOT = /^[a-z]:[\\/]home[\\/]site[\\/]wwwroot([\\/]|$)/i

/**
 * Expands %NAME% the way .NET's Environment.ExpandEnvironmentVariables does: known names are
 * replaced, unknown ones stay as written. `known` is the app's settings plus the host's variables.
 */
export function expandVariables(value: string, known: Record<string, string>): string {
  return value.replaceAll(/%([^%]+)%/g, (whole, name: string) => {
    const hit = keyCI(known, name)
    return hit === undefined ? whole : known[hit]
  })
}

/**
 * Values the host would know when it builds the command line: app settings and its own variables.
 * Judging for Azure without the app's settings, local.settings.json Values stand in for them (the
 * checks say so where one is used).
 */
export function knownVariables(app: FunctionApp, extra: Record<string, string> = {}): Record<string, string> {
  const guessed = app.settingsFrom === 'unknown' ? app.localValues : {}
  const vars: Record<string, string> = {...guessed, ...app.settings, ...extra}
  for (const v of HOST_VARIABLES) vars[v] ??= `<${v}>`
  return vars
}

/** Maps a path as written in host.json to an app-relative one, or says it is outside the app. */
function toAppPath(written: string, base: string, os: Os): {app: string} | {outside: string} {
  let p = written.trim()
  if (os === 'windows') p = p.replaceAll('\\', '/')
  if (LINUX_ROOT.test(p) && os === 'linux')
    return {app: path.posix.normalize(p.replace(LINUX_ROOT, '')).replace(/^\.$/, '')}
  if (os === 'windows' && WINDOWS_ROOT.test(p))
    return {app: path.posix.normalize(p.replace(WINDOWS_ROOT, '')).replace(/^\.$/, '')}
  if (p.startsWith('/') || /^[a-z]:\//i.test(p)) return {outside: p}
  const joined = path.posix.normalize(path.posix.join(base, p))
  if (joined === '.') return {app: ''}
  if (joined.startsWith('../') || joined === '..') return {outside: joined}
  return {app: joined}
}

export function resolveDirectory(
  app: FunctionApp,
  written: string | undefined,
  os: Os,
): {kind: 'app'; path: string} | {kind: 'outside'; path: string} {
  if (!written || !written.trim()) return {kind: 'app', path: ''}
  const r = toAppPath(expandVariables(written, knownVariables(app)), '', os)
  return 'app' in r ? {kind: 'app', path: r.app} : {kind: 'outside', path: r.outside}
}

function nearMiss(app: FunctionApp, wanted: string, os: Os): string | undefined {
  const lower = wanted.toLowerCase()
  const sameCase = app.source.entries.find((e) => e.path.toLowerCase() === lower && e.path !== wanted)
  if (sameCase && os === 'linux') return `${sameCase.path} exists: Linux file names are case-sensitive`
  if (os === 'linux' && wanted.includes('\\')) {
    const slashed = wanted.replaceAll('\\', '/')
    if (app.source.get(slashed)) return `${slashed} exists: use forward slashes on Linux`
  }
  if (os === 'windows' && !/\.[a-z0-9]+$/i.test(wanted) && app.source.get(`${wanted}.exe`))
    return `${wanted}.exe exists: write the name with .exe`
  if (os === 'linux' && /\.exe$/i.test(wanted)) {
    const bare = wanted.replace(/\.exe$/i, '')
    if (app.source.get(bare)) return `${bare} exists: drop the .exe on Linux`
  }
  return undefined
}

/**
 * Resolves customHandler.description.defaultExecutablePath like HttpWorkerDescription does:
 * a relative path that exists under workerDirectory (default: the app root) becomes that file;
 * anything else is handed to Process.Start unchanged, which never looks in workingDirectory.
 */
export function resolveExecutable(app: FunctionApp, os: Os): ResolvedPath {
  const {customHandler} = app
  const written = customHandler?.defaultExecutablePath
  if (!written || !expandVariables(written, knownVariables(app)).trim()) return {kind: 'empty'}
  const expanded = expandVariables(written, knownVariables(app)).trim()
  const workerDir = resolveDirectory(app, customHandler?.workerDirectory, os)
  const base = workerDir.kind === 'app' ? workerDir.path : ''
  const mapped = toAppPath(expanded, base, os)
  if ('outside' in mapped) return {kind: 'outside', path: mapped.outside}
  if (app.source.get(mapped.app)) return {kind: 'app', path: mapped.app}
  const isBare = !/[\\/]/.test(expanded)
  if (isBare) return {kind: 'command', name: expanded, hint: nearMiss(app, mapped.app, os)}
  return {kind: 'missing', path: mapped.app, hint: nearMiss(app, mapped.app, os)}
}

/** defaultWorkerPath is opened by the child, relative to its working directory. */
export function resolveWorkerPath(app: FunctionApp, os: Os): ResolvedPath | undefined {
  const {customHandler} = app
  if (!customHandler?.defaultWorkerPath) return undefined
  const expanded = expandVariables(customHandler.defaultWorkerPath, knownVariables(app)).trim()
  if (!expanded) return undefined
  const wd = resolveDirectory(app, customHandler.workingDirectory, os)
  if (wd.kind === 'outside') return {kind: 'outside', path: expanded}
  const mapped = toAppPath(expanded, wd.path, os)
  if ('outside' in mapped) return {kind: 'outside', path: mapped.outside}
  if (app.source.get(mapped.app)) return {kind: 'app', path: mapped.app}
  return {kind: 'missing', path: mapped.app, hint: nearMiss(app, mapped.app, os)}
}
