import {reincludeLines} from '../app/files.js'
import {type CheckContext, finding} from './context.js'
import type {Finding} from './finding.js'

export function packageRules(ctx: CheckContext): Finding[] {
  const {selection, app} = ctx
  const out: Finding[] = []
  const zip = app.source.kind === 'zip'
  for (const s of selection.secrets) {
    if (selection.secretsIncluded) {
      out.push(
        finding('SECRET_WOULD_BE_PACKED', `${s.path} is packed because --include-secrets was given`, {
          file: s.path,
          severity: 'info',
        }),
      )
      continue
    }
    out.push(
      finding(
        'SECRET_WOULD_BE_PACKED',
        zip
          ? `${s.path} is inside the package and usually holds secrets`
          : `${s.path} would be packed and usually holds secrets`,
        {
          file: s.path,
          fix: zip
            ? 'Rebuild the package without it (chd pack leaves it out)'
            : `Add ${s.path} to .funcignore, or pass --include-secrets if it really belongs in the package`,
        },
      ),
    )
  }
  for (const l of selection.badLinks) {
    const why =
      l.badLink!.problem === 'escapes'
        ? `points outside the app folder (${l.badLink!.target})`
        : l.badLink!.problem === 'loop'
          ? `makes a loop (back to ${l.badLink!.target})`
          : `points nowhere (${l.badLink!.target})`
    out.push(
      finding('SYMLINK_UNPACKABLE', `${l.path} is a symbolic link that ${why}`, {
        file: l.path,
        fix: `Replace it with the file itself, or add ${l.path} to .funcignore`,
      }),
    )
  }
  const read = new Set([
    'host.json',
    ...(ctx.exe.kind === 'app' ? [ctx.exe.path] : []),
    ...app.functions.map((f) => f.path),
  ])
  for (const d of app.source.duplicates ?? []) {
    out.push(
      finding(
        'ZIP_DUPLICATE_ENTRY',
        `${d} is in the package more than once; which copy the platform extracts is up to its unzip${read.has(d) ? ', and the host reads this file' : ''}`,
        {
          file: d,
          severity: read.has(d) ? 'error' : 'warning',
          fix: 'Rebuild the package so each path appears once (chd pack does)',
        },
      ),
    )
  }
  const excluded = new Map(selection.excluded.map((e) => [e.path, e.reason]))
  const required = ['host.json', ...(ctx.exe.kind === 'app' ? [ctx.exe.path] : []), ...app.functions.map((f) => f.path)]
  for (const p of required) {
    if (excluded.get(p) === '.funcignore') {
      const lines = reincludeLines(app.funcignore ?? '', p)
      out.push(
        finding(
          'EXECUTABLE_NOT_PACKED',
          `.funcignore leaves ${p} out of the package, so the app cannot start on Azure`,
          {
            file: '.funcignore',
            fix: lines
              ? `Add these lines at the end of .funcignore: ${lines.join('  ')}`
              : `Remove or narrow the .funcignore rule that matches ${p}`,
          },
        ),
      )
    }
  }
  return out
}
