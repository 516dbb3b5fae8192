import {ux} from '@oclif/core/ux'

import type {Finding} from '../checks/finding.js'
import type {ProbeResult} from '../doctor/probe.js'
import type {ListedCode} from '../explain/index.js'

const MARK = {
  error: ux.colorize('red', '✖ error  '),
  warning: ux.colorize('yellow', '⚠ warning'),
  info: ux.colorize('cyan', 'ℹ info   '),
}

export function renderFindings(findings: Finding[]): string {
  if (findings.length === 0) return `${ux.colorize('green', '✔')} No problems found.`
  return findings
    .map((f) => {
      const where = f.file ? ux.colorize('dim', `  ${f.file}${f.line ? `:${f.line}` : ''}`) : ''
      const lines = [`${MARK[f.severity]} ${ux.colorize('bold', f.code)}${where}`, `    ${f.message}`]
      if (f.fix) lines.push(`    ${ux.colorize('green', 'fix:')} ${f.fix}`)
      return lines.join('\n')
    })
    .join('\n\n')
}

/** Findings from before the current host start or deployment: dim, after the real ones, never counted. */
export function renderHistory(history: Finding[]): string {
  const lines = ['earlier (before the current host start or the last deployment; not counted):']
  for (const finding of history) lines.push(`  ${finding.code}: ${finding.message}`)
  return ux.colorize('dim', lines.join('\n'))
}

/** doctor --list-checks: one line a finding, with its usual severity. */
export function renderCatalogue(codes: ListedCode[]): string {
  const width = Math.max(...codes.map((listed) => listed.code.length))
  return codes
    .map((listed) => `${listed.code.padEnd(width)}  ${(listed.severity ?? '').padEnd(7)}  ${listed.summary}`)
    .join('\n')
}

export function renderProbe(probe: ProbeResult): string {
  const lines = [`Startup: ${probe.command}`]
  lines.push(
    probe.ready
      ? `  ready in ${probe.startupMs} ms on 127.0.0.1:${probe.port} (host timeout ${probe.timeoutMs} ms)`
      : `  not ready after ${probe.startupMs} ms (port ${probe.port})`,
  )
  for (const inv of probe.invocations) {
    const mark = inv.ok ? ux.colorize('green', '✔') : ux.colorize('red', '✖')
    lines.push(
      `  ${mark} ${inv.function.padEnd(16)} ${inv.request.padEnd(28)} ${String(inv.status ?? '-').padStart(3)}  ` +
        `${inv.ms} ms${inv.mode === 'forwarded' ? '  (forwarded)' : ''}`,
    )
  }
  const output = probe.output.slice(-10)
  if (output.length > 0) {
    lines.push('  handler output (last lines):')
    for (const l of output)
      lines.push(
        `    ${l.level === 'Information' ? ' ' : ux.colorize(l.level === 'Warning' ? 'yellow' : 'red', '!')} ${l.text}`,
      )
  }
  return lines.join('\n')
}
