import {setTimeout as sleep} from 'node:timers/promises'

import type {AzureContext} from '../azure/arm.js'
import {azureError} from '../azure/errors.js'
import {HostAdmin} from '../azure/functions-host.js'
import type {SiteInfo} from '../azure/site.js'
import type {Finding} from '../checks/finding.js'
import {judgeLogs} from './diagnose.js'
import type {HostLogWatch, LogSource} from './watch.js'

export interface VerifyResult {
  hostState?: string
  hostVersion?: string
  /** What the host reports when it is in Error. */
  hostErrors?: string[]
  /**
   * Whether the handler is known to have started: `started` on positive evidence (the host's
   * "Worker process started and initialized." since this deployment, or a 2xx from --smoke),
   * `failed` on a host line naming a failure or a failing smoke request, `unconfirmed` otherwise.
   */
  worker: 'started' | 'failed' | 'unconfirmed'
  evidence?: string
  logSource: LogSource
  smoke?: {path: string; status: number}
  /** The causes the host's lines name, with the codes `chd doctor` uses. */
  findings: Finding[]
  note?: string
  functions: Array<{name: string; url?: string}>
}

export interface VerifyOptions {
  showKeys: boolean
  deadline: number
  /** Host lines from this watch (started before the upload) since `since` are the evidence. */
  watch?: HostLogWatch
  since: number
  /** How long to wait for evidence (the stream: the host's 3 × 30 s; App Insights: its ingestion delay too). */
  windowMs?: number
  smoke?: string
  /** The package's functions with an httpTrigger (lower case): the others get no URL, whatever ARM lists. */
  httpFunctions?: Set<string>
  onStatus?: (s: string) => void
  /** Stops the wait for evidence (a fleet's --fail-fast); the result is then what was seen so far. */
  stop?: AbortSignal
}

/**
 * Host status with the master key from ARM, then evidence that the handler started: the host
 * reports Running while the handler crash-loops (it starts the worker fire-and-forget), so only
 * its log lines or a real request tell.
 */
export async function verifyApp(ctx: AzureContext, site: SiteInfo, options: VerifyOptions): Promise<VerifyResult> {
  const admin = await HostAdmin.connect(ctx, site)
  const source = options.watch?.source ?? 'none'
  const windowMs = options.windowMs ?? ctx.verifyWindowMs ?? (source === 'insights' ? 300_000 : 120_000)
  const end = Math.min(options.deadline, Date.now() + windowMs)
  const result: VerifyResult = {worker: 'unconfirmed', logSource: source, findings: [], functions: []}
  let errorsSeen = 0
  while (!options.stop?.aborted) {
    // Each status request also keeps the host's debug mode (its file log, the stream) on.
    const status = await admin.status()
    if (status) {
      Object.assign(
        result,
        {hostState: status.state, hostVersion: status.version},
        status.errors?.length ? {hostErrors: status.errors} : {},
      )
      options.onStatus?.(`host ${status.state}`)
    }
    // An Error that persists across two looks is the answer; a restart in progress is not.
    if (status?.state === 'Error' && ++errorsSeen >= 2) {
      result.worker = 'failed'
      break
    }
    await options.watch?.refresh()
    const verdict = judgeLogs(options.watch?.events ?? [], {since: options.since})
    result.findings = verdict.findings
    if (verdict.started) {
      const {time, message} = verdict.started
      Object.assign(result, {worker: 'started', evidence: `host log ${time}: ${message}`})
      // The status above may predate the start the line reports.
      const now = await admin.status()
      if (now) Object.assign(result, {hostState: now.state, hostVersion: now.version})
      break
    }
    if (verdict.final) {
      result.worker = 'failed'
      break
    }
    if (options.smoke && status?.state === 'Running') {
      const response = await admin.get(options.smoke, 'function', 30_000)
      result.smoke = {path: options.smoke, status: response.status}
      if (response.status >= 200 && response.status < 300) {
        Object.assign(result, {worker: 'started', evidence: `GET ${options.smoke} answered ${response.status}`})
        break
      }
    }
    // Nothing more to wait for without a log source or a smoke path, unless a second look at an Error is due.
    if (source === 'none' && !options.smoke && status?.state !== 'Error') break
    if (Date.now() >= end) {
      if (result.findings.length > 0 || result.smoke) result.worker = 'failed'
      break
    }
    await sleep(source === 'insights' ? 5000 : 1000, undefined, {signal: options.stop}).catch(() => undefined)
  }
  if (result.worker === 'unconfirmed') {
    result.note =
      source === 'none'
        ? 'the app has no App Insights and its plan no log stream, so nothing shows whether the handler started; ' +
          'pass --smoke /api/<route> to confirm it with a request'
        : `no line from the host's ${source === 'stream' ? 'log stream' : 'App Insights'} showed the ` +
          `handler start or fail ` +
          `within ${Math.round(windowMs / 1000)} s; pass --smoke /api/<route> to confirm it with a request`
  }
  const functions = await functionUrls(ctx, site, options.showKeys ? admin.functionKey : undefined)
  const http = options.httpFunctions
  result.functions = functions.map((f) => (http && !http.has(f.name.toLowerCase()) ? {name: f.name} : f))
  return result
}

async function functionUrls(ctx: AzureContext, site: SiteInfo, key?: string): Promise<VerifyResult['functions']> {
  const functions: VerifyResult['functions'] = []
  try {
    const list = site.slot
      ? ctx.arm.webApps.listInstanceFunctionsSlot(site.resourceGroup, site.name, site.slot)
      : ctx.arm.webApps.listFunctions(site.resourceGroup, site.name)
    for await (const f of list) {
      const name = (f.name ?? '').split('/').pop() ?? ''
      const url = f.invokeUrlTemplate
      functions.push({name, ...(url ? {url: key ? `${url}?code=${key}` : url} : {})})
    }
  } catch (error) {
    throw azureError(error, `listing the functions of ${site.name}`, ctx)
  }
  return functions
}
