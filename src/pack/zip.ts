import {createHash} from 'node:crypto'
import {once} from 'node:events'
import type {Writable} from 'node:stream'
import zlib from 'node:zlib'

import {ChdError} from '../errors.js'
import {crc32Combine, DeflatePool, type Job, type JobFailure, type JobResult} from './deflate.js'

/**
 * A streaming zip writer built for deployment packages. Why not archiver: at level 6 it deflates
 * one entry at a time on one thread (3.7 s for an 83 MB app where `zip -r -6` takes 2.3 s) and
 * has no way to store already-compressed data after sampling it. Here small files and the 1 MiB
 * chunks of large ones are read and deflated on a thread per core (see DeflatePool), while this
 * thread only puts the results in order, hashes and writes them. The output is one standard
 * deflate stream per entry, the same bytes for the same input. Memory stays flat: at most 1024
 * pieces or 8 MiB of input are in flight.
 */

export interface ZipSourceFile {
  /** Entry name (posix, relative). */
  name: string
  /** The name's exact bytes when they are not UTF-8; stored as they are, without the UTF-8 flag. */
  rawName?: Buffer
  size: number
  /** Permission bits; the entry records them with S_IFREG under a Unix "made by". */
  mode: number | ((head: Buffer) => number)
  /** Fills `target` from `offset`; resolves to the number of bytes read. */
  read(offset: number, target: Buffer): Promise<number>
  close?(): Promise<void>
  /** The file on disk, when there is one: the deflate threads then read it themselves. */
  path?: string | Buffer
}

export interface ZipResult {
  entries: number
  bytes: number
  sha256: string
  /** Uncompressed bytes in. */
  inputBytes: number
  stored: number
  deflated: number
}

export interface ZipOptions {
  level?: number
  /** Pieces (chunks or small files) read ahead of the one being written. */
  inFlight?: number
  /** Deflate threads started beforehand (they take ~40 ms to boot); closed by whoever made them. */
  pool?: DeflatePool
  onEntry?: (done: number, total: number, bytesIn: number) => void
}

const CHUNK = 1024 * 1024
const WINDOW = 32 * 1024
/** Files up to this size that are stored still go to a deflate thread, which reads them without a round trip here. */
const SMALL = 128 * 1024
const IN_FLIGHT_BYTES = 8 * CHUNK
const DOS_DATE = (0 << 9) | (1 << 5) | 1 // 1980-01-01: fixed, so packs are reproducible
const DOS_TIME = 0
const S_IFREG = 0o100000
const MAX32 = 0xffffffff

/** Extensions whose content is already compressed: deflating them again costs time and gains nothing. */
const COMPRESSED_EXT =
  /\.(zip|gz|tgz|bz2|xz|zst|7z|rar|jar|war|nupkg|whl|png|jpe?g|gif|webp|avif|heic|mp[34]|m4a|m4v|mov|avi|mkv|webm|ogg|opus|flac|woff2?|br|pdf|docx|xlsx|pptx|squashfs)$/i

interface Central {
  name: Buffer
  utf8: boolean
  method: number
  crc: number
  csize: number
  usize: number
  offset: number
  mode: number
  descriptor: boolean
}

interface Piece {
  file: number
  first: boolean
  last: boolean
  length: number
  result: Promise<JobResult>
  /** A chunk this thread read into a pooled buffer, given back once written. */
  pooled?: Buffer
}

const EMPTY: JobResult = {crc: 0, usize: 0, method: 0, data: Buffer.alloc(0), head: Buffer.alloc(0)}

export async function writeZip(files: ZipSourceFile[], out: Writable, options: ZipOptions = {}): Promise<ZipResult> {
  const level = options.level ?? 6
  const pool = options.pool ?? new DeflatePool()
  const zip = new ZipStream(files, out, pool, options)
  try {
    for (let i = 0; i < files.length; i++) await addFile(files[i], i, level, zip)
    await zip.drain()
  } catch (error) {
    out.destroy()
    throw error
  } finally {
    if (!options.pool) await pool.close()
  }
  return zip.finish()
}

/**
 * The package as it is written: pieces queue up in file order while the deflate threads work on
 * them, and each is written once its result is in, as part of its entry (header, data, descriptor).
 */
class ZipStream implements Feed {
  readonly chunks = new ChunkPool(IN_FLIGHT_BYTES / CHUNK + 4)
  private readonly hash = createHash('sha256')
  private readonly maxPieces: number
  private readonly central: Central[] = []
  private readonly queue: Piece[] = []
  /** The entry whose pieces are being written. */
  private current?: Central
  private offset = 0
  private inputBytes = 0
  private queuedBytes = 0
  private stored = 0
  private deflated = 0

