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
}

export const LEVEL_ORDER: Record<LogLevel, number> = {Trace: 0, Debug: 1, Information: 2, Warning: 3, Error: 4, Critical: 5}

export function parseLevel(text: string | undefined): LogLevel | undefined {
  if (!text) return undefined
  const t = text.toLowerCase()
  if (t.startsWith('trace') || t === 'verbose') return 'Trace'
  if (t.startsWith('debug')) return 'Debug'
  if (t.startsWith('info')) return 'Information'
  if (t.startsWith('warn')) return 'Warning'
  if (t.startsWith('err')) return 'Error'
  if (t.startsWith('crit') || t === 'fatal') return 'Critical'
  return undefined
}

const STARTUP = new RegExp([
  'HttpWorker', 'Worker process', 'worker process', 'Worker Channel', 'Language Worker', 'customHandler', 'defaultExecutablePath',
  'Assigning execute permissions', 'host error has occurred during startup', 'functionDispatcher state',
].join('|'))

/** Function name and invocation id as the host writes them: "Executing 'Functions.hello' (… Id=…)". */
export function enrich(event: LogEvent): LogEvent {
  const fn = event.function ?? /'Functions\.([^']+)'/.exec(event.message)?.[1]
  const id = event.invocationId ?? /\bId=([0-9a-f-]{36})/i.exec(event.message)?.[1]
  return {...event, ...(fn ? {function: fn} : {}), ...(id ? {invocationId: id} : {}), ...(STARTUP.test(event.message) ? {startup: true} : {})}
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

export function matches(e: LogEvent, f: LogFilter): boolean {
  if (f.function && e.function?.toLowerCase() !== f.function.toLowerCase()) return false
  if (f.invocation && e.invocationId !== f.invocation) return false
  if (f.level && LEVEL_ORDER[e.level] < LEVEL_ORDER[f.level]) return false
  return true
}
