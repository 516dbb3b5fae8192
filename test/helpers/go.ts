import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {mkdir, rename} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

const run = promisify(execFile)
const SRC = path.resolve(import.meta.dirname, '../fixtures/go-handler')

export type GoVariant =
  'linux-amd64' | 'linux-arm64' | 'windows-amd64' | 'darwin-arm64' | 'linux-amd64-cgo' | 'linux-amd64-cshared'

const VARIANTS: Record<GoVariant, {GOOS: string; GOARCH: string; CGO_ENABLED: string; out: string; mode?: string}> = {
  'linux-amd64': {GOOS: 'linux', GOARCH: 'amd64', CGO_ENABLED: '0', out: 'handler'},
  'linux-arm64': {GOOS: 'linux', GOARCH: 'arm64', CGO_ENABLED: '0', out: 'handler'},
  'windows-amd64': {GOOS: 'windows', GOARCH: 'amd64', CGO_ENABLED: '0', out: 'handler.exe'},
  'darwin-arm64': {GOOS: 'darwin', GOARCH: 'arm64', CGO_ENABLED: '0', out: 'handler'},
  'linux-amd64-cgo': {GOOS: 'linux', GOARCH: 'amd64', CGO_ENABLED: '1', out: 'handler'},
  // A real shared library, as a native addon (.node, .so) is.
  'linux-amd64-cshared': {GOOS: 'linux', GOARCH: 'amd64', CGO_ENABLED: '1', out: 'libaddon.so', mode: 'c-shared'},
}

export function goAvailable(): boolean {
  try {
    return (
      existsSync('/usr/bin/go') || process.env.PATH!.split(path.delimiter).some((d) => existsSync(path.join(d, 'go')))
    )
  } catch {
    return false
  }
}

/** Why a Go test cannot run here; in CI a missing toolchain is a failure, not a skip. */
export function goSkip(): string | false {
  if (goAvailable()) return false
  if (process.env.CI) throw new Error('go is not installed; .ci/run installs golang-go')
  return 'go is not installed (apt-get install golang-go)'
}

const sourceHash = createHash('sha256')
  .update(['main.go', 'cgo.go', 'go.mod'].map((f) => readFileSync(path.join(SRC, f), 'utf8')).join('\0'))
  .digest('hex')
  .slice(0, 12)
const CACHE = path.join(os.tmpdir(), `chd-test-go-${sourceHash}`)
const pending = new Map<GoVariant, Promise<string>>()

/** Cross-builds the test handler for a platform (once per source version) and returns its path. */
export function goHandler(variant: GoVariant): Promise<string> {
  let p = pending.get(variant)
  if (!p) {
    p = build(variant)
    pending.set(variant, p)
  }
  return p
}

async function build(variant: GoVariant): Promise<string> {
  const v = VARIANTS[variant]
  const dir = path.join(CACHE, variant)
  const out = path.join(dir, v.out)
  if (existsSync(out)) return out
  await mkdir(dir, {recursive: true})
  const tmp = `${out}.${process.pid}.tmp`
  await run(
    'go',
    ['build', ...(v.mode ? [`-buildmode=${v.mode}`] : []), '-trimpath', '-ldflags=-s -w', '-o', tmp, '.'],
    {
      cwd: SRC,
      env: {
        ...process.env,
        GOOS: v.GOOS,
        GOARCH: v.GOARCH,
        CGO_ENABLED: v.CGO_ENABLED,
        GOFLAGS: '-mod=mod',
        GO111MODULE: 'on',
        GOCACHE: process.env.GOCACHE ?? path.join(os.tmpdir(), 'chd-test-gocache'),
      },
      timeout: 300_000,
    },
  )
  await rename(tmp, out)
  return out
}
