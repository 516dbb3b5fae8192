import {createHash} from 'node:crypto'
import {createReadStream, rmSync} from 'node:fs'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {getCI, isObject, parseJsonc} from '../app/jsonc.js'
import {loadApp} from '../app/model.js'
import {openSource} from '../app/source.js'
import {armRequest, type AzureContext, type AzureOptions, connect} from '../azure/arm.js'
import {azureError} from '../azure/errors.js'
import {KuduClient} from '../azure/kudu.js'
import {applyChange, checkSettingNames, diffSettings, readSettings, type SettingsDiff, updateSettings} from '../azure/settings.js'
import {resolveSite, type SiteInfo} from '../azure/site.js'
import type {Finding} from '../checks/finding.js'
import {packageSelection, runStaticChecks} from '../checks/run.js'
import {ChdError, ExitCode, fsError, isChdError} from '../errors.js'
import {repackWithModes, writePackage} from '../pack/index.js'
import {targetProfile} from '../platform/targets.js'
import {type Progress, silentProgress} from '../ui/progress.js'
import {storageFromSettings, uploadRunFromPackage} from './blob.js'
import {pushPackage, waitForDeployment} from './upload.js'
import {verifyApp, type VerifyResult} from './verify.js'

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
  runtime: {before?: string; after: string}
  verify?: VerifyResult
  steps: Array<{name: string; ms: number; detail: string}>
}

