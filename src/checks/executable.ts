import {lineOf} from '../app/jsonc.js'
import {compareVersions, elfMachineName} from '../platform/elf.js'
import {describeExecutable} from '../platform/inspect.js'
import {interpreterName, parseShebang} from '../platform/script.js'
import {type CheckContext, finding} from './context.js'
import type {Finding} from './finding.js'

export function executableRules(ctx: CheckContext): Finding[] {
  const {app, target, exe} = ctx
  const ch = app.customHandler
  if (!ch?.hasDescription || exe.kind === 'empty') return []
  const line = lineOf(app.hostJson, [ch.section, 'description', 'defaultExecutablePath'])
  const where = {file: 'host.json', line}
  const written = ch.defaultExecutablePath ?? ''

  if (exe.kind === 'missing') {
    return [finding('EXECUTABLE_NOT_FOUND', `defaultExecutablePath "${written}" resolves to ${exe.path}, which is not in ${app.source.location}${exe.hint ? ` (${exe.hint})` : ''}`, {
      ...where, fix: exe.hint ? `Correct the path: ${exe.hint}` : 'Build the handler into the app folder before packing, or correct defaultExecutablePath',
    })]
  }
  if (exe.kind === 'command') return commandRules(ctx, exe.name, exe.hint, where)
  if (exe.kind === 'outside') {
    return [finding('EXECUTABLE_NOT_CHECKED', `defaultExecutablePath "${written}" is outside the app (${exe.path}); it must exist in the ${target.name} image`, where)]
  }

  const info = ctx.exeInfo!
  const entry = ctx.exeEntry!
  const out: Finding[] = []
  const what = `${exe.path} (${describeExecutable(info)})`
  if (target.os === 'linux') {
    if (info.format === 'pe') {
      out.push(finding('EXECUTABLE_WRONG_OS', `${exe.path} is a Windows program; the ${target.name} platform cannot run it (Exec format error)`, {
        ...where, fix: 'Build for Linux, e.g. GOOS=linux GOARCH=amd64 go build -o handler, and point defaultExecutablePath at it',
      }))
    } else if (info.format === 'macho') {
      out.push(finding('EXECUTABLE_WRONG_OS', `${exe.path} is a macOS program; the ${target.name} platform cannot run it (Exec format error)`, {
        ...where, fix: 'Cross-compile for Linux: GOOS=linux GOARCH=amd64 go build, cargo build --target x86_64-unknown-linux-gnu, deno compile --target x86_64-unknown-linux-gnu',
      }))
    } else if (info.format === 'elf') {
      if (info.arch !== target.arch) {
        out.push(finding('EXECUTABLE_WRONG_ARCH', `${exe.path} is built for ${elfMachineName(info.machine)}${info.bits === 32 ? ' 32-bit' : ''}; the ${target.name} platform runs x86-64 (Exec format error)`, {
          ...where, fix: 'Build for x86-64 Linux, e.g. GOARCH=amd64, or cargo build --target x86_64-unknown-linux-gnu',
        }))
      } else if (info.bits !== 64) {
        out.push(finding('EXECUTABLE_WRONG_ARCH', `${exe.path} is a 32-bit ELF; the ${target.name} platform runs 64-bit x86-64`, {...where, fix: 'Build a 64-bit x86-64 binary'}))
      }
      if (info.musl) {
        out.push(finding('EXECUTABLE_MUSL', `${exe.path} is linked against musl (${info.interpreter}), which the Debian-based image lacks: it fails with "No such file or directory"`, {
          ...where, fix: 'Link statically (e.g. --target x86_64-unknown-linux-musl with static linking, CGO_ENABLED=0) or build against glibc',
        }))
      }
      if (target.glibc && info.maxGlibc && compareVersions(info.maxGlibc, target.glibc) > 0) {
        out.push(finding('EXECUTABLE_GLIBC_TOO_NEW', `${exe.path} needs GLIBC_${info.maxGlibc}; ${target.name} has glibc ${target.glibc}, so it fails with "version \`GLIBC_${info.maxGlibc}' not found"`, {
          ...where, fix: `Build on a system with glibc ${target.glibc} or older (e.g. Debian 11), link statically (CGO_ENABLED=0 for Go), or use --glibc if your image is newer`,
        }))
      }
    } else if (info.format === 'script') {
      out.push(...shebangRules(ctx, exe.path, info, true))
    } else {
      out.push(finding('EXECUTABLE_UNKNOWN_FORMAT', `${exe.path}: ${describeExecutable(info)}; the kernel refuses it (Exec format error)`, {
        ...where, fix: 'Point defaultExecutablePath at a Linux binary, or add a #! line to the script',
      }))
    }
    if (app.source.modesKnown && ((entry.mode ?? 0o644) & 0o100) === 0) {
      const plan = target.plan === 'consumption' || target.plan === 'flex' ? ' (this plan adds u+x to this one file, but nothing else)' : ''
      out.push(finding('EXECUTABLE_NOT_EXECUTABLE', `${exe.path} has no execute bit (mode ${entry.mode === undefined ? 'not recorded' : (entry.mode & 0o777).toString(8).padStart(3, '0')}): the host fails with "Permission denied"${plan}`, {
        ...where, severity: plan ? 'warning' : 'error',
        fix: app.source.kind === 'zip' ? 'Re-create the zip with chd pack, which records Unix modes' : `chmod +x ${exe.path}`,
      }))
    }
  } else {
    if (info.format === 'elf' || info.format === 'macho') {
      out.push(finding('EXECUTABLE_WRONG_OS', `${what} cannot run on Windows`, {...where, fix: 'Build for Windows, e.g. GOOS=windows GOARCH=amd64 go build -o handler.exe'}))
    } else if (info.format === 'pe') {
      if (info.arch === 'arm64' || info.arch === 'arm' || info.arch === 'other') {
        out.push(finding('EXECUTABLE_WRONG_ARCH', `${what} does not run on x64 Windows`, {...where, fix: 'Build for windows/amd64'}))
      }
      if (info.subsystem === 'gui') {
        out.push(finding('EXECUTABLE_GUI_SUBSYSTEM', `${exe.path} is a GUI-subsystem program: the host captures no console output from it`, {...where, fix: 'Build it as a console program (drop -H windowsgui)'}))
      }
      if (!/\.exe$/i.test(exe.path)) {
        out.push(finding('EXECUTABLE_NOT_FOUND', `${exe.path} has no .exe extension; Windows will not start it`, {...where, fix: `Rename it to ${exe.path}.exe and update defaultExecutablePath`}))
      }
    } else if (info.format === 'script') {
      out.push(finding('SCRIPT_INTERPRETER_UNAVAILABLE', `${exe.path} is a #! script; Windows does not run #! lines`, {...where, fix: `Set defaultExecutablePath to the interpreter (e.g. "${interpreterName(info.interpreter)}") and defaultWorkerPath to the script`}))
    } else {
      out.push(finding('EXECUTABLE_UNKNOWN_FORMAT', `${exe.path}: ${describeExecutable(info)}`, {...where, fix: 'Point defaultExecutablePath at a Windows .exe'}))
    }
  }
  return out
}

