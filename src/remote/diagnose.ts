import type {AzureContext} from '../azure/arm.js'
import {HostAdmin} from '../azure/functions-host.js'
import {KuduClient} from '../azure/kudu.js'
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
  /** The host's generic message: a line naming the cause (its exception) replaces it. */
  generic?: boolean
}

const NOT_FOUND_FIX = 'Check defaultExecutablePath and that the binary is in the package (chd doctor DIR)'

/**
 * Host log lines that name a cause, mapped to the codes the local checks use, so the live
 * diagnosis, deploy's verify and `chd doctor DIR` speak the same language. The specific texts
 * live in the exception the host attaches to a generic message (a continuation line in the file
 * log, the exceptions table in App Insights), so they come first; the generic ones catch the rest
 * (docs/host-protocol.md §14).
 */
const EXIT_FIX = 'Run it locally with chd start to see why it exits'
export const PATTERNS: LogPattern[] = [
  {
    test: /version `GLIBC_([\d.]+)' not found/, code: 'EXECUTABLE_GLIBC_TOO_NEW',
    why: (m) => `The handler needs GLIBC_${m[1]}, newer than the platform's C library`,
    fix: 'Build on an older distribution (Debian 11) or link statically (CGO_ENABLED=0 for Go)',
  },
  {
    test: /Permission denied/, code: 'EXECUTABLE_NOT_EXECUTABLE', final: true,
    why: () => 'The host could not execute the handler: Permission denied (no execute bit)',
    fix: 'chmod +x the executable and redeploy with chd deploy (it keeps modes); zips made on Windows lose the bit',
  },
  {
    test: /Exec format error|is not a valid Win32 application|not a valid application for this OS platform/,
    code: 'EXECUTABLE_WRONG_ARCH', final: true,
    why: () => 'The host could not execute the handler: it is built for another CPU or OS',
    fix: 'Build for the platform: GOOS=linux GOARCH=amd64 (Linux plans) or windows/amd64 (Windows)',
  },
  {
    test: /start process '([^']+)'[^\n]*(?:No such file or directory|cannot find the file specified)/,
    code: 'EXECUTABLE_NOT_FOUND', final: true,
    why: (m) => `The host found no executable at ${m[1]} (or its #! interpreter is missing)`, fix: NOT_FOUND_FIX,
  },
  {
    test: /Failed to start Worker Channel\. Process fileName: (.*)/,
    code: 'HANDLER_START_FAILED', final: true, generic: true,
    why: (m) => `The host could not start the handler ${m[1].split('\n')[0]}`, fix: NOT_FOUND_FIX,
  },
  {
    test: /No job functions found/, code: 'NO_FUNCTIONS', final: true,
    why: () => 'The host found no functions, so it never starts the handler',
    fix: 'Deploy the app folder with <function>/function.json at the root of the package',
  },
  {
    test: /Unable to determine the primary function script|Did not find functions with language \[custom\]/,
    code: 'CUSTOM_HANDLER_MISSING', final: true,
    why: () => 'The host treated the app as a script app: host.json has no customHandler section',
    fix: 'Add customHandler.description.defaultExecutablePath to host.json',
  },
  {
    // The exception: "<file> exited with code N (0xN)", then its inner one, the last stderr lines.
    test: /exited with code (-?\d+)(?: \(0x[0-9A-F]+\))?(?:\s*---> (?:System\.Exception : )?([^\n]+))?/,
    code: 'HANDLER_EXITED',
    why: (m) => `The handler exited with code ${m[1]}${m[2] ? `: ${m[2].trim()}` : ''}`, fix: EXIT_FIX,
  },
  {test: /Language Worker Process exited\./, code: 'HANDLER_EXITED', generic: true, why: () => 'The handler exited',
    fix: EXIT_FIX},
  {
    test: /Initializing HttpWorker timed out|Failed to start http worker process|Waiting for HttpWorker to be init/,
    code: 'HANDLER_NOT_READY',
    why: () => 'The handler did not answer GET / on FUNCTIONS_CUSTOMHANDLER_PORT within the host\'s initialization '
      + 'timeout (30 s)',
    fix: 'Listen on the port in FUNCTIONS_CUSTOMHANDLER_PORT on 127.0.0.1 (chd doctor DIR names the port it uses)',
  },
  {
    test: /Final functionDispatcher state: Initializing/, code: 'HANDLER_START_FAILED', final: true,
    why: () => 'The handler never started; the host waited for it, then shut down', fix: NOT_FOUND_FIX,
  },
  {
    test: /Final functionDispatcher state: (\w+)/, code: 'HANDLER_NOT_READY', final: true,
    why: (m) => `The handler was never ready (${m[1]}); the host waited for it, then shut down`,
    fix: 'chd doctor DIR starts it as the host does',
  },
  {
    test: /Exceeded http worker restart retry count/, code: 'HANDLER_EXITED', final: true,
    why: () => 'The handler failed three times; the host gave up and shut down (the platform starts it again)',
    fix: 'Find the first failure above; chd start reproduces the host\'s restarts locally',
  },
]

