import assert from 'node:assert/strict'
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {chmod, mkdtemp, readdir, readFile, readlink, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {describe, test} from 'node:test'

import {goSkip} from './helpers/go.js'

/**
 * The README's first command, `npm run demo`, end to end: the package.json script as written, the
 * real CLI in child processes, the local Azure in the demo's process. Each run gets its own TMPDIR
 * and a marker in its environment, so that what it leaves behind (folders, processes) is its own.
 */

const ROOT = path.resolve(import.meta.dirname, '..')
const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {scripts: Record<string, string>}
const SCRIPT = PACKAGE.scripts.demo

interface DemoRun {
  code: number | null
  stdout: string
  stderr: string
  /** What is left in the run's TMPDIR, tsx's compile cache aside. */
  leftFiles: string[]
  /** Processes still alive that the run started. */
  leftProcesses: string[]
}

interface DemoOptions {
  /** Directories put first on PATH (a stand-in `go`). */
  path?: string
  /** Called with the stdout so far, each time it grows; may signal the demo. */
  watch?: (stdout: string, child: ChildProcess) => void
}

async function runDemo(args: string[], options: DemoOptions = {}): Promise<DemoRun> {
  const [node, ...nodeArgs] = SCRIPT.split(' ')
  assert.equal(node, 'node', 'the demo script runs node')
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'chd-demo-test-'))
  const mark = randomUUID()
  const child = spawn(process.execPath, [...nodeArgs, ...args, '--from-source'], {
    cwd: ROOT,
    // Its own process group, so a test can send Ctrl-C to all of it as a terminal does.
    detached: true,
    env: {
      ...process.env,
      TMPDIR: tmp,
      DEMO_TEST_MARK: mark,
      PATH: [options.path, process.env.PATH].filter(Boolean).join(path.delimiter),
      NO_COLOR: '1',
      FORCE_COLOR: undefined,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
    options.watch?.(stdout, child)
  })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // The group has already exited.
    }
  }, 150_000)
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  clearTimeout(timer)
  const leftProcesses = await processesOf(mark, tmp)
  // A failing run must not leave them running on a shared machine: they are this run's own.
  for (const p of leftProcesses)
    try {
      process.kill(Number(p.split(':')[0]), 'SIGKILL')
    } catch {
      // Gone between the listing and the kill.
    }
  const leftFiles = (await readdir(tmp)).filter((f) => !f.startsWith('tsx-'))
  await rm(tmp, {recursive: true, force: true})
  return {code, stdout, stderr, leftFiles, leftProcesses}
}

/**
 * Live processes that carry the run's marker (chd and go children inherit it) or live in its
 * TMPDIR (the fake's handlers get a fresh environment; Azurite's folder is there). A process
 * killed a moment ago may still be on its way out: ask again for up to 3 s.
 */
async function processesOf(mark: string, tmp: string): Promise<string[]> {
  const scan = async () => {
    const found: string[] = []
    for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
      const read = (f: string) => readFile(`/proc/${pid}/${f}`, 'utf8').catch(() => '')
      const link = (f: string) => readlink(`/proc/${pid}/${f}`).catch(() => '')
      const [environ, cmdline, stat] = await Promise.all([read('environ'), read('cmdline'), read('stat')])
      const [cwd, exe] = await Promise.all([link('cwd'), link('exe')])
      if (/\) Z /.test(stat)) continue
      if (environ.includes(`DEMO_TEST_MARK=${mark}`) || [cwd, exe, cmdline].some((s) => s.includes(tmp))) {
        found.push(`${pid}: ${cmdline.replaceAll('\0', ' ')}`)
      }
    }
    return found
  }
  let found = await scan()
  for (let i = 0; i < 30 && found.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 100))
    found = await scan()
  }
  return found
}

/** A stand-in for `go` on PATH: a shell script with this body. */
async function fakeGo(body: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'chd-demo-go-'))
  await writeFile(path.join(dir, 'go'), `#!/bin/sh\n${body}\n`)
  await chmod(path.join(dir, 'go'), 0o755)
  return dir
}

