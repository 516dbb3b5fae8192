import assert from 'node:assert/strict'
import type {ChildProcess} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {truncate, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, test} from 'node:test'

import {makeApp, tempDir} from './helpers/app.js'
import {chd, type CliResult} from './helpers/cli.js'
import {handlerApp, JSON_OK, nodeHandler} from './helpers/handlers.js'

/**
 * A handler whose child leaves its process group with setsid and keeps the handler's stdout. It
 * writes both pids to pids.txt in the app folder, then runs `listen` (or never listens).
 */
const LISTEN = "server.listen(Number(process.env.FUNCTIONS_CUSTOMHANDLER_PORT), '127.0.0.1')"

function escapingHandler(listen = LISTEN, body = JSON_OK) {
  return handlerApp(
    nodeHandler(
      body,
      `
const kid = require('node:child_process').spawn('setsid', ['sleep', '1000'], {stdio: ['ignore', 'inherit', 'inherit']})
require('node:fs').writeFileSync('pids.txt', process.pid + ' ' + kid.pid + '\\n')
${listen}`,
    ),
  )
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Alive and not a zombie (this machine's pid 1 may be slow to reap). */
function running(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) [ZX] /s.test(readFileSync(`/proc/${pid}/stat`, 'latin1'))
  } catch {
    return false
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) {
    const value = probe()
    if (value !== undefined) return value
  }
  throw new Error(`timed out waiting for ${what}`)
}

const pidsOf = (dir: string) => () => {
  const text = existsSync(path.join(dir, 'pids.txt')) ? readFileSync(path.join(dir, 'pids.txt'), 'utf8') : ''
  return text.endsWith('\n') ? text.trim().split(' ').map(Number) : undefined
}

/** Runs chd, sends SIGTERM once `ready` says so, and returns how it ended. */
async function terminateWhen(args: string[], ready: (stdout: string) => boolean): Promise<CliResult> {
  let child: ChildProcess | undefined
  let out = ''
  const result = chd(args, {
    onSpawn: (c) => {
      child = c
      c.stdout!.on('data', (d) => {
        out += d
      })
    },
  })
  await waitFor('chd to get going', () => (child && ready(out) ? true : undefined))
  child!.kill('SIGTERM')
  return result
}

/** chd has sent SIGKILL as it exits; the kernel may take a moment to carry it out. */
async function assertGone(pids: number[]) {
  await waitFor(`processes ${pids.join(', ')} to end`, () => (pids.some(running) ? undefined : true), 2000)
}

describe("SIGTERM, and processes that escape the handler's group", {skip: process.platform !== 'linux'}, () => {
  test("invoke returns although an escaped child holds the handler's stdout, and that child is stopped", async () => {
    const dir = await makeApp(escapingHandler())
    const r = await chd(['invoke', dir, 'hello'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /hello \(POST \/hello\) → 200/)
    await assertGone(pidsOf(dir)()!)
  })

  test('start: SIGTERM stops the handler and its escaped child, then exit 143', async () => {
    const dir = await makeApp(escapingHandler())
    const r = await terminateWhen(['start', dir, '--port', '0', '--json'], (out) => out.includes('"type":"ready"'))
    assert.equal(r.code, 143, r.stderr)
    await assertGone(pidsOf(dir)()!)
  })

  test('invoke: SIGTERM during a slow invocation stops everything, then exit 143', async () => {
    const dir = await makeApp(escapingHandler(undefined, 'setTimeout(() => res.end(), 60_000)'))
    const r = await terminateWhen(['invoke', dir, 'hello'], () => pidsOf(dir)() !== undefined)
    assert.equal(r.code, 143, r.stderr)
    assert.match(r.stderr, /Terminated\./)
    await assertGone(pidsOf(dir)()!)
  })

  test('doctor: SIGTERM while the startup probe waits stops the handler, then exit 143', async () => {
    const dir = await makeApp(escapingHandler('setInterval(() => {}, 1000)'))
    const r = await terminateWhen(['doctor', dir, '--startup-timeout', '60'], () => pidsOf(dir)() !== undefined)
    assert.equal(r.code, 143, r.stderr)
    await assertGone(pidsOf(dir)()!)
  })

  test('pack: SIGTERM mid-pack leaves no temporary zip behind, then exit 143', async () => {
    const dir = await makeApp({'host.json': {version: '2.0'}})
    // 2 GiB of holes: slow enough to interrupt, no disk used.
    await writeFile(path.join(dir, 'data.bin'), '')
    await truncate(path.join(dir, 'data.bin'), 2 * 1024 ** 3)
    const out = await tempDir()
    const temps = () => readdirSync(out).filter((f) => f.endsWith('.tmp'))
    const r = await terminateWhen(['pack', dir, '-o', path.join(out, 'app.zip'), '--force'], () => temps().length > 0)
    assert.equal(r.code, 143, r.stderr)
    assert.deepEqual(readdirSync(out), [])
  })
})
