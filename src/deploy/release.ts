import {type FunctionApp, httpTriggered} from '../app/model.js'
import {KuduClient} from '../azure/kudu.js'
import {applyChange, checkSettingNames, type ConnectionString, diffSettings} from '../azure/settings.js'
import {addsExecBit, resolveSite, type SiteInfo} from '../azure/site.js'
import {type Target, targetProfile} from '../platform/targets.js'
import {HostLogWatch} from '../remote/watch.js'
import {activate, connectionsPlan} from './activate.js'
import {startFailure, verifyDeploy} from './outcome.js'
import {describePackage, type PreparedPackage} from './package.js'
import {type DeployRoute, deployRoute, type PackageFile, routeFor} from './routes.js'
import type {DeploySession} from './session.js'
import type {Steps} from './steps.js'
import {planSwap, releaseSwap, type SwapPlan} from './swap.js'
import type {DeployResult} from './types.js'
import {type LocalState, type RemoteState, validateLocal, validateRemote} from './validate.js'

/** One app of a deploy: its name, and where it is when not where the deploy's flags say. */
export interface AppRef {
  name: string
  resourceGroup?: string
  slot?: string
}

/** What validate-remote learnt of one app: its site, route and target, and the settings to write. */
export interface Resolved {
  site: SiteInfo
  remote: RemoteState
  route: DeployRoute
  target: Target
  desired: Record<string, string>
  connections: Record<string, ConnectionString>
  /** --swap: the slot and the slot it goes to after its verify, both checked before anything is written. */
  swap?: SwapPlan
}

/** What the steps up to the upload settled: the route, the settings to write, the package, the result so far. */
export interface Plan {
  route: DeployRoute
  app: FunctionApp
  desired: Record<string, string>
  connections: Record<string, ConnectionString>
  keepRuntime: boolean
  pkg: PackageFile & {same: boolean}
  current: Record<string, string>
  result: DeployResult
  swap?: SwapPlan
}

/** The site, then validate-remote: its settings, stack and storage, the route and the platform to judge for. */
export async function resolveApp(session: DeploySession, ref: AppRef, steps: Steps): Promise<Resolved> {
  const {ctx, options, deadline} = session
  const site = await resolveSite(ctx, ref.name, ref.resourceGroup ?? options.resourceGroup, ref.slot ?? options.slot)
  const swap = options.swap ? await planSwap(ctx, site, options.targetSlot) : undefined
  const fromFile = await session.localSettings()
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
    uploads: session.uploads,
  })
  const targetName = remote.container ? 'container' : site.linux ? 'linux-x64' : 'windows-x64'
  const target = targetProfile(targetName, {plan: site.plan, glibc: options.glibc, stack: remote.stack})
  target.addsExecBit = addsExecBit(site, remote.current)
  // The settings we will make true: existing ∪ runtime ∪ --settings-file ∪ --setting.
  const desired: Record<string, string> = {...fromFile.values, ...options.settings}
  delete desired.FUNCTIONS_WORKER_RUNTIME
  checkSettingNames(Object.keys(desired), {linux: site.linux})
  return {site, remote, route, target, desired, connections, swap}
}

/**
 * validate-local, shared by the apps whose judgement would be the same: same target (OS, plan,
 * stack, glibc, exec bit), same runtime before, and the same values of the settings the checks can
 * see (the customHandler overrides and the %NAME% variables host.json refers to).
 */
export async function judgeApp(session: DeploySession, app: Resolved, steps: Steps): Promise<LocalState> {
  const {app: model} = await session.app()
  const {site, target, remote, desired} = app
  const key = judgementKey(model, app)
  const local = await steps.run('validate-local', () =>
    session.judge(key, site.slot ? `${site.name}/${site.slot}` : site.name, () =>
      validateLocal(model, target, site, remote, {
        desired,
        force: session.options.force,
        package: session.options.package,
      }),
    ),
  )
  if (site.plan !== 'flex') desired.FUNCTIONS_WORKER_RUNTIME = local.runtime.runtime
  return local
}

function judgementKey(model: FunctionApp, {target, remote, desired}: Resolved): string {
  const settings = applyChange(remote.current, {set: desired})
  const overrides = Object.entries(settings).filter(([k]) => k.toLowerCase().startsWith('azurefunctionsjobhost__'))
  const text = [model.hostJson?.text ?? '', ...overrides.map(([, v]) => v)].join(' ')
  const named = new Set([...text.matchAll(/%([^%\s]+)%/g)].map((m) => m[1].toLowerCase()))
  const seen = [...overrides, ...Object.entries(settings).filter(([k]) => named.has(k.toLowerCase()))]
  seen.sort(([a], [b]) => a.localeCompare(b))
  return JSON.stringify([target, remote.runtimeBefore, seen])
}

/** package: the one package, and whether it is what the app runs already; then the result a dry run shows. */
export async function packageApp(
  session: DeploySession,
  app: Resolved,
  local: LocalState,
  steps: Steps,
): Promise<Plan> {
  const {options} = session
  const {site, route, remote, desired, connections, swap} = app
  const pkg = await steps.run('package', async () => {
    const prepared = await session.package([local], site.linux, site.name)
    const same = !options.force && (await route.liveSha()) === prepared.sha256
    const detail = `${describePackage(prepared)}${same ? ' — same as the live package' : ''}`
    return {value: {...prepared, same}, detail}
  })
  const {app: model} = await session.app()
  const result = planned(app, session, {local, pkg}, steps)
  const keepRuntime = local.runtime.keep
  return {route, app: model, desired, connections, keepRuntime, pkg, current: remote.current, result, swap}
}

/** The result as a dry run reports it: what would be uploaded and written, before any write. */
function planned(
  {site, route, remote, desired, connections}: Resolved,
  {options}: DeploySession,
  {local, pkg}: {local: LocalState; pkg: PreparedPackage & {same: boolean}},
  steps: Steps,
): DeployResult {
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

/**
 * upload, activate and verify: the writes, then the evidence that the handler started. `watching`
 * hands the log watch to the caller, which stops it.
 */
export async function release(
  session: DeploySession,
  site: SiteInfo,
  steps: Steps,
  plan: Plan,
  watching: (watch: HostLogWatch) => void,
): Promise<DeployResult> {
  const {ctx, options, deadline} = session
  const {route, pkg, result} = plan
  // The evidence that the handler starts is in the host's lines: follow them from before the
  // upload (Windows Kudu replays nothing), with debug mode on so the host writes its file log.
  let watch: HostLogWatch | undefined
  if (!options.noWait) {
    watch = await HostLogWatch.beforeChange(ctx, site, plan.current)
    watching(watch)
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

  const verifying = {
    showKeys: Boolean(options.showKeys),
    deadline,
    smoke: options.smoke,
    httpFunctions: new Set(plan.app.functions.filter(httpTriggered).map((f) => f.name.toLowerCase())),
  }
  result.verify = await steps.run('verify', (update) =>
    verifyDeploy(ctx, site, since, {...verifying, watch, stop: steps.stop}, update),
  )
  if (result.verify.worker === 'failed') throw startFailure(result)
  if (plan.swap) await releaseSwap(ctx, plan.swap, result, verifying, steps)
  return result
}
