import assert from 'node:assert/strict'
import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {chmod, mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, test} from 'node:test'
import {pathToFileURL} from 'node:url'

import Start from '../commands/start.js'
import {tempDir} from './helpers/app.js'

/**
 * docs/debugging.md as its reader would use it: the example app built from its files, every chd invoke
 * command run through a shell as written, each payload it shows compared with what the handler gets,
 * the debugger settings tried, the chd start --json events compared with a real run.
 */
const ROOT = path.resolve(import.meta.dirname, '..')
const DOC = readFileSync(path.join(ROOT, 'docs/debugging.md'), 'utf8')
const TSX = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href

interface Block {
  lang: string
  body: string
  /** The <!-- … --> marker right before the block, if any. */
  mark?: string
}

function blocks(doc: string): Block[] {
  const out: Block[] = []
  for (const m of doc.matchAll(/(?:<!-- (.+?) -->\n)?```(\w*)\n([\s\S]*?)\n```/g)) {
    out.push({mark: m[1], lang: m[2], body: m[3]})
  }
  return out
}

const BLOCKS = blocks(DOC)
const file = (name: string) => BLOCKS.find((b) => b.mark === `file: ${name}`)!.body

/** The example app, from the doc's `<!-- file: … -->` blocks (variants in parentheses left out). */
async function exampleApp(): Promise<string> {
  const dir = await tempDir('chd-doc-')
  for (const b of BLOCKS.filter((x) => x.mark?.startsWith('file: ') && !x.mark.includes('('))) {
    const target = path.join(dir, b.mark!.slice('file: '.length))
    await mkdir(path.dirname(target), {recursive: true})
    await writeFile(target, `${b.body}\n`)
  }
  return dir
}

/** A `chd` on PATH that runs this checkout, so the doc's commands run through a shell as a user types them. */
async function shim(): Promise<string> {
  const bin = await tempDir('chd-bin-')
  const script = `#!/bin/sh\nexec "${process.execPath}" --import "${TSX}" "${path.join(ROOT, 'bin/run.js')}" "$@"\n`
  await writeFile(path.join(bin, 'chd'), script)
  await chmod(path.join(bin, 'chd'), 0o755)
  return bin
}

function sh(command: string, cwd: string, bin: string): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const env = {...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1', NODE_ENV: 'test'}
    execFile('sh', ['-c', command], {cwd, env, timeout: 60_000}, (error, stdout, stderr) => {
      resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr})
    })
  })
}

