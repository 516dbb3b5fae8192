import os from 'node:os'
import {Worker} from 'node:worker_threads'

/**
 * One piece of a package's data for a deflate thread: a whole small file, or one chunk of a large
 * one. A chunk is deflated with the 32 KiB before it as its dictionary and ends on a byte boundary
 * (the pigz method), so the pieces of a file, written in order, are one standard deflate stream
 * and the output is the same bytes however the work was shared out.
 */
export interface Job {
  /** Where the file is: the thread reads `length` bytes at `offset` and the `dict` bytes before them. */
  path?: string | Buffer
  /** Or the bytes themselves, dictionary first (sources that are not files on disk). */
  data?: Uint8Array
  offset: number
  length: number
  dict: number
  /** The file's last piece: the deflate stream ends here, and a file that grew is caught. */
  last: boolean
  /** A file in one piece is stored instead when deflate does not make it smaller. */
  whole: boolean
  /** Deflate level; 0 stores the bytes as they are. */
  level: number
}

export interface JobResult {
  crc: number
  usize: number
  method: 0 | 8
  data: Buffer
  /** The first bytes of the file's data (its first piece), to tell an executable by its content. */
  head: Buffer
}

/** A job that failed: an fs error (code, path) or a file that changed size while it was packed. */
export interface JobFailure extends Error {
  code?: string
  path?: string | Uint8Array
  changed?: boolean
}

/*
 * Runs in each deflate thread: reads, checksums and deflates whole batches synchronously. Results
 * go back in one buffer that is moved, not copied, to the main thread. Plain CommonJS, so it runs
 * as an eval worker from TypeScript sources and from dist/ alike.
 */
const THREAD_SOURCE =
  `
const {parentPort} = require('node:worker_threads')
const fs = require('node:fs')
const zlib = require('node:zlib')
let scratch = Buffer.alloc(0)

function bytesOf(job) {
  if (job.data) return Buffer.from(job.data.buffer, job.data.byteOffset, job.data.byteLength)
  const want = job.dict + job.length + (job.last ? 1 : 0)
  if (scratch.length < want) scratch = Buffer.allocUnsafeSlow(Math.max(want, 64 * 1024))
  const fd = fs.openSync(job.path, 'r')
  let n = 0
  try {
    for (let r = 1; n < want && r > 0; n += r) r = fs.readSync(fd, scratch, n, want - n, job.offset - ` +
  `job.dict + n)
  } finally {
    fs.closeSync(fd)
  }
  if (n !== job.dict + job.length) throw Object.assign(new Error('changed size'), {changed: true})
  return scratch.subarray(0, n)
}

function run(job) {
  const all = bytesOf(job)
  const raw = all.subarray(job.dict)
  let method = 0
  let data = raw
  if (job.level > 0) {
    const finishFlush = job.last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH
    // Output space in one piece that fits (zlib's default is 16 KiB pieces, a new buffer each):
    // small files then come out of Node's shared 8 KiB slabs, and a chunk needs no concatenation.
    const chunkSize = Math.max(64, raw.length + (raw.length >> 8) + 64)
    const options = {level: job.level, finishFlush, chunkSize}
    if (job.dict > 0) options.dictionary = all.subarray(0, job.dict)
    const out = zlib.deflateRawSync(raw, options)
    if (!job.whole || out.length < raw.length) {
      method = 8
      data = out
    }
  }
  // Copies: the next job reads into the same scratch buffer.
  const head = Buffer.from(raw.subarray(0, job.offset === 0 ? 8 : 0))
  return {crc: zlib.crc32(raw), usize: raw.length, method, data: data === raw ? Buffer.from(raw) : data, ` +
  `head}
}

parentPort.on('message', ({id, jobs}) => {
  const results = jobs.map((job) => {
    try {
      return run(job)
    } catch (e) {
      return {error: e.message, code: e.code, path: e.path, changed: e.changed}
    }
  })
  let size = 0
  for (const r of results) if (!r.error) size += r.data.length + r.head.length
  const buffer = new ArrayBuffer(size)
  const into = Buffer.from(buffer)
  let at = 0
  const put = (b) => { into.set(b, at); at += b.length; return b.length }
  const meta = results.map((r) => r.error ? r : {crc: r.crc, usize: r.usize, method: r.method, data: ` +
  `put(r.data), head: put(r.head)})
  parentPort.postMessage({id, meta, buffer}, [buffer])
})
`

type Meta =
  | {crc: number; usize: number; method: 0 | 8; data: number; head: number}
  | {error: string; code?: string; path?: string | Uint8Array; changed?: boolean}
interface Pending {
  resolve: (r: JobResult) => void
  reject: (e: JobFailure) => void
}

/** Jobs a batch holds at most, and the bytes after which it is sent anyway. */
const BATCH_JOBS = 64
const BATCH_BYTES = 256 * 1024

