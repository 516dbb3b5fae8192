export type Severity = 'error' | 'warning' | 'info'

/** The one shape every check, local or remote, reports in. `code` is a stable interface. */
export interface Finding {
  code: string
  severity: Severity
  message: string
  file?: string
  line?: number
  fix?: string
}

export const SEVERITY_ORDER: Record<Severity, number> = {error: 0, warning: 1, info: 2}

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.code.localeCompare(b.code) ||
      (a.file ?? '').localeCompare(b.file ?? ''),
  )
}

export function hasErrors(findings: Finding[]): boolean {
  return findings.some((f) => f.severity === 'error')
}

/** Findings as an error message lists them: one indented line each, its fix on the next. */
export function findingLines(findings: Finding[]): string {
  return findings.map((f) => `  ${f.code}: ${f.message}${f.fix ? `\n    fix: ${f.fix}` : ''}`).join('\n')
}
