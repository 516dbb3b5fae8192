import {spawn} from 'node:child_process'
import path from 'node:path'
import {after} from 'node:test'

export interface Started {
  port: number
  events: any[]
  child: ReturnType<typeof spawn>
  closed: Promise<number | null>
  waitFor(pred: (e: any) => boolean): Promise<any>
}

/**
 * Runs `chd start DIR --json` on a port the system picks (--port 0: no race with other tests for a port
 * found free a moment earlier), collecting its NDJSON events; resolves once it is ready, with its port.
 */
export async function startServer(dir: string): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/run.js', 'start', dir, '--port', '0', '--json'], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: {...process.env, NODE_ENV: 'test'},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const events: any[] = []
  const waiters: Array<{pred: (e: any) => boolean; resolve: (e: any) => void}> = []
  let buf = ''
  child.stdout.on('data', (d) => {
    buf += d
    let nl
    while ((nl = buf.indexOf('\n')) !== -1) {
      const e = JSON.parse(buf.slice(0, nl))
      buf = buf.slice(nl + 1)
      events.push(e)
      for (const w of waiters.filter((x) => x.pred(e))) w.resolve(e)
    }
  })
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  // A failed assertion must not leave the server (and its handler) running.
  after(() => {
    if (child.exitCode === null) child.kill('SIGINT')
  })
  const waitFor = (pred: (e: any) => boolean) => {
    const hit = events.find(pred)
    if (hit) return Promise.resolve(hit)
    return Promise.race([
      new Promise((resolve) => waiters.push({pred, resolve})),
      new Promise((_r, reject) =>
        setTimeout(() => reject(new Error(`timed out; events: ${JSON.stringify(events)}`)), 15_000),
      ),
    ])
  }
  const {port} = await waitFor((e) => e.type === 'ready')
  return {port, events, child, closed, waitFor}
}
