import type {FileSelection} from '../app/files.js'
import type {FunctionApp} from '../app/model.js'
import {type ResolvedPath, resolveExecutable} from '../app/resolve.js'
import type {AppEntry} from '../app/source.js'
import {type ExecutableInfo, inspectExecutable} from '../platform/inspect.js'
import type {Target} from '../platform/targets.js'
import {CHECKS} from './catalogue.js'
import type {Finding} from './finding.js'

export interface CheckContext {
  app: FunctionApp
  target: Target
  /** What the package holds (a folder: after excludes; a zip: everything in it). */
  selection: FileSelection
  exe: ResolvedPath
  exeEntry?: AppEntry
  exeInfo?: ExecutableInfo
}

export async function buildContext(app: FunctionApp, target: Target, selection: FileSelection): Promise<CheckContext> {
  const exe = resolveExecutable(app, target.os)
  const ctx: CheckContext = {app, target, selection, exe}
  if (exe.kind === 'app') {
    ctx.exeEntry = app.source.get(exe.path)
    const reader = await app.source.reader(exe.path)
    try {
      ctx.exeInfo = await inspectExecutable(reader)
    } finally {
      await reader.close()
    }
  }
  return ctx
}

/** Builds a finding with the catalogue's severity unless the rule says otherwise. */
export function finding(
  code: string,
  message: string,
  extra: Partial<Omit<Finding, 'code' | 'message'>> = {},
): Finding {
  const info = CHECKS[code]
  if (!info) throw new Error(`unknown finding code ${code}`)
  return {
    code,
    severity: extra.severity ?? info.severity,
    message,
    ...(extra.file ? {file: extra.file} : {}),
    ...(extra.line ? {line: extra.line} : {}),
    ...(extra.fix ? {fix: extra.fix} : {}),
  }
}

export type Rule = (ctx: CheckContext) => Finding[] | Promise<Finding[]>
