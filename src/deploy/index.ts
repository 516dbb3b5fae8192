import {rmSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {type FunctionApp, httpTriggered, loadApp} from '../app/model.js'
import {openSource} from '../app/source.js'
import {type AzureContext, connect} from '../azure/arm.js'
import {HostAdmin} from '../azure/functions-host.js'
import {KuduClient} from '../azure/kudu.js'
import {applyChange, checkSettingNames, type ConnectionString, diffSettings} from '../azure/settings.js'
import {addsExecBit, resolveSite, type SiteInfo} from '../azure/site.js'
import {targetProfile} from '../platform/targets.js'
import type {Progress} from '../progress.js'
import {hasStream, HostLogWatch} from '../remote/watch.js'
import {activate, connectionsPlan} from './activate.js'
import {type LocalSettings, readLocalSettings} from './local-settings.js'
import {startFailure, verifyDeploy} from './outcome.js'
import {type PreparedPackage, preparePackage} from './package.js'
import {type DeployRoute, deployRoute, type PackageFile, routeFor} from './routes.js'
import {Steps} from './steps.js'
import type {DeployOptions, DeployResult} from './types.js'
import {type LocalState, type RemoteState, validateLocal, validateRemote} from './validate.js'

export {routeFor} from './routes.js'
export type {DeployOptions, DeployResult, Route} from './types.js'

/**
 * validate-remote → validate-local → package → upload → activate → verify, for every plan; each
 * route (zip deploy, OneDeploy, run-from-package) brings its own upload and follow-up. A dry run
 * stops before the upload and sends no write request.
 */
export async function deploy(options: DeployOptions, progress: Progress): Promise<DeployResult> {
  const timeoutMs = options.timeoutMs ?? 15 * 60 * 1000
  const deadline = Date.now() + timeoutMs
  const ctx = await connect({...options, timeoutMs})
  const site = await resolveSite(ctx, options.app, options.resourceGroup, options.slot)
  const work = await mkdtemp(path.join(os.tmpdir(), 'chd-deploy-'))
  // Ctrl-C and SIGTERM end in process.exit, which skips the finally below.
  const removeWork = () => rmSync(work, {recursive: true, force: true})
  process.on('exit', removeWork)
  let watch: HostLogWatch | undefined
  try {
    return await run(ctx, site, {
      options,
      progress,
      deadline,
      work,
      watching: (w) => {
        watch = w
      },
    })
  } finally {
    watch?.stop()
    process.off('exit', removeWork)
    await rm(work, {recursive: true, force: true})
  }
}

interface RunContext {
  options: DeployOptions
  progress: Progress
  deadline: number
  /** A folder for the package, removed at the end. */
  work: string
  /** Hands the log watch to the caller, which stops it. */
  watching: (watch: HostLogWatch) => void
}

/** What the steps up to the upload settled: the route, the settings to write, the package, the result so far. */
interface Plan {
  route: DeployRoute
  app: FunctionApp
  desired: Record<string, string>
  connections: Record<string, ConnectionString>
  keepRuntime: boolean
  pkg: PackageFile & {same: boolean}
  current: Record<string, string>
  result: DeployResult
}

async function run(ctx: AzureContext, site: SiteInfo, context: RunContext): Promise<DeployResult> {
  const steps = new Steps(context.progress)
  const plan = await prepare(ctx, site, context, steps)
  return context.options.dryRun ? plan.result : release(ctx, site, context, steps, plan)
}

/** validate-remote, validate-local and package: everything a dry run shows, with no write request. */
async function prepare(ctx: AzureContext, site: SiteInfo, context: RunContext, steps: Steps): Promise<Plan> {
  const {options, deadline, work} = context
  const fromFile: LocalSettings = options.settingsFile
    ? await readLocalSettings(options.settingsFile)
    : {values: {}, connectionStrings: {}}
  const connections = fromFile.connectionStrings
  checkSettingNames(Object.keys(connections), {linux: site.linux})
  const remote = await steps.run('validate-remote', () =>
    validateRemote(ctx, site, routeFor(site), {
      force: options.force,
      connections: Object.keys(connections).length > 0,
    }),
  )
  const route = deployRoute({
    ctx,
    site,
    kudu: new KuduClient(ctx, site.scmHost),
    current: remote.current,
    storage: remote.storage,
    identity: remote.identity,
    deadline,
    noWait: Boolean(options.noWait),
  })
  const targetName = remote.container ? 'container' : site.linux ? 'linux-x64' : 'windows-x64'
  const target = targetProfile(targetName, {plan: site.plan, glibc: options.glibc, stack: remote.stack})
  target.addsExecBit = addsExecBit(site, remote.current)
  // The settings we will make true: existing ∪ runtime ∪ --settings-file ∪ --setting.
  const desired: Record<string, string> = {...fromFile.values, ...options.settings}
  delete desired.FUNCTIONS_WORKER_RUNTIME
  checkSettingNames(Object.keys(desired), {linux: site.linux})

  const source = await openSource(options.package ?? options.dir)
  const app = await loadApp(source)
  const local = await steps.run('validate-local', () =>
    validateLocal(app, target, site, remote, {
      desired,
      force: options.force,
      package: options.package,
    }),
  )
  if (site.plan !== 'flex') desired.FUNCTIONS_WORKER_RUNTIME = local.runtime.runtime

  const pkg = await steps.run('package', async () => {
    const prepared = await preparePackage(source, local, {
      package: options.package,
      linux: site.linux,
      work,
      name: site.name,
    })
    const same = !options.force && (await route.liveSha()) === prepared.sha256
    const detail =
      `${prepared.entries ?? '?'} entries, ${prepared.bytes} bytes, sha256 ${prepared.sha256.slice(0, 12)}…` +
      `${prepared.repacked ? ' (modes added)' : ''}${same ? ' — same as the live package' : ''}`
    return {value: {...prepared, same}, detail}
  })

  const result = planned(site, route, options, {local, remote, pkg, desired, connections}, steps)
  return {route, app, desired, connections, keepRuntime: local.runtime.keep, pkg, current: remote.current, result}
}

/** The result as a dry run reports it: what would be uploaded and written, before any write. */
function planned(
  site: SiteInfo,
  route: DeployRoute,
  options: DeployOptions,
  parts: {
    local: LocalState
    remote: RemoteState
    pkg: PreparedPackage & {same: boolean}
    desired: Record<string, string>
    connections: Record<string, ConnectionString>
  },
  steps: Steps,
): DeployResult {
  const {local, remote, pkg, desired, connections} = parts
  return {
    app: site.name,
    resourceGroup: site.resourceGroup,
    ...(site.slot ? {slot: site.slot} : {}),
    target: {os: site.linux ? 'linux' : 'windows', plan: site.plan, sku: site.sku, route: route.route},
    dryRun: Boolean(options.dryRun),
    findings: local.findings,
    package: {
      // The zip chd packs is removed before the command ends: only a --package zip has a path worth printing.
      ...(options.package ? {path: options.package} : {}),
      entries: pkg.entries,
      bytes: pkg.bytes,
      sha256: pkg.sha256,
      uploaded: false,
      ...(pkg.repacked ? {repacked: true} : {}),
      ...(pkg.same ? {reason: 'unchanged: same sha256 as the live package'} : {}),
    },
    settings: {diff: diffSettings(remote.current, applyChange(remote.current, {set: desired})), writes: 0},
    ...(remote.connectionsBefore ? {connectionStrings: connectionsPlan(remote.connectionsBefore, connections)} : {}),
    runtime: {
      before: remote.runtimeBefore,
      after: local.runtime.runtime,
      ...(local.runtime.keep && local.runtime.runtime !== 'custom' ? {reason: local.runtime.reason} : {}),
    },
    steps: steps.done,
  }
}

/** upload, activate and verify: the writes, then the evidence that the handler started. */
async function release(ctx: AzureContext, site: SiteInfo, context: RunContext, steps: Steps, plan: Plan) {
  const {options, deadline} = context
  const {route, pkg, result} = plan
  // The evidence that the handler starts is in the host's lines: follow them from before the
  // upload (Windows Kudu replays nothing), with debug mode on so the host writes its file log.
  let watch: HostLogWatch | undefined
  if (!options.noWait) {
    if (hasStream(site)) await (await HostAdmin.connect(ctx, site)).status()
    watch = HostLogWatch.start(ctx, site, plan.current)
    context.watching(watch)
    await Promise.race([watch.connected, new Promise((r) => setTimeout(r, 10_000).unref())])
  }

  /** When the new content or settings went live: host lines from then on are about this deployment. */
  let since: number | undefined
  let packageSettings: Record<string, string> = {}
  if (!pkg.same) {
    await steps.run('upload', async (update) => {
      const done = await route.upload(pkg, update)
      result.package.uploaded = true
      if (done.deployment) result.deployment = done.deployment
      since = done.since
      packageSettings = done.settings ?? {}
      return {value: undefined, detail: done.detail}
    })
  }

  await steps.run('activate', async () => {
    const {changedAt, detail} = await activate(
      ctx,
      site,
      route,
      {
        set: {...plan.desired, ...packageSettings},
        connections: plan.connections,
        uploaded: !pkg.same,
        keepRuntime: plan.keepRuntime,
        settleMs: options.settleMs,
      },
      result,
    )
    // A settings change restarts the app: the start that counts is the next one.
    if (changedAt !== undefined) since = changedAt
    return {value: undefined, detail}
  })
  if (options.noWait) return result

  result.verify = await steps.run('verify', (update) =>
    verifyDeploy(
      ctx,
      site,
      since,
      {
        showKeys: Boolean(options.showKeys),
        deadline,
        watch,
        smoke: options.smoke,
        httpFunctions: new Set(plan.app.functions.filter(httpTriggered).map((f) => f.name.toLowerCase())),
      },
      update,
    ),
  )
  if (result.verify.worker === 'failed') throw startFailure(result)
  return result
}
