import http from 'node:http'

export type ReadyResult =
  | {ready: true; ms: number; status: number}
  | {ready: false; reason: 'timeout'; ms: number; lastError?: string}
  | {ready: false; reason: 'exited'; ms: number}

/**
 * Waits like HttpWorkerChannel: GET http://127.0.0.1:PORT/ every 25 ms; any HTTP answer (404 and
 * 500 too) means ready, a refused connection means "not yet". Stops early when `exited` settles.
 */
export async function waitUntilReady(port: number, timeoutMs: number, exited: Promise<unknown>): Promise<ReadyResult> {
  const start = Date.now()
  let gone = false
  void exited.then(() => {
    gone = true
  })
  let lastError: string | undefined
  while (Date.now() - start < timeoutMs) {
    if (gone) return {ready: false, reason: 'exited', ms: Date.now() - start}
    const r = await ping(port, Math.max(50, timeoutMs - (Date.now() - start)))
    if (r.status !== undefined) return {ready: true, ms: Date.now() - start, status: r.status}
    if (r.error && r.error !== 'ECONNREFUSED') {
      // HttpClient counts any other HttpRequestException (reset, bad response) as an answer.
      if (r.error !== 'ETIMEDOUT') return {ready: true, ms: Date.now() - start, status: 0}
    }
    lastError = r.error
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return gone
    ? {ready: false, reason: 'exited', ms: Date.now() - start}
    : {ready: false, reason: 'timeout', ms: Date.now() - start, lastError}
}

function ping(port: number, timeoutMs: number): Promise<{status?: number; error?: string}> {
  return new Promise((resolve) => {
    const req = http.get({host: '127.0.0.1', port, path: '/', agent: false, timeout: timeoutMs}, (res) => {
      res.resume()
      resolve({status: res.statusCode ?? 0})
    })
    req.on('timeout', () => {
      req.destroy()
      resolve({error: 'ETIMEDOUT'})
    })
    req.on('error', (err: NodeJS.ErrnoException) => resolve({error: err.code ?? err.message}))
  })
}
