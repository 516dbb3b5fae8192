import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'
import path from 'node:path'

import type {AppSource} from '../app/source.js'
import {repackWithModes, writePackage} from '../pack/index.js'
import {silentProgress} from '../progress.js'
import type {PackageFile} from './routes.js'
import type {LocalState} from './validate.js'

export interface PreparedPackage extends PackageFile {
  entries?: number
  /** A zip given with --package was rewritten with Unix modes. */
  repacked: boolean
}

/**
 * The zip to upload: the folder packed as `chd pack` packs it, or the --package zip as it is (a
 * Linux target gets a copy with Unix modes when the zip has none, so its handler keeps u+x).
 */
export async function preparePackage(
  source: AppSource,
  local: LocalState,
  options: {package?: string; linux: boolean; work: string; name: string},
): Promise<PreparedPackage> {
  if (!options.package) {
    const file = path.join(options.work, `${options.name}.zip`)
    const info = await writePackage(local.selection.included, local.exePath, file, 6, silentProgress)
    return {file, ...info, repacked: false}
  }
  if (options.linux && source.entries.some((e) => e.mode === undefined)) {
    const file = path.join(options.work, 'package.zip')
    return {file, ...(await repackWithModes(source, local.exePath, file)), repacked: true}
  }
  const file = path.resolve(options.package)
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer)
    bytes += (chunk as Buffer).length
  }
  return {file, bytes, sha256: hash.digest('hex'), repacked: false}
}

/** The package step's words: entries, size, the start of its sha256, and whether modes were added. */
export function describePackage(pkg: PreparedPackage): string {
  const modes = pkg.repacked ? ' (modes added)' : ''
  return `${pkg.entries ?? '?'} entries, ${pkg.bytes} bytes, sha256 ${pkg.sha256.slice(0, 12)}…${modes}`
}
