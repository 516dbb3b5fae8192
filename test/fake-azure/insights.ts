import {type HostRecord, innermost} from './logs.js'

/**
 * The Log Analytics query API (POST /v1/{resourceId}/query; @azure/monitor-query-logs) over the
 * sites' telemetry, with the classic Application Insights schema (learn.microsoft.com
 * azure-monitor/app/data-model-complete; azure-webjobs-sdk ApplicationInsightsLogger.cs): a log
 * call becomes a `traces` row; its exception becomes an `exceptions` row with outerMessage,
 * innermostMessage and details. It understands as much KQL as chd sends and refuses the rest,
 * so a query that would not run is not answered as if it had.
 */

type Row = Record<string, unknown>

const SEVERITY = {Trace: 0, Debug: 0, Information: 1, Warning: 2, Error: 3, Critical: 4} as const

function rowsFor(site: string, r: HostRecord): Array<{table: string; row: Row}> {
  const common = {
    timestamp: r.time,
    cloud_RoleName: site,
    operation_Name: r.functionName ?? '',
    severityLevel: SEVERITY[r.level],
    customDimensions: {
      Category: r.category,
      LogLevel: r.level,
      ...(r.invocationId ? {InvocationId: r.invocationId} : {}),
    } as Row,
  }
  const out: Array<{table: string; row: Row}> = [
    {table: 'traces', row: {...common, itemId: r.id, itemType: 'trace', message: r.message}},
  ]
  if (r.exception) {
    const inner = innermost(r.exception)
    const details: Row[] = []
    for (let e: typeof r.exception | undefined = r.exception; e; e = e.inner)
      details.push({type: e.type, message: e.message, parsedStack: []})
    out.push({
      table: 'exceptions',
      row: {
        ...common,
        itemId: `${r.id}-x`,
        itemType: 'exception',
        type: r.exception.type,
        outerType: r.exception.type,
        outerMessage: r.exception.message,
        innermostType: inner.type,
        innermostMessage: inner.message,
        details,
        customDimensions: {...common.customDimensions, FormattedMessage: r.message},
      },
    })
  }
  return out
}

function column(expr: string): {name: string; get: (row: Row) => unknown} {
  const m = /^(?:(\w+)\s*=\s*)?(.+)$/.exec(expr.trim())!
  const body = m[2].trim()
  const dim = /^tostring\(customDimensions\.(\w+)\)$/.exec(body)
  if (dim) return {name: m[1] ?? body, get: (row) => (row.customDimensions as Row)?.[dim[1]] ?? ''}
  if (/^\w+$/.test(body))
    return {
      name: m[1] ?? body,
      get: (row) => (body === 'details' && row.details ? JSON.stringify(row.details) : (row[body] ?? null)),
    }
  throw new Error(`the fake cannot evaluate "${body}"`)
}

export function query(
  kql: string,
  sites: Array<{name: string; records: HostRecord[]}>,
  visibleBefore: number,
): {status: number; body: unknown} {
  const tables =
    /^\s*(?:union\s+)?([\w\s,]+?)\s*$/m
      .exec(kql.split('\n')[0])?.[1]
      .split(',')
      .map((t) => t.trim()) ?? []
  const since = Date.parse(/timestamp > datetime\(([^)]+)\)/.exec(kql)?.[1] ?? '1970-01-01')
  const role = /cloud_RoleName =~ '([^']+)'/.exec(kql)?.[1]?.toLowerCase()
  const project = /\|\s*project\s+([\s\S]+?)(?=\n\s*\||$)/.exec(kql)?.[1]?.replace(/\s+/g, ' ')
  let columns
  try {
    columns = (project ?? 'timestamp, itemId, itemType, message').split(/,(?![^(]*\))/).map(column)
  } catch (error) {
    return {status: 400, body: {error: {code: 'BadArgumentError', message: (error as Error).message}}}
  }
  const rows: Row[] = []
  for (const site of sites) {
    if (role && site.name.toLowerCase() !== role) continue
    for (const r of site.records) {
      const t = Date.parse(r.time)
      if (t <= since || t > visibleBefore) continue
      for (const x of rowsFor(site.name, r)) if (tables.includes(x.table)) rows.push(x.row)
    }
  }
  rows.sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp)))
  return {
    status: 200,
    body: {
      tables: [
        {
          name: 'PrimaryResult',
          columns: columns.map((c) => ({
            name: c.name,
            type: c.name === 'timestamp' ? 'datetime' : c.name === 'severityLevel' ? 'int' : 'string',
          })),
          rows: rows.map((r) => columns.map((c) => c.get(r))),
        },
      ],
    },
  }
}
