import type {AzureContext} from '../azure/arm.js'
import {HostAdmin} from '../azure/functions-host.js'
import {DeployStatus, KuduClient, namedStatus} from '../azure/kudu.js'
import {readSettings} from '../azure/settings.js'
import type {SiteInfo} from '../azure/site.js'
import {finding} from '../checks/context.js'
import type {Finding} from '../checks/finding.js'
import type {LogEvent} from '../logs/event.js'
import {queryInsights} from '../logs/insights.js'
import {followStream} from '../logs/stream.js'
import {hasInsights, hasStream, type LogSource, roleName} from './watch.js'

export interface LogPattern {
  test: RegExp
  code: string
  why: (m: RegExpExecArray) => string
  fix: string
  /** The host gives up after this line: no restart follows (docs/host-protocol.md §6, §7). */
  final?: boolean
  /** The host stops itself after this line (StopApplication), and the platform starts it again on the same content. */
  shutdown?: boolean
  /** The host's generic message: a line naming the cause (its exception) replaces it. */
  generic?: boolean
  /** The host's reaction to a failure (could not start, gave up): it goes when a line names the failure. */
  outcome?: boolean
}

const NOT_FOUND_FIX = 'Check defaultExecutablePath and that the binary is in the package (chd doctor DIR)'
const EXIT_FIX = 'Run it locally with chd start to see why it exits'

/** What the dispatcher state at the end of WorkerFunctionInvoker's wait says (FunctionInvocationDispatcherState.cs). */
function dispatcherState(state: string): string {
  if (state === 'WorkerProcessRestarting') return 'it had failed and the host was still restarting it'
  if (state === 'Disposing' || state === 'Disposed') return 'the host was already stopping it'
  return 'it never answered'
}

/**
 * Host log lines that name a cause, mapped to the codes the local checks use, so the live
 * diagnosis, deploy's verify and `chd doctor DIR` speak the same language. The specific texts
 * live in the exception the host attaches to a generic message (a continuation line in the file
 * log, the exceptions table in App Insights), so they come first; the generic ones catch the rest
 * (docs/host-protocol.md §14).
 */
export const PATTERNS: LogPattern[] = [
  {
    test: /version `GLIBC_([\d.]+)' not found/,
    code: 'EXECUTABLE_GLIBC_TOO_NEW',
    why: (m) => `The handler needs GLIBC_${m[1]}, newer than the platform's C library`,
    fix: 'Build on an older distribution (Debian 11) or link statically (CGO_ENABLED=0 for Go)',
  },
  {
    test: /Permission denied/,
    code: 'EXECUTABLE_NOT_EXECUTABLE',
    final: true,
    why: () => 'The host could not execute the handler: Permission denied (no execute bit)',
    fix: 'chmod +x the executable and redeploy with chd deploy (it keeps modes); zips made on Windows lose the bit',
  },
  {
    test: /Exec format error|is not a valid Win32 application|not a valid application for this OS platform/,
    code: 'EXECUTABLE_WRONG_ARCH',
    final: true,
    why: () => 'The host could not execute the handler: it is built for another CPU or OS',
    fix: 'Build for the platform: GOOS=linux GOARCH=amd64 (Linux plans) or windows/amd64 (Windows)',
  },
  {
    test: /start process '([^']+)'[^\n]*(?:No such file or directory|cannot find the file specified)/,
    code: 'EXECUTABLE_NOT_FOUND',
    final: true,
    why: (m) => `The host found no executable at ${m[1]} (or its #! interpreter is missing)`,
    fix: NOT_FOUND_FIX,
  },
  {
    test: /Failed to start Worker Channel\. Process fileName: (.*)/,
    code: 'HANDLER_START_FAILED',
    final: true,
    outcome: true,
    why: (m) => `The host could not start the handler ${m[1].split('\n')[0]}`,
    fix: NOT_FOUND_FIX,
  },
  {
    test: /No job functions found/,
    code: 'NO_FUNCTIONS',
    final: true,
    why: () => 'The host found no functions, so it never starts the handler',
    fix: 'Deploy the app folder with <function>/function.json at the root of the package',
  },
  {
    test: /Unable to determine the primary function script|Did not find functions with language \[custom\]/,
    code: 'CUSTOM_HANDLER_MISSING',
    final: true,
    why: () => 'The host treated the app as a script app: host.json has no customHandler section',
    fix: 'Add customHandler.description.defaultExecutablePath to host.json',
  },
  {
    // The exception: "<file> exited with code N (0xN)", then its inner one, the last stderr lines.
    test: /exited with code (-?\d+)(?: \(0x[0-9A-F]+\))?(?:\s*---> (?:System\.Exception : )?([^\n]+))?/,
    code: 'HANDLER_EXITED',
    why: (m) => `The handler exited with code ${m[1]}${m[2] ? `: ${m[2].trim()}` : ''}`,
    fix: EXIT_FIX,
  },
  {
    test: /Language Worker Process exited\./,
    code: 'HANDLER_EXITED',
    generic: true,
    why: () => 'The handler exited',
    fix: EXIT_FIX,
  },
  {
    test: /Initializing HttpWorker timed out|Failed to start http worker process|Waiting for HttpWorker to be init/,
    code: 'HANDLER_NOT_READY',
    why: () =>
      "The handler did not answer GET / on FUNCTIONS_CUSTOMHANDLER_PORT within the host's initialization " +
      'timeout (30 s)',
    fix: 'Listen on the port in FUNCTIONS_CUSTOMHANDLER_PORT on 127.0.0.1 (chd doctor DIR names the port it uses)',
  },
  {
    // Still Initializing after (3 + 1) × the initialization timeout: no channel ever started, because
    // a failed Process.Start is forgotten (no error event, no restart; docs/host-protocol.md §6).
    test: /Final functionDispatcher state: Initializing\b/,
    code: 'HANDLER_START_FAILED',
    final: true,
    shutdown: true,
    outcome: true,
    why: () =>
      'The host never got the handler started: an invocation waited 4 × the initialization timeout for it, ' +
      'then the host shut down',
    fix:
      'The handler could not be launched (missing, not executable, or built for another platform): chd doctor DIR ' +
      'names which',
  },
  {
    test: /Final functionDispatcher state: (\w+)/,
    code: 'HANDLER_NOT_READY',
    final: true,
    shutdown: true,
    outcome: true,
    why: (m) =>
      `The handler was not ready (dispatcher ${m[1]}: ${dispatcherState(m[1])}); an invocation waited ` +
      '4 × the initialization timeout for it, then the host shut down',
    fix: 'chd doctor DIR starts it as the host does and shows why it exits or does not answer GET /',
  },
  {
    test: /Exceeded http worker restart retry count/,
    code: 'HANDLER_EXITED',
    final: true,
    shutdown: true,
    outcome: true,
    why: () => 'The handler failed three times; the host gave up and shut down (the platform starts it again)',
    fix: "Find the first failure above; chd start reproduces the host's restarts locally",
  },
]

