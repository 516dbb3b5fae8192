import path from 'node:path'

import {forAzure, loadApp} from '../app/model.js'
import {type AppSource, openSource} from '../app/source.js'
import type {AzureOptions} from '../azure/arm.js'
import {buildContext} from '../checks/context.js'
import {type Finding, hasErrors, sortFindings} from '../checks/finding.js'
import {runStaticChecks} from '../checks/run.js'
import {chooseRuntime, neededPrograms} from '../checks/runtime.js'
import {describeExecutable} from '../platform/inspect.js'
import {type Plan, type Target, targetProfile} from '../platform/targets.js'
import {type Progress, runStep} from '../progress.js'
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
  /** The folder or zip judged, as given; absent when only the live app was (`--app` without a folder). */
  app?: string
  source?: 'folder' | 'zip'
  target: {name: string; os: string; arch: string; glibc?: string; plan?: string}
  executable?: {written?: string; resolved?: string; kind: string; description?: string; mode?: string}
  functions: string[]
  findings: Finding[]
  /** With --app: what the host's lines said before its current start or the last deployment (not counted). */
  history?: Finding[]
  summary: {errors: number; warnings: number; info: number}
  ok: boolean
  probe?: ProbeResult
  remote?: {
    app: string
    resourceGroup: string
    os: string
    plan: string
    hostState?: string
    lastDeployment?: {id: string; status: number; statusName: string}
    deployedAt?: string
  }
}

/** What `--app` learnt of the live app: its platform, its settings, and the findings from its host. */
interface Live {
  target: Target
  remote: NonNullable<DoctorResult['remote']>
  settings: Record<string, string>
  runtime?: string
  findings: Finding[]
  history: Finding[]
}

/**
 * Judges an app folder or package against a target platform, then (unless start is false) runs
 * the handler behind the local stand-in for the host and sends each function a mock invocation.
 */
export async function runDoctor(options: DoctorOptions, progress: Progress): Promise<DoctorResult> {
  const live = options.app ? await diagnoseLive(options, options.app, progress) : undefined
  const target = live?.target ?? targetProfile(options.target, {glibc: options.glibc, plan: options.plan})
  const extra = {remote: live?.remote, history: live?.history}
  if (live && options.local === false) return summarise(undefined, target, live.findings, extra)
  const source = await openSource(options.path)
  try {
    const {value} = await runStep(progress, `Checking ${options.path} for ${target.name}`, async (update) => {
      const result = await checkApp(source, target, live, options, update)
      return result.ok
        ? {value: result, detail: `${result.summary.warnings} warning(s)`}
        : {
            value: result,
            detail: `${result.summary.errors} error(s), ${result.summary.warnings} warning(s)`,
            failed: true,
          }
    })
    return value
  } finally {
    await source.close()
  }
}

async function diagnoseLive(options: DoctorOptions, name: string, progress: Progress): Promise<Live> {
  const {value} = await runStep(progress, `Diagnosing the live app ${name}`, async () => {
    const [{connect}, {addsExecBit, resolveSite, siteStack}, {diagnoseRemote}] = await Promise.all([
      import('../azure/arm.js'),
      import('../azure/site.js'),
      import('../remote/diagnose.js'),
    ])
    const ctx = await connect(options)
    const site = await resolveSite(ctx, name, options.resourceGroup, options.slot)
    const diagnosis = await diagnoseRemote(ctx, site)
    const {stack, container} = await siteStack(ctx, site, diagnosis.settings)
    const target = targetProfile(container ? 'container' : site.linux ? 'linux-x64' : 'windows-x64', {
      glibc: options.glibc,
      plan: site.plan,
      stack,
    })
    target.addsExecBit = addsExecBit(site, diagnosis.settings)
    const remote = {
      app: site.name,
      resourceGroup: site.resourceGroup,
      os: site.linux ? 'linux' : 'windows',
      plan: site.plan,
      hostState: diagnosis.hostState,
      ...(diagnosis.lastDeployment ? {lastDeployment: diagnosis.lastDeployment} : {}),
      ...(diagnosis.deployedAt ? {deployedAt: diagnosis.deployedAt} : {}),
    }
    const runtime = site.plan === 'flex' ? site.flexRuntime : diagnosis.settings.FUNCTIONS_WORKER_RUNTIME
    const value: Live = {
      target,
      remote,
      settings: diagnosis.settings,
      runtime,
      findings: diagnosis.findings,
      history: diagnosis.history,
    }
    const detail =
      `${site.linux ? 'Linux' : 'Windows'} ${site.plan}, ` +
      `host ${diagnosis.hostState ?? 'unknown'}, ${diagnosis.findings.length} finding(s)`
    return {value, detail}
  })
  return value
}

