import type {AppEntry} from '../app/source.js'
import {compareVersions} from '../platform/elf.js'
import {type ExecutableInfo, inspectExecutable} from '../platform/inspect.js'
import {type CheckContext, finding} from './context.js'
import type {Finding} from './finding.js'

/**
 * Files a handler spawns or loads besides itself: names without an extension (bin/ffmpeg, jq),
 * native libraries and addons, scripts, and anything with an execute bit.
 */
const CANDIDATE = /(^|\/)[^./]+$|\.(so(\.\d+)*|node|dll|exe|dylib|bin|sh|bash|py|pl|rb)$/i
/** Prebuilt variants for other platforms sit in folders named after them; the runtime picks its own. */
const OTHER_ARCH_PATH =
  /(^|[/_-])(arm64|aarch64|armv?[67]l?|armhf|arm|ia32|x86(?!_64)|i[36]86|ppc64(le)?|s390x?|riscv64|mips\w*|loong\w*)([/_.-]|$)/i
const MUSL_PATH = /musl/i
/** Package-manager trees: full of #! tools the handler does not spawn; their bits are not its concern. */
const DEPENDENCY_TREE = /(^|\/)(node_modules|\.python_packages|site-packages|vendor)\//
const SHOWN = 5

interface Bundled {
  entry: AppEntry
  info: ExecutableInfo
}

/** Reads the headers of candidate files a few at a time: a node_modules tree holds thousands. */
async function inspectAll(ctx: CheckContext, entries: AppEntry[]): Promise<Bundled[]> {
  const out: Bundled[] = []
  let next = 0
  const worker = async () => {
    while (next < entries.length) {
      const entry = entries[next++]
      const reader = await ctx.app.source.reader(entry.path)
      try {
        out.push({entry, info: await inspectExecutable(reader)})
      } finally {
        await reader.close()
      }
    }
  }
  await Promise.all(Array.from({length: Math.min(16, entries.length)}, worker))
  return out.sort((a, b) => (a.entry.path < b.entry.path ? -1 : 1))
}

function list(items: Bundled[], why: (b: Bundled) => string): string {
  const shown = items
    .slice(0, SHOWN)
    .map((b) => `${b.entry.path} (${why(b)})`)
    .join(', ')
  return items.length > SHOWN ? `${shown} and ${items.length - SHOWN} more` : shown
}

/**
 * Binaries and scripts in the package other than the handler: judged against the platform like the
 * handler is (CPU, glibc, musl), and for the execute bit, which on Linux Consumption and Flex the
 * host restores for defaultExecutablePath only (WorkerProcess.AssignUserExecutePermissionsIfNotExists).
 */
export async function bundledRules(ctx: CheckContext): Promise<Finding[]> {
  const {target} = ctx
  if (target.os !== 'linux') return []
  const handler = ctx.exe.kind === 'app' ? ctx.exe.path : undefined
  const candidates = ctx.selection.included.filter(
    (e) => e.path !== handler && e.size >= 4 && (CANDIDATE.test(e.path) || ((e.mode ?? 0) & 0o111) !== 0),
  )
  const files = (await inspectAll(ctx, candidates)).filter((b) => b.info.format === 'elf' || b.info.format === 'script')
  return [...compatibility(ctx, files), ...execBits(ctx, files)]
}

function compatibility(ctx: CheckContext, files: Bundled[]): Finding[] {
  const {target} = ctx
  const elves = files.filter(
    (b): b is Bundled & {info: Extract<ExecutableInfo, {format: 'elf'}>} => b.info.format === 'elf',
  )
  const arch = elves.filter((b) => b.info.arch !== target.arch && !OTHER_ARCH_PATH.test(b.entry.path))
  const glibc = elves.filter(
    (b) => target.glibc && b.info.maxGlibc && compareVersions(b.info.maxGlibc, target.glibc) > 0,
  )
  const musl = elves.filter((b) => b.info.musl && !MUSL_PATH.test(b.entry.path))
  const out: Finding[] = []
  const report = (items: Bundled[], message: string, fix: string) => {
    if (items.length > 0) out.push(finding('BUNDLED_BINARY_INCOMPATIBLE', message, {file: items[0].entry.path, fix}))
  }
  report(
    arch,
    `Bundled binaries built for another CPU than the ` +
      `platform's ${target.arch}: ${list(arch, (b) => (b.info.format === 'elf' ? b.info.arch : ''))}; they ` +
      `fail with "Exec format error" or "wrong ELF class" when used`,
    'Rebuild them for x86-64 Linux (npm rebuild / pip install on an x64 Linux machine or container), or ' +
      'drop them from the package',
  )
  report(
    glibc,
    `Bundled binaries that need a newer glibc than the platform's ${target.glibc}: ` +
      `${list(glibc, (b) => (b.info.format === 'elf' ? `GLIBC_${b.info.maxGlibc}` : ''))}; ` +
      `they fail with "version \`GLIBC_x.y' not found" when used`,
    `Build them on a system with glibc ${target.glibc} or older (Debian 11), or link them statically`,
  )
  report(
    musl,
    `Bundled binaries linked against musl (Alpine), which the Debian-based platform lacks: ${list(musl, () => 'musl')}`,
    'Rebuild them against glibc (on Debian/Ubuntu, not Alpine), or link them statically',
  )
  return out
}