/**
 * Deflate threads, one per core: jobs are gathered into batches (one message per batch, not per
 * small file) and each batch goes to the thread with the least work outstanding.
 */
export class DeflatePool {
  private readonly threads: Array<{worker: Worker; load: number; batches: number}> = []
  private batches = new Map<number, {jobs: Pending[]; thread: number; bytes: number}>()
  private waiting: {jobs: Job[]; pending: Pending[]; bytes: number; transfer: ArrayBuffer[]} = DeflatePool.empty()
  private nextId = 0
  private failure?: Error

  constructor(size = os.availableParallelism()) {
    for (let i = 0; i < Math.max(1, size); i++) this.threads.push({worker: this.spawn(), load: 0, batches: 0})
  }

  private static empty() {
    return {jobs: [] as Job[], pending: [] as Pending[], bytes: 0, transfer: [] as ArrayBuffer[]}
  }

  /** Queues a job; its batch goes out when full, or at the next flush(). */
  submit(job: Job): Promise<JobResult> {
    const done = new Promise<JobResult>((resolve, reject) => this.waiting.pending.push({resolve, reject}))
    done.catch(() => {})
    this.waiting.jobs.push(job)
    this.waiting.bytes += job.length
    if (job.data) this.waiting.transfer.push(job.data.buffer as ArrayBuffer)
    if (this.waiting.jobs.length >= BATCH_JOBS || this.waiting.bytes >= BATCH_BYTES) this.flush()
    return done
  }

  /** Sends the batch being gathered; called before waiting on a result, so no job waits on a partial batch. */
  flush(): void {
    const {jobs, pending, bytes, transfer} = this.waiting
    if (jobs.length === 0) return
    this.waiting = DeflatePool.empty()
    if (this.failure) {
      for (const p of pending) p.reject(this.failure)
      return
    }
    const id = this.nextId++
    let thread = 0
    for (let i = 1; i < this.threads.length; i++) if (this.threads[i].load < this.threads[thread].load) thread = i
    const t = this.threads[thread]
    t.load += bytes
    // A thread with work keeps the process alive; an idle one (a pool never closed) does not.
    if (t.batches++ === 0) t.worker.ref()
    this.batches.set(id, {jobs: pending, thread, bytes})
    t.worker.postMessage({id, jobs}, transfer)
  }

  private spawn(): Worker {
    const worker = new Worker(THREAD_SOURCE, {eval: true})
    worker.on('message', ({id, meta, buffer}: {id: number; meta: Meta[]; buffer: ArrayBuffer}) => {
      const batch = this.batches.get(id)!
      this.batches.delete(id)
      const t = this.threads[batch.thread]
      t.load -= batch.bytes
      if (--t.batches === 0) t.worker.unref()
      let at = 0
      const take = (n: number) => Buffer.from(buffer, (at += n) - n, n)
      meta.forEach((m, i) => {
        if ('error' in m)
          batch.jobs[i].reject(Object.assign(new Error(m.error), {code: m.code, path: m.path, changed: m.changed}))
        else
          batch.jobs[i].resolve({crc: m.crc, usize: m.usize, method: m.method, data: take(m.data), head: take(m.head)})
      })
    })
    worker.on('error', (error) => this.fail(error))
    worker.on('exit', (code) => {
      if (this.batches.size > 0) this.fail(new Error(`a deflate thread exited with code ${code}`))
    })
    worker.unref()
    return worker
  }

  private fail(error: Error): void {
    this.failure = error
    for (const batch of this.batches.values()) for (const j of batch.jobs) j.reject(error)
    this.batches.clear()
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.worker.terminate()))
  }
}

const POLY = 0xedb88320

/** a(x) * b(x) modulo the CRC-32 polynomial, bits reflected (zlib's multmodp). */
function multModP(a: number, b: number): number {
  let p = 0
  for (let m = 0x80000000; m !== 0; m >>>= 1) {
    if (a & m) {
      p ^= b
      if ((a & (m - 1)) === 0) break
    }
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1
  }
  return p >>> 0
}

/** x^(2^k) modulo the polynomial, for k = 0..31. */
const X2N = (() => {
  const table: number[] = []
  let p = 0x40000000 // x^1
  for (let k = 0; k < 32; k++) {
    table.push(p)
    p = multModP(p, p)
  }
  return table
})()

/**
 * The CRC-32 of A followed by B, from crc(A), crc(B) and B's length (zlib's crc32_combine), so the
 * chunks of a file can be checksummed on different threads.
 */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  // x^(8 * lengthB): the shift of A's remainder past B's bytes.
  let p = 0x80000000 // x^0
  for (let n = lengthB, k = 3; n > 0; n = Math.floor(n / 2), k++) if (n % 2) p = multModP(X2N[k & 31], p)
  return (multModP(p, crcA) ^ crcB) >>> 0
}
