/**
 * npm run demo [-- --example go|node] [-- --from-source]: chd's main job, end to end, on the local
 * Azure that ships in test/fake-azure (its ARM, Kudu and Functions host, with Azurite for blobs),
 * started here on free 127.0.0.1 ports: check the bundled example, deploy it, call its URL, read
 * the invocation in the logs. Every chd step is the real CLI in a child process with the fake's
 * environment, so what prints is what a chd user sees. Everything it started is stopped on
 * success, failure, Ctrl-C and SIGTERM. Exit 0, 1 (a step failed), 2 (usage), 130 or 143.
 *
 * --example: go (the default when `go` is on PATH: built here for linux/amd64) or node.
 * --from-source: run chd from the TypeScript sources (tests), not the build `npm ci` made.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {accessSync, constants, existsSync} from 'node:fs'
import https from 'node:https'
import path from 'node:path'
import {parseArgs} from 'node:util'

import {ux} from '@oclif/core'

import type {LogEvent} from '../src/logs/event.js'
import {prettyLine} from '../src/logs/format.js'
import {FakeAzure} from '../test/fake-azure/server.js'

const ROOT = path.resolve(import.meta.dirname, '..')
/** Each step takes seconds; a cold Go build on a slow machine, under a minute. */
const STEP_DEADLINE_MS = 180_000

interface Example {
  name: 'go' | 'node'
  dir: string
  app: string
  about: string
}

const EXAMPLES: Record<Example['name'], Example> = {
  go: {
    name: 'go',
    dir: 'examples/hello-go',
    app: 'demo-linux-dedicated',
    about: 'a Linux app whose runtime is still node; chd sets it to custom',
  },
  node: {
    name: 'node',
    dir: 'examples/hello-node',
    app: 'demo-linux-node',
    about: 'a Linux app on the Node.js 20 stack, whose image has node; chd keeps it',
  },
}

interface RunOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Keep its stdout to ourselves (to show it another way). */
  quiet?: boolean
}

class Interrupted extends Error {}

class StepFailed extends Error {}

/** One run of the demo: what it started, so that stop() can end all of it whatever happened. */
class Demo {
  readonly fake = new FakeAzure()
  private started?: Promise<unknown>
  private child?: ChildProcess
  private readonly abort = new AbortController()
  signal?: NodeJS.Signals
  env: NodeJS.ProcessEnv = {}

  constructor(private readonly chd: string[]) {}

  /** Ctrl-C or SIGTERM: pass it to the running step (a terminal's Ctrl-C reached it already) and end the run. */
  interrupt(signal: NodeJS.Signals): void {
    this.signal ??= signal
    if (this.child) void end(this.child, signal)
    this.abort.abort()
  }

  checkpoint(): void {
    if (this.signal) throw new Interrupted()
  }

  async startAzure(): Promise<void> {
    this.started = this.fake.start({port: 0})
    await this.started
    this.checkpoint()
    // Inherited CHD_* (an app, a resource group, a target) would point the steps elsewhere.
    const own = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CHD_')))
    this.env = {...own, ...this.fake.env(), ...colour()}
  }

  /**
   * Runs a command. Its stderr (progress, errors) goes straight to ours; its stdout is returned (and
   * shown). A step that outlives its deadline is stopped, so the demo always ends.
   */
  async run(label: string, file: string, args: string[], options: RunOptions = {}): Promise<string> {
    this.checkpoint()
    const env = {...this.env, ...options.env}
    const child = spawn(file, args, {cwd: options.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'inherit']})
    this.child = child
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (!options.quiet) process.stdout.write(d)
    })
    let late = false
    const timer = setTimeout(() => {
      late = true
      void end(child, 'SIGTERM')
    }, STEP_DEADLINE_MS)
    try {
      const code = await new Promise<number | null>((resolve, reject) => {
        child.once('error', reject)
        child.once('close', (c) => resolve(c))
      })
      this.checkpoint()
      if (late) throw new StepFailed(`${label} took over ${STEP_DEADLINE_MS / 1000} s`)
      if (code !== 0) throw new StepFailed(`${label} exited with code ${code} (its output is above)`)
      return stdout
    } finally {
      clearTimeout(timer)
      this.child = undefined
    }
  }

  /** Runs chd as a user does (`./bin/run.js …`), printing the command line first. */
  async runChd(args: string[], options: {quiet?: boolean} = {}) {
    say(ux.colorize('dim', `$ ./bin/run.js ${args.join(' ')}`))
    return this.run(`chd ${args[0]}`, process.execPath, [...this.chd, ...args], options)
  }

  /** GET over HTTPS, trusting the fake's CA only. */
  get(url: string): Promise<{status: number; body: string}> {
    this.checkpoint()
    return new Promise((resolve, reject) => {
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(30_000)])
      const req = https.get(url, {ca: this.fake.tls.caPem, signal}, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => {
          body += c
        })
        res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
      })
      req.once('error', (error) => reject(this.signal ? new Interrupted() : error))
    })
  }

  /** Stops the running step, then the fake (its hosts and handlers, Azurite) and removes every folder it made. */
  async stop(): Promise<void> {
    if (this.child) await end(this.child, 'SIGTERM')
    await this.started?.catch(() => {})
    await this.fake.stop()
  }
}

