import {ux} from '@oclif/core'

import {CATALOGUE} from '../checks/catalogue.js'
import type {Finding} from '../checks/finding.js'

const MARK = {error: ux.colorize('red', '✖ error  '), warning: ux.colorize('yellow', '⚠ warning'), info: ux.colorize('cyan', 'ℹ info   ')}

export function renderFindings(findings: Finding[]): string {
  if (findings.length === 0) return `${ux.colorize('green', '✔')} No problems found.`
  return findings.map((f) => {
    const where = f.file ? ux.colorize('dim', `  ${f.file}${f.line ? `:${f.line}` : ''}`) : ''
    const lines = [`${MARK[f.severity]} ${ux.colorize('bold', f.code)}${where}`, `    ${f.message}`]
    if (f.fix) lines.push(`    ${ux.colorize('green', 'fix:')} ${f.fix}`)
    return lines.join('\n')
  }).join('\n\n')
}

export function renderCatalogue(): string {
  const width = Math.max(...CATALOGUE.map((c) => c.code.length))
  return CATALOGUE.map((c) => `${c.code.padEnd(width)}  ${c.severity.padEnd(7)}  ${c.summary}`).join('\n')
}
