import {createWriteStream, rmSync} from 'node:fs'
import {mkdir, open, rename, rm} from 'node:fs/promises'
import path from 'node:path'

import {loadApp} from '../app/model.js'
import {openSource} from '../app/source.js'
import type {Finding} from '../checks/finding.js'
import {packageSelection, runStaticChecks} from '../checks/run.js'
import {ChdError, ExitCode, fsError} from '../errors.js'
import {type Plan, targetProfile} from '../platform/targets.js'
import type {Progress} from '../ui/progress.js'
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

export interface PackResult {
  output: string
  entries: number
  bytes: number
  inputBytes: number
  sha256: string
  stored: number
  deflated: number
  excluded: Array<{path: string; reason: string}>
  findings: Finding[]
}

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46])

export async function pack(options: PackOptions, progress: Progress): Promise<PackResult> {
  const target = targetProfile(options.target, {glibc: options.glibc, plan: options.plan})
  const source = await openSource(options.dir)
  if (source.kind !== 'folder') {
    await source.close()
    throw new ChdError('NOT_A_FOLDER', `${options.dir} is already a package; chd pack takes an app folder`, {exit: ExitCode.usage, suggestions: [`chd doctor ${options.dir} judges a package`]})
  }
  const output = path.resolve(options.output ?? `${path.basename(path.resolve(options.dir))}.zip`)
  const rel = path.relative(path.resolve(options.dir), output)
  const outputPath = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : undefined

  const checkStep = progress.step('Checking the app')
  const app = await loadApp(source)
  const selection = packageSelection(app, {includeSecrets: options.includeSecrets, outputPath})
  const {findings, context} = await runStaticChecks(app, target, selection)
  const errors = findings.filter((f) => f.severity === 'error')
  if (errors.length > 0 && !options.force) {
    checkStep.fail(`${errors.length} error(s)`)
    throw new ChdError('CHECKS_FAILED', `${errors.length} check(s) failed; not packing:\n${errors.map((f) => `  ${f.code}: ${f.message}${f.fix ? `\n    fix: ${f.fix}` : ''}`).join('\n')}`, {
      exit: ExitCode.failed,
      suggestions: ['Fix the errors above, or pass --force to pack anyway (secrets stay out unless --include-secrets)'],
      details: {findings},
    })
  }
  checkStep.succeed(errors.length > 0 ? `${errors.length} error(s) ignored (--force)` : `${findings.length} finding(s)`)

  const exePath = context.exe.kind === 'app' ? context.exe.path : undefined
  const files: ZipSourceFile[] = selection.included.map((entry) => {
    let handle: ReturnType<typeof open> | undefined
    return {
      name: entry.path,
      size: entry.size,
      path: entry.absPath,
      // Without modes on disk (Windows), mark what must run: the executable, ELF files, #! scripts.
      mode: entry.mode ?? ((head: Buffer) => (entry.path === exePath || head.subarray(0, 4).equals(ELF) || (head[0] === 0x23 && head[1] === 0x21) ? 0o755 : 0o644)),
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
    throw fsError(error, path.dirname(output), 'Output folder')
  }
  const temp = `${output}.${process.pid}.tmp`
  // Interrupted (Ctrl-C exits the process) or failed: never leave a half-written zip behind.
  const removeTemp = () => rmSync(temp, {force: true})
  process.on('exit', removeTemp)
  try {
    const result = await writeZip(files, createWriteStream(temp), {
      level: options.level,
      onEntry: (done, total) => { if (done % 200 === 0) step.update(`${done}/${total}`) },
    })
    await rename(temp, output)
    step.succeed(`${result.entries} entries, ${result.bytes} bytes`)
    return {
      output,
      entries: result.entries,
      bytes: result.bytes,
      inputBytes: result.inputBytes,
      sha256: result.sha256,
      stored: result.stored,
      deflated: result.deflated,
      excluded: selection.excluded,
      findings,
    }
  } catch (error) {
    step.fail()
    await rm(temp, {force: true})
    if (error instanceof ChdError) throw error
    throw fsError(error, (error as NodeJS.ErrnoException).path ?? temp, 'Package file')
  } finally {
    process.off('exit', removeTemp)
    await source.close()
  }
}
