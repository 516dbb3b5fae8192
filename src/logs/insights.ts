import {setTimeout as sleep} from 'node:timers/promises'

import {armRequest, type AzureContext} from '../azure/arm.js'
import {azureError} from '../azure/errors.js'
import {ChdError, ExitCode} from '../errors.js'
import {enrich, isStatusEcho, type LogEvent, type LogLevel, structured} from './event.js'

const SEVERITY: LogLevel[] = ['Trace', 'Information', 'Warning', 'Error', 'Critical']

/** "30m", "2h", "1d", "90s" → milliseconds. */
export function parseSince(text: string): number {
  const m = /^(\d+)\s*(s|m|h|d)$/i.exec(text.trim())
  if (!m)
    throw new ChdError('INVALID_SINCE', `--since "${text}" is not a duration like 30m, 2h or 1d`, {
      exit: ExitCode.usage,
    })
  return Number(m[1]) * {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}[m[2].toLowerCase() as 's' | 'm' | 'h' | 'd']
}

function instrumentationKey(settings: Record<string, string>): string {
  const cs = settings.APPLICATIONINSIGHTS_CONNECTION_STRING
  const key = cs ? /InstrumentationKey=([^;]+)/i.exec(cs)?.[1] : settings.APPINSIGHTS_INSTRUMENTATIONKEY
  if (!key) {
    throw new ChdError(
      'INSIGHTS_MISSING',
      'The app has no APPLICATIONINSIGHTS_CONNECTION_STRING setting, so there is nowhere to read its logs from',
      {
        exit: ExitCode.failed,
        suggestions: [
          'Connect an Application Insights resource to the app (portal: Settings > Application Insights), ' +
            'which sets APPLICATIONINSIGHTS_CONNECTION_STRING',
        ],
      },
    )
  }
  return key.trim()
}

/** The Application Insights resource id for an instrumentation key, from ARM. */
async function componentId(ctx: AzureContext, key: string): Promise<string> {
  let url: string | undefined =
    `/subscriptions/${ctx.subscriptionId}/providers/Microsoft.Insights/components?api-version=2020-02-02`
  while (url) {
    const doc = (await armRequest(ctx, 'GET', url, 'listing Application Insights resources')) as {
      value?: Array<{id: string; properties?: {InstrumentationKey?: string}}>
      nextLink?: string
    }
    const hit = doc.value?.find((c) => c.properties?.InstrumentationKey?.toLowerCase() === key.toLowerCase())
    if (hit) return hit.id
    url = doc.nextLink
  }
  throw new ChdError(
    'INSIGHTS_NOT_FOUND',
    `No Application Insights resource with the app's instrumentation key in subscription ${ctx.subscriptionId}`,
    {exit: ExitCode.notFound, suggestions: ['The resource may be in another subscription: pass --subscription']},
  )
}

/**
 * traces, requests and exceptions of one app since a time. An exception row holds the text that
 * names the cause (outerMessage, innermostMessage: "… exited with code 1", "Exec format error");
 * the host's generic line ("Language Worker Process exited") is the matching trace.
 */
function kql(app: string, since: Date): string {
  return [
    'union traces, requests, exceptions',
    `| where timestamp > datetime(${since.toISOString()})`,
    `| where cloud_RoleName =~ '${app.replaceAll("'", "\\'")}'`,
    '| project timestamp, itemId, itemType, message, name, resultCode, outerMessage, innermostMessage, severityLevel,',
    '  operation_Name, InvocationId = tostring(customDimensions.InvocationId)',
    '| order by timestamp asc',
  ].join('\n')
}

interface Row {
  itemId: string
  event: LogEvent
}

type Cell = (name: string) => unknown

