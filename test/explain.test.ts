import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {truncate, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, test} from 'node:test'

import {azureError} from '../src/azure/errors.js'
import {CATALOGUE} from '../src/checks/catalogue.js'
import {allExplanations, explainCode, GROUPS} from '../src/explain/index.js'
import {LOG_INPUT_MAX_BYTES, readLogInput} from '../src/explain/input.js'
import {explainLog} from '../src/explain/log.js'
import {anchor, parseSource, troubleshootingMarkdown} from '../src/explain/markdown.js'
import {matchLine, PATTERNS} from '../src/remote/diagnose.js'
import {tempDir} from './helpers/app.js'
import {chd} from './helpers/cli.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const ALL = allExplanations()

/** Every host log record the explanations show, with the explanation it belongs to. */
const EXAMPLES = ALL.flatMap((e) => e.seen.flatMap((s) => (s.log ?? []).map((line) => ({e, line}))))

/** The pattern judgeLogs applies to a record: the first that matches. */
const patternOf = (line: string) => PATTERNS.find((p) => p.test.test(line))

describe('chd explain: the data', () => {
  test('every catalogue code: what chd checks, what the host does, a symptom, a cause and a fix', () => {
    const byCode = new Map(ALL.map((e) => [e.code, e]))
    for (const c of CATALOGUE) {
      const e = byCode.get(c.code)
      assert.ok(e, `${c.code} has no explanation`)
      assert.equal(e.kind, 'finding')
      assert.equal(e.summary, c.summary)
      for (const field of ['checks', 'host', 'why'] as const) assert.ok(e[field].length > 20, `${c.code}.${field}`)
      assert.ok(e.seen.length > 0 && e.seen.every((s) => s.on && (s.log?.length || s.status)), `${c.code}: a symptom`)
      assert.ok(e.confirm.length > 0 && e.fix.length > 0, `${c.code}: confirm and fix`)
      assert.ok(e.groups.length > 0 && e.source.length > 0, `${c.code}: groups and sources`)
    }
    assert.equal(new Set(ALL.map((e) => e.code)).size, ALL.length, 'one explanation per code')
  })

  test('every symptom group points to codes, and every code to known groups', () => {
    for (const g of GROUPS)
      assert.ok(
        ALL.some((e) => e.groups.includes(g.id)),
        `${g.id} has no code`,
      )
    for (const e of ALL)
      for (const g of e.groups)
        assert.ok(
          GROUPS.some((x) => x.id === g),
          `${e.code}: group ${g}`,
        )
  })

  test('every host log pattern chd matches has an example line that maps back to its code', () => {
    for (const p of PATTERNS) {
      const example = EXAMPLES.find(({e, line}) => patternOf(line) === p && e.code === p.code)
      assert.ok(example, `no explanation shows a line for ${p.test} (${p.code})`)
      assert.deepEqual(matchLine(example.line), [p.code])
    }
  })

  test('seenAs is what doctor --app reports from the example lines (and host status), as judgeLogs reads them', () => {
    const fromStatus = ['HOST_NOT_RUNNING', 'HOST_STARTUP_ERROR']
    for (const e of ALL) {
      const lines = e.seen.flatMap((s) => s.log ?? [])
      const fromLines = [...new Set(lines.flatMap(matchLine))]
      for (const c of fromLines) assert.ok(e.seenAs?.includes(c), `${e.code}: its lines read as ${c}, not in seenAs`)
      for (const c of e.seenAs ?? []) {
        assert.ok([...fromLines, ...fromStatus].includes(c), `${e.code}: seenAs ${c} comes from nothing`)
      }
      for (const line of lines) {
        // The verdict doctor --app gives: the same matcher, so the two cannot drift apart.
        const codes = matchLine(line)
        if (codes.length === 0) continue
        const diagnosis = explainLog(`2024-11-29T10:00:00.000 [Error] ${line}`).diagnosis
        assert.deepEqual(
          diagnosis.map((f) => f.code),
          codes,
          line,
        )
      }
    }
  })

  test('seenAs names codes that exist', () => {
    for (const e of ALL)
      for (const c of e.seenAs ?? [])
        assert.ok(
          ALL.some((x) => x.code === c),
          `${e.code}: ${c}`,
        )
  })

  test('the error codes explained are the ones chd throws', () => {
    const sources = ['src', 'commands'].flatMap((dir) => readAll(path.join(ROOT, dir))).join('\n')
    for (const e of ALL.filter((x) => x.kind === 'error')) {
      assert.ok(e.exit !== undefined && e.summary, `${e.code}: summary and exit`)
      if (e.code.startsWith('KUDU_HTTP_')) assert.match(sources, /new ChdError\(\s*`KUDU_HTTP_\$\{response\.status\}`/)
      else if (e.code.startsWith('AZURE_')) {
        const error = azureError({statusCode: 403, code: 'AuthorizationFailed', message: 'denied'}, 'reading the app')
        assert.equal(error.code, e.code)
        assert.equal(error.exit, e.exit)
      } else assert.match(sources, new RegExp(`'${e.code}'`), `${e.code} is not thrown anywhere`)
    }
  })

  test("sources name a known repository; chd's own files exist", () => {
    for (const e of ALL) {
      for (const s of e.source) {
        const {prefix, path: file} = parseSource(s)
        assert.ok(['host', 'kudulite', 'kudu', 'core-tools', 'docker', 'chd'].includes(prefix), `${e.code}: ${s}`)
        if (prefix === 'chd') assert.ok(existsSync(path.join(ROOT, file)), `${e.code}: ${file} does not exist`)
      }
    }
  })

  test('codes resolve in any case; a near miss is a usage error naming the code meant', () => {
    assert.equal(explainCode('handler_not_ready').code, 'HANDLER_NOT_READY')
    assert.equal(explainCode('handler-not-ready').code, 'HANDLER_NOT_READY')
    assert.throws(
      () => explainCode('HANDLER_NOT_REDY'),
      (e: any) => e.code === 'UNKNOWN_CODE' && e.exit === 2 && /did you mean HANDLER_NOT_READY\?/.test(e.message),
    )
    assert.throws(() => explainCode('HANDLERNOTREADY'), /did you mean HANDLER_NOT_READY/)
    assert.throws(
      () => explainCode('SOMETHING_ELSE'),
      (e: any) => e.code === 'UNKNOWN_CODE' && !/did you mean/.test(e.message),
    )
  })
})

describe('chd explain --line: the same matcher as doctor --app', () => {
  test('a file log record joins its exception lines: the cause wins over the generic line', () => {
    const log = [
      "2024-11-29T10:00:00.000 [Information] Initializing Host. OperationId: 'x'.",
      '2024-11-29T10:00:01.000 [Error] Failed to start Worker Channel. Process fileName: /home/site/wwwroot/handler',
      "System.ComponentModel.Win32Exception : An error occurred trying to start process '/home/site/wwwroot/handler' " +
        "with working directory '/home/site/wwwroot'. Permission denied",
      '   at Microsoft.Azure.WebJobs.Script.Workers.WorkerProcess.StartProcessAsync()',
    ].join('\n')
    const r = explainLog(log)
    assert.equal(r.records, 2)
    assert.deepEqual(
      r.matches.map((m) => [m.line, m.codes]),
      [[2, ['EXECUTABLE_NOT_EXECUTABLE']]],
    )
    assert.deepEqual(
      r.diagnosis.map((f) => f.code),
      ['EXECUTABLE_NOT_EXECUTABLE'],
    )
  })

  test('chd logs --json lines: a later start that succeeded is the verdict', () => {
    const events = [
      {time: '2024-11-29T10:00:00Z', level: 'Information', message: "Initializing Host. OperationId: 'a'."},
      {
        time: '2024-11-29T10:00:31Z',
        level: 'Error',
        message:
          'Failed to start http worker process. workerId:1\n' +
          'System.TimeoutException : Initializing HttpWorker timed out.',
      },
      {time: '2024-11-29T10:05:00Z', level: 'Information', message: "Initializing Host. OperationId: 'b'."},
      {time: '2024-11-29T10:05:01Z', level: 'Information', message: 'Worker process started and initialized.'},
    ]
    const r = explainLog(events.map((e) => JSON.stringify({...e, source: 'stream'})).join('\n'))
    assert.deepEqual(
      r.matches.map((m) => m.codes),
      [['HANDLER_NOT_READY']],
    )
    assert.deepEqual(r.started, {line: 4, text: 'Worker process started and initialized.'})
    assert.deepEqual(r.diagnosis, [])
  })

  test('more than 64 MiB of log text is a usage error, refused before it is read', async () => {
    const file = path.join(await tempDir(), 'huge.log')
    await writeFile(file, '')
    await truncate(file, LOG_INPUT_MAX_BYTES + 1)
    await assert.rejects(readLogInput({file}), (e: any) => e.code === 'INPUT_TOO_LARGE' && e.exit === 2)
    const missing = path.join(path.dirname(file), 'missing.log')
    await assert.rejects(readLogInput({file: missing}), (e: any) => e.code === 'PATH_NOT_FOUND')
  })
})

describe('chd explain: the command', () => {
  test('a code: text and JSON; any case; a near miss exits 2 with the code meant', async () => {
    const text = await chd(['explain', 'EXECUTABLE_GLIBC_TOO_NEW'])
    assert.equal(text.code, 0, text.stderr)
    for (const heading of ['What chd checks', 'What the host does', 'What you see on Azure', 'Why', 'Confirm', 'Fix']) {
      assert.match(text.stdout, new RegExp(`^${heading}$`, 'm'))
    }
    assert.match(text.stdout, /version `GLIBC_2\.34' not found/)
    const json = await chd(['explain', 'executable_glibc_too_new', '--json'])
    assert.deepEqual(json.json(), JSON.parse(JSON.stringify(explainCode('EXECUTABLE_GLIBC_TOO_NEW'))))
    const typo = await chd(['explain', 'EXECUTABLE_GLIBC_TO_NEW'])
    assert.equal(typo.code, 2)
    assert.match(typo.stderr, /Error \[UNKNOWN_CODE\].*did you mean EXECUTABLE_GLIBC_TOO_NEW\?/)
    const typoJson = await chd(['explain', 'EXECUTABLE_GLIBC_TO_NEW', '--json'])
    assert.equal(typoJson.code, 2)
    assert.equal(typoJson.json().error.code, 'UNKNOWN_CODE')
  })

  test('no code: every code, by symptom', async () => {
    const text = await chd(['explain'])
    assert.equal(text.code, 0, text.stderr)
    for (const e of ALL) assert.match(text.stdout, new RegExp(`^  ${e.code} `, 'm'))
    const json = (await chd(['explain', '--json'])).json()
    assert.deepEqual(
      json.codes.map((c: {code: string}) => c.code),
      ALL.map((e) => e.code),
    )
  })

  test('--file maps every example record back to its code; --line - reads chd logs output on stdin', async () => {
    const singles = PATTERNS.map((p) => EXAMPLES.find(({e, line}) => patternOf(line) === p && e.code === p.code)!)
    const lines: string[] = []
    const expected: Array<[number, string]> = []
    for (const {line} of singles) {
      expected.push([lines.length + 1, matchLine(line)[0]])
      lines.push(...`2024-11-29T10:00:00.000 [Error] ${line}`.split('\n'))
    }
    const file = path.join(await tempDir(), 'host.log')
    await writeFile(file, lines.join('\n'))
    const r = await chd(['explain', '--file', file, '--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(
      r.json().matches.map((m: {line: number; codes: string[]}) => [m.line, m.codes[0]]),
      expected,
    )

    const piped = [
      {
        time: '2024-11-29T10:00:00Z',
        level: 'Error',
        message: 'Exceeded http worker restart retry count. ' + 'Shutting down Functions Host',
        source: 'insights',
      },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n')
    const stdin = await chd(['explain', '--line', '-'], {input: `${piped}\n`})
    assert.equal(stdin.code, 0, stdin.stderr)
    assert.match(stdin.stdout, /^line 1: HANDLER_EXITED/m)
    const none = await chd(['explain', '--line', 'Host started (12ms)'])
    assert.equal(none.code, 1)
    assert.match(none.stdout, /No line names a failure chd knows/)
  })

  test('chd explain imports no Azure SDK, no spinner and no zip reader; --line adds no SDK either', () => {
    const light = importGraph(path.join(ROOT, 'commands/explain.ts'))
    for (const m of light)
      assert.doesNotMatch(m, /^@azure\/|^ora$|^yauzl$|^undici$|\/src\/(azure|remote|logs|deploy|pack)\//, m)
    const line = importGraph(path.join(ROOT, 'src/explain/log.ts'))
    for (const m of line) assert.doesNotMatch(m, /^@azure\/|^ora$|^yauzl$|^undici$/, m)
  })
})

describe('docs/troubleshooting.md', () => {
  test('is what npm run docs writes from the same data (run it after changing src/explain/)', () => {
    const committed = readFileSync(path.join(ROOT, 'docs/troubleshooting.md'), 'utf8')
    assert.ok(committed === troubleshootingMarkdown(), 'docs/troubleshooting.md is stale: run npm run docs')
  })

  test('every in-page link has its heading, and every code has its section', () => {
    const doc = troubleshootingMarkdown()
    const headings = new Set([...doc.matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1])))
    for (const m of doc.matchAll(/\]\(#([^)]+)\)/g)) assert.ok(headings.has(m[1]), `no heading for #${m[1]}`)
    for (const e of ALL) assert.ok(headings.has(anchor(e.code)), e.code)
  })
})

function readAll(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...readAll(p))
    else if (p.endsWith('.ts')) out.push(readFileSync(p, 'utf8'))
  }
  return out
}

/** Every module a file loads at start-up: its static imports, transitively (import type and import() excluded). */
function importGraph(file: string, seen = new Set<string>()): Set<string> {
  const text = readFileSync(file, 'utf8')
  const clause = String.raw`(?:\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+(?:\s*,\s*\{[^}]*\})?)`
  const from = String.raw`(?:${clause}\s+from\s+)?['"]([^'"]+)['"]`
  const statement = new RegExp(String.raw`^(?:import|export)\s+(?!type\b)${from}`, 'gm')
  for (const m of text.matchAll(statement)) {
    const spec = m[1]
    if (!spec.startsWith('.')) {
      seen.add(spec)
      continue
    }
    const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts')
    if (seen.has(target)) continue
    seen.add(target)
    importGraph(target, seen)
  }
  return seen
}
