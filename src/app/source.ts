import {isUtf8} from 'node:buffer'
import {lstatSync, readdirSync, readlinkSync, realpathSync, type Stats, statSync} from 'node:fs'
import {open, stat} from 'node:fs/promises'
import path from 'node:path'
import type {Readable} from 'node:stream'

import {ChdError, ExitCode, fsError} from '../errors.js'
import {type ByteReader, fileReader, streamReader} from '../platform/bytes.js'

/** A file of the app as the host will see it: relative posix path, size and permission bits. */
export interface AppEntry {
  path: string
  size: number
  /** Permission bits (0o777); undefined when the source records none (a Windows folder, a DOS zip). */
  mode?: number
  /** The path's exact bytes, when they are not valid UTF-8 (`path` then shows them as \xNN). */
  rawPath?: Buffer
  /** Where the bytes are on disk (folder sources); bytes when the path is not valid UTF-8. */
  absPath?: string | Buffer
  /** A symbolic link that cannot be packed as a file. */
  badLink?: {target: string; problem: 'escapes' | 'loop' | 'dangling'}
}

/** An app folder or a zip package, read the same way by the model, the checks and the packer. */
export interface AppSource {
  kind: 'folder' | 'zip'
  /** The folder or zip path the user gave, for messages. */
  location: string
  /** False when the source carries no Unix modes at all (a folder on Windows). */
  modesKnown: boolean
  entries: AppEntry[]
  /** Paths a zip holds more than once: which copy lands on disk depends on the extractor. */
  duplicates?: string[]
  get(relPath: string): AppEntry | undefined
  hasDir(relPath: string): boolean
  /**
   * A config file's text (host.json, function.json …). Refuses one larger than `maxBytes`, or
   * past the source's total for config text, without reading or inflating beyond the limit.
   */
  readText(relPath: string, maxBytes?: number): Promise<string>
  reader(relPath: string): Promise<ByteReader>
  close(): Promise<void>
}

/**
 * A real host.json or function.json is a few KB. A parsed JSON tree costs up to ~90 bytes per
 * input byte (`[0,0,…]`), so these keep the worst case near 100 MB.
 */
export const CONFIG_MAX_BYTES = 512 * 1024
const CONFIG_TOTAL_BYTES = 1024 * 1024
/** Deflate cannot pass 1032:1; a big entry near that is one byte repeated, i.e. a zip bomb. */
const BOMB_RATIO = 1000
const BOMB_MIN_BYTES = 64 * 1024 * 1024

/** Folders never worth walking: version control, editor state. Pack excludes them anyway. */
const NEVER_WALK = new Set(['.git', '.hg', '.svn'])

function buildIndex(entries: AppEntry[]) {
  const byPath = new Map(entries.map((entry) => [entry.path, entry]))
  const dirs = new Set<string>([''])
  for (const entry of entries) {
    let p = entry.path
    for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/')) {
      p = p.slice(0, i)
      if (dirs.has(p)) break
      dirs.add(p)
    }
  }
  return {byPath, dirs}
}

export async function openSource(location: string): Promise<AppSource> {
  let info
  try {
    info = await stat(location)
  } catch (error) {
    throw fsError(error, location, 'App folder or package')
  }
  if (info.isDirectory()) return openFolder(location)
  if (/\.zip$/i.test(location) || info.isFile()) return openZip(location)
  throw new ChdError('NOT_AN_APP', `${location} is neither a folder nor a .zip package`, {exit: ExitCode.usage})
}

export async function openFolder(root: string): Promise<AppSource> {
  const modesKnown = process.platform !== 'win32'
  const {entries, emptyDirs} = walkFolder(path.resolve(root), modesKnown)
  const {byPath, dirs} = buildIndex(entries)
  for (const d of emptyDirs) dirs.add(d)

  const need = (relPath: string): AppEntry & {absPath: string | Buffer} => {
    const entry = byPath.get(relPath)
    if (!entry?.absPath)
      throw new ChdError('PATH_NOT_FOUND', `${relPath} is not a file in ${root}`, {exit: ExitCode.notFound})
    return entry as AppEntry & {absPath: string | Buffer}
  }
  const budget = textBudget(root)
  return {
    kind: 'folder',
    location: root,
    modesKnown,
    entries,
    get: (p) => byPath.get(p),
    hasDir: (p) => dirs.has(p),
    readText: (p, maxBytes = CONFIG_MAX_BYTES) =>
      budget.read(p, need(p).size, maxBytes, (limit) => readHead(need(p).absPath, p, limit)),
    reader: async (p) => fileReader(need(p).absPath),
    close: async () => {},
  }
}