/**
 * The code one host log record names (its message with any exception text joined on), read as
 * judgeLogs reads each record: the first pattern that matches decides. Empty when none does.
 */
export function matchLine(message: string): string[] {
  const p = PATTERNS.find((x) => x.test.test(message))
  return p ? [p.code] : []
}

/** The host's proof the handler answered its readiness probe (Information, HttpFunctionInvocationDispatcher). */
export const WORKER_STARTED = /^Worker process started and initialized\./

function quote(e: LogEvent): string {
  return `(host log ${e.time}: "${e.message.replaceAll('\n', ' ').replaceAll(/\s+/g, ' ').slice(0, 300)}")`
}

/** Turns host log lines into findings; the first line per code wins, quoted as evidence. */
export function findingsFromLogs(events: LogEvent[]): Finding[] {
  return judgeLogs(events).findings
}

/**
 * What the host's lines say about the handler's start: started (the success line, after any
 * failure), the findings they name, and whether the host has given up (a line no restart follows).
 */
export function judgeLogs(events: LogEvent[]): {started?: LogEvent; findings: Finding[]; final: boolean} {
  return judgeRun(latestRun(events))
}

/** "Initializing Host. OperationId: …" (WebJobsScriptHostService) begins each host start. */
const HOST_START = /^Initializing Host\./

/**
 * The lines of the newest host start that says anything about the handler: older starts ran
 * other content, and a start that has not reached the handler yet has nothing to tell.
 */
function latestRun(events: LogEvent[]): LogEvent[] {
  const runs: LogEvent[][] = [[]]
  for (const e of events) {
    if (HOST_START.test(e.message)) runs.push([])
    runs.at(-1)!.push(e)
  }
  const telling = (e: LogEvent) => WORKER_STARTED.test(e.message) || PATTERNS.some((p) => p.test.test(e.message))
  return [...runs].reverse().find((run) => run.some(telling)) ?? events
}