function execBits(ctx: CheckContext, files: Bundled[]): Finding[] {
  const {target, app} = ctx
  const runnable = files.filter(
    (b) =>
      ((b.info.format === 'elf' && b.info.kind === 'executable') || b.info.format === 'script') &&
      !DEPENDENCY_TREE.test(b.entry.path),
  )
  if (target.plan === 'consumption' || target.plan === 'flex') {
    if (runnable.length === 0) return []
    return [
      finding(
        'BUNDLED_EXECUTABLE_LOSES_BIT',
        `On ${target.plan === 'flex' ? 'Flex Consumption' : 'Linux Consumption'} the host adds the ` +
          `execute bit to defaultExecutablePath only, so these files may not be executable ` +
          `there: ${list(runnable, (b) => b.info.format)}; running one fails with "Permission denied"`,
        {
          file: runnable[0].entry.path,
          fix:
            'Have the handler chmod them at start (os.Chmod(path, 0o755) / fs.chmodSync(path, 0o755)), or ' +
            "host the app on Premium or Dedicated, where the package's modes are kept",
        },
      ),
    ]
  }
  if (!app.source.modesKnown) return []
  const noBit = runnable.filter((b) => b.entry.mode !== undefined && (b.entry.mode & 0o100) === 0)
  if (noBit.length === 0) return []
  return [
    finding(
      'BUNDLED_EXECUTABLE_LOSES_BIT',
      `These files look executable but have no execute ` +
        `bit: ${list(noBit, (b) => `mode ${(b.entry.mode! & 0o777).toString(8).padStart(3, '0')}`)}; where ` +
        `the platform keeps the package's modes, running one fails with "Permission denied"`,
      {
        file: noBit[0].entry.path,
        fix:
          app.source.kind === 'zip'
            ? 'Re-create the package with chd pack after chmod +x on them'
            : `chmod +x ${noBit
                .slice(0, SHOWN)
                .map((b) => b.entry.path)
                .join(' ')}`,
      },
    ),
  ]
}

/**
 * Files the host reads: host.json and every function.json (HostJsonFileConfigurationSource,
 * HostFunctionMetadataProvider). Unreadable, the host fails with "Access to the path … is denied".
 */
export function readableRules(ctx: CheckContext): Finding[] {
  const {app} = ctx
  if (!app.source.modesKnown || ctx.target.os !== 'linux') return []
  const read = ['host.json', ...app.functions.map((f) => f.path)]
  if (ctx.exeInfo?.format === 'script' && ctx.exe.kind === 'app') read.push(ctx.exe.path)
  const out: Finding[] = []
  for (const p of read) {
    const mode = app.source.get(p)?.mode
    if (mode === undefined || (mode & 0o044) !== 0) continue
    const none = (mode & 0o444) === 0
    out.push(
      finding(
        'FILE_NOT_READABLE',
        `${p} has ` +
          `mode ${(mode & 0o777).toString(8).padStart(3, '0')}: ${none ? 'nobody' : 'only its owner'} may ` +
          `read it, and the host fails with "Access to the path '/home/site/wwwroot/${p}' is ` +
          `denied"${none ? '' : ' unless it runs as that owner'}`,
        {
          file: p,
          severity: none ? 'error' : 'warning',
          fix:
            app.source.kind === 'zip' ? 'Re-create the package with chd pack after chmod a+r on it' : `chmod a+r ${p}`,
        },
      ),
    )
  }
  return out
}