/**
 * The files of a folder, walked as bytes: a name that is not valid UTF-8 must still be found,
 * read and packed as it is. Links inside the folder are followed; one that leaves it, loops
 * (`ancestors` holds the real paths being walked) or dangles is recorded as a bad link.
 *
 * The calls are synchronous on purpose: they ask the kernel's cache for metadata, a few µs each,
 * while sending each through libuv's thread pool costs tens of µs more (a 1,950-file app: 25 ms
 * this way, 80-240 ms with 32 calls in flight, 140-590 ms awaiting one lstat at a time). Nothing
 * else runs while an app is being read, so the event loop has nothing to wait for meanwhile.
 */
function walkFolder(absRoot: string, modesKnown: boolean): {entries: AppEntry[]; emptyDirs: string[]} {
  const realRoot = fsCall(absRoot, 'App folder', () => realpathSync.native(absRoot, {encoding: 'buffer'}))
  const rootDir = Buffer.concat([realRoot, SEP])
  const entries: AppEntry[] = []
  const emptyDirs: string[] = []
  const inside = (real: Buffer) => real.equals(realRoot) || real.subarray(0, rootDir.length).equals(rootDir)
  const fileEntry = (rel: Buffer, abs: Buffer, st: Stats): AppEntry => ({
    ...entryName(rel),
    size: st.size,
    mode: modesKnown ? st.mode & 0o777 : undefined,
    absPath: fsPath(abs),
  })

  /** `dirAbs` is the path to read it by, `real` its real path (a plain subfolder's is its parent's plus its name). */
  function walk(dirAbs: Buffer, real: Buffer, rel: Buffer, ancestors: string[]): void {
    const names = fsCall(dirAbs, 'Folder', () => readdirSync(dirAbs, {withFileTypes: true, encoding: 'buffer'}))
    names.sort((a, b) => Buffer.compare(a.name, b.name))
    if (names.length === 0 && rel.length > 0) emptyDirs.push(visibleName(rel))
    const inner = [...ancestors, real.toString('latin1')]
    for (const d of names) {
      const abs = Buffer.concat([dirAbs, SEP, d.name])
      const relPath = rel.length > 0 ? Buffer.concat([rel, SLASH, d.name]) : d.name
      if (d.isDirectory()) {
        if (!NEVER_WALK.has(d.name.toString('latin1'))) walk(abs, Buffer.concat([real, SEP, d.name]), relPath, inner)
      } else if (d.isSymbolicLink()) {
        walkLink(abs, relPath, inner)
      } else if (d.isFile()) {
        entries.push(
          fileEntry(
            relPath,
            abs,
            fsCall(abs, 'File', () => lstatSync(abs)),
          ),
        )
      }
    }
  }

  function walkLink(abs: Buffer, rel: Buffer, ancestors: string[]): void {
    let real: Buffer
    try {
      real = realpathSync.native(abs, {encoding: 'buffer'})
    } catch {
      entries.push({...entryName(rel), size: 0, badLink: {target: readLinkText(abs), problem: 'dangling'}})
      return
    }
    const badLink = (problem: 'escapes' | 'loop') =>
      entries.push({...entryName(rel), size: 0, badLink: {target: visibleName(real), problem}})
    if (!inside(real)) return void badLink('escapes')
    const st = fsCall(real, 'File', () => statSync(real))
    if (st.isDirectory()) {
      if (ancestors.includes(real.toString('latin1'))) return void badLink('loop')
      walk(real, real, rel, ancestors)
    } else if (st.isFile()) {
      entries.push(fileEntry(rel, real, st))
    }
  }

  walk(Buffer.from(absRoot), realRoot, Buffer.alloc(0), [])
  return {entries, emptyDirs}
}

