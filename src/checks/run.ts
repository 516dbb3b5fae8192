import {type FileSelection, selectFiles} from '../app/files.js'
import type {FunctionApp} from '../app/model.js'
import {ChdError, ExitCode} from '../errors.js'
import type {Target} from '../platform/targets.js'
import {argumentFileRules} from './arguments.js'
import {bundledRules, readableRules} from './bundled.js'
import {buildContext, type CheckContext, type Rule} from './context.js'
import {executableRules, scriptRules} from './executable.js'
import {type Finding, findingLines, sortFindings} from './finding.js'
import {functionRules} from './functions.js'
import {customHandlerRules, hostJsonRules, settingsRules} from './host.js'
import {hostKeyRules} from './keys.js'
import {packageRules} from './package.js'

const RULES: Rule[] = [
  hostJsonRules,
  customHandlerRules,
  hostKeyRules,
  executableRules,
  argumentFileRules,
  scriptRules,
  bundledRules,
  readableRules,
  functionRules,
  settingsRules,
  packageRules,
]

export interface StaticResult {
  findings: Finding[]
  context: CheckContext
}

/** What a package of this source holds: a folder after excludes, a zip exactly as it is. */
export function packageSelection(
  app: FunctionApp,
  options: {includeSecrets?: boolean; outputPath?: string} = {},
): FileSelection {
  if (app.source.kind === 'zip') return selectFiles(app.source, {asIs: true})
  return selectFiles(app.source, {funcignore: app.funcignore, ...options})
}

export async function runStaticChecks(
  app: FunctionApp,
  target: Target,
  selection = packageSelection(app),
): Promise<StaticResult> {
  const context = await buildContext(app, target, selection)
  const findings: Finding[] = []
  for (const rule of RULES) findings.push(...(await rule(context)))
  return {findings: sortFindings(findings), context}
}

/**
 * The refusal when checks find errors: each error with its fix, and the findings in --json's
 * details. `doing` finishes the sentence (" for linux-x64 (flex); not deploying").
 */
export function checksFailed(findings: Finding[], doing: string, suggestion: string): ChdError {
  const errors = findings.filter((f) => f.severity === 'error')
  return new ChdError('CHECKS_FAILED', `${errors.length} check(s) failed${doing}:\n${findingLines(errors)}`, {
    exit: ExitCode.failed,
    suggestions: [suggestion],
    details: {findings},
  })
}