/** The host's proof the handler answered its readiness probe (Information, HttpFunctionInvocationDispatcher). */
export const WORKER_STARTED = /^Worker process started and initialized\./

/** The pattern that judges one host log line (an event's message, exception lines included): the most specific. */
function patternFor(message: string): {pattern: LogPattern; match: RegExpExecArray} | undefined {
  for (const pattern of PATTERNS) {
    const match = pattern.test.exec(message)
    if (match) return {pattern, match}
  }
  return undefined
}

/**
 * The code one host log record names (its message with any exception text joined on), read as
 * judgeLogs reads each record: the first pattern that matches decides. Empty when none does.
 */
export function matchLine(message: string): string[] {
  const hit = patternFor(message)
  return hit ? [hit.pattern.code] : []
}

function quote(event: LogEvent): string {
  return `(host log ${event.time}: "${event.message.replaceAll('\n', ' ').replaceAll(/\s+/g, ' ').slice(0, 300)}")`
}

/** Turns host log lines into findings; the first line per code wins, quoted as evidence. */
export function findingsFromLogs(events: LogEvent[]): Finding[] {
  return judgeLogs(events).findings
}

export interface Verdict {
  /** The success line, when nothing failed after it. */
  started?: LogEvent
  findings: Finding[]
  /** The host has given up (a line no restart follows). */
  final: boolean
  /** What earlier host starts or deployments said: shown, never counted. */
  history: Finding[]
}

/** "Initializing Host. OperationId: …" (WebJobsScriptHostService) begins each host start. */
const HOST_START = /^Initializing Host\./

interface Run {
  lines: LogEvent[]
  /** At or after the `since` boundary (all runs when there is none). */
  current: boolean
}

/** Lines → host starts; the `since` boundary (a deployment) also begins one. */
function splitRuns(events: LogEvent[], since?: number): Run[] {
  const runs: Run[] = [{lines: [], current: since === undefined}]
  for (const event of events) {
    const crossing = !runs.at(-1)!.current && Date.parse(event.time) >= since!
    if (HOST_START.test(event.message) || crossing) runs.push({lines: [], current: runs.at(-1)!.current || crossing})
    runs.at(-1)!.lines.push(event)
  }
  return runs.filter((r) => r.lines.length > 0)
}

