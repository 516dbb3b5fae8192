import {open} from 'node:fs/promises'
import type {Readable} from 'node:stream'

/** Random access to a file's bytes, wherever the file lives (disk, or an entry inside a zip). */
export interface ByteReader {
  readonly size: number
  /** Up to `length` bytes from `offset`; shorter at the end of the file. */
  read(offset: number, length: number): Promise<Buffer>
  close(): Promise<void>
}

export async function fileReader(path: string | Buffer): Promise<ByteReader> {
  const handle = await open(path, 'r')
  const {size} = await handle.stat()
  return {
    size,
    async read(offset, length) {
      const end = Math.min(size, offset + length)
      if (offset >= end) return Buffer.alloc(0)
      const buf = Buffer.alloc(end - offset)
      const {bytesRead} = await handle.read(buf, 0, buf.length, offset)
      return buf.subarray(0, bytesRead)
    },
    close: () => handle.close(),
  }
}

export function bufferReader(data: Buffer): ByteReader {
  return {
    size: data.length,
    read: async (offset, length) =>
      data.subarray(Math.min(offset, data.length), Math.min(data.length, offset + length)),
    close: async () => {},
  }
}

/**
 * A reader over a stream that can only be read forwards (a deflated zip entry). It inflates only
 * as far as a read needs, so judging a binary by its headers never inflates the whole entry, and
 * keeps only the bytes from the latest read on, so memory stays near one read whatever the
 * entry's size. A read before those bytes starts the stream again.
 */
export function streamReader(size: number, openStream: () => Promise<Readable>): ByteReader {
  let chunks: Buffer[] = []
  /** Offset of chunks[0], and of the end of the last chunk. */
  let base = 0
  let have = 0
  let stream: Readable | undefined
  let ended = false
  let failure: Error | undefined
  // Reads may overlap (the zip writer reads ahead); they run one at a time on the one stream.
  let queue: Promise<unknown> = Promise.resolve()

  function restart(): void {
    stream?.destroy()
    stream = undefined
    chunks = []
    base = have = 0
    ended = false
  }

  async function fill(offset: number, upTo: number): Promise<void> {
    if (offset < base) restart()
    while (chunks.length > 0 && base + chunks[0].length <= offset) base += chunks.shift()!.length
    if (have >= upTo || ended) return
    if (!stream) {
      stream = await openStream()
      // Kept for the next read: an error while paused must not go unhandled.
      stream.on('error', (err: Error) => {
        failure = err
      })
    }
    if (failure) throw failure
    const s = stream
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        if (have + chunk.length <= offset) {
          chunks = []
          base = have += chunk.length
        } else {
          chunks.push(chunk)
          have += chunk.length
        }
        if (have >= upTo) {
          s.pause()
          finish(resolve)
        }
      }
      const onEnd = () => {
        ended = true
        finish(resolve)
      }
      const onError = (err: Error) => finish(() => reject(err))
      const finish = (then: () => void) => {
        s.off('data', onData)
        s.off('end', onEnd)
        s.off('error', onError)
        then()
      }
      s.on('data', onData)
      s.once('end', onEnd)
      s.once('error', onError)
      s.resume()
    })
  }

  async function readNow(offset: number, length: number): Promise<Buffer> {
    const end = Math.min(size, offset + length)
    if (offset >= end) return Buffer.alloc(0)
    await fill(offset, end)
    const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
    chunks = all.length > 0 ? [all] : []
    return all.subarray(offset - base, end - base)
  }

  return {
    size,
    read(offset, length) {
      const next = queue.then(() => readNow(offset, length))
      queue = next.catch(() => {})
      return next
    },
    async close() {
      stream?.destroy()
    },
  }
}