/** At most `limit` bytes from the start of a file, whatever its size was when the folder was walked. */
async function readHead(file: string | Buffer, relPath: string, limit: number): Promise<Buffer> {
  const handle = await open(file, 'r').catch((error) => {
    throw fsError(error, shown(file), relPath)
  })
  try {
    const buf = Buffer.alloc(limit)
    const {bytesRead} = await handle.read(buf, 0, limit, 0)
    return buf.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/** Config text handed out per source: one file and all of them together stay small, whatever the input. */
function textBudget(location: string) {
  let left = CONFIG_TOTAL_BYTES
  return {
    /**
     * Reads relPath through `fetch(limit)`, which returns at most `limit` bytes; refuses before
     * reading when `size` (as recorded) is already too much.
     */
    async read(relPath: string, size: number, maxBytes: number, fetch: (limit: number) => Promise<Buffer>) {
      const cap = Math.min(maxBytes, left)
      const refuse = (known?: number): never => {
        const files = 'the config files (host.json, */function.json, local.settings.json, .funcignore)'
        const isSize = known === undefined ? `larger than ${formatBytes(cap)}` : formatBytes(known)
        throw new ChdError(
          'CONFIG_TOO_LARGE',
          cap < maxBytes
            ? `${location}: ${files} add up to more than ${formatBytes(CONFIG_TOTAL_BYTES)}; chd stopped at ${relPath}`
            : `${location}: ${relPath} is ${isSize}; chd reads config files of up to ${formatBytes(cap)}`,
          {
            file: relPath,
            suggestions: [`${path.posix.basename(relPath)} is normally a few KB: is ${location} the app you meant?`],
          },
        )
      }
      if (size > cap) refuse(size)
      const data = await fetch(cap + 1)
      if (data.length > cap) refuse()
      left -= data.length
      return data.toString('utf8')
    },
  }
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024
    i++
  }
  return i === 0 ? `${n} bytes` : `${n.toFixed(1)} ${units[i]}`
}

function readLinkText(abs: Buffer): string {
  try {
    return visibleName(readlinkSync(abs, {encoding: 'buffer'}))
  } catch {
    return '?'
  }
}

const SEP = Buffer.from(path.sep)
const SLASH = Buffer.from('/')

/** A name as text: valid UTF-8 as it is, any other byte as \xNN. The file keeps its real bytes. */
export function visibleName(raw: Buffer): string {
  if (isUtf8(raw)) return raw.toString('utf8')
  let out = ''
  for (let i = 0; i < raw.length;) {
    const b = raw[i]
    const n = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 ? 2 : 0
    if (n > 0 && isUtf8(raw.subarray(i, i + n))) {
      out += raw.toString('utf8', i, i + n)
      i += n
    } else {
      out += `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`
      i++
    }
  }
  return out
}

function entryName(rel: Buffer): Pick<AppEntry, 'path' | 'rawPath'> {
  return isUtf8(rel) ? {path: rel.toString('utf8')} : {path: visibleName(rel), rawPath: rel}
}

/** A path for fs calls: a string when it is UTF-8, the bytes themselves when not. */
function fsPath(p: Buffer): string | Buffer {
  return isUtf8(p) ? p.toString('utf8') : p
}

const shown = (p: string | Buffer) => (typeof p === 'string' ? p : visibleName(p))

function fsCall<T>(p: string | Buffer, what: string, call: () => T): T {
  try {
    return call()
  } catch (error) {
    throw fsError(error, shown(p), what)
  }
}

const S_IFMT = 0o170000
const S_IFLNK = 0o120000
const S_IFDIR = 0o040000

export async function openZip(zipPath: string): Promise<AppSource> {
  const yauzl = await import('yauzl')
  let zip: import('yauzl').ZipFile
  // Names as bytes: UTF-8 when they are, else kept exactly (and shown escaped), whatever the flag says.
  const options = {lazyEntries: true, autoClose: false, decodeStrings: false}
  try {
    zip = await new Promise((resolve, reject) =>
      yauzl.open(zipPath, options, (err, z) => (err ? reject(err) : resolve(z))),
    )
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code) throw fsError(error, zipPath, 'Package')
    throw new ChdError('ZIP_INVALID', `${zipPath} is not a readable zip file: ${(error as Error).message}`, {
      file: zipPath,
      suggestions: ['Give chd doctor an app folder or a zip made by chd pack / zip -r'],
    })
  }
  const {raw, entries, emptyDirs, duplicates} = await listEntries(zip, zipPath)
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const {byPath, dirs} = buildIndex(entries)
  for (const d of emptyDirs) dirs.add(d)

  // Corrupt deflate data, a bad local header or an entry longer than its header says all end here.
  const damaged = (p: string, error: unknown) =>
    error instanceof ChdError
      ? error
      : new ChdError('ZIP_INVALID', `${zipPath} is damaged: ${p} cannot be read (${(error as Error).message})`, {
          file: zipPath,
          suggestions: ['Rebuild the package (chd pack), then check it with unzip -t'],
        })
  const openStream = (p: string): Promise<Readable> => {
    const entry = raw.get(p)
    if (!entry)
      return Promise.reject(new ChdError('PATH_NOT_FOUND', `${p} is not in ${zipPath}`, {exit: ExitCode.notFound}))
    return new Promise((resolve, reject) =>
      zip.openReadStream(entry, (err, s) => (err ? reject(damaged(p, err)) : resolve(s))),
    )
  }
  const budget = textBudget(zipPath)
  return {
    kind: 'zip',
    location: zipPath,
    modesKnown: true,
    entries,
    duplicates,
    get: (p) => byPath.get(p),
    hasDir: (p) => dirs.has(p),
    readText: (p, maxBytes = CONFIG_MAX_BYTES) =>
      budget.read(p, byPath.get(p)?.size ?? 0, maxBytes, async (limit) => {
        const stream = await openStream(p)
        try {
          return await readUpTo(stream, limit)
        } catch (error) {
          throw damaged(p, error)
        }
      }),
    async reader(p) {
      const r = streamReader(byPath.get(p)?.size ?? 0, () => openStream(p))
      const read = (offset: number, length: number) =>
        r.read(offset, length).catch((e) => {
          throw damaged(p, e)
        })
      return {size: r.size, read, close: () => r.close()}
    },
    close: async () => zip.close(),
  }
}

