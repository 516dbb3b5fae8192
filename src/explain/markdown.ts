import {allExplanations, type ExplainedCode, GROUPS, reportedAs} from './index.js'
import {type Limit, LIMITS, PLANS, RUN_MODES} from './supported.js'

/** The upstream snapshot each source prefix points into: what the facts were read from. */
const REPOS: Record<string, {url: string; commit: string; tree?: boolean}> = {
  host: {url: 'https://github.com/Azure/azure-functions-host', commit: '89dc438d476542786f2fc4070f553423213a6223'},
  kudulite: {url: 'https://github.com/Azure-App-Service/KuduLite', commit: '3854066bb50c3a1933aebbc4143c06c47535be68'},
  kudu: {url: 'https://github.com/projectkudu/kudu', commit: '7e7e310dee7e9e6488a87a20e99f2813b2f74808'},
  'core-tools': {
    url: 'https://github.com/Azure/azure-functions-core-tools',
    commit: '3ee97a6337055edd6afe48f9a51786a09772f427',
  },
  docker: {
    url: 'https://github.com/Azure/azure-functions-docker',
    commit: '020dbf319bc90e80698b7d53e4bf09f543fd7a66',
    tree: true,
  },
}

/** "host src/…/File.cs (note)" → its prefix, path and note. */
export function parseSource(source: string): {prefix: string; path: string; note?: string} {
  const m = /^(\S+) (\S+)(?: \((.+)\))?$/.exec(source)
  if (!m) throw new Error(`source ${JSON.stringify(source)} is not "<prefix> <path> [(note)]"`)
  return {prefix: m[1], path: m[2], ...(m[3] ? {note: m[3]} : {})}
}

function sourceLink(source: string): string {
  const {prefix, path, note} = parseSource(source)
  const name = path.split('/').at(-1)
  if (prefix === 'chd') return `[${path}](../${path})`
  const repo = REPOS[prefix]
  if (!repo) throw new Error(`unknown source prefix ${prefix}`)
  // Files that exist only in newer hosts are linked on the default branch.
  const ref = note ? 'dev' : repo.commit
  return `[${prefix} ${name}](${repo.url}/${repo.tree ? 'tree' : 'blob'}/${ref}/${path})${note ? ` (${note})` : ''}`
}

/**
 * Prose as Markdown shows it: outside `code spans`, characters that would start emphasis, HTML or a
 * table cell are escaped.
 */
function md(text: string): string {
  const escape = (part: string) => part.replaceAll(/[\\*<>|]/g, (c) => `\\${c}`)
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : escape(part)))
    .join('')
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
export function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replaceAll(/[^\p{L}\p{N} _-]/gu, '')
    .replaceAll(' ', '-')
}

const codeLink = (code: string) => `[\`${code}\`](#${anchor(code)})`

/** "chd doctor DIR (what it shows)" → `chd doctor DIR` — what it shows. */
function command(text: string): string {
  const m = /^(.*?) \((.+)\)$/.exec(text)
  return m ? `\`${m[1]}\` — ${md(m[2])}` : `\`${text}\``
}

function symptoms(codes: ExplainedCode[]): string[] {
  const out = ['## By symptom', '']
  for (const g of GROUPS) {
    out.push(`### ${g.title}`, '', md(g.intro), '', '| Code | What it means |', '|---|---|')
    for (const c of codes.filter((x) => x.groups.includes(g.id))) out.push(row([codeLink(c.code), md(c.summary)]))
    out.push('')
  }
  return out
}

const sources = (list: string[]) => list.map(sourceLink).join(', ')
const row = (cells: string[]) => `| ${cells.join(' | ')} |`
const limitRow = (l: Limit) => row([md(l.what), md(l.value), sources(l.source)])

function supported(): string[] {
  return [
    '## What is supported',
    '',
    'Every plan runs custom handlers on x86-64. What differs is how the package reaches the instance (and ' +
      'with it the ' +
      'execute bit), where the logs are, and how chd deploys.',
    '',
    '### Plans, OS and CPU',
    '',
    '| Plan | OS | CPU | How the package lands | Logs | chd deploy | Source |',
    '|---|---|---|---|---|---|---|',
    ...PLANS.map((p) => row([p.plan, p.os, p.cpu, md(p.content), md(p.logs), md(p.deploy), sources(p.source)])),
    '',
    '### How the handler is run',
    '',
    '| How | host.json | What it needs | Source |',
    '|---|---|---|---|',
    ...RUN_MODES.map((r) => row([md(r.how), md(r.hostJson), md(r.needs), sources(r.source)])),
    '',
    '### Limits',
    '',
    '| What | Limit | Source |',
    '|---|---|---|',
    ...LIMITS.map(limitRow),
    '',
  ]
}

