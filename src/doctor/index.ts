import path from 'node:path'

import {loadApp} from '../app/model.js'
import {openSource} from '../app/source.js'
import {type Finding, hasErrors, sortFindings} from '../checks/finding.js'
import {runStaticChecks} from '../checks/run.js'
import {describeExecutable} from '../platform/inspect.js'
import {type Plan, targetProfile} from '../platform/targets.js'
import type {Progress} from '../ui/progress.js'
import {type AzureOptions, connect} from '../azure/arm.js'
import {resolveSite} from '../azure/site.js'
import {diagnoseRemote} from '../remote/diagnose.js'
import {type ProbeResult, runProbe} from './probe.js'

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
  const remoteFindings: Finding[] = []
  if (options.app) {
    const step = progress.step(`Diagnosing the live app ${options.app}`)
    try {
      const ctx = await connect(options)
      const site = await resolveSite(ctx, options.app, options.resourceGroup, options.slot)
      target = targetProfile(site.linux ? 'linux-x64' : 'windows-x64', {glibc: options.glibc, plan: site.plan})
      const d = await diagnoseRemote(ctx, site)
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
    const checked = await runStaticChecks(app, target)
    const {context} = checked
    let findings = [...checked.findings, ...remoteFindings]
    let probe: ProbeResult | undefined
    if (options.start) {
      step.update('starting the handler')
      const probed = await runProbe(app, path.resolve(options.path), context, {startupTimeoutMs: options.startupTimeoutMs})
      probe = probed.probe
      findings = [...findings, ...probed.findings]
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
