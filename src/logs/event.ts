export type LogLevel = 'Trace' | 'Debug' | 'Information' | 'Warning' | 'Error' | 'Critical'

/** One log line, whichever source it came from. */
export interface LogEvent {
  time: string
  level: LogLevel
  function?: string
  invocationId?: string
  message: string
  source: 'stream' | 'insights'
  /** A line about the custom handler's startup (worker process, HttpWorker). */
  startup?: boolean
  /** The line as the handler wrote it, when it was a structured (JSON) log line: level and message come from it. */
  raw?: string
}

export const LEVEL_ORDER: Record<LogLevel, number> = {
  Trace: 0,
  Debug: 1,
  Information: 2,
  Warning: 3,
  Error: 4,
  Critical: 5,
}

/**
 * A level's name as loggers spell it: .NET's and most libraries' names, Go's zap (dpanic, panic),
 * log15's four-letter ones (dbug, eror, crit), slog's offsets (ERROR+2), syslog's and Google
 * Cloud's severities (notice, alert, emergency), java.util.logging's (severe, fine).
 */
export function parseLevel(text: string | undefined): LogLevel | undefined {
  if (!text) return undefined
  const t = text.trim().toLowerCase()
  if (t.startsWith('trace') || t === 'verbose' || t === 'finest' || t === 'finer') return 'Trace'
  if (t.startsWith('debug') || t === 'dbug' || t === 'fine') return 'Debug'
  if (t.startsWith('info') || t === 'notice') return 'Information'
  if (t.startsWith('warn')) return 'Warning'
  if (t.startsWith('err') || t === 'eror' || t === 'severe') return 'Error'
  if (/^(crit|fatal|d?panic|alert|emerg)/.test(t)) return 'Critical'
  return undefined
}

/** pino's and bunyan's numbers: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
function numericLevel(n: number): LogLevel | undefined {
  const levels: LogLevel[] = ['Trace', 'Debug', 'Information', 'Warning', 'Error', 'Critical']
  return n >= 10 ? levels[Math.min(5, Math.floor(n / 10) - 1)] : undefined
}

const LEVEL_KEYS = ['level', 'severity', 'lvl', 'levelname', 'loglevel', 'log.level', '@l']
const MESSAGE_KEYS = ['msg', 'message', '@m']
/** Said by the line's own time and level, or noise in a terminal: kept in `raw` only. */
const QUIET_KEYS = new Set([
  'time',
  'ts',
  'timestamp',
  't',
  '@t',
  '@timestamp',
  'asctime',
  'pid',
  'hostname',
  'v',
  '@mt',
  '@i',
  '@r',
  'fields',
])

const HOLE = /\{[@$]?(\w+)(?:[,:][^}]*)?\}/g

/** Serilog's message template ("Disk {Disk} is low") with the event's own properties. */
function render(template: string, props: Record<string, unknown>): string {
  return template.replaceAll(HOLE, (m, name: string) => (name in props ? text(props[name]) : m))
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/**
 * A handler's structured log line (pino, bunyan, winston, zap, zerolog, logrus, slog, Serilog
 * CLEF, python-json-logger, log15, tracing, Google Cloud's `severity`) as its own level and
 * message, the other fields after it as key=value; the line itself stays in `raw`. The host logs
 * a handler's stdout as Information and its stderr as Error whatever the line says (host#6608).
 * Anything that is not a JSON object with a level or a message is left as it is.
 */
export function structured(event: LogEvent): LogEvent {
  const line = event.message.trim()
  if (event.raw !== undefined || !line.startsWith('{') || !line.endsWith('}')) return event
  let doc: unknown
  try {
    doc = JSON.parse(line)
  } catch {
    return event
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return event
  const obj = doc as Record<string, unknown>
  const keys = new Map(Object.keys(obj).map((k) => [k.toLowerCase(), k]))
  const pick = (names: string[]) => names.map((n) => keys.get(n)).find((k) => k !== undefined && obj[k] !== null)
  const levelKey = pick(LEVEL_KEYS)
  const fields = obj.fields && typeof obj.fields === 'object' ? (obj.fields as Record<string, unknown>) : {}
  const messageKey = pick(MESSAGE_KEYS)
  let message = messageKey === undefined ? undefined : text(obj[messageKey])
  // tracing-subscriber's JSON puts the message under fields; Serilog's compact JSON may send only the template.
  message ??= typeof fields.message === 'string' ? fields.message : undefined
  message ??= typeof obj['@mt'] === 'string' ? render(obj['@mt'], obj) : undefined
  if (levelKey === undefined && message === undefined) return event
  const value = levelKey === undefined ? undefined : obj[levelKey]
  // Serilog's compact JSON leaves @l out for Information.
  const level =
    typeof value === 'number'
      ? numericLevel(value)
      : (parseLevel(String(value ?? '')) ?? ('@t' in obj && levelKey === undefined ? 'Information' : undefined))
  const rest = {...Object.fromEntries(Object.entries(fields).filter(([k]) => k !== 'message')), ...obj}
  // A property the template put into the message is said already.
  const template = messageKey === undefined && typeof obj['@mt'] === 'string' ? obj['@mt'] : ''
  const said = new Set([...template.matchAll(HOLE)].map((m) => m[1]))
  const extras = Object.entries(rest)
    .filter(([k]) => k !== levelKey && k !== messageKey && !said.has(k) && !QUIET_KEYS.has(k.toLowerCase()))
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/[\s"]/.test(v) ? v : JSON.stringify(v)}`)
  return {
    ...event,
    level: level ?? event.level,
    message: [message ?? '', ...extras].filter(Boolean).join(' '),
    raw: event.message,
  }
}

const STARTUP = new RegExp(
  [
    'HttpWorker',
    'Worker process',
    'worker process',
    'Worker Channel',
    'Language Worker',
    'customHandler',
    'defaultExecutablePath',
    'Assigning execute permissions',
    'host error has occurred during startup',
    'functionDispatcher state',
  ].join('|'),
)

/** Function name and invocation id as the host writes them: "Executing 'Functions.hello' (… Id=…)". */
export function enrich(event: LogEvent): LogEvent {
  const fn = event.function ?? /'Functions\.([^']+)'/.exec(event.message)?.[1]
  const id = event.invocationId ?? /\bId=([0-9a-f-]{36})/i.exec(event.message)?.[1]
  return {
    ...event,
    ...(fn ? {function: fn} : {}),
    ...(id ? {invocationId: id} : {}),
    ...(STARTUP.test(event.message) ? {startup: true} : {}),
  }
}

/** The host's answer to a status request ("Host Status: {…}"): chd's own debug-mode pings cause them; no news. */
export function isStatusEcho(message: string): boolean {
  return /^Host Status: \{/.test(message)
}

export interface LogFilter {
  function?: string
  invocation?: string
  level?: LogLevel
}

export function matches(event: LogEvent, filter: LogFilter): boolean {
  if (filter.function && event.function?.toLowerCase() !== filter.function.toLowerCase()) return false
  if (filter.invocation && event.invocationId !== filter.invocation) return false
  if (filter.level && LEVEL_ORDER[event.level] < LEVEL_ORDER[filter.level]) return false
  return true
}
