import {chmod, mkdir, readdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'

import yauzl from 'yauzl'

interface Entry {
  name: string
  /** Permission bits from a "made by Unix" entry; undefined for DOS/Windows zips. */
  mode?: number
  data: Buffer
}

export function readZip(zip: Buffer): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, {lazyEntries: true}, (err, z) => {
      if (err || !z) return reject(new Error(`Zip file is corrupt: ${err?.message}`))
      const out: Entry[] = []
      z.on('entry', (e: yauzl.Entry) => {
        if (e.fileName.endsWith('/')) return z.readEntry()
        z.openReadStream(e, (err2, s) => {
          if (err2 || !s) return reject(err2 ?? new Error(`no read stream for ${e.fileName}`))
          const chunks: Buffer[] = []
          s.on('data', (c: Buffer) => chunks.push(c))
          s.on('end', () => {
            const attr = e.externalFileAttributes >>> 16
            out.push({
              name: e.fileName,
              mode: e.versionMadeBy >> 8 === 3 && attr ? attr & 0o777 : undefined,
              data: Buffer.concat(chunks),
            })
            z.readEntry()
          })
        })
      })
      z.on('end', () => resolve(out))
      z.on('error', reject)
      z.readEntry()
    })
  })
}

/**
 * How the platform lays a package out, per route:
 * - 'chmod777': KuduLite zip push (Kudu.Services/Deployment/PushDeploymentController.cs
 *   LocalZipFetch; newer Kudu.Core/Deployment/DeploymentHelper.cs) extracts without reading the
 *   entries' attributes, then runs `chmod 777 -R` (Kudu.Core/Helpers/PermissionHelper.cs).
 * - 'zip': WEBSITE_RUN_FROM_PACKAGE=1 mounts the zip as it is (PushDeploymentController
 *   LocalZipHandler writes the raw zip to SitePackages): the modes recorded in it, none → 0644.
 * - 'drop': Linux Consumption / Flex unpack (azure-functions-host
 *   src/WebJobs.Script.WebHost/Management/LinuxSpecialization/RunFromPackageHandler.cs); whether
 *   .NET keeps the modes is unsettled, so the fake takes the harsher reading: every file 0644, and
 *   the host adds the execute bit to the handler alone (WorkerProcess.cs).
 */
export async function unpack(zip: Buffer, dir: string, modes: 'chmod777' | 'zip' | 'drop'): Promise<void> {
  for (const e of await readZip(zip)) {
    const file = path.join(dir, ...e.name.split('/'))
    await mkdir(path.dirname(file), {recursive: true})
    await writeFile(file, e.data)
    await chmod(file, modes === 'chmod777' ? 0o777 : modes === 'zip' ? (e.mode ?? 0o644) : 0o644)
  }
}

export async function zipNames(zip: Buffer): Promise<string[]> {
  return (await readZip(zip)).map((e) => e.name)
}

/** Functions the host would index: folders one level down with a function.json. */
export async function functionFolders(dir: string): Promise<Array<{name: string; config: any}>> {
  const out: Array<{name: string; config: any}> = []
  for (const d of await readdir(dir, {withFileTypes: true}).catch(() => [])) {
    if (!d.isDirectory()) continue
    try {
      out.push({name: d.name, config: JSON.parse(await readFile(path.join(dir, d.name, 'function.json'), 'utf8'))})
    } catch {
      // No readable, parseable function.json: the host does not index this folder either.
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name))
}