/** Signals a child and waits for it; one stuck past 10 s (it never handles the signal) is killed. */
async function end(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((r) => child.once('exit', r))
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await gone
  clearTimeout(timer)
}

function say(text = ''): void {
  process.stdout.write(`${text}\n`)
}

/** The children write to a pipe: colours as the terminal would have them, when it has them. */
function colour(): NodeJS.ProcessEnv {
  if (process.env.NO_COLOR !== undefined || process.env.FORCE_COLOR !== undefined) return {}
  return process.stdout.isTTY && process.stdout.hasColors() ? {FORCE_COLOR: '1'} : {}
}

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, name), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

let stepNo = 0
let steps = 0

function heading(text: string): void {
  say()
  say(ux.colorize('bold', `${++stepNo}/${steps} ${text}`))
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`
}

const dim = (text: string) => ux.colorize('dim', text)

async function buildGo(demo: Demo, ex: Example): Promise<void> {
  heading("Build the Go handler for Azure's Linux workers (x86-64, static)")
  say(dim(`$ (cd ${ex.dir} && CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o handler .)`))
  const start = Date.now()
  // The example has no dependencies: no module proxy, no toolchain download, nothing leaves the machine.
  const env = {CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'amd64', GOPROXY: 'off', GOTOOLCHAIN: 'local'}
  await demo.run('go build', 'go', ['build', '-o', 'handler', '.'], {cwd: path.join(ROOT, ex.dir), env})
  say(`built ${ex.dir}/handler (${seconds(start)})`)
}

async function doctor(demo: Demo, ex: Example): Promise<void> {
  heading('Check the app as the Functions host will read it, and start it once here')
  const out = await demo.runChd(['doctor', ex.dir])
  if (!/\b0 error\(s\), 0 warning\(s\)/.test(out)) throw new StepFailed('chd doctor reported warnings')
}

async function deploy(demo: Demo, ex: Example): Promise<string> {
  heading(`Deploy it to ${ex.app} (${ex.about})`)
  const out = await demo.runChd(['deploy', ex.dir, '--app', ex.app])
  if (!/^handler: started\b/m.test(out)) throw new StepFailed('chd deploy did not confirm that the handler started')
  const url = /^\s+hello: (https:\/\/\S+)$/m.exec(out)?.[1]
  if (!url) throw new StepFailed('chd deploy printed no URL for the function hello')
  return url
}

/** Calls the URL deploy printed; returns when the call started, to find it in the logs. */
async function call(demo: Demo, url: string): Promise<number> {
  heading('Call the function at the URL chd printed')
  const target = `${url}?name=chd`
  say(dim(`$ curl ${target}`))
  const start = Date.now()
  const r = await demo.get(target)
  say(`${r.body.trim()}`)
  say(dim(`(HTTP ${r.status} in ${Date.now() - start} ms)`))
  if (r.status !== 200) throw new StepFailed(`the function answered HTTP ${r.status}`)
  return start
}

async function logs(demo: Demo, ex: Example, calledAt: number): Promise<void> {
  heading('Find that call in the logs')
  // Piped, chd logs prints one JSON event per line; each is shown here as chd shows it on a terminal.
  const out = await demo.runChd(['logs', '--app', ex.app, '--function', 'hello', '--since', '10m'], {quiet: true})
  const events = out
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogEvent)
  for (const e of events) say(prettyLine(e))
  const executed = events.some(
    (e) =>
      e.function === 'hello' &&
      Date.parse(e.time) >= calledAt - 1000 &&
      /^Executed 'Functions\.hello' \(Succeeded/.test(e.message),
  )
  if (!executed) throw new StepFailed('chd logs did not show the invocation')
}

function next(ex: Example): void {
  say()
  say(ux.colorize('bold', 'Next: the same against your own subscription'))
  const app = '<your-function-app>'
  const lines = [
    ['az login', 'chd signs in as the az CLI does'],
    [`./bin/run.js doctor ${ex.dir}`, ''],
    [`./bin/run.js deploy ${ex.dir} --app ${app}`, ex.name === 'go' ? 'any Linux app' : 'one on the Node.js stack'],
    [`curl https://${app}.azurewebsites.net/api/hello?name=you`, ''],
    [`./bin/run.js logs --app ${app} --follow`, 'Ctrl-C ends it'],
  ]
  const width = Math.max(...lines.filter(([, why]) => why).map(([command]) => command.length)) + 2
  for (const [command, why] of lines) say(`  ${command}${why && dim(`${' '.repeat(width - command.length)}# ${why}`)}`)
  say(dim('  npm link puts chd on your PATH; chd --help lists every command; README.md has the rest.'))
}

