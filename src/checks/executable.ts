import {lineOf} from '../app/jsonc.js'
import {compareVersions, elfMachineName} from '../platform/elf.js'
import {describeExecutable} from '../platform/inspect.js'
import {interpreterName, parseShebang} from '../platform/script.js'
import {KNOWN_INTERPRETERS, lookupOnPath, programFamily, type Stack} from '../platform/stacks.js'
import {type CheckContext, finding} from './context.js'
import type {Finding} from './finding.js'

export function executableRules(ctx: CheckContext): Finding[] {
  const {app, target, exe} = ctx
  const {customHandler} = app
  if (!customHandler?.hasDescription || exe.kind === 'empty') return []
  const line = lineOf(app.hostJson, [customHandler.section, 'description', 'defaultExecutablePath'])
  const where = {file: 'host.json', line}
  const written = customHandler.defaultExecutablePath ?? ''

  if (exe.kind === 'missing') {
    return [
      finding(
        'EXECUTABLE_NOT_FOUND',
        `defaultExecutablePath "${written}" resolves to ${exe.path}, which is not ` +
          `in ${app.source.location}${exe.hint ? ` (${exe.hint})` : ''}`,
        {
          ...where,
          fix: exe.hint
            ? `Correct the path: ${exe.hint}`
            : 'Build the handler into the app folder before packing, or correct defaultExecutablePath',
        },
      ),
    ]
  }
  if (exe.kind === 'command') return commandRules(ctx, exe.name, exe.hint, where)
  if (exe.kind === 'outside') {
    return [
      finding(
        'EXECUTABLE_NOT_CHECKED',
        `defaultExecutablePath "${written}" is outside the app (${exe.path}); it must exist in ` +
          `the ${target.name} image`,
        where,
      ),
    ]
  }

  const info = ctx.exeInfo!
  const entry = ctx.exeEntry!
  const out: Finding[] = []
  const what = `${exe.path} (${describeExecutable(info)})`
  if (target.os === 'linux') {
    if (info.format === 'pe') {
      out.push(
        finding(
          'EXECUTABLE_WRONG_OS',
          `${exe.path} is a Windows program; the ${target.name} platform cannot run it (Exec format error)`,
          {
            ...where,
            fix:
              'Build for Linux, e.g. GOOS=linux GOARCH=amd64 go build -o handler, and point ' +
              'defaultExecutablePath at it',
          },
        ),
      )
    } else if (info.format === 'macho') {
      out.push(
        finding(
          'EXECUTABLE_WRONG_OS',
          `${exe.path} is a macOS program; the ${target.name} platform cannot run it (Exec format error)`,
          {
            ...where,
            fix:
              'Cross-compile for Linux: GOOS=linux GOARCH=amd64 go build, cargo build --target ' +
              'x86_64-unknown-linux-gnu, deno compile --target x86_64-unknown-linux-gnu',
          },
        ),
      )
    } else if (info.format === 'elf') {
      if (info.arch !== target.arch) {
        out.push(
          finding(
            'EXECUTABLE_WRONG_ARCH',
            `${exe.path} is built ` +
              `for ${elfMachineName(info.machine)}${info.bits === 32 ? ' 32-bit' : ''}; the ${target.name} ` +
              `platform runs x86-64 (Exec format error)`,
            {
              ...where,
              fix: 'Build for x86-64 Linux, e.g. GOARCH=amd64, or cargo build --target x86_64-unknown-linux-gnu',
            },
          ),
        )
      } else if (info.bits !== 64) {
        out.push(
          finding(
            'EXECUTABLE_WRONG_ARCH',
            `${exe.path} is a 32-bit ELF; the ${target.name} platform runs 64-bit x86-64`,
            {...where, fix: 'Build a 64-bit x86-64 binary'},
          ),
        )
      }
      if (info.musl) {
        out.push(
          finding(
            'EXECUTABLE_MUSL',
            `${exe.path} is linked against musl (${info.interpreter}), which the Debian-based image ` +
              `lacks: it fails with "No such file or directory"`,
            {
              ...where,
              fix:
                'Link statically (e.g. --target x86_64-unknown-linux-musl with static linking, ' +
                'CGO_ENABLED=0) or build against glibc',
            },
          ),
        )
      }
      if (target.glibc && info.maxGlibc && compareVersions(info.maxGlibc, target.glibc) > 0) {
        out.push(
          finding(
            'EXECUTABLE_GLIBC_TOO_NEW',
            `${exe.path} needs GLIBC_${info.maxGlibc}; ${target.name} has glibc ${target.glibc}, so it ` +
              `fails with "version \`GLIBC_${info.maxGlibc}' not found"`,
            {
              ...where,
              fix:
                `Build on a system with glibc ${target.glibc} or older (e.g. Debian 11), link statically ` +
                `(CGO_ENABLED=0 for Go), or use --glibc if your image is newer`,
            },
          ),
        )
      }
    } else if (info.format === 'script') {
      out.push(...shebangRules(ctx, exe.path, info, true))
    } else {
      out.push(
        finding(
          'EXECUTABLE_UNKNOWN_FORMAT',
          `${exe.path}: ${describeExecutable(info)}; the kernel refuses it (Exec format error)`,
          {
            ...where,
            fix: 'Point defaultExecutablePath at a Linux binary, or add a #! line to the script',
          },
        ),
      )
    }
    if (app.source.modesKnown && ((entry.mode ?? 0o644) & 0o100) === 0) {
      const hostAdds = target.plan === 'consumption' || target.plan === 'flex'
      const adds = target.addsExecBit ?? hostAdds
      const plan = !adds
        ? ''
        : hostAdds
          ? ' (this plan adds u+x to this one file, but nothing else)'
          : ' (a zip push on this app makes every file executable: Kudu runs chmod -R 777; run from the ' +
            'package and it stays as packed)'
      const mode = entry.mode === undefined ? 'not recorded' : (entry.mode & 0o777).toString(8).padStart(3, '0')
      out.push(
        finding(
          'EXECUTABLE_NOT_EXECUTABLE',
          `${exe.path} has no execute bit (mode ${mode}): the host fails with "Permission denied"${plan}`,
          {
            ...where,
            severity: adds ? 'warning' : 'error',
            fix:
              app.source.kind === 'zip'
                ? 'Re-create the zip with chd pack, which records Unix modes'
                : `chmod +x ${exe.path}`,
          },
        ),
      )
    }
  } else {
    if (info.format === 'elf' || info.format === 'macho') {
      out.push(
        finding('EXECUTABLE_WRONG_OS', `${what} cannot run on Windows`, {
          ...where,
          fix: 'Build for Windows, e.g. GOOS=windows GOARCH=amd64 go build -o handler.exe',
        }),
      )
    } else if (info.format === 'pe') {
      if (info.arch === 'arm64' || info.arch === 'arm' || info.arch === 'other') {
        out.push(
          finding('EXECUTABLE_WRONG_ARCH', `${what} does not run on x64 Windows`, {
            ...where,
            fix: 'Build for windows/amd64',
          }),
        )
      }
      if (info.subsystem === 'gui') {
        out.push(
          finding(
            'EXECUTABLE_GUI_SUBSYSTEM',
            `${exe.path} is a GUI-subsystem program: the host captures no console output from it`,
            {...where, fix: 'Build it as a console program (drop -H windowsgui)'},
          ),
        )
      }
      if (!/\.exe$/i.test(exe.path)) {
        out.push(
          finding('EXECUTABLE_NOT_FOUND', `${exe.path} has no .exe extension; Windows will not start it`, {
            ...where,
            fix: `Rename it to ${exe.path}.exe and update defaultExecutablePath`,
          }),
        )
      }
    } else if (info.format === 'script') {
      out.push(
        finding('SCRIPT_INTERPRETER_UNAVAILABLE', `${exe.path} is a #! script; Windows does not run #! lines`, {
          ...where,
          fix:
            `Set defaultExecutablePath to the interpreter (e.g. "${interpreterName(info.interpreter)}") and ` +
            `defaultWorkerPath to the script`,
        }),
      )
    } else {
      out.push(
        finding('EXECUTABLE_UNKNOWN_FORMAT', `${exe.path}: ${describeExecutable(info)}`, {
          ...where,
          fix: 'Point defaultExecutablePath at a Windows .exe',
        }),
      )
    }
  }
  return out
}