/** One line per step, kept for --json; the same text goes to the progress line. */
class Steps {
  readonly done: DeployResult['steps'] = []
  constructor(private readonly progress: Progress) {}
  async run<T>(name: string, fn: (update: (text: string) => void) => Promise<{value: T; detail: string}>): Promise<T> {
    const step = this.progress.step(name)
    const start = Date.now()
    try {
      const {value, detail} = await fn((t) => step.update(t))
      step.succeed(detail)
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

/** Local settings worth pushing: the Values of local.settings.json, minus what only makes sense locally. */
async function settingsFromFile(file: string): Promise<Record<string, string>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw fsError(error, file, '--settings-file')
  }
  const doc = parseJsonc(file, text)
  if (doc.error) throw new ChdError('SETTINGS_FILE_INVALID', `${file}:${doc.error.line}:${doc.error.column}: ${doc.error.message}`, {exit: ExitCode.usage, file, line: doc.error.line})
  const values = getCI(doc.value, 'Values')
  const out: Record<string, string> = {}
  if (isObject(values)) {
    for (const [k, v] of Object.entries(values)) {
      if (v === null || v === undefined || String(v) === 'UseDevelopmentStorage=true') continue
      out[k] = String(v)
    }
  }
  return out
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
  const target = targetProfile(site.linux ? 'linux-x64' : 'windows-x64', {plan: site.plan, glibc: options.glibc})
  const work = await mkdtemp(path.join(os.tmpdir(), 'chd-deploy-'))
  // Ctrl-C and SIGTERM end in process.exit, which skips the finally below.
  const removeWork = () => rmSync(work, {recursive: true, force: true})
  process.on('exit', removeWork)
  try {
    // 1. validate-local
    const source = await openSource(options.package ?? options.dir)
    const app = await loadApp(source)
    const local = await steps.run('validate-local', async () => {
      const selection = packageSelection(app)
      const {findings, context} = await runStaticChecks(app, target, selection)
      const errors = findings.filter((f) => f.severity === 'error')
      if (errors.length > 0 && !options.force) {
        throw new ChdError('CHECKS_FAILED', `${errors.length} check(s) failed for ${target.name} (${site.plan}); not deploying:\n${errors.map((f) => `  ${f.code}: ${f.message}${f.fix ? `\n    fix: ${f.fix}` : ''}`).join('\n')}`, {exit: ExitCode.failed, suggestions: ['Fix them, or pass --force to deploy anyway'], details: {findings}})
      }
      return {value: {findings, selection, exePath: context.exe.kind === 'app' ? context.exe.path : undefined}, detail: `${site.linux ? 'Linux' : 'Windows'} ${site.plan}: ${errors.length} error(s), ${findings.length - errors.length} other finding(s)`}
    })

    // 2. validate-remote
    const remote = await steps.run('validate-remote', async () => {
      const current = await readSettings(ctx, site)
      const runtimeBefore = site.plan === 'flex' ? site.flexRuntime : current.FUNCTIONS_WORKER_RUNTIME
      const storage = storageFromSettings(current)
      if (!storage && (site.plan === 'consumption' || site.plan === 'premium')) {
        throw new ChdError('REMOTE_STORAGE_MISSING', `${site.name} has no AzureWebJobsStorage setting, which a ${site.plan} plan needs`, {exit: ExitCode.failed, suggestions: [`chd settings set --app ${site.name} AzureWebJobsStorage="<storage connection string>"`]})
      }
      const rfp = current.WEBSITE_RUN_FROM_PACKAGE ?? ''
      if (route !== 'run-from-package' && /^https?:/i.test(rfp) && !options.force) {
        throw new ChdError('RUN_FROM_PACKAGE_URL_SET', `${site.name} runs from a package URL (WEBSITE_RUN_FROM_PACKAGE); zip deployment is refused while it is set`, {exit: ExitCode.failed, suggestions: [`chd settings unset --app ${site.name} WEBSITE_RUN_FROM_PACKAGE`]})
      }
      const notes = [`runtime ${runtimeBefore ?? '(unset)'}${(runtimeBefore ?? '').toLowerCase() === 'custom' ? '' : ' → custom'}`]
      if (storage) notes.push('storage set')
      return {value: {current, runtimeBefore, storage}, detail: notes.join(', ')}
    })

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

    // The settings we will make true: existing ∪ runtime ∪ --settings-file ∪ --setting.
    const desired: Record<string, string> = {
      ...(options.settingsFile ? await settingsFromFile(options.settingsFile) : {}),
      ...options.settings,
    }
    if (site.plan !== 'flex') desired.FUNCTIONS_WORKER_RUNTIME = 'custom'
    else delete desired.FUNCTIONS_WORKER_RUNTIME
    checkSettingNames(Object.keys(desired), {linux: site.linux})
    const result: DeployResult = {
      app: site.name,
      resourceGroup: site.resourceGroup,
      ...(site.slot ? {slot: site.slot} : {}),
      target: {os: site.linux ? 'linux' : 'windows', plan: site.plan, sku: site.sku, route},
      dryRun: Boolean(options.dryRun),
      findings: local.findings,
      package: {path: options.package ?? pkg.file, entries: pkg.entries, bytes: pkg.bytes, sha256: pkg.sha256, uploaded: false, ...(pkg.repacked ? {repacked: true} : {}), ...(pkg.same ? {reason: 'unchanged: same sha256 as the live package'} : {})},
      settings: {diff: diffSettings(remote.current, applyChange(remote.current, {set: desired})), writes: 0},
      runtime: {before: remote.runtimeBefore, after: 'custom'},
      steps: steps.done,
    }
    if (options.dryRun) return result

    // 4. upload
    let rfpUrl: string | undefined
    if (!pkg.same) {
      await steps.run('upload', async (update) => {
        if (route === 'run-from-package') {
          const uploaded = await uploadRunFromPackage(remote.storage!, ctx.credential, pkg.file, `${new Date().toISOString().slice(0, 10)}-${pkg.sha256}.zip`, ctx.cloud.storageSuffix, ctx)
          rfpUrl = uploaded.url
          result.package.uploaded = true
          return {value: undefined, detail: `${pkg.bytes} bytes to function-releases (${uploaded.identity ? 'managed identity' : 'SAS, 10 years'})`}
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
      }
      const updated = await updateSettings(ctx, site, {set}, {settleMs: options.settleMs})
      result.settings = {diff: updated.diff, writes: updated.writes}
      const notes = [`settings ${updated.diff.added.length} added, ${updated.diff.changed.length} changed, ${updated.diff.removed.length} removed`]
      if (site.plan === 'flex' && (site.flexRuntime ?? '').toLowerCase() !== 'custom') {
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
      const v = await verifyApp(ctx, site, {showKeys: Boolean(options.showKeys), deadline: Math.min(deadline, Date.now() + 120_000), onStatus: update})
      return {value: v, detail: `host ${v.hostState ?? 'unknown'}, ${v.functions.length} function(s)`}
    })
    return result
  } finally {
    process.off('exit', removeWork)
    await rm(work, {recursive: true, force: true})
  }
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

/**
 * Flex keeps the runtime in functionAppConfig, which the SDK's SitePatchResource cannot carry,
 * so the PATCH goes through the client's own pipeline (same auth, retries and TLS settings).
 */
async function setFlexRuntime(ctx: AzureContext, site: SiteInfo): Promise<void> {
  const id = `/subscriptions/${ctx.subscriptionId}/resourceGroups/${site.resourceGroup}/providers/Microsoft.Web/sites/${site.name}${site.slot ? `/slots/${site.slot}` : ''}`
  const body = {properties: {functionAppConfig: {...site.site.functionAppConfig, runtime: {name: 'custom', version: ''}}}}
  await armRequest(ctx, 'PATCH', `${id}?api-version=2025-05-01`, `setting the Flex runtime of ${site.name} to custom`, {body, ok: [200, 202]})
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
