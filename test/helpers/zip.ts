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