/** An exceptions row as one line: the outer message, and the innermost one when it says more. */
function messageOf(cell: Cell): string {
  if (cell('itemType') === 'exception') {
    const outer = String(cell('outerMessage') ?? '')
    const inner = String(cell('innermostMessage') ?? '')
    return inner && inner !== outer ? `${outer} ---> ${inner}` : outer
  }
  if (cell('itemType') === 'request') return `${String(cell('name') ?? '')} ${String(cell('resultCode') ?? '')}`.trim()
  return String(cell('message') ?? '')
}

async function runQuery(ctx: AzureContext, resourceId: string, app: string, since: Date): Promise<Row[]> {
  const {LogsQueryClient} = await import('@azure/monitor-query-logs')
  const client = new LogsQueryClient(ctx.credential, {
    endpoint: ctx.cloud.logsEndpoint,
    credentials: {scopes: [ctx.cloud.logsScope]},
    ...(ctx.ca ? {tlsOptions: {ca: ctx.ca}} : {}),
  })
  let result
  try {
    // A resource id with a leading slash doubles it in the URL template.
    result = await client.queryResource(resourceId.replace(/^\//, ''), kql(app, since), {
      startTime: since,
      endTime: new Date(Date.now() + 60_000),
    })
  } catch (error) {
    throw azureError(error, 'querying Application Insights')
  }
  const table =
    (result as {tables?: Array<{columnDescriptors: Array<{name?: string}>; rows: unknown[][]}>}).tables?.[0] ??
    (result as {partialTables?: Array<{columnDescriptors: Array<{name?: string}>; rows: unknown[][]}>})
      .partialTables?.[0]
  if (!table) return []
  const index = new Map(table.columnDescriptors.map((c, i) => [c.name ?? '', i]))
  return table.rows.flatMap((r) => {
    const cell: Cell = (name) => (index.has(name) ? r[index.get(name)!] : undefined)
    const t = cell('timestamp')
    const time = t instanceof Date ? t.toISOString() : String(t)
    const level =
      cell('itemType') === 'exception' ? 'Error' : (SEVERITY[Number(cell('severityLevel') ?? 1)] ?? 'Information')
    const message = messageOf(cell)
    if (isStatusEcho(message)) return []
    const fn = cell('operation_Name')
    const inv = cell('InvocationId')
    return [
      {
        itemId: String(cell('itemId') ?? `${time}|${message}`),
        event: structured(
          enrich({
            time,
            level,
            message,
            source: 'insights',
            ...(fn ? {function: String(fn)} : {}),
            ...(inv ? {invocationId: String(inv)} : {}),
          }),
        ),
      },
    ]
  })
}

async function target(ctx: AzureContext, settings: Record<string, string>) {
  return componentId(ctx, instrumentationKey(settings))
}

export async function queryInsights(
  ctx: AzureContext,
  settings: Record<string, string>,
  app: string,
  options: {sinceMs: number},
): Promise<LogEvent[]> {
  const id = await target(ctx, settings)
  return (await runQuery(ctx, id, app, new Date(Date.now() - options.sinceMs))).map((r) => r.event)
}

/**
 * Polls with a window that overlaps the last one (rows are ingested late and out of order),
 * drops rows already shown by itemId, and yields in time order.
 */
export async function* followInsights(
  ctx: AzureContext,
  settings: Record<string, string>,
  app: string,
  options: {sinceMs: number; signal?: AbortSignal},
): AsyncGenerator<LogEvent> {
  const id = await target(ctx, settings)
  const pollMs = ctx.insightsPollMs ?? 10_000
  const overlapMs = 5 * 60_000
  const seen = new Set<string>()
  let since = new Date(Date.now() - options.sinceMs)
  while (!options.signal?.aborted) {
    const rows = await runQuery(ctx, id, app, since)
    for (const r of rows) {
      if (seen.has(r.itemId)) continue
      seen.add(r.itemId)
      yield r.event
    }
    const newest = rows.at(-1)?.event.time
    if (newest) since = new Date(Math.max(since.getTime(), Date.parse(newest) - overlapMs))
    try {
      await sleep(pollMs, undefined, {signal: options.signal})
    } catch {
      return
    }
  }
}
