import {execFile} from 'node:child_process'
import {promisify} from 'node:util'

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
  await run('python3', ['-c', `
import zipfile, os, sys
src, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
    for name in names:
        info = zipfile.ZipInfo(name)
        info.create_system = 0
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(os.path.join(src, name), 'rb') as f: z.writestr(info, f.read())
`, srcDir, out, ...names])
}