const telling = (e: LogEvent) => WORKER_STARTED.test(e.message) || patternFor(e.message) !== undefined

/**
 * What the host's lines say about the handler's start. Only the current host start counts: the
 * newest one, and those before it the host ended itself (the platform started the same content
 * again), never one before `since` (a deployment); of those, the newest that says anything about
 * the handler is judged. Everything older is history: a fixed redeploy is not failed by the crash
 * it replaced.
 */
export function judgeLogs(events: LogEvent[], options: {since?: number} = {}): Verdict {
  const runs = splitRuns(events, options.since)
  let first = runs.length
  const chained = (i: number) => i === runs.length - 1 || judgeRun(runs[i].lines).shutdown
  while (first > 0 && runs[first - 1].current && chained(first - 1)) first--
  const episode = runs.slice(first)
  const judged = [...episode].reverse().find((run) => run.lines.some(telling))
  const verdict = judgeRun(judged ? judged.lines : episode.flatMap((r) => r.lines))
  const seen = new Set(verdict.findings.map((f) => f.code))
  const history: Finding[] = []
  for (const run of [...runs].reverse()) {
    if (run === judged || (!judged && episode.includes(run))) continue
    for (const finding of judgeRun(run.lines).findings) {
      if (seen.has(finding.code) || history.length >= 10) continue
      seen.add(finding.code)
      history.push(finding)
    }
  }
  const {started, findings, final} = verdict
  return {...(started ? {started} : {}), findings, final, history}
}

function judgeRun(events: LogEvent[]): {started?: LogEvent; findings: Finding[]; final: boolean; shutdown: boolean} {
  const out = new Map<string, {finding: Finding; pattern: LogPattern}>()
  let started: LogEvent | undefined
  let final = false
  let shutdown = false
  const weak = (p: LogPattern) => Boolean(p.generic || p.outcome)
  for (const event of events) {
    if (WORKER_STARTED.test(event.message) && event.level === 'Information') {
      started = event
      final = false
      continue
    }
    const hit = patternFor(event.message)
    if (!hit) continue
    const {pattern: p, match: m} = hit
    const seen = out.get(p.code)
    if (!seen || (weak(seen.pattern) && !weak(p))) {
      out.set(p.code, {finding: finding(p.code, `${p.why(m)} ${quote(event)}`, {fix: p.fix}), pattern: p})
    }
    final ||= Boolean(p.final)
    shutdown ||= Boolean(p.shutdown)
    started = undefined
  }
  // A cause the checks name (EXECUTABLE_*, NO_FUNCTIONS …) comes first; the host's reaction
  // ("could not start", "gave up") goes when a line names what it reacted to.
  const all = [...out.values()]
  const named = all.some((x) => !x.pattern.outcome)
  const kept = all.filter((x) => !(named && x.pattern.outcome)).map((x) => x.finding)
  const handler = (f: Finding) => f.code.startsWith('HANDLER_')
  const findings = [...kept.filter((f) => !handler(f)), ...kept.filter(handler)]
  if (findings.length === 0) {
    const line = events.find((event) => (event.level === 'Error' || event.level === 'Critical') && event.startup)
    if (line) {
      findings.push(
        finding('HOST_STARTUP_ERROR', `The host logged: "${line.message.slice(0, 300)}" (${line.time})`, {
          fix: 'chd logs --app NAME --since 1h shows the context',
        }),
      )
    }
  }
  return {...(started ? {started} : {}), findings, final, shutdown}
}

/**
 * Recent host lines: App Insights when the app has it, else what the log stream shows in a few
 * seconds. The stream's files exist only in debug mode, which the caller has just switched on
 * with its host status request, so it may well be empty: the caller says so.
 */
async function recentLogs(
  ctx: AzureContext,
  site: SiteInfo,
  settings: Record<string, string>,
): Promise<{events: LogEvent[]; source: LogSource}> {
  if (hasInsights(settings)) {
    try {
      return {
        events: await queryInsights(ctx, settings, roleName(site, settings), {sinceMs: 60 * 60_000}),
        source: 'insights',
      }
    } catch {
      // Application Insights unreachable or refused: fall back to the log stream below.
    }
  }
  if (!hasStream(site)) return {events: [], source: 'none'}
  const events: LogEvent[] = []
  const stop = AbortSignal.timeout(3000)
  try {
    for await (const e of followStream(new KuduClient(ctx, site.scmHost), {signal: stop})) events.push(e)
  } catch {
    // The stream ends by the 3 s timeout or fails: diagnosis uses whatever events arrived.
  }
  return {events, source: 'stream'}
}

