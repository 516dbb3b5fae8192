import {isChdError} from '../errors.js'
import type {Progress} from '../progress.js'
import {type AppOutcome, fleetExit, type FleetOptions, type FleetView, runFleet} from './fleet.js'
import type {DeployOptions, DeployResult} from './types.js'

export {listApps} from './apps-file.js'
export type {AppOutcome, FleetOptions, FleetView} from './fleet.js'
export type {AppRef} from './release.js'
export {routeFor} from './routes.js'
export type {DeployOptions, DeployResult, Route} from './types.js'

/**
 * validate-remote → validate-local → package → upload → activate → verify, for every plan; each
 * route (zip deploy, OneDeploy, run-from-package) brings its own upload and follow-up. A dry run
 * stops before the upload and sends no write request. One app is a fleet of one: its failure is
 * thrown as it is.
 */
export async function deploy(options: DeployOptions, progress: Progress): Promise<DeployResult> {
  const {app, resourceGroup, slot, ...shared} = options
  const fleet = await runFleet(
    {...shared, apps: [{name: app, resourceGroup, slot}], parallel: 1},
    {app: () => progress, shared: progress},
  )
  const [only] = fleet.apps
  if (only.error !== undefined) throw only.error as Error
  return only.result!
}

/** One app that did not deploy, as `chd deploy --json` reports it in a fleet. */
export interface AppFailure {
  app: string
  resourceGroup?: string
  slot?: string
  ok: false
  /** --fail-fast stopped it before it was deployed, or before it was verified. */
  skipped?: true
  error: {code: string; message: string; exit: number; fix?: string}
  /** How far the deploy got, when it got past the package step. */
  deploy?: DeployResult
}

/** `chd deploy --app A --app B … --json`: the one package, then each app's result or failure. */
export interface FleetDocument {
  package?: {sha256: string; bytes: number; entries?: number}
  apps: Array<(DeployResult & {ok: true}) | AppFailure>
  /** The apps judged together by validate-local (one entry per distinct target). */
  judgements: string[][]
  ok: boolean
}

/** Many apps from one package: the document, and the exit code (the highest class among the failures). */
export async function deployFleet(
  options: FleetOptions,
  view: FleetView,
): Promise<{document: FleetDocument; exit: number}> {
  const fleet = await runFleet(options, view)
  const apps = fleet.apps.map((a) => (a.error === undefined ? {...a.result!, ok: true as const} : failure(a)))
  const pkg = fleet.package
  return {
    document: {
      ...(pkg ? {package: {sha256: pkg.sha256, bytes: pkg.bytes, entries: pkg.entries}} : {}),
      apps,
      judgements: fleet.judgements,
      ok: apps.every((a) => a.ok),
    },
    exit: fleetExit(fleet.apps),
  }
}

function failure({ref, resourceGroup, error, skipped, result}: AppOutcome): AppFailure {
  const rg = resourceGroup ?? ref.resourceGroup
  const e = isChdError(error)
    ? {code: error.code, message: error.message, exit: error.exit, fix: error.suggestions.join('; ') || undefined}
    : {code: 'INTERNAL_ERROR', message: error instanceof Error ? error.message : String(error), exit: 1}
  return {
    app: ref.name,
    ...(rg ? {resourceGroup: rg} : {}),
    ...(ref.slot ? {slot: ref.slot} : {}),
    ok: false,
    ...(skipped ? {skipped: true as const} : {}),
    error: e.fix === undefined ? {code: e.code, message: e.message, exit: e.exit} : e,
    ...(result ? {deploy: result} : {}),
  }
}