  constructor(
    private readonly files: ZipSourceFile[],
    private readonly out: Writable,
    readonly pool: DeflatePool,
    private readonly options: ZipOptions,
  ) {
    this.maxPieces = Math.max(2, options.inFlight ?? 1024)
  }

  async enqueue(piece: Piece): Promise<void> {
    this.queue.push(piece)
    this.queuedBytes += piece.length
    while (this.queue.length >= this.maxPieces || this.queuedBytes >= IN_FLIGHT_BYTES) {
      // What waits in a half-filled batch must go out before this thread waits on it.
      this.pool.flush()
      await this.writeNext()
    }
  }

  /** Writes every piece still queued. */
  async drain(): Promise<void> {
    this.pool.flush()
    while (this.queue.length > 0) await this.writeNext()
  }

  /** The central directory and its end record, after every entry. */
  async finish(): Promise<ZipResult> {
    const cdStart = this.offset
    for (const c of this.central) await this.write(centralHeader(c))
    await this.write(endOfCentralDirectory(this.central.length, this.offset - cdStart, cdStart))
    this.out.end()
    await once(this.out, 'finish')
    const {central, offset: bytes, inputBytes, stored, deflated} = this
    return {entries: central.length, bytes, sha256: this.hash.digest('hex'), inputBytes, stored, deflated}
  }

  /** `release` runs once the stream is done with `buf`, so a pooled buffer is reused only then. */
  private async write(buf: Buffer, release?: () => void): Promise<void> {
    this.hash.update(buf)
    this.offset += buf.length
    if (!this.out.write(buf, release)) await once(this.out, 'drain')
  }

  private async writeNext(): Promise<void> {
    const piece = this.queue.shift()!
    this.queuedBytes -= piece.length
    const file = this.files[piece.file]
    const r = await piece.result.catch((e: JobFailure) => {
      throw e.changed ? changedWhilePacked(file.name) : e
    })
    if (r.usize !== piece.length) throw changedWhilePacked(file.name)
    this.inputBytes += r.usize
    const single = piece.first && piece.last
    if (piece.first) await this.startEntry(file, r, single)
    else this.current!.crc = crc32Combine(this.current!.crc, r.crc, r.usize)
    const c = this.current!
    if (!single) c.csize += r.data.length
    const pooled = piece.pooled
    await this.write(r.data, pooled && (() => this.chunks.release(pooled)))
    if (!piece.last) return
    if (c.descriptor) {
      c.usize = file.size
      await this.write(dataDescriptor(c, file.size))
    }
    this.central.push(c)
    this.options.onEntry?.(this.central.length, this.files.length, this.inputBytes)
  }

  /** A file's first piece: its local header. A file in one piece has its sizes there; others get a descriptor. */
  private async startEntry(file: ZipSourceFile, r: JobResult, single: boolean): Promise<void> {
    const mode = typeof file.mode === 'function' ? file.mode(r.head) : file.mode
    const sizes = single ? {csize: r.data.length, usize: r.usize} : {csize: 0, usize: 0}
    this.current = {
      ...entryName(file),
      method: r.method,
      crc: r.crc,
      ...sizes,
      offset: this.offset,
      mode,
      descriptor: !single,
    }
    if (r.method === 8) this.deflated++
    else this.stored++
    await this.write(localHeader(this.current, file.size))
  }
}

interface Feed {
  pool: DeflatePool
  chunks: ChunkPool
  enqueue: (piece: Piece) => Promise<void>
}

/**
 * Cuts a file into pieces: one for a file up to 1 MiB, else 1 MiB chunks. What is deflated goes to
 * the deflate threads; large data that is stored (media, random bytes) is read here into reused
 * buffers and only checksummed, not sent anywhere.
 */
