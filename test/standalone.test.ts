import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, test} from 'node:test'

// The repository stands on its own: a fact is cited from this repository's docs or from an upstream
// source file, never from notes that live only on one machine.
const ROOT = path.resolve(import.meta.dirname, '..')
const SELF = path.relative(ROOT, import.meta.filename)
const TEXT = /\.(ts|js|mjs|cjs|md|json|go|sh|txt|ya?ml)$/
const DOCS = ['host-protocol', 'platform']

/** Citations of files outside the repository (the old notes' names and where they lived). */
const OUTSIDE = [
  /\/work\//,
  /\.\.\/shared\//,
  /shared\/reference/,
  /\bresearch\//,
  /host-facts/,
  /images-facts/,
  /kudu-arm-facts/,
  /\banchors\.md/,
  /\bazure-apis\.md/,
  // A section citation of the reference docs must name their path in the repository.
  new RegExp(`(?<!docs/)\\b(?:${DOCS.join('|')})\\.md §`),
]

/** Outside the reference docs themselves, a bare section sign names no document: "(§12)", "host-protocol §4". */
const BARE = /(?:\(|\bhost-protocol |\bplatform )§/

function cites(file: string, line: string): boolean {
  if (OUTSIDE.some((re) => re.test(line))) return true
  return !DOCS.some((d) => file === `docs/${d}.md`) && BARE.test(line)
}

function files(): string[] {
  const dirs = ['src', 'test', 'scripts', 'docs'].flatMap((dir) =>
    readdirSync(path.join(ROOT, dir), {recursive: true, encoding: 'utf8'}).map((f) => path.join(dir, f)),
  )
  return [...dirs, 'README.md'].filter((f) => TEXT.test(f) && f !== SELF)
}

/** Section numbers of a reference doc: its "## N. Title" headings. */
function sections(doc: string): Set<number> {
  const text = readFileSync(path.join(ROOT, 'docs', `${doc}.md`), 'utf8')
  return new Set([...text.matchAll(/^## (\d+)\. /gm)].map((m) => Number(m[1])))
}

/** Every "docs/NAME.md §N[, §M…]" in a text, and (inside a reference doc) its own bare "§N". */
function citations(file: string, text: string): Array<{doc: string; n: number}> {
  const found: Array<{doc: string; n: number}> = []
  const cite = new RegExp(`docs/(${DOCS.join('|')})\\.md ((?:§\\d+(?:\\.\\d+)?(?:[–-]§?\\d+)?(?:, | and )?)+)`, 'g')
  const rest = text.replace(cite, (_, doc: string, list: string) => {
    for (const m of list.matchAll(/\d+(?:\.\d+)?/g)) found.push({doc, n: Math.trunc(Number(m[0]))})
    return ''
  })
  const own = DOCS.find((d) => file === path.join('docs', `${d}.md`))
  if (own) for (const m of rest.matchAll(/§(\d+)/g)) found.push({doc: own, n: Number(m[1])})
  return found
}

describe('the repository stands on its own', () => {
  const all = files().map((file) => ({file, text: readFileSync(path.join(ROOT, file), 'utf8')}))

  test('no file cites notes outside the repository', () => {
    const bad = all.flatMap(({file, text}) =>
      text.split('\n').flatMap((line, i) => (cites(file, line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    )
    assert.deepEqual(bad, [])
  })

  test('every docs/host-protocol.md §N and docs/platform.md §N points at a section that exists', () => {
    const have = new Map(DOCS.map((d) => [d, sections(d)]))
    for (const d of DOCS) assert.ok(have.get(d)!.size >= 5, `docs/${d}.md has numbered sections`)
    const cited = all.flatMap(({file, text}) => citations(file, text).map((c) => ({file, ...c})))
    assert.ok(cited.length >= 10, `found ${cited.length} citations`)
    const missing = cited.filter((c) => !have.get(c.doc)!.has(c.n)).map((c) => `${c.file}: docs/${c.doc}.md §${c.n}`)
    assert.deepEqual(missing, [])
  })

  test('the citation checks catch what they are for', () => {
    const outside = (line: string) => cites('src/x.ts', line)
    assert.ok(outside('// see research/host-facts.md §6'))
    assert.ok(outside(' * (host-protocol.md §9)'))
    assert.ok(outside('/work/shared/reference/host-protocol.md'))
    assert.ok(outside(' * as the host does (host-protocol §3–4)'))
    assert.ok(outside('/** the field names the host uses (§12). */'))
    assert.ok(!outside(' * (docs/host-protocol.md §9)'))
    assert.ok(!cites('docs/host-protocol.md', 'the readiness window (§6)'))
    assert.ok(!outside("why: 'A link into a shared folder (../shared), a node_modules link'"))
    assert.deepEqual(citations('src/x.ts', '(docs/host-protocol.md §6, §7, §14) and docs/platform.md §8–§10'), [
      {doc: 'host-protocol', n: 6},
      {doc: 'host-protocol', n: 7},
      {doc: 'host-protocol', n: 14},
      {doc: 'platform', n: 8},
      {doc: 'platform', n: 10},
    ])
  })
})
