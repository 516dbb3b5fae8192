import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {before, test} from 'node:test'

import {type CommandShape, commandSnapshot, ROOT} from '../scripts/commands.js'
import {azureFlags} from '../src/flags.js'

// README.md's command reference is checked against the command classes, so neither can drift alone.
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
let commands: CommandShape[]
before(async () => {
  commands = await commandSnapshot()
})

/** The text under a command's `### \`chd <id> …\`` heading, up to the next heading. */
function section(id: string): string {
  const top = id.split(' ').slice(0, 1)[0]
  const start = README.search(new RegExp(`^### \`chd ${top}\\b`, 'm'))
  assert.notEqual(start, -1, `README.md has no "### \`chd ${top} …\`" section`)
  const end = README.slice(start + 4).search(/^##/m)
  return end === -1 ? README.slice(start) : README.slice(start, start + 4 + end)
}

/** How README.md may write a flag: --name, --[no-]name, --no-name. */
function written(name: string, text: string): boolean {
  return [`--${name}`, `--[no-]${name}`, `--no-${name}`].some((form) =>
    new RegExp(`${form.replaceAll(/[[\]]/g, '\\$&')}(?![\\w-])`).test(text),
  )
}

test("every command and every flag is in README.md, in its command's section (Azure flags in their paragraph)", () => {
  const azure = README.slice(README.indexOf('Azure flags (every Azure command)'))
  const missing: string[] = []
  for (const c of commands) {
    if (!README.includes(`chd ${c.id}`)) missing.push(`chd ${c.id}`)
    const text = section(c.id)
    for (const [name, flag] of Object.entries(c.flags)) {
      const shared = name in azureFlags ? azure : ''
      if (!written(name, text) && !written(name, shared)) missing.push(`chd ${c.id} --${name}`)
      const char = String(flag.char ?? '')
      if (char && !`${text}${shared}`.includes(`-${char}, --${name}`)) missing.push(`chd ${c.id} -${char}, --${name}`)
    }
  }
  assert.deepEqual(missing, [], "README.md does not mention these; document them in the command's section")
})

test('every `chd <command> --flag` written in README.md exists', () => {
  const ids = commands.map((c) => c.id).sort((a, b) => b.length - a.length)
  const wrong: string[] = []
  // A command line: from `chd ` or `./bin/run.js ` to the end of its code span, line or pipe.
  for (const m of README.matchAll(/(?:\bchd|\.\/bin\/run\.js) ([^`\n|]*)/g)) {
    const line = m[1]
    const id = ids.find((i) => line === i || line.startsWith(`${i} `))
    if (!id) continue
    const c = commands.find((x) => x.id === id)!
    for (const f of line.slice(id.length).matchAll(/(?<![\w-])--(?:\[no-\])?([a-z][\w-]*)/g)) {
      const name = f[1]
      const flag =
        c.flags[name] ??
        (name.startsWith('no-') && c.flags[name.slice(3)]?.allowNo ? c.flags[name.slice(3)] : undefined)
      if (!flag && name !== 'json' && name !== 'help') wrong.push(`chd ${id} … --${name}`)
    }
  }
  assert.deepEqual(wrong, [], 'README.md shows flags these commands do not have')
})

test("the paths README.md and the commands' examples name exist", async () => {
  const texts = [README, ...commands.map((c) => JSON.stringify(c))]
  for (const file of readdirSync(path.join(ROOT, 'commands'), {recursive: true, encoding: 'utf8'})) {
    if (file.endsWith('.ts')) texts.push(readFileSync(path.join(ROOT, 'commands', file), 'utf8'))
  }
  const named = new Set(
    texts.flatMap((t) => [...t.matchAll(/\b(examples\/[\w.-]+|docs\/[\w.-]+\.md)/g)].map((m) => m[1])),
  )
  assert.ok(named.size > 0)
  assert.deepEqual(
    [...named].filter((p) => !existsSync(path.join(ROOT, p))),
    [],
    'these paths do not exist',
  )
})

test('the layout list in README.md names every folder of the repository and of src/', () => {
  const layout = /^- Layout\b[^:\n]*: ([\s\S]*?)(?=^- |\n\n)/m.exec(README)?.[1]
  assert.ok(layout, 'README.md has no "- Layout:" item')
  const top = ['bin', 'commands', 'docs', 'examples', 'schemas', 'scripts', 'src', 'test']
  const src = readdirSync(path.join(ROOT, 'src'), {withFileTypes: true})
    .filter((d) => d.isDirectory())
    .map((d) => `src/${d.name}`)
  const missing = [...top.map((t) => `${t}/`), ...src].filter((f) => !layout.includes(`\`${f.replace(/\/$/, '')}`))
  assert.deepEqual(missing, [], 'add these folders to the layout list in README.md')
})