async function addFile(file: ZipSourceFile, index: number, level: number, feed: Feed): Promise<void> {
  if (file.size === 0)
    return feed.enqueue({file: index, first: true, last: true, length: 0, result: Promise.resolve(EMPTY)})
  let deflate = level > 0 && !COMPRESSED_EXT.test(file.name)
  // A large file whose start barely compresses (media, random data) is stored.
  if (deflate && file.size > CHUNK) deflate = looksCompressible(await readAt(file, 0, Math.min(64 * 1024, file.size)))
  const reads: Array<Promise<unknown>> = []
  let tail: Buffer | undefined
  for (let pos = 0; pos < file.size;) {
    const length = Math.min(CHUNK, file.size - pos)
    const piece = {file: index, first: pos === 0, last: pos + length >= file.size, length}
    const job: Job = {
      offset: pos,
      length,
      dict: deflate && pos > 0 ? WINDOW : 0,
      last: piece.last,
      whole: piece.first && piece.last,
      level: deflate ? level : 0,
    }
    if (!deflate && file.size > SMALL) {
      const target = feed.chunks.acquire(length)
      const raw = file.read(pos, target).then((n) => target.subarray(0, n))
      reads.push(raw.catch(() => {}))
      const result = raw.then((b) => ({
        crc: zlib.crc32(b),
        usize: b.length,
        method: 0 as const,
        data: b,
        head: b.subarray(0, 8),
      }))
      result.catch(() => {})
      await feed.enqueue({...piece, result, pooled: target})
    } else if (file.path) {
      await feed.enqueue({...piece, result: feed.pool.submit({...job, path: file.path})})
    } else {
      // Not on disk (a package being rewritten): read here, dictionary first, and hand the bytes over.
      const data = Buffer.from(new ArrayBuffer(job.dict + length))
      tail?.copy(data)
      const n = await file.read(pos, data.subarray(job.dict))
      if (n !== length) throw changedWhilePacked(file.name)
      tail = Buffer.from(data.subarray(data.length - WINDOW))
      await feed.enqueue({...piece, result: feed.pool.submit({...job, data})})
    }
    pos += length
  }
  if (file.close) {
    const close = file.close.bind(file)
    Promise.allSettled(reads)
      .then(close)
      .catch(() => {})
  }
}

async function readAt(file: ZipSourceFile, offset: number, length: number): Promise<Buffer> {
  const target = Buffer.alloc(length)
  return target.subarray(0, await file.read(offset, target))
}

/** The name as stored: its raw bytes when it has them, else UTF-8, flagged as such when not plain ASCII. */
function entryName(file: ZipSourceFile): {name: Buffer; utf8: boolean} {
  if (file.rawName) return {name: file.rawName, utf8: false}
  return {name: Buffer.from(file.name, 'utf8'), utf8: /[^\u0020-\u007e]/.test(file.name)}
}

function changedWhilePacked(name: string): ChdError {
  return new ChdError('FILE_CHANGED', `${name} changed size while it was being packed`, {
    suggestions: ['Pack again once nothing is writing into the app folder'],
  })
}

function looksCompressible(sample: Buffer): boolean {
  const probe = sample.subarray(0, 64 * 1024)
  return zlib.deflateRawSync(probe, {level: 1}).length < probe.length * 0.95
}

const needsZip64 = (size: number) => size >= MAX32

function localHeader(c: Central, declaredSize: number): Buffer {
  const zip64 = c.descriptor ? needsZip64(declaredSize) : needsZip64(c.usize) || needsZip64(c.csize)
  const extra = zip64 ? zip64Extra([c.descriptor ? 0 : c.usize, c.descriptor ? 0 : c.csize]) : Buffer.alloc(0)
  const h = Buffer.alloc(30)
  h.writeUInt32LE(0x04034b50, 0)
  h.writeUInt16LE(zip64 ? 45 : 20, 4)
  h.writeUInt16LE((c.descriptor ? 0x0008 : 0) | (c.utf8 ? 0x0800 : 0), 6)
  h.writeUInt16LE(c.method, 8)
  h.writeUInt16LE(DOS_TIME, 10)
  h.writeUInt16LE(DOS_DATE, 12)
  h.writeUInt32LE(c.descriptor ? 0 : c.crc, 14)
  h.writeUInt32LE(c.descriptor ? 0 : zip64 ? MAX32 : c.csize, 18)
  h.writeUInt32LE(c.descriptor ? 0 : zip64 ? MAX32 : c.usize, 22)
  h.writeUInt16LE(c.name.length, 26)
  h.writeUInt16LE(extra.length, 28)
  return Buffer.concat([h, c.name, extra])
}

function dataDescriptor(c: Central, declaredSize: number): Buffer {
  if (needsZip64(declaredSize) || needsZip64(c.csize)) {
    const d = Buffer.alloc(24)
    d.writeUInt32LE(0x08074b50, 0)
    d.writeUInt32LE(c.crc, 4)
    d.writeBigUInt64LE(BigInt(c.csize), 8)
    d.writeBigUInt64LE(BigInt(c.usize), 16)
    return d
  }
  const d = Buffer.alloc(16)
  d.writeUInt32LE(0x08074b50, 0)
  d.writeUInt32LE(c.crc, 4)
  d.writeUInt32LE(c.csize, 8)
  d.writeUInt32LE(c.usize, 12)
  return d
}