function judgeRun(events: LogEvent[]): {started?: LogEvent; findings: Finding[]; final: boolean} {
  const out = new Map<string, {finding: Finding; generic: boolean}>()
  let started: LogEvent | undefined
  let final = false
  for (const e of events) {
    if (WORKER_STARTED.test(e.message) && e.level === 'Information') {
      started = e
      final = false
      continue
    }
    for (const p of PATTERNS) {
      const m = p.test.exec(e.message)
      if (!m) continue
      const seen = out.get(p.code)
      if (!seen || (seen.generic && !p.generic)) {
        out.set(p.code, {finding: finding(p.code, `${p.why(m)} ${quote(e)}`, {fix: p.fix}), generic: Boolean(p.generic)})
      }
      final ||= Boolean(p.final)
      started = undefined
      break
    }
  }
  // A cause the checks name (EXECUTABLE_*, NO_FUNCTIONS …) comes first; the host's generic
  // "could not start" goes when such a cause explains it.
  const causes = [...out.values()].filter((x) => !x.finding.code.startsWith('HANDLER_')).map((x) => x.finding)
  const explained = (x: {finding: Finding; generic: boolean}) => x.generic && x.finding.code === 'HANDLER_START_FAILED' && causes.length > 0
  const handler = [...out.values()].filter((x) => x.finding.code.startsWith('HANDLER_') && !explained(x)).map((x) => x.finding)
  const findings = [...causes, ...handler]
  if (findings.length === 0) {
    const line = events.find((e) => (e.level === 'Error' || e.level === 'Critical') && e.startup)
    if (line) {
      findings.push(finding('HOST_STARTUP_ERROR', `The host logged: "${line.message.slice(0, 300)}" (${line.time})`, {
        fix: 'chd logs --app NAME --since 1h shows the context',
      }))
    }
  }
  return {...(started ? {started} : {}), findings, final}
}

/**
 * Recent host lines: App Insights when the app has it, else what the log stream shows in a few
 * seconds. The stream's files exist only in debug mode, which the caller has just switched on
 * with its host status request, so it may well be empty: the caller says so.
 */
async function recentLogs(ctx: AzureContext, site: SiteInfo, settings: Record<string, string>): Promise<{events: LogEvent[]; source: LogSource}> {
  if (hasInsights(settings)) {
    try {
      return {events: await queryInsights(ctx, settings, roleName(site, settings), {sinceMs: 60 * 60_000}), source: 'insights'}
    } catch {}
  }
  if (!hasStream(site)) return {events: [], source: 'none'}
  const events: LogEvent[] = []
  const stop = AbortSignal.timeout(3000)
  try {
    for await (const e of followStream(new KuduClient(ctx, site.scmHost), {signal: stop})) events.push(e)
  } catch {}
  return {events, source: 'stream'}
}

export interface RemoteDiagnosis {
  findings: Finding[]
  /** The live app settings, to judge the local folder against what Azure really has. */
  settings: Record<string, string>
  hostState?: string
  lastDeployment?: {id: string; status: number}
}