function commandRules(ctx: CheckContext, name: string, hint: string | undefined, where: {file: string; line?: number}): Finding[] {
  const {target} = ctx
  const base = target.os === 'windows' ? name.toLowerCase() : name
  if (hint) return [finding('EXECUTABLE_NOT_FOUND', `defaultExecutablePath "${name}" is not a file the host finds: ${hint}`, {...where, fix: `Correct defaultExecutablePath: ${hint}`})]
  if (target.shippedInterpreters.includes(base)) return []
  if (target.stackInterpreters.includes(base)) {
    return [finding('SCRIPT_INTERPRETER_UNAVAILABLE', `defaultExecutablePath "${name}" is looked up on PATH; ${target.name} images have it only for the matching language stack`, {
      ...where, severity: 'warning', fix: `Ship ${name} inside the app and point defaultExecutablePath at it, or make sure the app's stack provides it`,
    })]
  }
  return [finding('EXECUTABLE_NOT_FOUND', `defaultExecutablePath "${name}" is not in the app, so the host looks it up on PATH, where the ${target.name} image has no such program`, {
    ...where, fix: `Build the handler into the app as ./${name} (the host resolves it relative to the app root)`,
  })]
}

function shebangRules(ctx: CheckContext, path: string, info: NonNullable<ReturnType<typeof parseShebang>>, isExecutable: boolean): Finding[] {
  const {target} = ctx
  const out: Finding[] = []
  const where = isExecutable ? {file: 'host.json', line: lineOf(ctx.app.hostJson, [ctx.app.customHandler!.section, 'description', 'defaultExecutablePath'])} : {file: path, line: 1}
  if (info.crlf) {
    out.push(finding('SCRIPT_CRLF', `${path} has Windows (CRLF) line endings on its #! line: the kernel looks for "${info.interpreter}\\r" and fails with "No such file or directory"`, {
      file: path, line: 1, severity: isExecutable ? 'error' : 'warning', fix: `Convert it to LF: sed -i 's/\\r$//' ${path} (and set *.sh text eol=lf in .gitattributes)`,
    }))
  }
  const name = interpreterName(info.interpreter)
  if (!name) {
    out.push(finding('SCRIPT_INTERPRETER_UNAVAILABLE', `${path} has an empty #! line`, {...where, fix: 'Write the interpreter after #!, e.g. #!/bin/sh'}))
  } else if (!target.shippedInterpreters.includes(name)) {
    const stack = target.stackInterpreters.includes(name)
    out.push(finding('SCRIPT_INTERPRETER_UNAVAILABLE', `${path} runs with ${info.interpreter}, which the ${target.name} image ${stack ? 'has only for the matching language stack' : 'does not ship'}`, {
      ...where, severity: stack ? 'warning' : isExecutable ? 'error' : 'warning',
      fix: name === 'deno' ? 'Use deno compile --target x86_64-unknown-linux-gnu to ship a single binary' : `Ship ${name} inside the app and start it explicitly, or compile to a single binary`,
    }))
  }
  return out
}

/** Scripts the handler may run besides the executable: CRLF breaks them the same way. */
export async function scriptRules(ctx: CheckContext): Promise<Finding[]> {
  const out: Finding[] = []
  const exePath = ctx.exe.kind === 'app' ? ctx.exe.path : undefined
  for (const entry of ctx.selection.included) {
    if (entry.path === exePath || entry.size < 3) continue
    const executable = entry.mode !== undefined && (entry.mode & 0o111) !== 0
    if (!executable && !/\.(sh|bash)$/i.test(entry.path)) continue
    const reader = await ctx.app.source.reader(entry.path)
    try {
      const info = parseShebang(await reader.read(0, 512))
      if (info?.crlf) out.push(...shebangRules(ctx, entry.path, info, false).filter((f) => f.code === 'SCRIPT_CRLF'))
    } finally {
      await reader.close()
    }
  }
  return out
}
