import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, test} from 'node:test'

import ts from 'typescript'

// Imports run only downward through the layers ARCHITECTURE.md lists, and no file imports itself
// back through a chain: the layer order is read from that document, so the two cannot drift.
const ROOT = path.resolve(import.meta.dirname, '..')

/** The tiers, top first, from ARCHITECTURE.md's ```layers block: "name: module module …" per line. */
function tiers(): string[][] {
  const text = readFileSync(path.join(ROOT, 'ARCHITECTURE.md'), 'utf8')
  const block = /```layers\n([\s\S]*?)```/.exec(text)
  assert.ok(block, 'ARCHITECTURE.md has a ```layers block')
  return block[1]
    .trim()
    .split('\n')
    .map((line) =>
      line
        .replace(/^[^:]*:/, '')
        .trim()
        .split(/\s+/),
    )
}

/** The module a file belongs to: "commands", or its folder (or file name) under src/. */
function moduleOf(file: string): string {
  const parts = file.split('/')
  if (parts[0] === 'commands') return 'commands'
  return parts.length > 2 ? parts[1] : parts[1].replace(/\.ts$/, '')
}

interface Edge {
  from: string
  to: string
  line: number
}

/** Every relative import of every source file (static, type-only, re-export and dynamic alike). */
function imports(): Edge[] {
  const files = ['src', 'commands'].flatMap((dir) =>
    readdirSync(path.join(ROOT, dir), {recursive: true, encoding: 'utf8'})
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `${dir}/${f}`),
  )
  return files.flatMap((from) => {
    const text = readFileSync(path.join(ROOT, from), 'utf8')
    const source = ts.createSourceFile(from, text, ts.ScriptTarget.Latest)
    return ts
      .preProcessFile(text, true, true)
      .importedFiles // Data files (package.json) belong to no layer.
      .filter((i) => i.fileName.startsWith('.') && !i.fileName.endsWith('.json'))
      .map((i) => ({
        from,
        to: path.posix.normalize(path.posix.join(path.posix.dirname(from), i.fileName)).replace(/\.js$/, '.ts'),
        line: source.getLineAndCharacterOfPosition(i.pos).line + 1,
      }))
  })
}

/** Imports that run sideways or up: a module may import only itself and modules in lower tiers. */
function upward(edges: Edge[], order: string[][]): string[] {
  const tier = new Map(order.flatMap((names, i) => names.map((n) => [n, i] as const)))
  const problems: string[] = []
  for (const {from, to, line} of edges) {
    const a = moduleOf(from)
    const b = moduleOf(to)
    if (a === b) continue
    const ta = tier.get(a)
    const tb = tier.get(b)
    if (ta === undefined || tb === undefined) {
      problems.push(`${from}:${line}: ${ta === undefined ? a : b} is in no tier of ARCHITECTURE.md`)
    } else if (tb <= ta) {
      problems.push(`${from}:${line}: ${a} (tier ${ta + 1}) imports ${to} (${b}, tier ${tb + 1})`)
    }
  }
  return problems
}

/** File-level import cycles, each as the chain of files that closes it. */
function cycles(edges: Edge[]): string[][] {
  const next = new Map<string, string[]>()
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to])
  const state = new Map<string, 'open' | 'done'>()
  const found: string[][] = []
  const visit = (file: string, chain: string[]): void => {
    if (state.get(file) === 'done') return
    if (state.get(file) === 'open') {
      found.push([...chain.slice(chain.indexOf(file)), file])
      return
    }
    state.set(file, 'open')
    for (const to of next.get(file) ?? []) visit(to, [...chain, file])
    state.set(file, 'done')
  }
  for (const file of next.keys()) visit(file, [])
  return found
}

/**
 * Where src/ may read the environment: the command layer reads it once and passes options down, so a
 * service behaves the same whoever calls it. launch.ts copies it whole: the handler inherits the host's
 * environment (on Azure, every app setting), which is not a setting chd reads.
 */
const ENV_READERS: Record<string, string> = {
  'src/flags.ts': 'the Azure options and the waits tests shorten',
  'src/base-command.ts': 'DEBUG (stacks), CI and TERM (spinners)',
  'src/host/launch.ts': "the handler's inherited environment",
}

/** Each `process.env` in a source text (not in a string or comment), as its line number. */
function envReads(file: string, text: string): number[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const lines: number[] = []
  const visit = (node: ts.Node): void => {
    if (
      ts.isPropertyAccessExpression(node) &&
      node.name.text === 'env' &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'process'
    ) {
      lines.push(source.getLineAndCharacterOfPosition(node.getStart()).line + 1)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return lines
}

describe('layers (ARCHITECTURE.md)', () => {
  test('every import runs downward through the tiers', () => {
    assert.deepEqual(upward(imports(), tiers()), [])
  })

  test('no import cycle between files', () => {
    assert.deepEqual(
      cycles(imports()).map((c) => c.join(' → ')),
      [],
    )
  })

  test('the environment is read at the command layer only (src/flags.ts), not deep in src/', () => {
    const files = readdirSync(path.join(ROOT, 'src'), {recursive: true, encoding: 'utf8'})
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `src/${f}`)
      .filter((f) => !(f in ENV_READERS))
    const reads = files.flatMap((f) =>
      envReads(f, readFileSync(path.join(ROOT, f), 'utf8')).map((line) => `${f}:${line}`),
    )
    assert.deepEqual(reads, [], 'read it in src/flags.ts and pass it down as an option')
    const sample = "const a = process.env.X\n// process.env in a comment\nconst b = 'process.env.Y'\nenv(process)"
    assert.deepEqual(envReads('sample.ts', sample), [1], 'the check finds a read and only a read')
  })

  test('the checks can fail: an upward import, a module in no tier, and a cycle are caught', () => {
    const order = [['commands'], ['deploy'], ['checks']]
    const edges: Edge[] = [
      {from: 'src/checks/run.ts', to: 'src/deploy/index.ts', line: 3},
      {from: 'src/deploy/index.ts', to: 'src/newthing/x.ts', line: 4},
      {from: 'src/deploy/index.ts', to: 'src/deploy/steps.ts', line: 5},
      {from: 'src/deploy/steps.ts', to: 'src/deploy/index.ts', line: 1},
    ]
    assert.deepEqual(upward(edges, order), [
      'src/checks/run.ts:3: checks (tier 3) imports src/deploy/index.ts (deploy, tier 2)',
      'src/deploy/index.ts:4: newthing is in no tier of ARCHITECTURE.md',
    ])
    assert.deepEqual(cycles(edges), [['src/deploy/index.ts', 'src/deploy/steps.ts', 'src/deploy/index.ts']])
  })
})