/** The central directory: files (refusing bombs), links, and folders; a damaged one is ZIP_INVALID. */
async function listEntries(zip: import('yauzl').ZipFile, zipPath: string) {
  const raw = new Map<string, import('yauzl').Entry>()
  const duplicates = new Set<string>()
  const entries: AppEntry[] = []
  const emptyDirs: string[] = []
  let inflated = 0
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: import('yauzl').Entry) => {
      const rawName = entry.fileName as unknown as Buffer
      const rawPath = isUtf8(rawName) ? undefined : rawName
      // Windows tools write backslashes; a byte-wise swap keeps any other byte as it is.
      const name = visibleName(Buffer.from(rawName.map((b) => (b === 0x5c ? 0x2f : b)))).replace(/^\.\//, '')
      const unix = entry.versionMadeBy >> 8 === 3
      const attr = entry.externalFileAttributes >>> 16
      const isDir = name.endsWith('/') || (unix && (attr & S_IFMT) === S_IFDIR)
      if (isDir) emptyDirs.push(name.replace(/\/+$/, ''))
      else if (unix && (attr & S_IFMT) === S_IFLNK) {
        entries.push({path: name, rawPath, size: 0, badLink: {target: '(link stored in zip)', problem: 'dangling'}})
      } else {
        inflated += entry.uncompressedSize
        const bomb =
          zipBomb(zipPath, name, entry.uncompressedSize, entry.compressedSize) ??
          zipBomb(zipPath, 'all entries', inflated, zip.fileSize)
        if (bomb) return reject(bomb)
        if (raw.has(name)) {
          duplicates.add(name)
          return zip.readEntry()
        }
        raw.set(name, entry)
        // A zip made on a system without Unix modes extracts as 0644 on Linux: not executable.
        const mode = unix && attr !== 0 ? attr & 0o777 : undefined
        entries.push({path: name, rawPath, size: entry.uncompressedSize, mode})
      }
      zip.readEntry()
    })
    zip.once('end', () => resolve())
    zip.once('error', reject)
    zip.readEntry()
  }).catch((error) => {
    zip.close()
    if (error instanceof ChdError) throw error
    throw new ChdError('ZIP_INVALID', `${zipPath} is damaged: ${(error as Error).message}`, {file: zipPath})
  })
  return {raw, entries, emptyDirs, duplicates: [...duplicates].sort()}
}

/** Refuses an entry (or a whole zip) that would inflate past BOMB_RATIO:1 and BOMB_MIN_BYTES. */
function zipBomb(zipPath: string, what: string, inflated: number, compressed: number): ChdError | undefined {
  if (inflated < BOMB_MIN_BYTES || inflated <= BOMB_RATIO * compressed) return undefined
  const ratio = `${Math.round(inflated / Math.max(1, compressed))}:1`
  const sizes = `${formatBytes(inflated)} from ${formatBytes(compressed)} (${ratio})`
  return new ChdError('ZIP_INVALID', `${zipPath}: ${what} would inflate to ${sizes}; that is a zip bomb, not an app`, {
    file: zipPath,
    suggestions: ['Rebuild the package from the app folder with chd pack'],
  })
}

/** At most `limit` bytes of a stream; stops inflating (and destroys the stream) once it has them. */
async function readUpTo(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer)
    n += (chunk as Buffer).length
    if (n >= limit) break
  }
  return Buffer.concat(chunks).subarray(0, limit)
}
