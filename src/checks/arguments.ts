import path from 'node:path'

import {buildCommandLine} from '../app/commandline.js'
import {lineOf} from '../app/jsonc.js'
import {HOST_VARIABLES} from '../app/model.js'
import {knownVariables, resolveDirectory, type ResolvedPath} from '../app/resolve.js'
import {type CheckContext, finding} from './context.js'
import type {Finding} from './finding.js'

/** What an interpreter's argv names as a file or folder the app must hold. */
interface Named {
  path: string
  kind: 'file' | 'folder'
}

/** Options that take the next argument as their value, per interpreter (so it is not the script). */
const VALUED: Record<string, string[]> = {
  python: ['-W', '-X', '--check-hash-based-pycs'],
  node: ['-r', '--require', '--import', '--loader', '--experimental-loader', '--env-file', '--conditions', '-C'],
  deno: ['--config', '-c', '--import-map', '--lock', '--cert', '--location', '--env-file'],
  ruby: ['-I', '-r', '-C', '-E', '-F'],
  perl: ['-I', '-M', '-m'],
  rscript: [],
  php: ['-S', '-c', '-d', '-z', '-t', '-f'],
  dotnet: [],
  sh: ['-o'],
}

/** Options after which no script follows: the program is inline (-c, -e) or a module (-m). */
const NO_SCRIPT: Record<string, string[]> = {
  python: ['-c', '-m'],
  node: ['-e', '--eval', '-p', '--print'],
  ruby: ['-e'],
  perl: ['-e', '-E'],
  rscript: ['-e'],
  php: ['-r'],
  sh: ['-c'],
}

/** The interpreter family of an executable name: python3.11 → python, Rscript.exe → rscript. */
export function interpreterFamily(exe: string): string | undefined {
  const base = path.posix
    .basename(exe.replaceAll('\\', '/'))
    .toLowerCase()
    .replace(/\.exe$/, '')
  if (/^python(\d+(\.\d+)?)?$/.test(base) || base === 'pypy3') return 'python'
  if (/^(node|nodejs)$/.test(base)) return 'node'
  if (['deno', 'ruby', 'perl', 'rscript', 'php', 'dotnet', 'java', 'pwsh', 'powershell'].includes(base)) return base
  if (['sh', 'bash', 'dash'].includes(base)) return 'sh'
  return undefined
}

/** The file (or folder) that the interpreter's argv says it will open, if any. */
export function namedFiles(family: string, argv: string[]): Named[] {
  switch (family) {
    case 'java': {
      const jar = argv.findIndex((a) => a === '-jar')
      return jar >= 0 && argv[jar + 1] ? [{path: argv[jar + 1], kind: 'file'}] : []
    }
    case 'dotnet': {
      const args = argv[0] === 'exec' ? argv.slice(1) : argv
      return args[0] && /\.dll$/i.test(args[0]) ? [{path: args[0], kind: 'file'}] : []
    }
    case 'pwsh':
    case 'powershell': {
      const i = argv.findIndex((a) => /^-f(ile)?$/i.test(a))
      const script = i >= 0 ? argv[i + 1] : argv.find((a) => /\.ps1$/i.test(a))
      return script ? [{path: script, kind: 'file'}] : []
    }
    case 'deno': {
      if (!['run', 'serve'].includes(argv[0] ?? '')) return []
      return firstOperand(family, argv.slice(1))
    }
    case 'php': {
      const out = firstOperand(family, argv)
      const t = argv.findIndex((a) => a === '-t')
      if (t >= 0 && argv[t + 1]) out.push({path: argv[t + 1], kind: 'folder'})
      const f = argv.findIndex((a) => a === '-f')
      if (f >= 0 && argv[f + 1]) out.push({path: argv[f + 1], kind: 'file'})
      return out
    }
    default:
      return firstOperand(family, argv)
  }
}

function firstOperand(family: string, argv: string[]): Named[] {
  const valued = VALUED[family] ?? []
  const none = NO_SCRIPT[family] ?? []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (none.includes(a)) return []
    if (a === '--') return argv[i + 1] ? [{path: argv[i + 1], kind: 'file'}] : []
    if (a.startsWith('-')) {
      if (valued.includes(a)) i++
      continue
    }
    return [{path: a, kind: 'file'}]
  }
  return []
}

function interpreterOf(exe: ResolvedPath): string | undefined {
  if (exe.kind === 'command') return interpreterFamily(exe.name)
  if (exe.kind === 'outside' || exe.kind === 'app') return interpreterFamily(exe.path)
  return undefined
}

/**
 * `python3 server.py`, `java -jar app.jar`, `php -S … -t public`: the file an interpreter is told
 * to open is looked up by the child, relative to workingDirectory (the app root by default).
 */
export function argumentFileRules(ctx: CheckContext): Finding[] {
  const {app, target} = ctx
  const {customHandler} = app
  const family = interpreterOf(ctx.exe)
  if (!customHandler?.hasDescription || !family || customHandler.arguments.length === 0) return []
  const hostVars = Object.fromEntries(HOST_VARIABLES.map((v) => [v, '7071']))
  const {args} = buildCommandLine(
    {...customHandler, defaultWorkerPath: undefined, workerArguments: []},
    knownVariables(app),
    hostVars,
  )
  const wd = resolveDirectory(app, customHandler.workingDirectory, target.os)
  if (wd.kind === 'outside') return []
  const out: Finding[] = []
  for (const named of namedFiles(family, args)) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(named.path) || named.path.includes('%')) continue
    const rel = appRelative(named.path, wd.path, target.os)
    if (rel === undefined) continue
    const present = named.kind === 'folder' ? app.source.hasDir(rel) : Boolean(app.source.get(rel))
    if (present) continue
    const index = customHandler.arguments.findIndex((a) => a.includes(named.path))
    const base = wd.path ? `workingDirectory ${wd.path}` : 'the app root'
    const exe = path.posix.basename(String(customHandler.defaultExecutablePath))
    out.push(
      finding(
        'ARGUMENT_FILE_NOT_FOUND',
        `${exe} is told to open ${named.path}, which is ${rel || '.'} relative to ${base}, and the app ` +
          `has no such ${named.kind}`,
        {
          file: 'host.json',
          line: lineOf(app.hostJson, [customHandler.section, 'description', 'arguments', Math.max(0, index)]),
          fix:
            `Build or copy ${named.path} into the app before packing, or correct the path (arguments are ` +
            `opened relative to workingDirectory)`,
        },
      ),
    )
  }
  return out
}

function appRelative(p: string, base: string, os: 'linux' | 'windows'): string | undefined {
  const posix = os === 'windows' ? p.replaceAll('\\', '/') : p
  const rooted = /^\/home\/site\/wwwroot(\/|$)/.exec(posix) ?? /^[a-z]:\/home\/site\/wwwroot(\/|$)/i.exec(posix)
  if (rooted) return path.posix.normalize(posix.slice(rooted[0].length)).replace(/^\.$/, '').replace(/\/$/, '')
  if (posix.startsWith('/') || /^[a-z]:\//i.test(posix)) return undefined
  const joined = path.posix.normalize(path.posix.join(base, posix)).replace(/\/$/, '')
  if (joined === '..' || joined.startsWith('../')) return undefined
  return joined === '.' ? '' : joined
}