function commandRules(
  ctx: CheckContext,
  name: string,
  hint: string | undefined,
  where: {file: string; line?: number},
): Finding[] {
  if (hint)
    return [
      finding('EXECUTABLE_NOT_FOUND', `defaultExecutablePath "${name}" is not a file the host finds: ${hint}`, {
        ...where,
        fix: `Correct defaultExecutablePath: ${hint}`,
      }),
    ]
  return pathRules(ctx, name, `defaultExecutablePath "${name}"`, where, 'defaultExecutablePath')
}

/**
 * One rule for every program the host (or a #! line) looks up on PATH: what the platform image
 * really has (platform/stacks.ts), judged against the app's stack when it is known.
 */
function pathRules(
  ctx: CheckContext,
  name: string,
  what: string,
  where: {file: string; line?: number},
  pointer: 'defaultExecutablePath' | 'the #! line',
): Finding[] {
  const {target, app} = ctx
  if (target.container) {
    return [
      finding(
        'EXECUTABLE_NOT_CHECKED',
        `${what} is looked up on PATH in your container image; chd cannot see the image, so make sure its ` +
          `Dockerfile installs ${name}`,
        where,
      ),
    ]
  }
  const found = lookupOnPath(target.os, name, target.stack)
  if (found.kind === 'present') return []
  const known = KNOWN_INTERPRETERS.some((k) => programFamily(k) === programFamily(name))
  // Interpreters get one code wherever they are named; any other program on PATH is "not found".
  const code = known || pointer === 'the #! line' ? 'SCRIPT_INTERPRETER_UNAVAILABLE' : 'EXECUTABLE_NOT_FOUND'
  const docker = app.source.get('Dockerfile')
    ? ' A Dockerfile is here: if the app runs as a custom container, judge it with --target container.'
    : ''
  const ship = `ship ${name} inside the app and point ${pointer} at it, or run the app as a custom container`
  if (found.kind === 'java-home') {
    return [
      finding(
        code,
        `${what}: Linux images set JAVA_HOME but put no java on PATH (the Java stack's own worker runs ` +
          `%JAVA_HOME%/bin/java)`,
        {
          ...where,
          severity: 'warning',
          fix: `Use "%JAVA_HOME%/bin/java" with the Java stack, or ${ship}`,
        },
      ),
    ]
  }
  if (found.kind === 'stack') {
    if (found.stackKnown && found.supplied) return []
    if (found.stackKnown) {
      return [
        finding(
          code,
          `${what}: the app's ${describeStack(target.stack!)} image has no ${name} on PATH; ` +
            `the ${found.label} stack has it`,
          {
            ...where,
            fix:
              `Run the app on the ${found.label} stack (FUNCTIONS_WORKER_RUNTIME=${found.runtime}, chd ` +
              `keeps it at deploy), or ${ship}`,
          },
        ),
      ]
    }
    const local = localRuntime(ctx)
    return [
      finding(
        code,
        `${what} is found on Azure only when the app runs the ${found.label} stack, whose image has it on ` +
          `PATH${local ? ` (local.settings.json names ${local})` : ''}; chd doctor --app NAME checks the ` +
          `live app`,
        {
          ...where,
          severity: 'info',
          fix:
            `Create the app with the ${found.label} stack (FUNCTIONS_WORKER_RUNTIME=${found.runtime}; chd ` +
            `deploy keeps it), or ${ship}`,
        },
      ),
    ]
  }
  const near = KNOWN_INTERPRETERS.find((k) => k !== name && k.toLowerCase() === name.toLowerCase())
  if (near && target.os === 'linux') {
    return [
      finding(code, `${what}: Linux looks names up case-sensitively, and the program is called ${near}`, {
        ...where,
        fix: `Write "${near}"`,
      }),
    ]
  }
  return [
    finding(
      code,
      known
        ? `${what}: no ${target.os === 'linux' ? 'Linux' : 'Windows'} Functions image has ${name} on PATH, ` +
            `whatever the stack.${docker}`
        : `${what} is not in the app, so the host looks it up on PATH, where the ${target.name} image has ` +
            `no such program.${docker}`,
      {
        ...where,
        fix: known
          ? `Ship ${name} inside the app (a static build, or deno compile / a single binary) and ` +
            `point ${pointer} at it, or run the app as a custom container`
          : `Build the handler into the app as ./${name} (the host resolves it relative to the app root)`,
      },
    ),
  ]
}

