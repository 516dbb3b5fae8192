import {createWriteStream, openSync, rmSync} from 'node:fs'
import {mkdir, open, rename, rm} from 'node:fs/promises'
import path from 'node:path'

import {forAzure, loadApp} from '../app/model.js'
import {type AppEntry, type AppSource, openSource, visibleName} from '../app/source.js'
import type {Finding} from '../checks/finding.js'
import {checksFailed, packageSelection, runStaticChecks} from '../checks/run.js'
import {ChdError, ExitCode, fsError} from '../errors.js'
import type {ByteReader} from '../platform/bytes.js'
import {type Plan, type Target, targetProfile} from '../platform/targets.js'
import {type Progress, runStep} from '../progress.js'
import {DeflatePool} from './deflate.js'
import {writeZip, type ZipSourceFile} from './zip.js'

export interface PackOptions {
  dir: string
  output?: string
  target: string
  glibc?: string
  plan?: Plan
  force?: boolean
  includeSecrets?: boolean
  level?: number
}

export interface PackResult extends WrittenPackage {
  output: string
  excluded: Array<{path: string; reason: string}>
  findings: Finding[]
}

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46])

export async function pack(options: PackOptions, progress: Progress): Promise<PackResult> {
  const target = targetProfile(options.target, {glibc: options.glibc, plan: options.plan})
  // The deflate threads boot (~40 ms each) on the other cores while this one reads and checks the app.
  const pool = new DeflatePool()
  try {
    return await checkAndPack(options, target, pool, progress)
  } finally {
    await pool.close()
  }
}

async function checkAndPack(
  options: PackOptions,
  target: Target,
  pool: DeflatePool,
  progress: Progress,
): Promise<PackResult> {
  const source = await openSource(options.dir)
  if (source.kind !== 'folder') {
    await source.close()
    throw new ChdError('NOT_A_FOLDER', `${options.dir} is already a package; chd pack takes an app folder`, {
      exit: ExitCode.usage,
      suggestions: [`chd doctor ${options.dir} judges a package`],
    })
  }
  const output = path.resolve(options.output ?? `${path.basename(path.resolve(options.dir))}.zip`)
  const rel = path.relative(path.resolve(options.dir), output)
  const outputPath = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : undefined

  try {
    const {
      value: {selection, findings, exePath},
    } = await runStep(progress, 'Checking the app', async () => {
      const app = await loadApp(source)
      const selection = packageSelection(app, {includeSecrets: options.includeSecrets, outputPath})
      const {findings, context} = await runStaticChecks(forAzure(app), target, selection)
      const errors = findings.filter((f) => f.severity === 'error').length
      if (errors > 0 && !options.force) {
        throw checksFailed(
          findings,
          '; not packing',
          'Fix the errors above, or pass --force to pack anyway (secrets stay out unless --include-secrets)',
        )
      }
      const exePath = context.exe.kind === 'app' ? context.exe.path : undefined
      const detail = errors > 0 ? `${errors} error(s) ignored (--force)` : `${findings.length} finding(s)`
      return {value: {selection, findings, exePath}, detail}
    })
    const written = await writePackage(selection.included, exePath, output, options.level, progress, pool)
    return {output, ...written, excluded: selection.excluded, findings}
  } finally {
    await source.close()
  }
}

export interface WrittenPackage {
  entries: number
  bytes: number
  inputBytes: number
  sha256: string
  stored: number
  deflated: number
}

/**
 * Writes the selected files of an app folder to `output` atomically (temp file + rename), with
 * real modes, or modes by content where the file system has none.
 */
