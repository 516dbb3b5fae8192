import {randomUUID} from 'node:crypto'

import type {FunctionApp, FunctionDef} from '../app/model.js'
import type {CheckContext} from '../checks/context.js'
import {finding} from '../checks/context.js'
import type {Finding} from '../checks/finding.js'
import {type HostLine, LocalHost, runnableHere} from '../host/index.js'
import type {HttpRequestInput} from '../host/protocol.js'
import {httpRoutes, samplePath} from '../host/routes.js'

export interface ProbeInvocation {
  function: string
  mode: 'payload' | 'forwarded'
  request: string
  status?: number
  ms: number
  ok: boolean
  code?: string
  error?: string
  /** Answers the host accepts but that leave the caller without a response (RESPONSE_OUTPUT_MISSING). */
  warnings?: Array<{code: string; message: string}>
}

export interface ProbeResult {
  ran: boolean
  skipped?: string
  ready?: boolean
  startupMs?: number
  timeoutMs?: number
  port?: number
  command?: string
  invocations: ProbeInvocation[]
  output: HostLine[]
}

/** A sample trigger value per binding type, as the host would pass it. */
function sampleValue(type: string): unknown {
  switch (type.toLowerCase()) {
    case 'timertrigger':
      return {Schedule: {AdjustForDST: true}, ScheduleStatus: null, IsPastDue: false}
    case 'blobtrigger':
      return Buffer.from('chd doctor test blob')
    default:
      return 'chd doctor test message'
  }
}

/**
 * Starts the handler as the host would and sends one mock invocation per function. Findings use
 * the same codes the remote diagnosis will use, so a local failure reads like the live one.
 */
export async function runProbe(
  app: FunctionApp,
  root: string,
  context: CheckContext,
  options: {startupTimeoutMs?: number},
): Promise<{probe: ProbeResult; findings: Finding[]}> {
  const probe: ProbeResult = {ran: false, invocations: [], output: []}
  const skip = (reason: string, quiet = false) => ({
    probe: {...probe, skipped: reason},
    findings: quiet ? [] : [finding('PROBE_SKIPPED', `Startup probe skipped: ${reason}`)],
  })
  if (app.source.kind !== 'folder') return skip('it starts the handler from an app folder, not from a package')
  const localOs = process.platform === 'win32' ? 'windows' : 'linux'
  if (context.target.os !== localOs && process.platform !== 'darwin')
    return skip(`the target is ${context.target.name} and this machine runs ${process.platform}`)
  const exe = context.exe
  if (exe.kind === 'empty' || exe.kind === 'missing' || !app.customHandler?.hasDescription)
    return skip('there is no executable to start', true)
  if (app.functions.length === 0) return skip('the host starts no handler for an app without functions', true)
  const runnable = runnableHere(context.exeInfo)
  if (!runnable.ok && !runnable.formatError) return skip(`${runnable.reason}; the static checks above still apply`)

  const host = new LocalHost(app, root, {
    startupTimeoutMs: options.startupTimeoutMs,
    onLine: (l) => probe.output.push(l),
  })
  const findings: Finding[] = []
  try {
    const report = await host.start(context.exeInfo)
    Object.assign(probe, {
      ran: true,
      ready: report.ok,
      startupMs: report.ms,
      timeoutMs: report.timeoutMs,
      port: report.port,
      command: report.command,
    })
    if (!report.ok) {
      findings.push(finding(report.failure!.code, report.failure!.message, {fix: report.failure!.fix}))
      return {probe, findings}
    }
    if (report.slow) {
      findings.push(
        finding(
          'HANDLER_SLOW_START',
          `The handler took ${report.ms} ms to answer GET /, more than half the ` +
            `host's ${report.timeoutMs} ms window: a cold start on a busy worker may miss it`,
          {fix: 'Start listening before slow initialisation (load data lazily after the server is up)'},
        ),
      )
    }
    const routes = httpRoutes(app)
    for (const fn of app.functions) {
      if (fn.doc.error || fn.bindings.length === 0) continue
      const inv = await invokeOnce(
        host,
        fn,
        routes.find((r) => r.fn === fn),
      )
      probe.invocations.push(inv)
      if (!inv.ok)
        findings.push(
          finding(inv.code ?? 'INVOCATION_FAILED', `${fn.name}: ${inv.error}`, {file: fn.path, fix: fixFor(inv.code)}),
        )
      // Forwarded answers are relayed verbatim (no success check), so a 404 here is what every caller gets.
      if (inv.mode === 'forwarded' && (inv.status === 404 || inv.status === 405)) {
        findings.push(
          finding(
            'ROUTE_NOT_SERVED',
            `${fn.name}: ${inv.request} was forwarded to the handler, which answered ${inv.status}: it ` +
              `serves no such route, so callers get ${inv.status} too`,
            {
              file: fn.path,
              fix:
                'Serve the original path, route prefix included (/api/… unless host.json ' +
                'extensions.http.routePrefix says otherwise), or turn forwarding off and handle POST ' +
                '/<function>',
            },
          ),
        )
      }
      for (const w of inv.warnings ?? [])
        findings.push(finding(w.code, `${fn.name}: ${w.message}`, {file: fn.path, fix: fixFor(w.code)}))
    }
  } finally {
    await host.stop()
  }
  return {probe, findings}
}