function options(): {example: Example; chd: string[]} | undefined {
  const usage = 'usage: npm run demo [-- --example go|node] [--from-source]'
  let values: {example?: string; 'from-source'?: boolean}
  try {
    ;({values} = parseArgs({options: {example: {type: 'string'}, 'from-source': {type: 'boolean'}}}))
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`)
    return undefined
  }
  const name = values.example ?? (onPath('go') ? 'go' : 'node')
  if (name !== 'go' && name !== 'node') return void process.stderr.write(`--example must be go or node\n${usage}\n`)
  if (name === 'go' && !onPath('go')) {
    return void process.stderr.write('--example go needs go on PATH (apt-get install golang-go)\n')
  }
  const fromSource = values['from-source'] || !existsSync(path.join(ROOT, 'dist/commands/deploy.js'))
  const tsx = ['--import', 'tsx', '--disable-warning=ExperimentalWarning', path.join(ROOT, 'bin/dev.js')]
  return {example: EXAMPLES[name], chd: fromSource ? tsx : [path.join(ROOT, 'bin/run.js')]}
}

async function main(): Promise<number> {
  const chosen = options()
  if (!chosen) return 2
  const {example: ex} = chosen
  const demo = new Demo(chosen.chd)
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => demo.interrupt(s))
  const start = Date.now()
  steps = ex.name === 'go' ? 6 : 5
  say(ux.colorize('bold', `chd demo: check, deploy, call and read the logs of ${ex.dir}, on a local Azure`))
  if (ex.name === 'node' && !onPath('go')) say(dim('(go is not on PATH: the Node.js example, not a compiled one)'))
  let code = 0
  try {
    heading('Start a local Azure on 127.0.0.1: ARM, a Kudu and a Functions host per app, Azurite for blobs')
    await demo.startAzure()
    say(`ARM on ${demo.fake.armEndpoint}, blob storage on ${demo.fake.blobEndpoint} (${seconds(start)})`)
    if (ex.name === 'go') await buildGo(demo, ex)
    await doctor(demo, ex)
    const url = await deploy(demo, ex)
    const calledAt = await call(demo, url)
    await logs(demo, ex, calledAt)
    next(ex)
  } catch (error) {
    code = demo.signal ? (demo.signal === 'SIGINT' ? 130 : 143) : 1
    if (!demo.signal) process.stderr.write(`\n✖ The demo stopped: ${(error as Error).message}\n`)
  }
  const stopping = Date.now()
  await demo.stop()
  say()
  const outcome = `${code === 0 ? 'done' : 'ended'} in ${seconds(start)}`
  say(`Stopped the local Azure and removed its files (${seconds(stopping)}); ${outcome}.`)
  return code
}

process.exit(await main())
