import {CATALOGUE, CHECKS} from '../checks/catalogue.js'
import type {Severity} from '../checks/finding.js'
import {ChdError, ExitCode} from '../errors.js'
import {nearest} from '../near.js'
import {CONFIG_CODES} from './codes-config.js'
import {EXECUTABLE_CODES} from './codes-executable.js'
import {FLEET_CODES} from './codes-fleet.js'
import {ERROR_CODES, REMOTE_CODES} from './codes-remote.js'
import {RUNTIME_CODES} from './codes-runtime.js'
import {SLOT_CODES} from './codes-slots.js'
import {GROUPS} from './groups.js'
import type {Explanation} from './types.js'

export {GROUPS} from './groups.js'
export type {Explanation, GroupInfo, Sighting, SymptomGroup} from './types.js'

/** An explanation with what the catalogue (or the error itself) says of the code. */
export interface ExplainedCode extends Omit<Explanation, 'error'> {
  kind: 'finding' | 'error'
  summary: string
  /** Findings: the usual severity (a rule may lower it). */
  severity?: Severity
  /** Errors: the exit code chd ends with. */
  exit?: number
}

const BY_CODE = new Map<string, Explanation>(
  [
    ...CONFIG_CODES,
    ...EXECUTABLE_CODES,
    ...RUNTIME_CODES,
    ...REMOTE_CODES,
    ...ERROR_CODES,
    ...SLOT_CODES,
    ...FLEET_CODES,
  ].map((e) => [e.code, e]),
)

function resolve(explanation: Explanation): ExplainedCode {
  const {error, ...rest} = explanation
  const info = CHECKS[explanation.code]
  if (info) return {kind: 'finding', summary: info.summary, severity: info.severity, ...rest}
  return {kind: 'error', summary: error?.summary ?? '', exit: error?.exit, ...rest}
}

/** Every explained code: the catalogue's findings in its order, then the errors. */
export function allExplanations(): ExplainedCode[] {
  const findings = CATALOGUE.map((c) => BY_CODE.get(c.code)).filter((e): e is Explanation => e !== undefined)
  const errors = [...BY_CODE.values()].filter((e) => !CHECKS[e.code])
  return [...findings, ...errors].map(resolve)
}

/** A code as the catalogue lists it, without its explanation. */
export type ListedCode = Pick<ExplainedCode, 'code' | 'kind' | 'severity' | 'exit' | 'summary' | 'groups'>

/** What `chd explain` and `chd doctor --list-checks` list, in one shape: codes (doctor: the findings) and symptoms. */
export function codeCatalogue(options: {findingsOnly?: boolean} = {}): {codes: ListedCode[]; groups: typeof GROUPS} {
  const codes = allExplanations()
    .filter((explained) => !options.findingsOnly || explained.kind === 'finding')
    .map(({code, kind, severity, exit, summary, groups}): ListedCode => ({code, kind, severity, exit, summary, groups}))
  return {codes, groups: GROUPS}
}

/** The other findings `chd doctor --app` reports as `code`: causes the host's lines do not tell apart. */
export function reportedAs(code: string): string[] {
  return [...BY_CODE.values()]
    .filter((e) => e.code !== code && CHECKS[e.code] && e.seenAs?.includes(code))
    .map((e) => e.code)
}

/**
 * The explanation of a code, written in any case; a near miss (a typo, a dropped underscore) is an
 * UNKNOWN_CODE usage error that names the code meant.
 */
export function explainCode(input: string): ExplainedCode {
  const wanted = input
    .trim()
    .toUpperCase()
    .replaceAll(/[\s-]+/g, '_')
  const found = BY_CODE.get(wanted)
  if (found) return resolve(found)
  const codes = [...BY_CODE.keys()]
  const near = nearest(wanted, codes) ?? codes.find((c) => c.replaceAll('_', '') === wanted.replaceAll('_', ''))
  const hint = near ? `; did you mean ${near}?` : ''
  throw new ChdError('UNKNOWN_CODE', `chd has no code ${JSON.stringify(input)}${hint}`, {
    exit: ExitCode.usage,
    suggestions: [...(near ? [`chd explain ${near}`] : []), 'chd explain (lists every code)'],
  })
}

export function groupTitle(id: string): string {
  return GROUPS.find((g) => g.id === id)?.title ?? id
}