function fixFor(code: string | undefined): string {
  switch (code) {
    case 'RESPONSE_NOT_JSON':
      return (
        'Answer with Content-Type: application/json and a body of {"Outputs": {...}, "Logs": [...], ' +
        '"ReturnValue": ...}'
      )
    case 'RESPONSE_OUTPUT_MISSING':
      return (
        'Answer with "Outputs": {"<http output name>": {"statusCode": 200, "body": …}} (names are ' +
        'case-sensitive), or ReturnValue with a "$return" http binding'
      )
    default:
      return (
        'Answer POST /<function> with 2xx and a JSON body; log failures to stdout too, since the host drops ' +
        'Logs of non-2xx answers'
      )
  }
}

async function invokeOnce(
  host: LocalHost,
  fn: FunctionDef,
  route: ReturnType<typeof httpRoutes>[number] | undefined,
): Promise<ProbeInvocation> {
  const forwarding = host.forwards(fn)
  // The plain path when forwarded: a handler may match the URL exactly, query string and all.
  const http: HttpRequestInput | undefined = route
    ? {
        method: route.methods?.[0] ?? 'GET',
        url: forwarding ? samplePath(route) : `${samplePath(route)}?name=chd`,
        headers: {host: 'localhost:7071', 'user-agent': 'chd-doctor'},
      }
    : undefined
  if (http && forwarding) {
    const start = Date.now()
    try {
      const raw = await host.forward(http, randomUUID(), forwarding, 30_000)
      return {
        function: fn.name,
        mode: 'forwarded',
        request: `${http.method} ${http.url}`,
        status: raw.status,
        ms: Date.now() - start,
        ok: true,
      }
    } catch (error) {
      return {
        function: fn.name,
        mode: 'forwarded',
        request: `${http.method} ${http.url}`,
        ms: Date.now() - start,
        ok: false,
        code: 'INVOCATION_FAILED',
        error: (error as Error).message,
      }
    }
  }
  const trigger = fn.bindings.find((b) => b.direction === 'in')
  const {raw, result, ms} = await host.invoke(fn, http ? {http} : {value: sampleValue(trigger?.type ?? '')}, 30_000)
  return {
    function: fn.name,
    mode: 'payload',
    request: `POST /${fn.name}`,
    status: raw?.status,
    ms,
    ok: result.ok,
    code: result.code,
    error: result.error,
    ...(result.warnings.length > 0 ? {warnings: result.warnings} : {}),
  }
}
