import {ux} from '@oclif/core/ux'

import {type ExplainedCode, GROUPS, groupTitle, reportedAs} from '../explain/index.js'
import type {LogExplanation} from '../explain/log.js'

const heading = (text: string) => ux.colorize('bold', text)
const indent = (text: string, by = '  ') =>
  text
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n')
const WIDTH = Math.min(process.stdout.columns || 100, 100)

/** Prose wrapped at word boundaries to the terminal (at most 100 columns), each line indented. */
function wrap(text: string, by = '  ', first = by): string {
  const lines: string[] = []
  let line = first
  for (const word of text.split(/\s+/)) {
    if (line.length > by.length && line.length + 1 + word.length > WIDTH) {
      lines.push(line)
      line = by
    }
    line += line.length > by.length || (lines.length === 0 && line.length > first.length) ? ` ${word}` : word
  }
  lines.push(line)
  return lines.join('\n')
}

/** One code, for the terminal: the same sections, in the same order, as docs/troubleshooting.md. */
export function renderExplanation(e: ExplainedCode): string {
  const kind = e.kind === 'finding' ? `finding, usually ${e.severity}` : `error, exit ${e.exit}`
  const out = [`${heading(e.code)}  (${kind})`, e.summary, '']
  out.push(heading('What chd checks'), wrap(e.checks), '')
  out.push(heading('What the host does'), wrap(e.host), '')
  out.push(heading('What you see on Azure'))
  for (const s of e.seen) {
    out.push(`  ${ux.colorize('cyan', s.on)}`)
    for (const l of s.log ?? []) out.push(indent(l, '    │ '))
    if (s.status) out.push(wrap(s.status, '    '))
    if (s.elsewhere) out.push(wrap(s.elsewhere, '    '))
  }
  if (e.seenAs?.length) out.push(wrap(`On Azure, chd doctor --app reports it as: ${e.seenAs.join(', ')}`))
  const alike = reportedAs(e.code)
  if (alike.length > 0) out.push(wrap(`Other causes chd doctor --app reports as ${e.code}: ${alike.join(', ')}`))
  out.push('', heading('Why'), wrap(e.why), '')
  out.push(heading('Confirm'), ...e.confirm.map((c) => wrap(c, '    ', '  $ ')), '')
  out.push(heading('Fix'), ...e.fix.map((f) => wrap(f, '    ', '  • ')), '')
  out.push(ux.colorize('dim', wrap(e.groups.map(groupTitle).join('; '), '  ', 'Symptom:')))
  out.push(ux.colorize('dim', wrap(e.source.join(', '), '  ', 'Source:')))
  return out.join('\n')
}

/** Every code, grouped by the symptom it first belongs to. */
export function renderCodeList(codes: ExplainedCode[]): string {
  const width = Math.max(...codes.map((c) => c.code.length))
  const out: string[] = []
  for (const g of GROUPS) {
    const inGroup = codes.filter((c) => c.groups[0] === g.id)
    if (inGroup.length === 0) continue
    out.push(heading(g.title))
    for (const c of inGroup) out.push(`  ${c.code.padEnd(width)}  ${c.summary}`)
    out.push('')
  }
  out.push('chd explain CODE explains one; chd explain --line "<host log line>" finds the code for a log line.')
  return out.join('\n')
}

const clip = (text: string) => {
  const first = text.split('\n').join(' ⏎ ')
  return first.length > 160 ? `${first.slice(0, 160)}…` : first
}

/** Which records name which codes, and what chd doctor --app would conclude from all of them. */
export function renderLogExplanation(r: LogExplanation, summaries: Map<string, string>): string {
  const out: string[] = []
  if (r.matches.length === 0 && !r.started) {
    out.push(`No line names a failure chd knows (${r.records} record(s) read).`)
  }
  for (const m of r.matches) {
    out.push(`line ${m.line}: ${m.codes.map((c) => heading(c)).join(', ')}  ${summaries.get(m.codes[0]) ?? ''}`)
    out.push(ux.colorize('dim', `  ${clip(m.text)}`))
    const alike = m.codes.flatMap(reportedAs)
    if (alike.length > 0) out.push(wrap(`Possible causes behind it: ${alike.join(', ')}`))
  }
  if (r.started) out.push(`line ${r.started.line}: the handler started ("${clip(r.started.text)}")`)
  if (r.records > 1 || r.diagnosis.length !== r.matches.length) {
    const codes = r.diagnosis.map((f) => f.code)
    out.push('', `chd doctor --app would report: ${codes.length > 0 ? codes.join(', ') : 'nothing from these lines'}`)
  }
  const distinct = [...new Set(r.matches.flatMap((m) => m.codes))]
  if (distinct.length > 0) out.push(`More: ${distinct.map((c) => `chd explain ${c}`).join(' · ')}`)
  return out.join('\n')
}