function zip64Extra(values: number[]): Buffer {
  const e = Buffer.alloc(4 + values.length * 8)
  e.writeUInt16LE(0x0001, 0)
  e.writeUInt16LE(values.length * 8, 2)
  values.forEach((v, i) => e.writeBigUInt64LE(BigInt(v), 4 + i * 8))
  return e
}

function centralHeader(c: Central): Buffer {
  const big = [needsZip64(c.usize) && c.usize, needsZip64(c.csize) && c.csize, needsZip64(c.offset) && c.offset]
  const extraValues = [c.usize, c.csize, c.offset].filter((_, i) => big[i] !== false)
  const extra = extraValues.length > 0 ? zip64Extra(extraValues) : Buffer.alloc(0)
  const h = Buffer.alloc(46)
  h.writeUInt32LE(0x02014b50, 0)
  h.writeUInt16LE((3 << 8) | 45, 4) // made by Unix, so extractors apply the mode below
  h.writeUInt16LE(extra.length > 0 ? 45 : 20, 6)
  h.writeUInt16LE((c.descriptor ? 0x0008 : 0) | (c.utf8 ? 0x0800 : 0), 8)
  h.writeUInt16LE(c.method, 10)
  h.writeUInt16LE(DOS_TIME, 12)
  h.writeUInt16LE(DOS_DATE, 14)
  h.writeUInt32LE(c.crc, 16)
  h.writeUInt32LE(big[1] === false ? c.csize : MAX32, 20)
  h.writeUInt32LE(big[0] === false ? c.usize : MAX32, 24)
  h.writeUInt16LE(c.name.length, 28)
  h.writeUInt16LE(extra.length, 30)
  h.writeUInt16LE(0, 32)
  h.writeUInt16LE(0, 34)
  h.writeUInt16LE(0, 36)
  h.writeUInt32LE(((S_IFREG | (c.mode & 0o7777)) << 16) >>> 0, 38)
  h.writeUInt32LE(big[2] === false ? c.offset : MAX32, 42)
  return Buffer.concat([h, c.name, extra])
}

function endOfCentralDirectory(count: number, size: number, start: number): Buffer {
  const parts: Buffer[] = []
  const zip64 = count >= 0xffff || needsZip64(size) || needsZip64(start)
  if (zip64) {
    const rec = Buffer.alloc(56)
    rec.writeUInt32LE(0x06064b50, 0)
    rec.writeBigUInt64LE(44n, 4)
    rec.writeUInt16LE((3 << 8) | 45, 12)
    rec.writeUInt16LE(45, 14)
    rec.writeUInt32LE(0, 16)
    rec.writeUInt32LE(0, 20)
    rec.writeBigUInt64LE(BigInt(count), 24)
    rec.writeBigUInt64LE(BigInt(count), 32)
    rec.writeBigUInt64LE(BigInt(size), 40)
    rec.writeBigUInt64LE(BigInt(start), 48)
    const loc = Buffer.alloc(20)
    loc.writeUInt32LE(0x07064b50, 0)
    loc.writeUInt32LE(0, 4)
    loc.writeBigUInt64LE(BigInt(start + size), 8)
    loc.writeUInt32LE(1, 16)
    parts.push(rec, loc)
  }
  const e = Buffer.alloc(22)
  e.writeUInt32LE(0x06054b50, 0)
  e.writeUInt16LE(Math.min(count, 0xffff), 8)
  e.writeUInt16LE(Math.min(count, 0xffff), 10)
  e.writeUInt32LE(Math.min(size, MAX32), 12)
  e.writeUInt32LE(Math.min(start, MAX32), 16)
  parts.push(e)
  return Buffer.concat(parts)
}

/**
 * Reuses chunk buffers. Node frees a Buffer only when V8 next collects, so streaming 1 MiB
 * chunks through fresh buffers held ~50 MB of dead memory at peak on an 80 MB app.
 */
class ChunkPool {
  private free: ArrayBuffer[] = []

  constructor(private readonly keep: number) {}

  acquire(length: number): Buffer {
    if (length === 0) return Buffer.alloc(0)
    const ab = this.free.pop() ?? new ArrayBuffer(CHUNK)
    return Buffer.from(ab, 0, length)
  }

  release(buf: Buffer): void {
    if (
      buf.buffer.byteLength === CHUNK &&
      buf.byteOffset === 0 &&
      this.free.length < this.keep &&
      !this.free.includes(buf.buffer as ArrayBuffer)
    )
      this.free.push(buf.buffer as ArrayBuffer)
  }
}
