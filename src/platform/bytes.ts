import {open} from 'node:fs/promises'
import type {Readable} from 'node:stream'

/** Random access to a file's bytes, wherever the file lives (disk, or an entry inside a zip). */
export interface ByteReader {
  readonly size: number
  /** Up to `length` bytes from `offset`; shorter at the end of the file. */
  read(offset: number, length: number): Promise<Buffer>
  close(): Promise<void>
}

export async function fileReader(path: string): Promise<ByteReader> {
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
    read: async (offset, length) => data.subarray(Math.min(offset, data.length), Math.min(data.length, offset + length)),
    close: async () => {},
  }
}

/**
 * A reader over a stream that can only be read forwards (a deflated zip entry): it keeps the
 * prefix it has inflated so far and inflates further only when asked for bytes beyond it, so
 * judging a binary by its headers never inflates the whole entry.
 */
export function streamReader(size: number, openStream: () => Promise<Readable>): ByteReader {
  const chunks: Buffer[] = []
  let have = 0
  let stream: Readable | undefined
  let ended = false
  // Reads may overlap (the zip writer reads ahead); fills run one at a time on the one stream.
  let queue: Promise<void> = Promise.resolve()

  function fill(upTo: number): Promise<void> {
    const next = queue.then(() => fillNow(upTo))
    queue = next.catch(() => {})
    return next
  }

  async function fillNow(upTo: number): Promise<void> {
    if (have >= upTo || ended) return
    stream ??= await openStream()
    const s = stream
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        chunks.push(chunk)
        have += chunk.length
        if (have >= upTo) {
          s.pause()
          cleanup()
          resolve()
        }
      }
      const onEnd = () => { ended = true; cleanup(); resolve() }
      const onError = (err: Error) => { cleanup(); reject(err) }
      const cleanup = () => {
        s.off('data', onData)
        s.off('end', onEnd)
        s.off('error', onError)
      }
      s.on('data', onData)
      s.once('end', onEnd)
      s.once('error', onError)
      s.resume()
    })
  }

  return {
    size,
    async read(offset, length) {
      await fill(Math.min(size, offset + length))
      const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
      chunks.length = 0
      chunks.push(all)
      return all.subarray(Math.min(offset, all.length), Math.min(all.length, offset + length))
    },
    async close() {
      stream?.destroy()
    },
  }
}