function explanation(explained: ExplainedCode): string[] {
  const kind =
    explained.kind === 'finding' ? `Finding, usually ${explained.severity}.` : `Error, exit ${explained.exit}.`
  const out = [`### ${explained.code}`, '', `*${kind}* ${md(explained.summary)}`, '']
  out.push(`**What chd checks.** ${md(explained.checks)}`, '', `**What the host does.** ${md(explained.host)}`, '')
  out.push('**What you see on Azure.**', '')
  for (const seen of explained.seen) {
    out.push(`*${md(seen.on)}:*`, '')
    if (seen.log?.length) out.push('```text', ...seen.log, '```', '')
    const words = [seen.status, seen.elsewhere].filter(Boolean).map((t) => `${md(t!)}.`.replace(/\.\.$/, '.'))
    if (words.length > 0) out.push(words.join(' '), '')
  }
  const doctor = '`chd doctor --app`'
  if (explained.seenAs?.length)
    out.push(`On Azure, ${doctor} reports it as: ${explained.seenAs.map(codeLink).join(', ')}.`, '')
  const alike = reportedAs(explained.code)
  if (alike.length > 0)
    out.push(`Other causes ${doctor} reports as ${explained.code}: ${alike.map(codeLink).join(', ')}.`, '')
  out.push(
    `**Why.** ${md(explained.why)}`,
    '',
    '**Confirm.**',
    '',
    ...explained.confirm.map((c) => `- ${command(c)}`),
    '',
  )
  out.push('**Fix.**', '', ...explained.fix.map((f) => `- ${md(f)}`), '')
  const groups = explained.groups
    .map((id) => GROUPS.find((g) => g.id === id)!)
    .map((g) => `[${g.title}](#${anchor(g.title)})`)
  out.push(`Symptoms: ${groups.join(' · ')}  `, `Source: ${sources(explained.source)}`, '')
  return out
}

const HEADER = `# Troubleshooting Azure Functions custom handlers

<!-- Generated by \`npm run docs\` from src/explain/ (the text \`chd explain\` prints): edit those, not this file. -->

On Azure a failing custom handler shows up as a host log line, a status or a portal symptom, not as one of chd's
codes. This page goes from the symptom to the code, and explains every code chd reports: what chd checks, what
the Functions host does (with the host source file behind it), what you see on Azure, why it happens, how to
confirm it and how to fix it. The same text is in the terminal, offline:

\`\`\`sh
chd explain                          # every code, by symptom
chd explain HANDLER_NOT_READY        # one code
chd explain --line "Failed to start Worker Channel. Process fileName: /home/site/wwwroot/handler"
chd logs --app NAME --since 1h | chd explain --line -   # the lines chd recognises, and its verdict
chd doctor --app NAME                # the live app: settings, host status, host log lines
\`\`\`

Host facts come from Azure/azure-functions-host at commit 89dc438d (4.1037.0, October 2024) unless marked
"2025 and later". Log lines are verbatim; paths, ids, ports and versions in them are examples. In the host's file
log (what Kudu's log stream shows) an exception follows its record on the next lines; App Insights keeps the record
in \`traces\` and the exception in \`exceptions\`. Debugging a handler locally: [debugging.md](debugging.md).
`

/** docs/troubleshooting.md, whole. */
export function troubleshootingMarkdown(): string {
  const codes = allExplanations()
  const contents = [
    '## Contents',
    '',
    ...GROUPS.map((g) => `- [${g.title}](#${anchor(g.title)})`),
    '- [What is supported](#what-is-supported)',
    '- [Every code](#every-code)',
    '',
  ]
  const lines = [
    HEADER,
    ...contents,
    ...symptoms(codes),
    ...supported(),
    '## Every code',
    '',
    ...codes.flatMap(explanation),
  ]
  return `${lines
    .join('\n')
    .replaceAll(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`
}
