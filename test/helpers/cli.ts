import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

const ROOT = path.resolve(import.meta.dirname, '../..')
const TSX = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** Peak resident memory of the chd process (VmHWM), sampled every 50 ms; undefined off Linux. */
  peakRssMb?: number
  json(): any
  /** stdout as NDJSON: one parsed value per non-blank line (--json of logs and start). */
  lines(): any[]
}

export interface CliOptions {
  cwd?: string
  env?: Record<string, string>
  /** Kill chd once its peak RSS passes this, so a memory regression fails the test instead of the machine. */
  maxRssMb?: number
  /** Called once chd has started, e.g. to signal it later. */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void
  /** Written to chd's stdin, which is then closed (by default stdin is not connected). */
  input?: string
}

/** Runs the real CLI entry point as a user would, from TypeScript sources (NODE_ENV=test). */
export function chd(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // tsx by absolute URL: `--import tsx` would be resolved from the (test-chosen) cwd.
    const child = spawn(process.execPath, ['--import', TSX, path.join(ROOT, 'bin/run.js'), ...args], {
      cwd: options.cwd ?? ROOT,
      env: {...process.env, NODE_ENV: 'test', COLUMNS: '120', NO_COLOR: '1', FORCE_COLOR: '0', ...options.env},
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    if (options.input !== undefined) child.stdin!.end(options.input)
    options.onSpawn?.(child)
    let stdout = ''
    let stderr = ''
    let peakRssMb: number | undefined
    child.stdout!.on('data', (d) => {
      stdout += d
    })
    child.stderr!.on('data', (d) => {
      stderr += d
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    const sampler = setInterval(() => {
      peakRssMb = peakRss(child.pid) ?? peakRssMb
      if (options.maxRssMb && peakRssMb && peakRssMb > options.maxRssMb) child.kill('SIGKILL')
    }, 50)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      clearInterval(sampler)
      resolve({
        code,
        signal,
        stdout,
        stderr,
        peakRssMb,
        json: () => {
          try {
            return JSON.parse(stdout)
          } catch {
            throw new Error(`stdout is not one JSON document (exit ${code}):\n${stdout}\nstderr:\n${stderr}`)
          }
        },
        lines: () =>
          stdout
            .split('\n')
            .filter((l) => l.trim())
            .map((l) => JSON.parse(l)),
      })
    })
  })
}

function peakRss(pid: number | undefined): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb === undefined ? undefined : Number(kb) / 1024
  } catch {
    return undefined
  }
}