/** Runs the Go demo with a stand-in `go` (this shell body) and sends the demo alone SIGTERM while it builds. */
async function terminateDuringBuild(goBody: string): Promise<DemoRun> {
  const go = await fakeGo(goBody)
  let sent = false
  const r = await runDemo(['--example', 'go'], {
    path: go,
    watch: (stdout, child) => {
      if (!sent && /go build -o handler/.test(stdout)) {
        sent = true
        setTimeout(() => child.kill('SIGTERM'), 300)
      }
    },
  })
  await rm(go, {recursive: true, force: true})
  assert.ok(sent, r.stdout + r.stderr)
  return r
}

function nothingLeft(r: DemoRun): void {
  assert.deepEqual(r.leftProcesses, [], 'every process the demo started is gone')
  assert.deepEqual(r.leftFiles, [], 'every temporary folder the demo made is gone')
  assert.match(r.stdout, /Stopped the local Azure and removed its files/)
}

/** The text of one numbered step, up to the next. */
function section(stdout: string, n: number): string {
  return new RegExp(`^${n}/\\d [^]*?(?=^\\d/\\d |^Next:|^Stopped)`, 'm').exec(stdout)?.[0] ?? ''
}

const skipOffLinux = process.platform === 'linux' ? false : 'reads /proc to find leftover processes'

