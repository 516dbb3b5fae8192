import {chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {after} from 'node:test'

export type FileSpec =
  | string
  | Buffer
  | object
  | {copy: string; mode?: number}
  | {content: string | Buffer; mode?: number}
  | {symlink: string}

const roots: string[] = []
after(async () => {
  if (!process.env.CHD_KEEP_TMP) await Promise.all(roots.map((r) => rm(r, {recursive: true, force: true})))
})

export async function tempDir(prefix = 'chd-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix))
  roots.push(dir)
  return dir
}

/** Writes an app folder: objects become JSON, {copy} copies a file, {symlink} makes a link. */
export async function makeApp(files: Record<string, FileSpec>, dir?: string): Promise<string> {
  const root = dir ?? (await tempDir())
  for (const [rel, spec] of Object.entries(files)) {
    const file = path.join(root, rel)
    await mkdir(path.dirname(file), {recursive: true})
    if (typeof spec === 'string' || Buffer.isBuffer(spec)) await writeFile(file, spec)
    else if ('copy' in spec) {
      await copyFile(spec.copy, file)
      await chmod(file, spec.mode ?? 0o755)
    } else if ('symlink' in spec) await symlink(spec.symlink, file)
    else if ('content' in spec && (typeof spec.content === 'string' || Buffer.isBuffer(spec.content))) {
      await writeFile(file, spec.content)
      if (spec.mode !== undefined) await chmod(file, spec.mode)
    } else await writeFile(file, JSON.stringify(spec, null, 2))
  }
  return root
}

export const HTTP_FUNCTION = {
  bindings: [
    {type: 'httpTrigger', direction: 'in', name: 'req', authLevel: 'anonymous', methods: ['get', 'post']},
    {type: 'http', direction: 'out', name: 'res'},
  ],
}

export function hostJson(
  description: Record<string, unknown> = {defaultExecutablePath: 'handler'},
  customHandler: Record<string, unknown> = {},
  top: Record<string, unknown> = {},
): object {
  return {version: '2.0', customHandler: {description, ...customHandler}, ...top}
}

/** A good app around a given executable: nothing should be reported for it. */
export function goodApp(exe: FileSpec, overrides: Record<string, FileSpec> = {}): Record<string, FileSpec> {
  return {
    'host.json': hostJson(),
    'hello/function.json': HTTP_FUNCTION,
    handler: exe,
    'local.settings.json': {IsEncrypted: false, Values: {FUNCTIONS_WORKER_RUNTIME: 'custom'}},
    ...overrides,
  }
}
