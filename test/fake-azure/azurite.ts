import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import os from 'node:os'
import path from 'node:path'

/**
 * Blob storage is Microsoft's own emulator, Azurite (npm `azurite`), not ours: the upload, the
 * SAS chd signs and the run-from-package URL are judged by the real thing. HTTPS with the fake's
 * certificate and `--oauth basic`, so bearer tokens (identity-based storage) work too; in memory;
 * on 127.0.0.1 with a port of the system's choosing; no telemetry.
 */
export class Azurite {
  /** Azurite's access log ("PUT /account/container/blob …" a line), the newest 10,000 lines. */
  readonly log: string[] = []

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(tls: {certPem: string; keyPem: string}, account: string, key: string): Promise<Azurite> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'chd-azurite-'))
    await writeFile(path.join(dir, 'cert.pem'), tls.certPem)
    await writeFile(path.join(dir, 'key.pem'), tls.keyPem)
    const main = path.join(
      path.dirname(createRequire(import.meta.url).resolve('azurite/package.json')),
      'dist/src/blob/main.js',
    )
    const child = spawn(
      process.execPath,
      [
        main,
        '--blobHost',
        '127.0.0.1',
        '--blobPort',
        '0',
        '--inMemoryPersistence',
        '--skipApiVersionCheck',
        '--loose',
        '--disableTelemetry',
        '--oauth',
        'basic',
        '--cert',
        path.join(dir, 'cert.pem'),
        '--key',
        path.join(dir, 'key.pem'),
      ],
      {
        cwd: dir,
        env: {...process.env, AZURITE_ACCOUNTS: `${account}:${key}`},
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const kill = () => child.kill('SIGKILL')
    process.once('exit', kill)
    child.once('exit', () => process.removeListener('exit', kill))
    let read: (d: Buffer) => void = () => undefined
    const port = await new Promise<number>((resolve, reject) => {
      let out = ''
      const timer = setTimeout(() => reject(new Error(`Azurite did not start: ${out}`)), 30_000)
      read = (d: Buffer) => {
        out += d.toString()
        const m = /successfully listens on https?:\/\/127\.0\.0\.1:(\d+)/.exec(out)
        if (m) {
          clearTimeout(timer)
          resolve(Number(m[1]))
        }
      }
      child.stdout.on('data', read)
      child.stderr.on('data', read)
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`Azurite exited (${code}): ${out}`))
      })
    })
    // Keep draining its access log so the pipe never fills, and keep its newest lines for the tests.
    const azurite = new Azurite(child, dir, port)
    child.stdout.off('data', read)
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      azurite.log.push(...d.split('\n').filter(Boolean))
      azurite.log.splice(0, Math.max(0, azurite.log.length - 10_000))
    })
    child.stderr.off('data', read).resume()
    return azurite
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r))
      this.child.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))])
      if (this.child.exitCode === null) this.child.kill('SIGKILL')
    }
    await rm(this.dir, {recursive: true, force: true})
  }
}
