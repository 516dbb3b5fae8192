import {execFile} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import {promisify} from 'node:util'
import zlib from 'node:zlib'

const run = promisify(execFile)

export interface ZipListing {
  name: string
  mode: string
  madeBy: string
  method: string
}

/** Lists a zip with Info-ZIP's own reader (`unzip -Z`), not with our code. */
export async function listZip(file: string): Promise<ZipListing[]> {
  const {stdout} = await run('unzip', ['-Z', '-l', file], {maxBuffer: 64 * 1024 * 1024})
  const rows: ZipListing[] = []
  for (const line of stdout.split('\n')) {
    // -rwxr-xr-x  3.0 unx  1234 bx    567 defN 80-Jan-01 00:00 handler
    const m = /^([-dlrwxsStT]{10})\s+\S+\s+(\S+)\s+\d+\s+\S+\s+\S+\s+(\S+)\s+\S+\s+\S+\s+(.+)$/.exec(line)
    if (m) rows.push({mode: m[1], madeBy: m[2], method: m[3], name: m[4]})
  }
  return rows
}

export async function testZip(file: string): Promise<void> {
  await run('unzip', ['-tq', file])
}

/** A zip as Windows tools write it: MS-DOS "made by", so no Unix modes at all (Python's zipfile). */
export async function dosZip(srcDir: string, names: string[], out: string): Promise<void> {
  await run('python3', [
    '-c',
    `
import zipfile, os, sys
src, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
    for name in names:
        info = zipfile.ZipInfo(name)
        info.create_system = 0
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(os.path.join(src, name), 'rb') as f: z.writestr(info, f.read())
`,
    srcDir,
    out,
    ...names,
  ])
}

export interface RawZipEntry {
  name: string | Buffer
  data?: Buffer
  /** Instead of data: this many MiB of zero bytes, deflated as repeated blocks so a bomb builds in a second. */
  zeroMiB?: number
  /** The uncompressed size the headers claim, when it should lie. */
  declaredSize?: number
  mode?: number
  /** Damage the deflate data (a valid zip whose entry does not inflate). */
  corrupt?: boolean
}

const MiB = 1024 * 1024

/**
 * Deflate of n MiB of zeros: the first block, then one block primed with zeros repeated
 * (pigz-style), then an empty final block.
 */
function deflatedZeros(n: number): {data: Buffer; crc: number; size: number} {
  const zeros = Buffer.alloc(MiB)
  const sync = {finishFlush: zlib.constants.Z_SYNC_FLUSH}
  const first = zlib.deflateRawSync(zeros, sync)
  const next = zlib.deflateRawSync(zeros, {...sync, dictionary: Buffer.alloc(32 * 1024)})
  let crc = 0
  for (let i = 0; i < n; i++) crc = zlib.crc32(zeros, crc)
  const data = Buffer.concat([first, ...Array.from({length: n - 1}, () => next), Buffer.from([0x03, 0x00])])
  return {data, crc, size: n * MiB}
}

/** A zip written byte by byte (made by Unix, deflated), so headers can claim what a test needs. */
export async function writeRawZip(file: string, entries: RawZipEntry[]): Promise<void> {
  const parts: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const name = Buffer.isBuffer(e.name) ? e.name : Buffer.from(e.name)
    const raw = e.data ?? Buffer.alloc(0)
    const body = e.zeroMiB
      ? deflatedZeros(e.zeroMiB)
      : {data: zlib.deflateRawSync(raw), crc: zlib.crc32(raw), size: raw.length}
    if (e.corrupt) body.data[0] |= 0x06 // block type 3, which does not exist
    const usize = e.declaredSize ?? body.size
    const fields = (h: Buffer, at: number) => {
      h.writeUInt16LE(20, at)
      h.writeUInt16LE(Buffer.isBuffer(e.name) ? 0 : 0x0800, at + 2)
      h.writeUInt16LE(8, at + 4)
      h.writeUInt32LE(0x00210000, at + 6)
      h.writeUInt32LE(body.crc, at + 10)
      h.writeUInt32LE(body.data.length, at + 14)
      h.writeUInt32LE(usize, at + 18)
      h.writeUInt16LE(name.length, at + 22)
    }
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    fields(local, 4)
    const c = Buffer.alloc(46)
    c.writeUInt32LE(0x02014b50, 0)
    c.writeUInt16LE((3 << 8) | 20, 4)
    fields(c, 6)
    c.writeUInt32LE(((0o100000 | (e.mode ?? 0o644)) << 16) >>> 0, 38)
    c.writeUInt32LE(offset, 42)
    parts.push(local, name, body.data)
    central.push(c, name)
    offset += local.length + name.length + body.data.length
  }
  const cd = Buffer.concat(central)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  await writeFile(file, Buffer.concat([...parts, cd, end]))
}
