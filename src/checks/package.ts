import {reincludeLines} from '../app/files.js'
import {type CheckContext, finding} from './context.js'
import type {Finding} from './finding.js'

export function packageRules(ctx: CheckContext): Finding[] {
  const {selection, app} = ctx
  const out: Finding[] = []
  const zip = app.source.kind === 'zip'
  for (const secret of selection.secrets) {
    if (selection.secretsIncluded) {
      out.push(
        finding('SECRET_WOULD_BE_PACKED', `${secret.path} is packed because --include-secrets was given`, {
          file: secret.path,
          severity: 'info',
        }),
      )
      continue
    }
    out.push(
      finding(
        'SECRET_WOULD_BE_PACKED',
        zip
          ? `${secret.path} is inside the package and usually holds secrets`
          : `${secret.path} would be packed and usually holds secrets`,
        {
          file: secret.path,
          fix: zip
            ? 'Rebuild the package without it (chd pack leaves it out)'
            : `Add ${secret.path} to .funcignore, or pass --include-secrets if it really belongs in the package`,
        },
      ),
    )
  }
  for (const link of selection.badLinks) {
    const why =
      link.badLink!.problem === 'escapes'
        ? `points outside the app folder (${link.badLink!.target})`
        : link.badLink!.problem === 'loop'
          ? `makes a loop (back to ${link.badLink!.target})`
          : `points nowhere (${link.badLink!.target})`
    out.push(
      finding('SYMLINK_UNPACKABLE', `${link.path} is a symbolic link that ${why}`, {
        file: link.path,
        fix: `Replace it with the file itself, or add ${link.path} to .funcignore`,
      }),
    )
  }
  const read = new Set([
    'host.json',
    ...(ctx.exe.kind === 'app' ? [ctx.exe.path] : []),
    ...app.functions.map((f) => f.path),
  ])
  for (const duplicate of app.source.duplicates ?? []) {
    out.push(
      finding(
        'ZIP_DUPLICATE_ENTRY',
        `${duplicate} is in the package more than once; which copy the platform extracts is up to its ` +
          `unzip${read.has(duplicate) ? ', and the host reads this file' : ''}`,
        {
          file: duplicate,
          severity: read.has(duplicate) ? 'error' : 'warning',
          fix: 'Rebuild the package so each path appears once (chd pack does)',
        },
      ),
    )
  }
  const excluded = new Map(selection.excluded.map((e) => [e.path, e.reason]))
  const required = ['host.json', ...(ctx.exe.kind === 'app' ? [ctx.exe.path] : []), ...app.functions.map((f) => f.path)]
  for (const file of required) {
    if (excluded.get(file) === '.funcignore') {
      const lines = reincludeLines(app.funcignore ?? '', file)
      out.push(
        finding(
          'EXECUTABLE_NOT_PACKED',
          `.funcignore leaves ${file} out of the package, so the app cannot start on Azure`,
          {
            file: '.funcignore',
            fix: lines
              ? `Add these lines at the end of .funcignore: ${lines.join('  ')}`
              : `Remove or narrow the .funcignore rule that matches ${file}`,
          },
        ),
      )
    }
  }
  return out
}
