import type {AzureContext} from '../azure/arm.js'
import {KuduClient} from '../azure/kudu.js'
import {readSettings} from '../azure/settings.js'
import type {SiteInfo} from '../azure/site.js'
import {finding} from '../checks/context.js'
import type {Finding} from '../checks/finding.js'
import {verifyApp} from '../deploy/verify.js'
import type {LogEvent} from '../logs/event.js'
import {queryInsights} from '../logs/insights.js'
import {followStream} from '../logs/stream.js'

interface Pattern {
  test: RegExp
  code: string
  why: (m: RegExpExecArray, line: string) => string
  fix: string
}

/**
 * Host log lines that name a cause, mapped to the codes the local checks use, so the live
 * diagnosis and `chd doctor DIR` speak the same language (host-protocol.md §9, §6.3).
 */
const PATTERNS: Pattern[] = [
  {test: /version `GLIBC_([\d.]+)' not found/, code: 'EXECUTABLE_GLIBC_TOO_NEW', why: (m) => `The handler needs GLIBC_${m[1]}, newer than the platform's C library`, fix: 'Build on an older distribution (Debian 11) or link statically (CGO_ENABLED=0 for Go)'},
  {test: /Permission denied/, code: 'EXECUTABLE_NOT_EXECUTABLE', why: () => 'The host could not execute the handler: Permission denied (no execute bit)', fix: 'chmod +x the executable and redeploy with chd deploy (it keeps modes); zips made on Windows lose the bit'},
  {test: /Exec format error|is not a valid Win32 application/, code: 'EXECUTABLE_WRONG_ARCH', why: () => 'The host could not execute the handler: Exec format error (built for another CPU or OS)', fix: 'Build for the platform: GOOS=linux GOARCH=amd64 (Linux plans) or windows/amd64 (Windows)'},
  {test: /start process '([^']+)'.*No such file or directory/, code: 'EXECUTABLE_NOT_FOUND', why: (m) => `The host found no executable at ${m[1]} (or its #! interpreter is missing)`, fix: 'Check defaultExecutablePath and that the binary is in the package (chd doctor DIR)'},
  {test: /No job functions found/, code: 'NO_FUNCTIONS', why: () => 'The host found no functions, so it never starts the handler', fix: 'Deploy the app folder with <function>/function.json at the root of the package'},
  {test: /Unable to determine the primary function script/, code: 'CUSTOM_HANDLER_MISSING', why: () => 'The host treated the app as a script app: host.json has no customHandler section', fix: 'Add customHandler.description.defaultExecutablePath to host.json'},
  {test: /exited with code (\d+)[^:]*:?\s*(.*)$/, code: 'HANDLER_EXITED', why: (m) => `The handler exited with code ${m[1]}${m[2] ? `: ${m[2]}` : ''}`, fix: 'Run it locally with chd start to see why it exits'},
  {test: /Initializing HttpWorker timed out|Waiting for HttpWorker to be initialized/, code: 'HANDLER_NOT_READY', why: () => 'The handler did not answer GET / on FUNCTIONS_CUSTOMHANDLER_PORT within the host\'s 30 s', fix: 'Listen on the port in FUNCTIONS_CUSTOMHANDLER_PORT on 127.0.0.1 (chd doctor DIR names the port it uses)'},
  {test: /Exceeded http worker restart retry count/, code: 'HANDLER_EXITED', why: () => 'The handler failed three times; the host gave up and shut down', fix: 'Find the first failure above; chd start reproduces the host\'s restarts locally'},
]

/** Turns recent host log lines into findings; the first line per code wins, quoted as evidence. */
export function findingsFromLogs(events: LogEvent[]): Finding[] {
  const out = new Map<string, Finding>()
  for (const e of events) {
    for (const p of PATTERNS) {
      const m = p.test.exec(e.message)
      if (!m || out.has(p.code)) continue
      out.set(p.code, finding(p.code, `${p.why(m, e.message)} (host log ${e.time}: "${e.message.slice(0, 300)}")`, {fix: p.fix}))
      break
    }
  }
  if (out.size === 0) {
    const line = events.find((e) => (e.level === 'Error' || e.level === 'Critical') && e.startup)
    if (line) out.set('HOST_STARTUP_ERROR', finding('HOST_STARTUP_ERROR', `The host logged: "${line.message.slice(0, 300)}" (${line.time})`, {fix: 'chd logs --app NAME --since 1h shows the context'}))
  }
  return [...out.values()]
}

/** Recent host lines: App Insights when the app has it, else what the log stream replays. */
async function recentLogs(ctx: AzureContext, site: SiteInfo, settings: Record<string, string>): Promise<LogEvent[]> {
  if (settings.APPLICATIONINSIGHTS_CONNECTION_STRING || settings.APPINSIGHTS_INSTRUMENTATIONKEY) {
    try {
      return await queryInsights(ctx, settings, site.name, {sinceMs: 60 * 60_000})
    } catch {}
  }
  if (site.linux && (site.plan === 'consumption' || site.plan === 'flex')) return []
  const events: LogEvent[] = []
  const stop = AbortSignal.timeout(3000)
  try {
    for await (const e of followStream(new KuduClient(ctx, site.scmHost), {signal: stop})) events.push(e)
  } catch {}
  return events
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

  const verify = await verifyApp(ctx, site, {showKeys: false, deadline: Date.now() + 6000})
  if (verify.hostState !== 'Running') {
    findings.push(finding('HOST_NOT_RUNNING', `The Functions host of ${site.name} reports ${verify.hostState ?? 'no status'}${verify.hostErrors?.length ? `: ${verify.hostErrors.join(' | ')}` : ''}`, {fix: 'The other findings, read from the host\'s own log lines, name the cause'}))
  }
  findings.push(...findingsFromLogs(await recentLogs(ctx, site, settings)))
  return {findings, settings, hostState: verify.hostState, lastDeployment}
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