export interface RemoteDiagnosis {
  findings: Finding[]
  /** What the host's lines said before its current start or the last deployment: shown, never counted. */
  history: Finding[]
  /** The live app settings, to judge the local folder against what Azure really has. */
  settings: Record<string, string>
  hostState?: string
  lastDeployment?: {id: string; status: number; statusName: string}
  /** When the running content went live (Kudu's last successful deployment, or the package blob's upload). */
  deployedAt?: string
}

export async function diagnoseRemote(ctx: AzureContext, site: SiteInfo): Promise<RemoteDiagnosis> {
  const findings: Finding[] = []
  const settings = await readSettings(ctx, site)

  const runtime = site.plan === 'flex' ? site.flexRuntime : settings.FUNCTIONS_WORKER_RUNTIME
  if ((runtime ?? '').toLowerCase() !== 'custom') {
    findings.push(
      finding(
        'REMOTE_WORKER_RUNTIME',
        site.plan === 'flex'
          ? `The Flex app's runtime is "${runtime ?? '(unset)'}"; the host still runs the custom handler ` +
              `(host.json decides), but on the ${runtime ?? 'default'} image, which helps only if it supplies ` +
              `the handler's interpreter`
          : `FUNCTIONS_WORKER_RUNTIME is "${runtime ?? '(unset)'}" on ${site.name}; a custom handler app ` +
              `runs with "custom" unless that stack's image supplies the handler's interpreter`,
        {
          fix: `chd deploy sets it; or chd settings set --app ${site.name} FUNCTIONS_WORKER_RUNTIME=custom`,
        },
      ),
    )
  }
  if (!settings.AzureWebJobsStorage && !settings.AzureWebJobsStorage__accountName) {
    findings.push(
      finding('REMOTE_STORAGE_MISSING', `${site.name} has no AzureWebJobsStorage setting`, {
        severity: site.plan === 'dedicated' ? 'warning' : 'error',
        fix:
          `chd settings set --app ${site.name} AzureWebJobsStorage="<connection string>" (or ` +
          `AzureWebJobsStorage__accountName with a managed identity)`,
      }),
    )
  }
  let deployed: Deployed | undefined
  const rfp = settings.WEBSITE_RUN_FROM_PACKAGE
  if (rfp && /^https?:/i.test(rfp)) {
    const probe = await probeUrl(ctx, rfp)
    if (probe.status !== 200 && probe.status !== 206) {
      const answer = `answers ${probe.status ?? 'nothing'} (${redactSas(rfp)})`
      const message = `WEBSITE_RUN_FROM_PACKAGE points at a package that ${answer}: the app has no code to run`
      findings.push(
        finding('RUN_FROM_PACKAGE_STALE', message, {
          fix: `Redeploy with chd deploy --app ${site.name} (it uploads a new package and a fresh URL)`,
        }),
      )
    }
    // The blob is uploaded just before the URL is set: the content went live after it.
    if (probe.lastModified) deployed = {start: probe.lastModified, end: probe.lastModified}
  }
  const kudu = site.plan === 'consumption' && site.linux ? undefined : await lastDeployment(ctx, site)
  if (kudu?.failure) findings.push(kudu.failure)
  // With a package URL set, zip deployments are refused: the newer of the two is what runs.
  if (kudu?.deployed && (!deployed || kudu.deployed.end > deployed.end)) deployed = kudu.deployed

  const admin = await HostAdmin.connect(ctx, site)
  let status = await admin.status()
  // A host restarting (after a settings change, or after giving up on the handler) answers 503 a moment.
  for (let i = 0; i < 3 && !status; i++) {
    await new Promise((r) => setTimeout(r, 2000))
    status = await admin.status()
  }
  if (status?.state !== 'Running') {
    const errors = status?.errors?.length ? `: ${status.errors.join(' | ')}` : ''
    findings.push(
      finding(
        'HOST_NOT_RUNNING',
        `The Functions host of ${site.name} reports ${status?.state ?? 'no status'}${errors}`,
        {
          fix: "The other findings, read from the host's own log lines, name the cause",
        },
      ),
    )
  }
  // "Running" says nothing about the handler (the host starts it fire-and-forget): the lines do.
  const logs = await recentLogs(ctx, site, settings)
  const since = deployed ? deploymentBoundary(logs.events, deployed) : undefined
  const verdict = judgeLogs(logs.events, {since})
  findings.push(...verdict.findings)
  if (!verdict.started && verdict.findings.length === 0 && status?.state === 'Running') {
    findings.push(unconfirmed(site, logs.source, since, verdict.history.length > 0))
  }
  return {
    findings,
    history: verdict.history,
    settings,
    hostState: status?.state,
    ...(kudu?.last ? {lastDeployment: kudu.last} : {}),
    ...(since === undefined ? {} : {deployedAt: new Date(since).toISOString()}),
  }
}

