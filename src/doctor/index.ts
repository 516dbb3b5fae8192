import path from 'node:path'

import {loadApp} from '../app/model.js'
import {openSource} from '../app/source.js'
import {type Finding, hasErrors, sortFindings} from '../checks/finding.js'
import {runStaticChecks} from '../checks/run.js'
import {describeExecutable} from '../platform/inspect.js'
import {type Plan, targetProfile} from '../platform/targets.js'
import type {Progress} from '../ui/progress.js'
import {type ProbeResult, runProbe} from './probe.js'

export interface DoctorOptions {
  path: string
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
}

/**
 * Judges an app folder or package against a target platform, then (unless start is false) runs
 * the handler behind the local stand-in for the host and sends each function a mock invocation.
 */
export async function runDoctor(options: DoctorOptions, progress: Progress): Promise<DoctorResult> {
  const target = targetProfile(options.target, {glibc: options.glibc, plan: options.plan})
  const step = progress.step(`Checking ${options.path} for ${target.name}`)
  const source = await openSource(options.path)
  try {
    const app = await loadApp(source)
    const checked = await runStaticChecks(app, target)
    const {context} = checked
    let findings = checked.findings
    let probe: ProbeResult | undefined
    if (options.start) {
      step.update('starting the handler')
      const probed = await runProbe(app, path.resolve(options.path), context, {startupTimeoutMs: options.startupTimeoutMs})
      probe = probed.probe
      findings = sortFindings([...findings, ...probed.findings])
    }
    const summary = {
      errors: findings.filter((f) => f.severity === 'error').length,
      warnings: findings.filter((f) => f.severity === 'warning').length,
      info: findings.filter((f) => f.severity === 'info').length,
    }
    const ok = !hasErrors(findings)
    if (ok) step.succeed(`${summary.warnings} warning(s)`)
    else step.fail(`${summary.errors} error(s), ${summary.warnings} warning(s)`)
    const exe = context.exe
    return {
      app: options.path,
      source: source.kind,
      target: {name: target.name, os: target.os, arch: target.arch, ...(target.glibc ? {glibc: target.glibc} : {}), ...(target.plan ? {plan: target.plan} : {})},
      executable: app.customHandler?.hasDescription ? {
        written: app.customHandler.defaultExecutablePath,
        kind: exe.kind,
        ...(exe.kind === 'app' || exe.kind === 'missing' ? {resolved: exe.path} : exe.kind === 'command' ? {resolved: exe.name} : exe.kind === 'outside' ? {resolved: exe.path} : {}),
        ...(context.exeInfo ? {description: describeExecutable(context.exeInfo)} : {}),
        ...(context.exeEntry?.mode === undefined ? {} : {mode: context.exeEntry.mode.toString(8).padStart(4, '0')}),
      } : undefined,
      functions: app.functions.map((f) => f.name),
      findings,
      summary,
      ok,
      ...(probe ? {probe} : {}),
    }
  } finally {
    await source.close()
  }
}
