import {spawn} from 'node:child_process'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

const ROOT = path.resolve(import.meta.dirname, '../..')
const TSX = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
  json(): any
}

/** Runs the real CLI entry point as a user would, from TypeScript sources (NODE_ENV=test). */
export function chd(args: string[], options: {cwd?: string; env?: Record<string, string>} = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // tsx by absolute URL: `--import tsx` would be resolved from the (test-chosen) cwd.
    const child = spawn(process.execPath, ['--import', TSX, path.join(ROOT, 'bin/run.js'), ...args], {
      cwd: options.cwd ?? ROOT,
      env: {...process.env, NODE_ENV: 'test', COLUMNS: '120', NO_COLOR: '1', FORCE_COLOR: '0', ...options.env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr, json: () => {
        try {
          return JSON.parse(stdout)
        } catch {
          throw new Error(`stdout is not one JSON document (exit ${code}):\n${stdout}\nstderr:\n${stderr}`)
        }
      }})
    })
  })
}
