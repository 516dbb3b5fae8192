import {ChdError, ExitCode, isChdError} from '../errors.js'
import {type Progress, runStep} from '../progress.js'
import type {HostLogWatch} from '../remote/watch.js'
import {describePackage, type PreparedPackage} from './package.js'
import {type AppRef, judgeApp, packageApp, release, resolveApp, type Resolved} from './release.js'
import {DeploySession, type SharedOptions} from './session.js'
import {Steps} from './steps.js'
import type {DeployResult} from './types.js'
import type {LocalState} from './validate.js'

export interface FleetOptions extends SharedOptions {
  apps: AppRef[]
  /** How many apps deploy at once (default 4). */
  parallel?: number
  /** After the first failure, start no other app and stop the running ones between steps. */
  failFast?: boolean
}

/** Where a fleet reports: a Progress per app, one for what the apps share (the package), and each app's end. */
export interface FleetView {
  app(ref: AppRef): Progress
  shared: Progress
  /** What the app is, once validate-remote knows: "linux consumption, run-from-package". */
  target?(ref: AppRef, text: string): void
  ended?(ref: AppRef, outcome: AppOutcome): void
}

export interface AppOutcome {
  ref: AppRef
  /** Complete when the app succeeded; as far as it got when it failed after the package step. */
  result?: DeployResult
  /** Where the app was found, when it was. */
  resourceGroup?: string
  error?: unknown
  /** Not deployed (or not verified) because --fail-fast stopped the fleet. */
  skipped?: boolean
}

export interface FleetOutcome {
  package?: PreparedPackage
  apps: AppOutcome[]
  /** The apps judged together by validate-local, one entry per distinct target. */
  judgements: string[][]
}

interface AppRun extends AppOutcome {
  steps: Steps
  resolved?: Resolved
  local?: LocalState
}

/**
 * One package to many apps: connect once; per app, the site and validate-remote; validate-local once
 * per distinct target; the package built once; then upload, activate and verify per app, `parallel`
 * at a time. One app's failure stops no other unless `failFast`. A single deploy is a fleet of one.
 */
export async function runFleet(options: FleetOptions, view: FleetView): Promise<FleetOutcome> {
  const session = await DeploySession.open(options)
  const stop = new AbortController()
  const signal = options.failFast ? stop.signal : undefined
  const runs: AppRun[] = options.apps.map((ref) => ({ref, steps: new Steps(view.app(ref), signal)}))
  const watches: HostLogWatch[] = []
  const limit = Math.max(1, options.parallel ?? 4)
  const attempt = (run: AppRun, last: boolean, work: () => Promise<void>) => async () => {
    try {
      run.steps.stop?.throwIfAborted()
      await work()
      if (last) view.ended?.(run.ref, run)
    } catch (error) {
      failed(run, error, stop, options.failFast)
      view.ended?.(run.ref, run)
    }
  }
  let pkg: PreparedPackage | undefined
  try {
    await inTurn(
      runs.map((run) =>
        attempt(run, false, async () => {
          run.resolved = await resolveApp(session, run.ref, run.steps)
          run.resourceGroup = run.resolved.site.resourceGroup
          view.target?.(run.ref, describe(run.resolved))
          run.local = await judgeApp(session, run.resolved, run.steps)
        }),
      ),
      limit,
    )
    const ready = runs.filter((r) => r.error === undefined)
    pkg = await buildOnce(session, ready, view.shared, (run, error) => {
      failed(run, error, stop, options.failFast)
      view.ended?.(run.ref, run)
    })
    await inTurn(
      ready
        .filter((r) => r.error === undefined)
        .map((run) =>
          attempt(run, true, async () => {
            const plan = await packageApp(session, run.resolved!, run.local!, run.steps)
            run.result = plan.result
            if (!options.dryRun) await release(session, run.resolved!.site, run.steps, plan, (w) => watches.push(w))
          }),
        ),
      limit,
    )
  } finally {
    for (const watch of watches) watch.stop()
    await session.close()
  }
  const judgements = [...session.judgements.values()].map((j) => j.apps)
  return {package: pkg ?? (await session.built()), apps: runs.map(outcomeOf), judgements}
}

function outcomeOf({ref, result, resourceGroup, error, skipped}: AppRun): AppOutcome {
  return {ref, result, resourceGroup, error, skipped}
}

function describe({site, route}: Resolved): string {
  return `${site.linux ? 'linux' : 'windows'} ${site.plan}, ${route.route}`
}

/** Records an app's failure; with --fail-fast the first one stops the others. */
function failed(run: AppRun, error: unknown, stop: AbortController, failFast?: boolean): void {
  if (stop.signal.aborted && error === stop.signal.reason) {
    run.skipped = true
    const deployed = run.steps.done.some((s) => s.name === 'activate')
    run.error = new ChdError(
      'SKIPPED',
      `${deployed ? 'deployed, not verified' : 'not deployed'}: ` +
        '--fail-fast stopped the deploy after another app failed',
      {exit: ExitCode.failed, suggestions: ['Fix the failure reported for the other app, then deploy again']},
    )
    return
  }
  run.error = error
  if (failFast && !stop.signal.aborted) stop.abort(new ChdError('SKIPPED', `${run.ref.name} failed`))
}

/**
 * A fleet's package, built once as its own step before any app's package step (which then finds it
 * built); a single app builds it in its package step, as it always has.
 */
async function buildOnce(
  session: DeploySession,
  ready: AppRun[],
  progress: Progress,
  fail: (run: AppRun, error: unknown) => void,
): Promise<PreparedPackage | undefined> {
  if (ready.length < 2) return undefined
  const locals = ready.map((r) => r.local!)
  const linux = ready.some((r) => r.resolved!.site.linux)
  try {
    const {value} = await runStep(progress, 'package', async () => {
      const built = await session.package(locals, linux, ready[0].resolved!.site.name)
      return {value: built, detail: `${describePackage(built)}, once for ${ready.length} apps`}
    })
    return value
  } catch (error) {
    for (const run of ready) fail(run, error)
    return undefined
  }
}

/** Runs the tasks, at most `limit` at a time, in the order given. */
async function inTurn(tasks: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]()
  }
  await Promise.all(Array.from({length: Math.min(limit, tasks.length)}, worker))
}

/** The exit a fleet ends with: 0 when every app succeeded, else the highest class among the failures. */
export function fleetExit(apps: AppOutcome[]): number {
  let exit = 0
  for (const app of apps) {
    if (app.error === undefined || app.skipped) continue
    exit = Math.max(exit, isChdError(app.error) ? app.error.exit : ExitCode.failed)
  }
  return exit
}
