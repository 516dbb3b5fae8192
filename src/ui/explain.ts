import {ux} from '@oclif/core/ux'

import {type ExplainedCode, GROUPS, groupTitle, type ListedCode, reportedAs} from '../explain/index.js'
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
export function renderExplanation(explained: ExplainedCode): string {
  const kind = explained.kind === 'finding' ? `finding, usually ${explained.severity}` : `error, exit ${explained.exit}`
  const out = [`${heading(explained.code)}  (${kind})`, explained.summary, '']
  out.push(heading('What chd checks'), wrap(explained.checks), '')
  out.push(heading('What the host does'), wrap(explained.host), '')
  out.push(heading('What you see on Azure'))
  for (const seen of explained.seen) {
    out.push(`  ${ux.colorize('cyan', seen.on)}`)
    for (const line of seen.log ?? []) out.push(indent(line, '    │ '))
    if (seen.status) out.push(wrap(seen.status, '    '))
    if (seen.elsewhere) out.push(wrap(seen.elsewhere, '    '))
  }
  if (explained.seenAs?.length)
    out.push(wrap(`On Azure, chd doctor --app reports it as: ${explained.seenAs.join(', ')}`))
  const alike = reportedAs(explained.code)
  if (alike.length > 0)
    out.push(wrap(`Other causes chd doctor --app reports as ${explained.code}: ${alike.join(', ')}`))
  out.push('', heading('Why'), wrap(explained.why), '')
  out.push(heading('Confirm'), ...explained.confirm.map((c) => wrap(c, '    ', '  $ ')), '')
  out.push(heading('Fix'), ...explained.fix.map((f) => wrap(f, '    ', '  • ')), '')
  out.push(ux.colorize('dim', wrap(explained.groups.map(groupTitle).join('; '), '  ', 'Symptom:')))
  out.push(ux.colorize('dim', wrap(explained.source.join(', '), '  ', 'Source:')))
  return out.join('\n')
}

/** Every code, grouped by the symptom it first belongs to. */
export function renderCodeList(codes: ListedCode[]): string {
  const width = Math.max(...codes.map((c) => c.code.length))
  const out: string[] = []
  for (const group of GROUPS) {
    const inGroup = codes.filter((c) => c.groups[0] === group.id)
    if (inGroup.length === 0) continue
    out.push(heading(group.title))
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
export function renderLogExplanation(explanation: LogExplanation, summaries: Map<string, string>): string {
  const out: string[] = []
  if (explanation.matches.length === 0 && !explanation.started) {
    out.push(`No line names a failure chd knows (${explanation.records} record(s) read).`)
  }
  for (const match of explanation.matches) {
    out.push(
      `line ${match.line}: ${match.codes.map((c) => heading(c)).join(', ')}  ${summaries.get(match.codes[0]) ?? ''}`,
    )
    out.push(ux.colorize('dim', `  ${clip(match.text)}`))
    const alike = match.codes.flatMap(reportedAs)
    if (alike.length > 0) out.push(wrap(`Possible causes behind it: ${alike.join(', ')}`))
  }
  if (explanation.started)
    out.push(`line ${explanation.started.line}: the handler started ("${clip(explanation.started.text)}")`)
  if (explanation.records > 1 || explanation.diagnosis.length !== explanation.matches.length) {
    const codes = explanation.diagnosis.map((f) => f.code)
    out.push('', `chd doctor --app would report: ${codes.length > 0 ? codes.join(', ') : 'nothing from these lines'}`)
  }
  const distinct = [...new Set(explanation.matches.flatMap((match) => match.codes))]
  if (distinct.length > 0) out.push(`More: ${distinct.map((c) => `chd explain ${c}`).join(' · ')}`)
  return out.join('\n')
}
