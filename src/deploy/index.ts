import {createHash} from 'node:crypto'
import {createReadStream, rmSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {forAzure, httpTriggered, loadApp} from '../app/model.js'
import {openSource} from '../app/source.js'
import {armRequest, type AzureContext, type AzureOptions, connect} from '../azure/arm.js'
import {azureError} from '../azure/errors.js'
import {HostAdmin} from '../azure/functions-host.js'
import {KuduClient} from '../azure/kudu.js'
import {
  applyChange, checkSettingNames, type ConnectionString, connectionStringVariable, diffSettings, readConnectionStrings,
  readSettings, sameConnectionString, type SettingsDiff, updateConnectionStrings, updateSettings,
} from '../azure/settings.js'
import {addsExecBit, resolveSite, type SiteInfo, siteStack} from '../azure/site.js'
import type {Finding} from '../checks/finding.js'
import {packageSelection, runStaticChecks} from '../checks/run.js'
import {chooseRuntime, neededPrograms} from '../checks/runtime.js'
import {ChdError, ExitCode, isChdError} from '../errors.js'
import {repackWithModes, writePackage} from '../pack/index.js'
import {targetProfile} from '../platform/targets.js'
import {hasStream, HostLogWatch} from '../remote/watch.js'
import {type Progress, silentProgress} from '../progress.js'
import {checkStorage, packageIdentity, storageFromSettings, uploadRunFromPackage} from './blob.js'
import {type LocalSettings, readLocalSettings} from './local-settings.js'
import {pushPackage, waitForDeployment} from './upload.js'
import {verifyApp, type VerifyResult} from '../remote/verify.js'

export interface DeployOptions extends AzureOptions {
  dir: string
  app: string
  resourceGroup?: string
  slot?: string
  /** Deploy this zip instead of packing `dir`. */
  package?: string
  settings?: Record<string, string>
  settingsFile?: string
  force?: boolean
  dryRun?: boolean
  noWait?: boolean
  timeoutMs?: number
  showKeys?: boolean
  glibc?: string
  settleMs?: number
  /** A path on the app's host to GET after the deploy; a 2xx proves the handler serves. */
  smoke?: string
}

export type Route = 'zipdeploy' | 'publish' | 'run-from-package'

export interface DeployResult {
  app: string
  resourceGroup: string
  slot?: string
  target: {os: string; plan: string; sku: string; route: Route}
  dryRun: boolean
  findings: Finding[]
  package: {path: string; entries?: number; bytes: number; sha256: string; uploaded: boolean; reason?: string; repacked?: boolean}
  deployment?: {id?: string; status?: number}
  settings: {diff: SettingsDiff; writes: number}
  /** From --settings-file's ConnectionStrings: names, types and the variable a handler reads (never a value). */
  connectionStrings?: {diff: SettingsDiff; writes: number; names: Record<string, {type: string; variable: string}>}
  runtime: {before?: string; after: string; reason?: string}
  verify?: VerifyResult
  steps: Array<{name: string; ms: number; detail: string}>
}

/** One line per step, kept for --json; the same text goes to the progress line. */
class Steps {
  readonly done: DeployResult['steps'] = []
  constructor(private readonly progress: Progress) {}
  /** A step that returns `failed` ends with ✖ but gives its value, for the caller to say why. */
  async run<T>(
    name: string, fn: (update: (text: string) => void) => Promise<{value: T; detail: string; failed?: boolean}>,
  ): Promise<T> {
    const step = this.progress.step(name)
    const start = Date.now()
    try {
      const {value, detail, failed} = await fn((t) => step.update(t))
      if (failed) step.fail(detail)
      else step.succeed(detail)
      this.done.push({name, ms: Date.now() - start, detail})
      return value
    } catch (error) {
      step.fail()
      throw isChdError(error) && error.code === 'DEPLOY_TIMEOUT' ? inStep(error, name) : error
    }
  }
}

/** A timeout says which step it stopped (--json: `step`). */
function inStep(error: ChdError, step: string): ChdError {
  if (error.details?.step) return error
  const {code, message, exit, suggestions, details} = error
  return new ChdError(code, `${step}: ${message}`, {exit, suggestions, cause: error, details: {...details, step}})
}

export function routeFor(site: SiteInfo): Route {
  if (site.plan === 'flex') return 'publish'
  if (site.plan === 'consumption' && site.linux) return 'run-from-package'
  return 'zipdeploy'
}

function shaMarker(sha: string): string {
  return `chd sha256=${sha}`
}

/**
 * validate-local → validate-remote → package → upload → activate → verify, for every plan.
 * A dry run stops before the upload and sends no write request.
 */
export async function deploy(options: DeployOptions, progress: Progress): Promise<DeployResult> {
  const steps = new Steps(progress)
  const timeoutMs = options.timeoutMs ?? 15 * 60 * 1000
  const deadline = Date.now() + timeoutMs
  const ctx: AzureContext = await connect({...options, timeoutMs})
  const site = await resolveSite(ctx, options.app, options.resourceGroup, options.slot)
  const route = routeFor(site)
  const kudu = new KuduClient(ctx, site.scmHost)
  const work = await mkdtemp(path.join(os.tmpdir(), 'chd-deploy-'))
  let watch: HostLogWatch | undefined
  // Ctrl-C and SIGTERM end in process.exit, which skips the finally below.
  const removeWork = () => rmSync(work, {recursive: true, force: true})
  process.on('exit', removeWork)
  try {
    const fromFile: LocalSettings = options.settingsFile
      ? await readLocalSettings(options.settingsFile)
      : {values: {}, connectionStrings: {}}
    const connections = fromFile.connectionStrings
    checkSettingNames(Object.keys(connections), {linux: site.linux})
    // 1. validate-remote: what the app is (settings, stack, storage) and whether this route can deploy to it
    const remote = await steps.run('validate-remote', async () => {
      const current = await readSettings(ctx, site)
      const connectionsBefore = Object.keys(connections).length > 0 ? await readConnectionStrings(ctx, site) : undefined
      const {stack, container} = await siteStack(ctx, site, current)
      const runtimeBefore = site.plan === 'flex' ? site.flexRuntime : current.FUNCTIONS_WORKER_RUNTIME
      const storage = storageFromSettings(current)
      if (!storage && (site.plan === 'consumption' || site.plan === 'premium')) {
        throw new ChdError('REMOTE_STORAGE_MISSING', `${site.name} has no AzureWebJobsStorage setting, which a ${site.plan} plan needs`, {exit: ExitCode.failed, suggestions: [`chd settings set --app ${site.name} AzureWebJobsStorage="<storage connection string>"`]})
      }
      const rfp = current.WEBSITE_RUN_FROM_PACKAGE ?? ''
      if (route !== 'run-from-package' && /^https?:/i.test(rfp) && !options.force) {
        throw new ChdError('RUN_FROM_PACKAGE_URL_SET', `${site.name} runs from a package URL (WEBSITE_RUN_FROM_PACKAGE); zip deployment is refused while it is set`, {exit: ExitCode.failed, suggestions: [`chd settings unset --app ${site.name} WEBSITE_RUN_FROM_PACKAGE`]})
      }
      // Run from package: a connection string chd can upload with, or an identity the platform can fetch with.
      let identity: string | undefined
      if (route === 'run-from-package' && storage) {
        checkStorage(storage)
        if (!storage.connectionString) identity = packageIdentity(site.name, site.site.identity, current)
      }
      const notes = [`runtime ${runtimeBefore ?? '(unset)'}`, ...(stack ? [`stack ${stack.runtime}${stack.version ? ` ${stack.version}` : ''}`] : [])]
      if (storage) notes.push('storage set')
      const value = {current, connectionsBefore, stack, container, runtimeBefore, storage, identity}
      return {value, detail: notes.join(', ')}
    })
    const {current, stack, runtimeBefore} = remote
    const target = targetProfile(remote.container ? 'container' : site.linux ? 'linux-x64' : 'windows-x64', {plan: site.plan, glibc: options.glibc, stack})
    target.addsExecBit = addsExecBit(site, current)
    // The settings we will make true: existing ∪ runtime ∪ --settings-file ∪ --setting.
    const desired: Record<string, string> = {...fromFile.values, ...options.settings}
    delete desired.FUNCTIONS_WORKER_RUNTIME
    checkSettingNames(Object.keys(desired), {linux: site.linux})

    // 2. validate-local, against host.json and the app settings Azure will have after this deploy
    const source = await openSource(options.package ?? options.dir)
    const app = await loadApp(source)
    const local = await steps.run('validate-local', async () => {
      const selection = packageSelection(app)
      const azureApp = forAzure(app, applyChange(current, {set: desired}))
      const checked = await runStaticChecks(azureApp, target, selection)
      const {context} = checked
      // A package zipped without Unix modes is rewritten with them (package step): its handler will have u+x.
      const addsModes = Boolean(options.package) && site.linux && context.exeEntry !== undefined && context.exeEntry.mode === undefined
      const findings = addsModes ? checked.findings.filter((f) => f.code !== 'EXECUTABLE_NOT_EXECUTABLE') : checked.findings
      const errors = findings.filter((f) => f.severity === 'error')
      if (errors.length > 0 && !options.force) {
        throw new ChdError('CHECKS_FAILED', `${errors.length} check(s) failed for ${target.name} (${site.plan}); not deploying:\n${errors.map((f) => `  ${f.code}: ${f.message}${f.fix ? `\n    fix: ${f.fix}` : ''}`).join('\n')}`, {exit: ExitCode.failed, suggestions: ['Fix them, or pass --force to deploy anyway'], details: {findings}})
      }
      const runtime = chooseRuntime(target.os, runtimeBefore, stack, neededPrograms(context))
      const change = runtime.keep ? (runtime.runtime.toLowerCase() === 'custom' ? '' : `, runtime ${runtime.runtime} ${runtime.reason}`) : ', runtime → custom'
      return {value: {findings, selection, runtime, exePath: context.exe.kind === 'app' ? context.exe.path : undefined}, detail: `${site.linux ? 'Linux' : 'Windows'} ${site.plan}: ${errors.length} error(s), ${findings.length - errors.length} other finding(s)${change}`}
    })
    if (site.plan !== 'flex') desired.FUNCTIONS_WORKER_RUNTIME = local.runtime.runtime

    // 3. package
    const pkg = await steps.run('package', async () => {
      let file: string
      let info: {entries?: number; bytes: number; sha256: string}
      let repacked = false
      if (options.package) {
        const needsModes = site.linux && source.entries.some((e) => e.mode === undefined)
        if (needsModes) {
          file = path.join(work, 'package.zip')
          info = await repackWithModes(source, local.exePath, file)
          repacked = true
        } else {
          file = path.resolve(options.package)
          const hash = createHash('sha256')
          let bytes = 0
          for await (const c of createReadStream(file)) { hash.update(c as Buffer); bytes += (c as Buffer).length }
          info = {bytes, sha256: hash.digest('hex')}
        }
      } else {
        file = path.join(work, `${site.name}.zip`)
        info = await writePackage(local.selection.included, local.exePath, file, 6, silentProgress)
      }
      const live = await liveSha(kudu, route, remote.current)
      const same = live === info.sha256 && !options.force
      return {value: {file, ...info, repacked, same}, detail: `${info.entries ?? '?'} entries, ${info.bytes} bytes, sha256 ${info.sha256.slice(0, 12)}…${repacked ? ' (modes added)' : ''}${same ? ' — same as the live package' : ''}`}
    })

    const result: DeployResult = {
      app: site.name,
      resourceGroup: site.resourceGroup,
      ...(site.slot ? {slot: site.slot} : {}),
      target: {os: site.linux ? 'linux' : 'windows', plan: site.plan, sku: site.sku, route},
      dryRun: Boolean(options.dryRun),
      findings: local.findings,
      package: {path: options.package ?? pkg.file, entries: pkg.entries, bytes: pkg.bytes, sha256: pkg.sha256, uploaded: false, ...(pkg.repacked ? {repacked: true} : {}), ...(pkg.same ? {reason: 'unchanged: same sha256 as the live package'} : {})},
      settings: {diff: diffSettings(remote.current, applyChange(remote.current, {set: desired})), writes: 0},
      ...(remote.connectionsBefore ? {connectionStrings: connectionsPlan(remote.connectionsBefore, connections)} : {}),
      runtime: {before: remote.runtimeBefore, after: local.runtime.runtime, ...(local.runtime.keep && local.runtime.runtime !== 'custom' ? {reason: local.runtime.reason} : {})},
      steps: steps.done,
    }
    if (options.dryRun) return result

    // The evidence that the handler starts is in the host's lines: follow them from before the
    // upload (Windows Kudu replays nothing), with debug mode on so the host writes its file log.
    if (!options.noWait) {
      if (hasStream(site)) await (await HostAdmin.connect(ctx, site)).status()
      watch = HostLogWatch.start(ctx, site, remote.current)
      await Promise.race([watch.connected, new Promise((r) => setTimeout(r, 10_000).unref())])
    }

    // 4. upload
    let rfpUrl: string | undefined
    /** When the new content or settings went live: host lines from then on are about this deployment. */
    let since: number | undefined
    if (!pkg.same) {
      await steps.run('upload', async (update) => {
        if (route === 'run-from-package') {
          const uploaded = await uploadRunFromPackage(remote.storage!, ctx.credential, pkg.file, `${new Date().toISOString().slice(0, 10)}-${pkg.sha256}.zip`, ctx.cloud.storageSuffix, ctx)
          rfpUrl = uploaded.url
          result.package.uploaded = true
          const expiry = uploaded.expiresOn ? `, which expires ${uploaded.expiresOn}: the app stops loading its package then` : ''
          const identity = remote.identity ?? current.WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID
          const how = uploaded.auth === 'sas' ? 'read SAS, 10 years'
            : uploaded.auth === 'connection-sas' ? `the connection string's own SAS${expiry}`
            : `plain URL, read with the app's identity ${identity}, which needs Storage Blob Data Reader`
          return {value: undefined, detail: `${pkg.bytes} bytes to function-releases (${how})`}
        }
        const started = Date.now()
        let shown = 0
        const pushed = await pushPackage(kudu, route === 'publish' ? 'publish' : 'zipdeploy', pkg.file, pkg.bytes, shaMarker(pkg.sha256), deadline, (sent) => {
          if (Date.now() - shown < 200 && sent < pkg.bytes) return
          shown = Date.now()
          const secs = Math.max(0.001, (shown - started) / 1000)
          update(`${Math.round((sent / pkg.bytes) * 100)}% of ${(pkg.bytes / 1e6).toFixed(1)} MB, ${(sent / 1e6 / secs).toFixed(1)} MB/s`)
        })
        result.package.uploaded = true
        const rate = `${(pkg.bytes / 1024 / 1024 / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1)} MB/s`
        if (options.noWait) {
          result.deployment = {id: pushed.deploymentId}
          return {value: undefined, detail: `${pkg.bytes} bytes at ${rate}, accepted${pushed.deploymentId ? ` (deployment ${pushed.deploymentId})` : ''}`}
        }
        const done = await waitForDeployment(kudu, pushed.poll, deadline, (s) => update(s))
        // Seen within a poll (1 s) of the end; the host restarts on the new content after it.
        since = Date.now() - 1500
        result.deployment = {id: done.id, status: done.status}
        return {value: undefined, detail: `${pkg.bytes} bytes at ${rate}, deployment ${done.id} succeeded`}
      })
    }

    // 5. activate
    await steps.run('activate', async () => {
      const set = {...desired}
      if (rfpUrl) {
        set.WEBSITE_RUN_FROM_PACKAGE = rfpUrl
        if (!remote.current.WEBSITE_MOUNT_ENABLED) set.WEBSITE_MOUNT_ENABLED = '1'
        if (remote.identity) set.WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID = remote.identity
      }
      const before = Date.now()
      const updated = await updateSettings(ctx, site, {set}, {settleMs: options.settleMs})
      // A settings change restarts the app (so does a new package URL): the start that counts is the next one.
      if (updated.writes > 0) since = before
      result.settings = {diff: updated.diff, writes: updated.writes}
      const notes = [`settings ${updated.diff.added.length} added, ${updated.diff.changed.length} changed, ${updated.diff.removed.length} removed`]
      if (result.connectionStrings) {
        const pushed = await updateConnectionStrings(ctx, site, connections, {settleMs: options.settleMs})
        if (pushed.writes > 0) since = before
        result.connectionStrings = {...result.connectionStrings, diff: pushed.diff, writes: pushed.writes}
        notes.push(`connection strings ${pushed.diff.added.length} added, ${pushed.diff.changed.length} changed`)
      }
      if (site.plan === 'flex' && !local.runtime.keep) {
        await setFlexRuntime(ctx, site)
        notes.push('Flex runtime → custom')
      }
      if (route === 'run-from-package' && (rfpUrl || updated.writes > 0)) {
        await syncTriggers(ctx, site)
        notes.push('triggers synced')
      }
      return {value: undefined, detail: notes.join(', ')}
    })
    if (options.noWait) return result

    // 6. verify
    result.verify = await steps.run('verify', async (update) => {
      const v = await verifyApp(ctx, site, {
        showKeys: Boolean(options.showKeys),
        deadline,
        watch,
        since: since ?? Date.now(),
        // Nothing changed, nothing restarted: no new line will come.
        ...(since === undefined ? {windowMs: 0} : {}),
        smoke: options.smoke,
        httpFunctions: new Set(app.functions.filter(httpTriggered).map((f) => f.name.toLowerCase())),
        onStatus: update,
      })
      if (since === undefined && v.worker === 'unconfirmed') {
        v.note = 'nothing changed, so the host did not restart; chd doctor --app judges the live app'
      }
      const detail = `host ${v.hostState ?? 'unknown'}, handler ${v.worker}, ${v.functions.length} function(s)`
      return {value: v, detail, failed: v.worker === 'failed'}
    })
    if (result.verify.worker === 'failed') throw startFailure(result)
    return result
  } finally {
    watch?.stop()
    process.off('exit', removeWork)
    await rm(work, {recursive: true, force: true})
  }
}

/** The handler did not start: the first cause the host named, with the code doctor uses (exit 5). */
function startFailure(result: DeployResult): ChdError {
  const v = result.verify!
  const first = v.findings[0]
  const code = first?.code ?? (v.hostState === 'Error' ? 'HOST_NOT_RUNNING' : 'SMOKE_FAILED')
  const why = v.findings.length > 0
    ? v.findings.map((f) => `  ${f.code}: ${f.message}${f.fix ? `\n    fix: ${f.fix}` : ''}`).join('\n')
    : v.hostState === 'Error' ? `  the host is in Error: ${(v.hostErrors ?? []).join(' | ')}`
    : `  GET ${v.smoke?.path} answered ${v.smoke?.status || 'nothing'}`
  return new ChdError(code, `${result.app} was deployed, but the handler did not start:\n${why}`, {
    exit: ExitCode.remoteFailed,
    suggestions: [`chd doctor --app ${result.app}`, `chd logs --app ${result.app} --since 1h`],
    details: {deploy: result},
  })
}

/** What pushing these connection strings would change: names, and the type each gets (never a value). */
function connectionsPlan(before: Record<string, ConnectionString>, set: Record<string, ConnectionString>) {
  const diff = diffSettings(before, applyChange(before, {set}), sameConnectionString)
  const names = Object.fromEntries(Object.entries(set)
    .map(([k, {type}]) => [k, {type, variable: connectionStringVariable(k, type)}]))
  return {diff, writes: 0, names}
}

/** The sha256 of what runs now, when chd deployed it: from Kudu's last deployment or the package URL. */
async function liveSha(kudu: KuduClient, route: Route, settings: Record<string, string>): Promise<string | undefined> {
  if (route === 'run-from-package') return /-([0-9a-f]{64})\.zip/.exec(settings.WEBSITE_RUN_FROM_PACKAGE ?? '')?.[1]
  const r = await kudu.send('GET', '/api/deployments')
  if (r.status !== 200) return undefined
  const list = JSON.parse(r.bodyAsText || '[]') as Array<{status: number; active?: boolean; message?: string; complete?: boolean}>
  const active = list.find((d) => d.active && d.status === 4) ?? list.find((d) => d.complete && d.status === 4)
  return /chd sha256=([0-9a-f]{64})/.exec(active?.message ?? '')?.[1]
}

/** The Flex stacks' runtime for custom handlers (core tools StaticResources/stacks.json, stack "custom", sku FC1). */
export const FLEX_CUSTOM_RUNTIME = {name: 'custom', version: '1.0'}

/**
 * Flex keeps the runtime in properties.functionAppConfig, which SitePatchResource (2025-05-01)
 * does not carry, so a PATCH may be ignored. As Core Tools (AzureHelper.UpdateFlexRuntime) and
 * az (update_flex_functionapp) do: GET the site's wire JSON, set the runtime, PUT it all back,
 * through the ARM client's pipeline (raw JSON, so nothing the SDK's models do not know is lost);
 * then read it back, and fail if the service did not take it.
 */
async function setFlexRuntime(ctx: AzureContext, site: SiteInfo): Promise<void> {
  const slot = site.slot ? `/slots/${site.slot}` : ''
  const id = `/subscriptions/${ctx.subscriptionId}/resourceGroups/${site.resourceGroup}/providers/Microsoft.Web/sites/${site.name}${slot}`
    + '?api-version=2025-05-01'
  const doing = `setting the Flex runtime of ${site.name} to custom`
  const wire = await armRequest(ctx, 'GET', id, doing) as {properties?: {functionAppConfig?: Record<string, unknown>}}
  if (!wire?.properties?.functionAppConfig) {
    throw new ChdError('FLEX_CONFIG_MISSING', `${site.name} reports no functionAppConfig, so its Flex runtime cannot be set`, {
      exit: ExitCode.remoteFailed, suggestions: ['Check the app in the portal (Configuration > Runtime)'],
    })
  }
  wire.properties.functionAppConfig.runtime = {...FLEX_CUSTOM_RUNTIME}
  await armRequest(ctx, 'PUT', id, doing, {body: wire, ok: [200, 201, 202]})
  // The PUT may be accepted (202) and applied later: read back for a while.
  for (let i = 0; i < 15; i++) {
    const back = await armRequest(ctx, 'GET', id, doing) as typeof wire
    const rt = back?.properties?.functionAppConfig?.runtime as {name?: string; version?: string} | undefined
    if (rt?.name === FLEX_CUSTOM_RUNTIME.name && rt.version === FLEX_CUSTOM_RUNTIME.version) return
    await new Promise((r) => setTimeout(r, 2000))
  }
  const {name, version} = FLEX_CUSTOM_RUNTIME
  throw new ChdError('FLEX_RUNTIME_NOT_SET', `Azure accepted the new runtime for ${site.name} but still reports another one: `
    + `the Flex runtime is not ${name} ${version}`, {
    exit: ExitCode.remoteFailed,
    suggestions: [`Set the runtime to ${name} ${version} in the portal (Configuration > Stack settings), then deploy again`],
  })
}

/** syncFunctionTriggers: the SDK accepts only 204, the service often answers 200; both are success. */
export async function syncTriggers(ctx: AzureContext, site: SiteInfo): Promise<void> {
  let status: number | undefined
  const onResponse = (r: {status: number}) => { status = r.status }
  try {
    if (site.slot) await ctx.arm.webApps.syncFunctionTriggersSlot(site.resourceGroup, site.name, site.slot, {onResponse})
    else await ctx.arm.webApps.syncFunctionTriggers(site.resourceGroup, site.name, {onResponse})
  } catch (error) {
    if (status === 200 || status === 204) return
    throw azureError(error, `syncing the triggers of ${site.name}`, ctx)
  }
}
