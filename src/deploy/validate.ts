import type {FileSelection} from '../app/files.js'
import {forAzure, type FunctionApp} from '../app/model.js'
import type {AzureContext} from '../azure/arm.js'
import {applyChange, type ConnectionString, readConnectionStrings, readSettings} from '../azure/settings.js'
import {type SiteInfo, siteStack} from '../azure/site.js'
import type {Finding} from '../checks/finding.js'
import {checksFailed, packageSelection, runStaticChecks} from '../checks/run.js'
import {chooseRuntime, neededPrograms, type RuntimeChoice} from '../checks/runtime.js'
import {ChdError, ExitCode} from '../errors.js'
import type {Stack} from '../platform/stacks.js'
import type {Target} from '../platform/targets.js'
import {checkStorage, packageIdentity, storageFromSettings, type StorageTarget} from './blob.js'
import type {Route} from './types.js'

/** What validate-remote learnt of the app. */
export interface RemoteState {
  /** Its app settings before this deploy. */
  current: Record<string, string>
  /** Its connection strings, read only when the deploy pushes some. */
  connectionsBefore?: Record<string, ConnectionString>
  stack?: Stack
  container: boolean
  runtimeBefore?: string
  storage?: StorageTarget
  identity?: string
}

/**
 * The app's settings, stack and storage, and whether `route` can deploy to it: a plan that needs
 * storage has it; a zip deploy is not refused by a package URL; run-from-package can write its blob
 * or the platform can read it with the app's identity.
 */
export async function validateRemote(
  ctx: AzureContext,
  site: SiteInfo,
  route: Route,
  options: {force?: boolean; connections: boolean},
): Promise<{value: RemoteState; detail: string}> {
  const current = await readSettings(ctx, site)
  const connectionsBefore = options.connections ? await readConnectionStrings(ctx, site) : undefined
  const {stack, container} = await siteStack(ctx, site, current)
  const runtimeBefore = site.plan === 'flex' ? site.flexRuntime : current.FUNCTIONS_WORKER_RUNTIME
  const storage = storageFromSettings(current)
  if (!storage && (site.plan === 'consumption' || site.plan === 'premium')) {
    throw new ChdError(
      'REMOTE_STORAGE_MISSING',
      `${site.name} has no AzureWebJobsStorage setting, which a ${site.plan} ` + 'plan needs',
      {
        exit: ExitCode.failed,
        suggestions: [`chd settings set --app ${site.name} AzureWebJobsStorage="<storage connection string>"`],
      },
    )
  }
  const packageUrl = current.WEBSITE_RUN_FROM_PACKAGE ?? ''
  if (route !== 'run-from-package' && /^https?:/i.test(packageUrl) && !options.force) {
    throw new ChdError(
      'RUN_FROM_PACKAGE_URL_SET',
      `${site.name} runs from a package URL (WEBSITE_RUN_FROM_PACKAGE); zip ` + 'deployment is refused while it is set',
      {
        exit: ExitCode.failed,
        suggestions: [`chd settings unset --app ${site.name} WEBSITE_RUN_FROM_PACKAGE`],
      },
    )
  }
  // Run from package: a connection string chd can upload with, or an identity the platform can fetch with.
  let identity: string | undefined
  if (route === 'run-from-package' && storage) {
    checkStorage(storage)
    if (!storage.connectionString) identity = packageIdentity(site.name, site.site.identity, current)
  }
  const notes = [`runtime ${runtimeBefore ?? '(unset)'}`]
  if (stack) notes.push(`stack ${stack.runtime}${stack.version ? ` ${stack.version}` : ''}`)
  if (storage) notes.push('storage set')
  return {
    value: {current, connectionsBefore, stack, container, runtimeBefore, storage, identity},
    detail: notes.join(', '),
  }
}

/** What validate-local decided: the findings, the files to pack, the worker runtime, the handler's path. */
export interface LocalState {
  findings: Finding[]
  selection: FileSelection
  runtime: RuntimeChoice
  exePath?: string
}

/**
 * The doctor's checks against the target, judged with host.json and the app settings Azure will have
 * after this deploy (`desired` merged into the live ones), never local.settings.json's values.
 */
export async function validateLocal(
  app: FunctionApp,
  target: Target,
  site: SiteInfo,
  remote: RemoteState,
  options: {desired: Record<string, string>; force?: boolean; package?: string},
): Promise<{value: LocalState; detail: string}> {
  const selection = packageSelection(app)
  const checked = await runStaticChecks(
    forAzure(app, applyChange(remote.current, {set: options.desired})),
    target,
    selection,
  )
  const {context} = checked
  // A package zipped without Unix modes is rewritten with them (package step): its handler will have u+x.
  const addsModes =
    Boolean(options.package) && site.linux && context.exeEntry !== undefined && context.exeEntry.mode === undefined
  const findings = addsModes ? checked.findings.filter((f) => f.code !== 'EXECUTABLE_NOT_EXECUTABLE') : checked.findings
  const errors = findings.filter((f) => f.severity === 'error')
  if (errors.length > 0 && !options.force) {
    throw checksFailed(
      findings,
      ` for ${target.name} (${site.plan}); not deploying`,
      'Fix them, or pass --force to deploy anyway',
    )
  }
  const runtime = chooseRuntime(target.os, remote.runtimeBefore, remote.stack, neededPrograms(context))
  const change = !runtime.keep
    ? ', runtime → custom'
    : runtime.runtime.toLowerCase() === 'custom'
      ? ''
      : `, runtime ${runtime.runtime} ${runtime.reason}`
  const exePath = context.exe.kind === 'app' ? context.exe.path : undefined
  const detail =
    `${site.linux ? 'Linux' : 'Windows'} ${site.plan}: ${errors.length} error(s), ` +
    `${findings.length - errors.length} other finding(s)${change}`
  return {value: {findings, selection, runtime, exePath}, detail}
}