export async function writePackage(
  included: AppEntry[],
  exePath: string | undefined,
  output: string,
  level: number | undefined,
  progress: Progress,
  pool?: DeflatePool,
): Promise<WrittenPackage> {
  const files: ZipSourceFile[] = included.map((entry) => {
    let handle: ReturnType<typeof open> | undefined
    return {
      name: entry.path,
      rawName: entry.rawPath,
      size: entry.size,
      path: entry.absPath,
      // Without modes on disk (Windows), mark what must run: the executable, ELF files, #! scripts.
      mode: entry.mode ?? modeByContent(entry.path, exePath),
      async read(offset, target) {
        handle ??= open(entry.absPath!, 'r')
        const {bytesRead} = await (await handle).read(target, 0, target.length, offset)
        return bytesRead
      },
      async close() {
        if (handle) await (await handle).close()
      },
    }
  })

  const step = progress.step(`Packing ${files.length} files into ${path.relative(process.cwd(), output) || output}`)
  try {
    await mkdir(path.dirname(output), {recursive: true})
  } catch (error) {
    throw fsError(error, path.dirname(output), 'Output folder', 'write')
  }
  const temp = `${output}.${process.pid}.tmp`
  // Interrupted (Ctrl-C exits the process) or failed: never leave a half-written zip behind. The
  // file is created here, synchronously, so no asynchronous open can recreate it after removal.
  let fd: number
  try {
    fd = openSync(temp, 'w')
  } catch (error) {
    throw fsError(error, output, 'Package file', 'write')
  }
  const removeTemp = () => rmSync(temp, {force: true})
  process.on('exit', removeTemp)
  try {
    const result = await writeZip(files, createWriteStream(temp, {fd}), {
      level,
      pool,
      onEntry: (done, total) => {
        if (done % 200 === 0) step.update(`${done}/${total}`)
      },
    })
    await rename(temp, output)
    step.succeed(`${result.entries} entries, ${result.bytes} bytes`)
    return {
      entries: result.entries,
      bytes: result.bytes,
      inputBytes: result.inputBytes,
      sha256: result.sha256,
      stored: result.stored,
      deflated: result.deflated,
    }
  } catch (error) {
    step.fail()
    await rm(temp, {force: true})
    throw packError(error, output, temp)
  } finally {
    process.off('exit', removeTemp)
  }
}

/** A failure while packing: reading a file of the app, or writing the package (which is named, not its temp file). */
function packError(error: unknown, output: string, temp: string): ChdError {
  if (error instanceof ChdError) return error
  const from = (error as NodeJS.ErrnoException).path as string | Uint8Array | undefined
  if (from === undefined || from === temp) return fsError(error, output, 'Package file', 'write')
  return fsError(error, typeof from === 'string' ? from : visibleName(Buffer.from(from)), 'File to pack')
}

/** The mode a file gets when its source records none: executable if it is the handler or looks runnable. */
export function modeByContent(path: string, exePath: string | undefined): (head: Buffer) => number {
  return (head) =>
    path === exePath || head.subarray(0, 4).equals(ELF) || (head[0] === 0x23 && head[1] === 0x21) ? 0o755 : 0o644
}

/**
 * Rewrites a package whose entries carry no Unix modes (zipped on Windows) so the executable,
 * ELF files and #! scripts keep an execute bit on Linux; entries that have modes keep them.
 */
export async function repackWithModes(
  source: AppSource,
  exePath: string | undefined,
  output: string,
): Promise<{entries: number; bytes: number; sha256: string}> {
  const files: ZipSourceFile[] = source.entries
    .filter((e) => !e.badLink)
    .map((entry) => {
      let reader: Promise<ByteReader> | undefined
      return {
        name: entry.path,
        rawName: entry.rawPath,
        size: entry.size,
        mode: entry.mode ?? modeByContent(entry.path, exePath),
        async read(offset, target) {
          reader ??= source.reader(entry.path)
          const chunk = await (await reader).read(offset, target.length)
          chunk.copy(target)
          return chunk.length
        },
        async close() {
          if (reader) await (await reader).close()
        },
      }
    })
  const result = await writeZip(files, createWriteStream(output)).catch((e) => {
    throw packError(e, output, output)
  })
  return {entries: result.entries, bytes: result.bytes, sha256: result.sha256}
}
