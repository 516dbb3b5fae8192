import path from 'node:path'

import {forAzure, loadApp} from '../app/model.js'
import {openSource} from '../app/source.js'
import {type Finding, hasErrors, sortFindings} from '../checks/finding.js'
import {buildContext} from '../checks/context.js'
import {runStaticChecks} from '../checks/run.js'
import {chooseRuntime, neededPrograms} from '../checks/runtime.js'
import {describeExecutable} from '../platform/inspect.js'
import {type Plan, targetProfile} from '../platform/targets.js'
import type {Progress} from '../ui/progress.js'
import type {AzureOptions} from '../azure/arm.js'
// The live app (--app) and the probe (--start) import their modules when asked for: a
// `doctor --no-start` of a folder loads only the static checks.
import type {ProbeResult} from './probe.js'

export interface DoctorOptions extends AzureOptions {
  path: string
  /** Also diagnose this live app; its platform replaces --target. */
  app?: string
  resourceGroup?: string
  slot?: string
  /** Judge the folder too (with --app, only when a folder was named or holds host.json). */
  local?: boolean
  target: string
  glibc?: string
  plan?: Plan
  /** Start the handler and send mock invocations after the static checks. */
  start?: boolean
  startupTimeoutMs?: number
}

export interface DoctorResult {
  app: string
  source: 'folder' | 'zip'
  target: {name: string; os: string; arch: string; glibc?: string; plan?: string}
  executable?: {written?: string; resolved?: string; kind: string; description?: string; mode?: string}
  functions: string[]
  findings: Finding[]
  summary: {errors: number; warnings: number; info: number}
  ok: boolean
  probe?: ProbeResult
  remote?: {app: string; resourceGroup: string; os: string; plan: string; hostState?: string; lastDeployment?: {id: string; status: number}}
}

/**
 * Judges an app folder or package against a target platform, then (unless start is false) runs
 * the handler behind the local stand-in for the host and sends each function a mock invocation.
 */
export async function runDoctor(options: DoctorOptions, progress: Progress): Promise<DoctorResult> {
  let target = targetProfile(options.target, {glibc: options.glibc, plan: options.plan})
  let remote: DoctorResult['remote']
  let liveSettings: Record<string, string> | undefined
  let liveRuntime: string | undefined
  const remoteFindings: Finding[] = []
  if (options.app) {
    const step = progress.step(`Diagnosing the live app ${options.app}`)
    try {
      const [{connect}, {addsExecBit, resolveSite, siteStack}, {diagnoseRemote}] = await Promise.all([
        import('../azure/arm.js'), import('../azure/site.js'), import('../remote/diagnose.js')])
      const ctx = await connect(options)
      const site = await resolveSite(ctx, options.app, options.resourceGroup, options.slot)
      const d = await diagnoseRemote(ctx, site)
      liveSettings = d.settings
      const {stack, container} = await siteStack(ctx, site, d.settings)
      liveRuntime = site.plan === 'flex' ? site.flexRuntime : d.settings.FUNCTIONS_WORKER_RUNTIME
      target = targetProfile(container ? 'container' : site.linux ? 'linux-x64' : 'windows-x64', {glibc: options.glibc, plan: site.plan, stack})
      target.addsExecBit = addsExecBit(site, d.settings)
      remoteFindings.push(...d.findings)
      remote = {app: site.name, resourceGroup: site.resourceGroup, os: site.linux ? 'linux' : 'windows', plan: site.plan, hostState: d.hostState, ...(d.lastDeployment ? {lastDeployment: d.lastDeployment} : {})}
      step.succeed(`${site.linux ? 'Linux' : 'Windows'} ${site.plan}, host ${d.hostState ?? 'unknown'}, ${d.findings.length} finding(s)`)
    } catch (error) {
      step.fail()
      throw error
    }
    if (options.local === false) return summarise(options.path, 'folder', target, remoteFindings, {remote})
  }
  const step = progress.step(`Checking ${options.path} for ${target.name}`)
  const source = await openSource(options.path)
  try {
    const app = await loadApp(source)
    // Azure gets host.json and its own app settings; local.settings.json only shapes the local run.
    const checked = await runStaticChecks(forAzure(app, liveSettings), target)
    const {context} = checked
    // A live stack whose image supplies the handler's interpreter is a deliberate choice, not a mistake.
    const keep = chooseRuntime(target.os, liveRuntime, target.stack, neededPrograms(context)).keep
    let findings = [...checked.findings, ...remoteFindings.filter((f) => !(keep && f.code === 'REMOTE_WORKER_RUNTIME'))]
    let probe: ProbeResult | undefined
    if (options.start) {
      step.update('starting the handler')
      const localContext = await buildContext(app, target, context.selection)
      const {runProbe} = await import('./probe.js')
      const probed = await runProbe(app, path.resolve(options.path), localContext, {startupTimeoutMs: options.startupTimeoutMs})
      probe = probed.probe
      findings = [...settleForwarding(findings, probe), ...probed.findings]
    }
    const result = summarise(options.path, source.kind, target, findings, {remote, probe, functions: app.functions.map((f) => f.name)})
    if (result.ok) step.succeed(`${result.summary.warnings} warning(s)`)
    else step.fail(`${result.summary.errors} error(s), ${result.summary.warnings} warning(s)`)
    const exe = context.exe
    if (app.customHandler?.hasDescription) {
      result.executable = {
        written: app.customHandler.defaultExecutablePath,
        kind: exe.kind,
        ...(exe.kind === 'app' || exe.kind === 'missing' ? {resolved: exe.path} : exe.kind === 'command' ? {resolved: exe.name} : exe.kind === 'outside' ? {resolved: exe.path} : {}),
        ...(context.exeInfo ? {description: describeExecutable(context.exeInfo)} : {}),
        ...(context.exeEntry?.mode === undefined ? {} : {mode: context.exeEntry.mode.toString(8).padStart(4, '0')}),
      }
    }
    return result
  } finally {
    await source.close()
  }
}

function summarise(app: string, source: 'folder' | 'zip', target: ReturnType<typeof targetProfile>, all: Finding[], extra: {remote?: DoctorResult['remote']; probe?: ProbeResult; functions?: string[]}): DoctorResult {
  const findings = sortFindings(all)
  const summary = {
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    info: findings.filter((f) => f.severity === 'info').length,
  }
  return {
    app,
    source,
    target: {name: target.name, os: target.os, arch: target.arch, ...(target.glibc ? {glibc: target.glibc} : {}), ...(target.plan ? {plan: target.plan} : {})},
    functions: extra.functions ?? [],
    findings,
    summary,
    ok: !hasErrors(findings),
    ...(extra.probe ? {probe: extra.probe} : {}),
    ...(extra.remote ? {remote: extra.remote} : {}),
  }
}

/**
 * With forwarding on, a function that is not HTTP in-and-out still gets the JSON payload at
 * POST /<function> (DefaultHttpWorkerService.InvokeAsync). When the probe reached that route and
 * the handler served it (anything but 404/405), the handler already handles both shapes.
 */
function settleForwarding(findings: Finding[], probe: ProbeResult): Finding[] {
  const served = new Set(probe.invocations.filter((i) => i.mode === 'payload' && i.status !== undefined && i.status !== 404 && i.status !== 405).map((i) => i.function))
  return findings.filter((f) => f.code !== 'FORWARDING_NOT_APPLICABLE' || !f.file || !served.has(f.file.split('/')[0]))
}
