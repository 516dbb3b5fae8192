import type {Explanation} from './types.js'

/** chd deploy with several apps (--app repeated, --apps-file): the errors of the list itself. */
export const FLEET_CODES: Explanation[] = [
  {
    code: 'APPS_FILE_INVALID',
    error: {summary: '--apps-file: a line that is not NAME [RESOURCE_GROUP] [SLOT], or a file with no app.', exit: 2},
    groups: ['deploy-blocked'],
    checks:
      'Every line before anything is deployed: at most three fields, each one a valid app, resource group or slot ' +
      'name; `#` starts a comment, `-` stands for no resource group.',
    host: 'Resource Manager names: apps and slots take letters, digits and hyphens; groups also `_ . ( )`.',
    source: ['chd src/deploy/apps-file.ts'],
    seen: [{on: 'chd deploy --apps-file FILE', status: 'Exit 2, naming FILE:LINE; nothing deployed'}],
    why: 'A typo, a fourth column, or a list written for another tool (commas, quotes).',
    confirm: ['The line the error names'],
    fix: ['One NAME [RESOURCE_GROUP] [SLOT] a line, separated by spaces'],
  },
  {
    code: 'APP_REQUIRED',
    error: {summary: 'chd deploy was given no app: no --app, no --apps-file, no CHD_APP.', exit: 2},
    groups: ['deploy-blocked'],
    checks: 'The flags, before anything is read or sent.',
    host: 'A deploy goes to a named function app (and optionally a slot).',
    source: ['chd src/deploy/apps-file.ts'],
    seen: [{on: 'chd deploy', status: 'Exit 2'}],
    why: 'The app flag was left out, or CHD_APP is not set in this shell or pipeline.',
    confirm: ['chd deploy --help'],
    fix: ['--app NAME (repeatable), or --apps-file FILE'],
  },
  {
    code: 'APP_LISTED_TWICE',
    error: {summary: 'The same app (and slot) is named twice in one deploy.', exit: 2},
    groups: ['deploy-blocked'],
    checks: 'The list from --app and --apps-file, names compared without case, each slot its own site.',
    host: 'Two deployments to one site at once race: Kudu answers 409, or the later one wins unseen.',
    source: ['chd src/deploy/apps-file.ts'],
    seen: [{on: 'chd deploy --app A --app A, or A in --apps-file and in --app', status: 'Exit 2'}],
    why: 'A name repeated in the apps file, or given both as a flag and in the file.',
    confirm: ['The apps file'],
    fix: ['Name each app (and slot) once'],
  },
  {
    code: 'FLEET_PACKAGES_DIFFER',
    error: {
      summary: 'A --package zip without Unix modes cannot serve apps whose settings name different executables.',
      exit: 2,
    },
    groups: ['deploy-blocked'],
    checks:
      'The executable each app will start (host.json with its settings); a zip without modes gets the execute ' +
      'bit on that one file, so the apps must agree on it for one package to serve them all.',
    host: 'On Linux the host starts defaultExecutablePath; without the execute bit it fails with "Permission denied".',
    source: ['chd src/deploy/session.ts', 'chd docs/host-protocol.md'],
    seen: [{on: 'chd deploy --package ZIP with several Linux apps', status: 'Exit 2; nothing deployed'}],
    why: 'The zip was made on Windows (no modes) and the apps pick their executable by an app setting.',
    confirm: ['unzip -Z ZIP (no Unix modes: "fat" in the listing)'],
    fix: ['Deploy the apps in groups that name the same executable', 'Or let chd pack the folder (modes kept)'],
  },
  {
    code: 'SKIPPED',
    error: {summary: '--fail-fast: this app was not deployed (or not verified) because another app failed.', exit: 1},
    groups: ['deploy-blocked'],
    checks: 'Between steps only: an upload is always followed by its settings, so no app is left half-written.',
    host: 'Nothing: the app keeps what it ran, or has the new build with its settings but was not verified.',
    source: ['chd src/deploy/fleet.ts'],
    seen: [{on: 'chd deploy --app A --app B … --fail-fast', status: 'Reported as skipped; the exit is the failure'}],
    why: 'Another app in the list failed first.',
    confirm: ['The failed app in the same report'],
    fix: ['Fix that failure and deploy again; without --fail-fast every app is tried'],
  },
]