/** The static checks (for Azure: host.json and the live settings), then the local probe. */
async function checkApp(
  source: AppSource,
  target: Target,
  live: Live | undefined,
  options: DoctorOptions,
  update: (text: string) => void,
): Promise<DoctorResult> {
  const app = await loadApp(source)
  // Azure gets host.json and its own app settings; local.settings.json only shapes the local run.
  const checked = await runStaticChecks(forAzure(app, live?.settings), target)
  const {context} = checked
  // A live stack whose image supplies the handler's interpreter is a deliberate choice, not a mistake.
  const keep = chooseRuntime(target.os, live?.runtime, target.stack, neededPrograms(context)).keep
  const remoteFindings = (live?.findings ?? []).filter((f) => !(keep && f.code === 'REMOTE_WORKER_RUNTIME'))
  let findings = [...checked.findings, ...remoteFindings]
  let probe: ProbeResult | undefined
  if (options.start) {
    update('starting the handler')
    const localContext = await buildContext(app, target, context.selection)
    const {runProbe} = await import('./probe.js')
    const probed = await runProbe(app, path.resolve(options.path), localContext, {
      startupTimeoutMs: options.startupTimeoutMs,
    })
    probe = probed.probe
    findings = [...settleForwarding(findings, probe), ...probed.findings]
  }
  const functions = app.functions.map((f) => f.name)
  const result = summarise({app: options.path, source: source.kind}, target, findings, {
    remote: live?.remote,
    history: live?.history,
    probe,
    functions,
  })
  const exe = context.exe
  if (app.customHandler?.hasDescription) {
    result.executable = {
      written: app.customHandler.defaultExecutablePath,
      kind: exe.kind,
      ...(exe.kind === 'app' || exe.kind === 'missing'
        ? {resolved: exe.path}
        : exe.kind === 'command'
          ? {resolved: exe.name}
          : exe.kind === 'outside'
            ? {resolved: exe.path}
            : {}),
      ...(context.exeInfo ? {description: describeExecutable(context.exeInfo)} : {}),
      ...(context.exeEntry?.mode === undefined ? {} : {mode: context.exeEntry.mode.toString(8).padStart(4, '0')}),
    }
  }
  return result
}

interface Extra {
  remote?: DoctorResult['remote']
  history?: Finding[]
  probe?: ProbeResult
  functions?: string[]
}

function summarise(
  judged: Pick<DoctorResult, 'app' | 'source'> | undefined,
  target: ReturnType<typeof targetProfile>,
  all: Finding[],
  extra: Extra,
): DoctorResult {
  const findings = sortFindings(all)
  const summary = {
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    info: findings.filter((f) => f.severity === 'info').length,
  }
  return {
    ...judged,
    target: {
      name: target.name,
      os: target.os,
      arch: target.arch,
      ...(target.glibc ? {glibc: target.glibc} : {}),
      ...(target.plan ? {plan: target.plan} : {}),
    },
    functions: extra.functions ?? [],
    findings,
    ...(extra.history ? {history: extra.history} : {}),
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
  const served = new Set(
    probe.invocations
      .filter((i) => i.mode === 'payload' && i.status !== undefined && i.status !== 404 && i.status !== 405)
      .map((i) => i.function),
  )
  return findings.filter((f) => f.code !== 'FORWARDING_NOT_APPLICABLE' || !f.file || !served.has(f.file.split('/')[0]))
}