/** chd start --json on `dir`; events as they come; stop() ends it with Ctrl-C. */
function startJson(dir: string) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', TSX, path.join(ROOT, 'bin/run.js'), 'start', dir, '--json', '-p', '0'],
    {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1', NODE_ENV: 'test'}},
  )
  const events: Array<Record<string, any>> = []
  let buf = ''
  child.stdout!.on('data', (d) => {
    buf += d
    let nl
    while ((nl = buf.indexOf('\n')) !== -1) {
      events.push(JSON.parse(buf.slice(0, nl)))
      buf = buf.slice(nl + 1)
    }
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const until = async (pred: () => boolean, what: string) => {
    for (let i = 0; i < 600 && !pred(); i++) await new Promise((r) => setTimeout(r, 50))
    assert.ok(pred(), `no ${what} within 30 s: ${JSON.stringify(events)}`)
  }
  const stop = async () => {
    child.kill('SIGINT')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
  return {events, until, stop}
}

describe('docs/debugging.md', () => {
  test('every chd invoke command, run as written, sends the payload the doc shows', async () => {
    const [app, bin] = [await exampleApp(), await shim()]
    let checked = 0
    let command: string | undefined
    for (const b of BLOCKS) {
      if (b.lang === 'sh' && b.body.startsWith('chd invoke ')) command = b.body.trim()
      if (b.mark !== 'payload') continue
      assert.ok(command, 'a payload block follows a chd invoke command')
      const r = await sh(`${command} --json`, app, bin)
      assert.equal(r.code, 0, `${command}\n${r.stderr}`)
      const {payload} = JSON.parse(r.stdout).request
      delete payload.Metadata.sys
      assert.deepEqual(payload, JSON.parse(b.body), command)
      checked++
      command = undefined
    }
    assert.ok(checked >= 7, `only ${checked} payloads checked`)
  })

  test('chd start flags the doc names exist', () => {
    for (const flag of ['port', 'startup-timeout']) assert.ok(flag in Start.flags, flag)
    assert.ok(Start.flags.port.char === 'p')
  })

  test('the Node inspector settings reach the handler', async () => {
    const app = await exampleApp()
    const settings = file('local.settings.json (node inspector)').replace('127.0.0.1:9229', '127.0.0.1:0')
    await writeFile(path.join(app, 'local.settings.json'), settings)
    const run = startJson(app)
    try {
      await run.until(() => run.events.some((e) => e.type === 'ready'), 'ready event')
      const inspector = /^Debugger listening on ws:\/\/127\.0\.0\.1:\d+\//
      await run.until(() => run.events.some((e) => inspector.test(e.text ?? '')), 'inspector line')
    } finally {
      await run.stop()
    }
  })

  test('debugger wrappers: the override keys chd applies; the wrapper gets the port and runs the handler', async () => {
    const prefix = 'AzureFunctionsJobHost__customHandler__description__'
    const keys = [`${prefix}defaultExecutablePath`, `${prefix}arguments`]
    for (const variant of ['delve', 'gdbserver']) {
      const values = JSON.parse(file(`local.settings.json (${variant})`)).Values
      for (const k of keys) assert.ok(k in values, `${variant}: ${k}`)
      assert.ok(Array.isArray(JSON.parse(values[keys[1]])), `${variant}: arguments is a JSON array in a string`)
    }
    // The same two keys with a wrapper this machine has: sh, which reports the port, then runs the handler.
    const app = await exampleApp()
    const args = JSON.stringify(['-c', '"echo wrapped on $FUNCTIONS_CUSTOMHANDLER_PORT >&2; exec node server.js"'])
    await writeFile(path.join(app, 'local.settings.json'), JSON.stringify({Values: {[keys[0]]: 'sh', [keys[1]]: args}}))
    const run = startJson(app)
    try {
      await run.until(() => run.events.some((e) => e.type === 'ready'), 'ready event')
      const port = run.events.find((e) => e.type === 'ready')!.handlerPort
      await run.until(() => run.events.some((e) => e.text === `wrapped on ${port}`), "the wrapper's line")
    } finally {
      await run.stop()
    }
  })

  test('chd start --json events have the fields the doc shows', async () => {
    const shown = new Map(
      BLOCKS.find((b) => b.mark === 'events')!
        .body.split('\n')
        .map((l) => {
          const e = JSON.parse(l)
          return [e.type, Object.keys(e).sort()]
        }),
    )
    const run = startJson(await exampleApp())
    try {
      await run.until(() => run.events.some((e) => e.type === 'ready'), 'ready event')
      const {port} = run.events.find((e) => e.type === 'ready')!
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/hello?name=Ada`)).status, 200)
      const admin = await fetch(`http://127.0.0.1:${port}/admin/functions/orders`, {
        method: 'POST',
        body: '{"input": "hello"}',
      })
      assert.equal(admin.status, 202)
      await run.until(() => run.events.filter((e) => e.type === 'invocation').length === 2, 'two invocations')
      for (const type of ['ready', 'handler', 'invocation']) {
        const real = run.events.find((e) => e.type === type)!
        assert.deepEqual(Object.keys(real).sort(), shown.get(type), type)
      }
      const orders = run.events.find((e) => e.type === 'handler' && e.text.startsWith('POST /orders '))
      assert.match(orders!.text, /"Data":\{"order":"\\"hello\\""\}/)
    } finally {
      await run.stop()
    }
  })
})