function describeStack(stack: Stack): string {
  return stack.runtime === 'custom'
    ? 'custom stack (default .NET)'
    : `${stack.runtime}${stack.version ? ` ${stack.version}` : ''}`
}

/** FUNCTIONS_WORKER_RUNTIME as local.settings.json has it: a hint of the stack the user means. */
function localRuntime(ctx: CheckContext): string | undefined {
  const key = Object.keys(ctx.app.localValues).find((k) => k.toLowerCase() === 'functions_worker_runtime')
  return key ? `FUNCTIONS_WORKER_RUNTIME=${ctx.app.localValues[key]}` : undefined
}

function shebangRules(
  ctx: CheckContext,
  path: string,
  info: NonNullable<ReturnType<typeof parseShebang>>,
  isExecutable: boolean,
): Finding[] {
  const out: Finding[] = []
  const where = isExecutable
    ? {
        file: 'host.json',
        line: lineOf(ctx.app.hostJson, [ctx.app.customHandler!.section, 'description', 'defaultExecutablePath']),
      }
    : {file: path, line: 1}
  if (info.crlf) {
    out.push(
      finding(
        'SCRIPT_CRLF',
        `${path} has Windows (CRLF) line endings on its #! line: the kernel looks for ` +
          `"${info.interpreter}\\r" and fails with "No such file or directory"`,
        {
          file: path,
          line: 1,
          severity: isExecutable ? 'error' : 'warning',
          fix: `Convert it to LF: sed -i 's/\\r$//' ${path} (and set *.sh text eol=lf in .gitattributes)`,
        },
      ),
    )
  }
  const name = interpreterName(info.interpreter)
  if (!name) {
    out.push(
      finding('SCRIPT_INTERPRETER_UNAVAILABLE', `${path} has an empty #! line`, {
        ...where,
        fix: 'Write the interpreter after #!, e.g. #!/bin/sh',
      }),
    )
  } else {
    out.push(...pathRules(ctx, name, `${path} runs with ${info.interpreter}`, where, 'the #! line'))
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