describe('npm run demo', {skip: skipOffLinux}, () => {
  const go = 'Go: builds the handler, doctor clean, deploy confirms the start, the URL answers, logs show the call'
  test(go, {skip: goSkip(), timeout: 180_000}, async () => {
    const r = await runDemo(['--example', 'go'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const handler = readFileSync(path.join(ROOT, 'examples/hello-go/handler'))
    assert.deepEqual([...handler.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], 'an ELF binary')
    const ignored = execFileSync('git', ['check-ignore', 'examples/hello-go/handler'], {cwd: ROOT, encoding: 'utf8'})
    assert.equal(ignored.trim(), 'examples/hello-go/handler')
    assert.match(section(r.stdout, 3), /^\$ \.\/bin\/run\.js doctor examples\/hello-go$/m)
    assert.match(section(r.stdout, 3), /^0 error\(s\), 0 warning\(s\), 0 info for linux-x64$/m)
    const deploy = section(r.stdout, 4)
    assert.match(deploy, /^\$ \.\/bin\/run\.js deploy examples\/hello-go --app demo-linux-dedicated$/m)
    assert.match(deploy, /^runtime: node → custom$/m)
    assert.match(deploy, /^handler: started \(host log .*Worker process started and initialized\.\)$/m)
    assert.match(r.stderr, /^✔ validate-local: Linux dedicated: 0 error\(s\), 0 other finding\(s\)/m)
    const url = /^ {2}hello: (https:\/\/127\.0\.0\.1:\d+\/api\/hello)$/m.exec(deploy)?.[1]
    assert.ok(url, deploy)
    const answer = `^\\$ curl ${url}\\?name=chd\\nHello, chd!\\n\\(HTTP 200 in \\d+ ms\\)$`
    assert.match(section(r.stdout, 5), new RegExp(answer, 'm'))
    const logs = section(r.stdout, 6)
    assert.match(logs, /^\$ \.\/bin\/run\.js logs --app demo-linux-dedicated --function hello --since 10m$/m)
    assert.match(logs, /INFO hello\/\w{8} Executed 'Functions\.hello' \(Succeeded, Id=/)
    assert.match(r.stdout, /^Next: the same against your own subscription\n.*az login/m)
    assert.match(r.stdout, /\.\/bin\/run\.js deploy examples\/hello-go --app <your-function-app>/)
    nothingLeft(r)
  })

  const node = 'Node (--example node): an app on the Node.js stack keeps it; doctor: no error, no warning'
  test(node, {timeout: 180_000}, async () => {
    const r = await runDemo(['--example', 'node'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /^1\/5 Start a local Azure/m)
    assert.match(section(r.stdout, 2), /^0 error\(s\), 0 warning\(s\), 1 info for linux-x64$/m)
    const deploy = section(r.stdout, 3)
    assert.match(deploy, /^\$ \.\/bin\/run\.js deploy examples\/hello-node --app demo-linux-node$/m)
    assert.match(deploy, /^runtime: node → node$/m)
    assert.match(deploy, /^handler: started /m)
    // examples/hello-node/host.json runs `node server.js`: on a Node.js stack, nothing to report.
    const kept = /^✔ validate-local: Linux dedicated: 0 error\(s\), 0 other finding\(s\), runtime node kept:/m
    assert.match(r.stderr, kept)
    assert.match(section(r.stdout, 4), /^Hello, chd!$/m)
    const logs = section(r.stdout, 5)
    assert.match(logs, /INFO hello\/\w{8} greeted chd$/m)
    assert.match(logs, /INFO hello\/\w{8} Executed 'Functions\.hello' \(Succeeded/)
    nothingLeft(r)
  })

  test('Ctrl-C during the deploy: everything stops, exit 130', {timeout: 180_000}, async () => {
    let sent = false
    const r = await runDemo(['--example', 'node'], {
      watch: (stdout, child) => {
        if (!sent && /^\$ \.\/bin\/run\.js deploy /m.test(stdout)) {
          sent = true
          // A terminal sends Ctrl-C to the whole foreground process group.
          setTimeout(() => process.kill(-child.pid!, 'SIGINT'), 300)
        }
      },
    })
    assert.ok(sent, r.stdout + r.stderr)
    assert.equal(r.code, 130, r.stdout + r.stderr)
    assert.doesNotMatch(r.stderr, /The demo stopped/, 'an interruption is not reported as a failure')
    assert.doesNotMatch(r.stdout, /^handler: started|^Next:/m, 'stopped during the deploy')
    nothingLeft(r)
  })

  const term = 'SIGTERM to the demo alone mid-step: passed on to the step, everything stops, exit 143'
  test(term, {timeout: 120_000}, async () => {
    const r = await terminateDuringBuild('exec sleep 60')
    assert.equal(r.code, 143, r.stdout + r.stderr)
    nothingLeft(r)
  })

  test('a step that ignores the signal is killed 10 s later; everything stops', {timeout: 120_000}, async () => {
    const r = await terminateDuringBuild(
      'trap \'echo "go: got TERM, carrying on" >&2\' TERM\nwhile :; do sleep 0.2; done',
    )
    assert.match(r.stderr, /go: got TERM, carrying on/, 'the signal reached the step')
    assert.equal(r.code, 143, r.stdout + r.stderr)
    nothingLeft(r)
  })

  test('a failed step: says which, stops everything, exit 1', {timeout: 120_000}, async () => {
    const go = await fakeGo('echo "go: simulated compiler failure" >&2; exit 3')
    const r = await runDemo(['--example', 'go'], {path: go})
    await rm(go, {recursive: true, force: true})
    assert.equal(r.code, 1, r.stdout + r.stderr)
    assert.match(r.stderr, /simulated compiler failure/)
    assert.match(r.stderr, /✖ The demo stopped: go build exited with code 3/)
    assert.doesNotMatch(r.stdout, /run\.js deploy|Next:/)
    nothingLeft(r)
  })

  test('a bad flag: usage, exit 2, nothing started', {timeout: 60_000}, async () => {
    const r = await runDemo(['--example', 'rust'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /--example must be go or node/)
    assert.equal(r.stdout, '')
    assert.deepEqual(r.leftFiles, [])
  })
})

test("the README's quick start is the demo and the tests, and the demo script is in package.json", () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const quick = /^## Quick start\n[^]*?```sh\n([^]*?)```/m.exec(readme)?.[1]
  assert.equal(quick, 'npm ci && npm run demo\nnpm test\n')
  assert.match(SCRIPT, /^node .* scripts\/demo\.ts$/)
})