export async function diagnoseRemote(ctx: AzureContext, site: SiteInfo): Promise<RemoteDiagnosis> {
  const findings: Finding[] = []
  const settings = await readSettings(ctx, site)

  const runtime = site.plan === 'flex' ? site.flexRuntime : settings.FUNCTIONS_WORKER_RUNTIME
  if ((runtime ?? '').toLowerCase() !== 'custom') {
    findings.push(finding('REMOTE_WORKER_RUNTIME', site.plan === 'flex'
      ? `The Flex app's runtime is "${runtime ?? '(unset)'}"; the host still runs the custom handler (host.json decides), but on the ${runtime ?? 'default'} image, which helps only if it supplies the handler's interpreter`
      : `FUNCTIONS_WORKER_RUNTIME is "${runtime ?? '(unset)'}" on ${site.name}; a custom handler app runs with "custom" unless that stack's image supplies the handler's interpreter`, {
      fix: `chd deploy sets it; or chd settings set --app ${site.name} FUNCTIONS_WORKER_RUNTIME=custom`,
    }))
  }
  if (!settings.AzureWebJobsStorage && !settings.AzureWebJobsStorage__accountName) {
    findings.push(finding('REMOTE_STORAGE_MISSING', `${site.name} has no AzureWebJobsStorage setting`, {
      severity: site.plan === 'dedicated' ? 'warning' : 'error',
      fix: `chd settings set --app ${site.name} AzureWebJobsStorage="<connection string>" (or AzureWebJobsStorage__accountName with a managed identity)`,
    }))
  }
  const rfp = settings.WEBSITE_RUN_FROM_PACKAGE
  if (rfp && /^https?:/i.test(rfp)) {
    const status = await probeUrl(ctx, rfp)
    if (status !== 200 && status !== 206) {
      findings.push(finding('RUN_FROM_PACKAGE_STALE', `WEBSITE_RUN_FROM_PACKAGE points at a package that answers ${status ?? 'nothing'} (${redactSas(rfp)}): the app has no code to run`, {fix: `Redeploy with chd deploy --app ${site.name} (it uploads a new package and a fresh URL)`}))
    }
  }

  const kudu = new KuduClient(ctx, site.scmHost)
  let lastDeployment: RemoteDiagnosis['lastDeployment']
  if (!(site.plan === 'consumption' && site.linux)) {
    const r = await kudu.send('GET', '/api/deployments')
    if (r.status === 200) {
      const last = (JSON.parse(r.bodyAsText || '[]') as Array<{id: string; status: number; status_text?: string}>)[0]
      if (last) {
        lastDeployment = {id: last.id, status: last.status}
        if (last.status === 3) {
          const log = await kudu.deploymentLog(last.id)
          const lines = log.filter((e) => e.type === 2).map((e) => e.message)
          findings.push(finding('LAST_DEPLOYMENT_FAILED', `The last deployment (${last.id}) failed${last.status_text ? `: ${last.status_text}` : ''}${lines.length ? `; Kudu logged: ${lines.slice(-5).join(' | ')}` : ''}`, {fix: 'Fix the cause and deploy again (chd deploy prints the whole log on failure)'}))
        }
      }
    }
  }

  const admin = await HostAdmin.connect(ctx, site)
  let status = await admin.status()
  // A host restarting (after a settings change, or after giving up on the handler) answers 503 a moment.
  for (let i = 0; i < 3 && !status; i++) {
    await new Promise((r) => setTimeout(r, 2000))
    status = await admin.status()
  }
  if (status?.state !== 'Running') {
    const errors = status?.errors?.length ? `: ${status.errors.join(' | ')}` : ''
    findings.push(finding('HOST_NOT_RUNNING', `The Functions host of ${site.name} reports ${status?.state ?? 'no status'}${errors}`, {
      fix: 'The other findings, read from the host\'s own log lines, name the cause',
    }))
  }
  // "Running" says nothing about the handler (the host starts it fire-and-forget): the lines do.
  const logs = await recentLogs(ctx, site, settings)
  const verdict = judgeLogs(logs.events)
  findings.push(...verdict.findings)
  if (!verdict.started && verdict.findings.length === 0 && status?.state === 'Running') {
    const why = logs.source === 'none'
      ? 'the app has no App Insights and its plan no log stream'
      : logs.source === 'stream'
        ? 'the log stream showed no startup line: the host writes its file log only in debug mode, which chd has '
          + 'just switched on (for 15 minutes)'
        : 'App Insights has no startup line from the last hour'
    findings.push(finding('HANDLER_START_UNCONFIRMED', `The host is Running, but nothing shows the handler started or failed: ${why}`, {
      fix: `Call a function (chd deploy --smoke /api/<route> does), or follow the next start: chd logs --app ${site.name} -f`,
    }))
  }
  return {findings, settings, hostState: status?.state, lastDeployment}
}

function redactSas(url: string): string {
  return url.replace(/\?.*$/, '?<sas>')
}

async function probeUrl(ctx: AzureContext, url: string): Promise<number | undefined> {
  const sdk = await import('@azure/core-rest-pipeline')
  const pipeline = sdk.createPipelineFromOptions({retryOptions: {maxRetries: 1}, ...(ctx.ca ? {tlsOptions: {ca: ctx.ca}} : {})})
  try {
    const r = await pipeline.sendRequest(sdk.createDefaultHttpClient(), sdk.createPipelineRequest({url, method: 'GET', headers: sdk.createHttpHeaders({range: 'bytes=0-0'}), abortSignal: AbortSignal.timeout(15_000)}))
    return r.status
  } catch {
    return undefined
  }
}