/** When a deployment ran: from its start to its end (the same instant for an uploaded package). */
interface Deployed {
  start: number
  end: number
}

/**
 * Kudu's newest deployment (a failed one is a finding, with Kudu's own lines) and the newest
 * successful one, whose content is what runs now.
 */
async function lastDeployment(
  ctx: AzureContext,
  site: SiteInfo,
): Promise<{last?: RemoteDiagnosis['lastDeployment']; failure?: Finding; deployed?: Deployed} | undefined> {
  const kudu = new KuduClient(ctx, site.scmHost)
  const list = await kudu.deployments()
  if (!list) return undefined
  const last = list[0]
  if (!last) return {}
  const live = list.find((d) => d.status === DeployStatus.Success && d.end_time)
  const end = Date.parse(live?.end_time ?? '')
  const start = Date.parse(live?.start_time ?? '')
  const deployed = Number.isNaN(end) ? undefined : {start: Number.isNaN(start) ? end : start, end}
  let failure: Finding | undefined
  if (last.status === DeployStatus.Failed) {
    const log = await kudu.deploymentLog(last.id)
    const lines = log.filter((e) => e.type === 2).map((e) => e.message)
    const logged = lines.length ? `; Kudu logged: ${lines.slice(-5).join(' | ')}` : ''
    const why = `${last.status_text ? `: ${last.status_text}` : ''}${logged}`
    failure = finding('LAST_DEPLOYMENT_FAILED', `The last deployment (${last.id}) failed${why}`, {
      fix: 'Fix the cause and deploy again (chd deploy prints the whole log on failure)',
    })
  }
  return {
    last: {id: last.id, ...namedStatus(last.status)},
    ...(failure ? {failure} : {}),
    ...(deployed ? {deployed} : {}),
  }
}

/**
 * Where the current content's lines begin: a host start while the deployment ran (the host may
 * restart on the new files before Kudu calls it done), else the deployment's end.
 */
function deploymentBoundary(events: LogEvent[], deployed: Deployed): number {
  const during = events
    .map((e) => (HOST_START.test(e.message) ? Date.parse(e.time) : Number.NaN))
    .filter((t) => t >= deployed.start && t <= deployed.end)
  return during.at(-1) ?? deployed.end
}

function unconfirmed(site: SiteInfo, source: LogSource, since: number | undefined, history: boolean): Finding {
  const after = since === undefined ? '' : ` since the last deployment (${new Date(since).toISOString()})`
  const why =
    source === 'none'
      ? 'the app has no App Insights and its plan no log stream'
      : source === 'stream'
        ? `the log stream showed no startup line${after}: the host writes its file log only in debug mode, which chd ` +
          'has just switched on (for 15 minutes)'
        : `App Insights has no startup line${after || ' from the last hour'} (its rows arrive 20 s to 3 min late)`
  const earlier = history ? '; earlier lines failed, but they are about what ran before (shown as history)' : ''
  const message = `The host is Running, but nothing shows the handler started or failed: ${why}${earlier}`
  return finding('HANDLER_START_UNCONFIRMED', message, {
    fix:
      'Call a function (chd deploy --smoke /api/<route> does), or follow the next start: ' +
      `chd logs --app ${site.name} -f`,
  })
}

function redactSas(url: string): string {
  return url.replace(/\?.*$/, '?<sas>')
}

async function probeUrl(ctx: AzureContext, url: string): Promise<{status?: number; lastModified?: number}> {
  const sdk = await import('@azure/core-rest-pipeline')
  const pipeline = sdk.createPipelineFromOptions({
    retryOptions: {maxRetries: 1},
    ...(ctx.ca ? {tlsOptions: {ca: ctx.ca}} : {}),
  })
  try {
    const response = await pipeline.sendRequest(
      sdk.createDefaultHttpClient(),
      sdk.createPipelineRequest({
        url,
        method: 'GET',
        headers: sdk.createHttpHeaders({range: 'bytes=0-0'}),
        abortSignal: AbortSignal.timeout(15_000),
      }),
    )
    const modified = Date.parse(response.headers.get('last-modified') ?? '')
    return {status: response.status, ...(Number.isNaN(modified) ? {} : {lastModified: modified})}
  } catch {
    return {}
  }
}
