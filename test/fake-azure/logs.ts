import {randomUUID} from 'node:crypto'

export type Level = 'Trace' | 'Debug' | 'Information' | 'Warning' | 'Error' | 'Critical'

/** An exception as .NET chains them: the outer one and what it wraps. */
export interface ExceptionInfo {
  type: string
  message: string
  inner?: ExceptionInfo
}

/** One ILogger call in the host: the generic message, and the exception attached to it, apart. */
export interface HostRecord {
  id: string
  time: string
  level: Level
  category: string
  message: string
  exception?: ExceptionInfo
  functionName?: string
  invocationId?: string
}

const LEVELS: Level[] = ['Trace', 'Debug', 'Information', 'Warning', 'Error', 'Critical']

/** "Type : message ---> Inner : message" with a stack line, as the WebJobs ExceptionFormatter lays it out. */
export function formatException(e: ExceptionInfo): string[] {
  const lines = [`${e.type} : ${e.message}`]
  for (let inner = e.inner; inner; inner = inner.inner) lines.push(` ---> ${inner.type} : ${inner.message}`)
  if (e.inner) lines.push('   --- End of inner exception stack trace ---')
  lines.push('   at Microsoft.Azure.WebJobs.Script.Workers.WorkerProcess.StartProcessAsync()')
  return lines
}

export function innermost(e: ExceptionInfo): ExceptionInfo {
  let x = e
  while (x.inner) x = x.inner
  return x
}

/**
 * The file a record goes to under LogFiles/Application/Functions (FileLoggerProvider /
 * FunctionFileLoggerProvider.GetFilePath): Function.<name>… → Function/<name>, Worker.X.… →
 * Worker/X, everything else → Host.
 */
function fileFor(r: HostRecord, stamp: string): string {
  const fn = /^Function\.([^.]+)/.exec(r.category)?.[1]
  const worker = /^Worker\.([^.\s]+)\.[^\s]+/.exec(r.category)?.[1]
  const dir = fn ? `Function/${fn}` : worker ? `Worker/${worker}` : 'Host'
  return `Application/Functions/${dir}/${stamp}-fakeinst00.log`
}

/**
 * What a site's host writes, kept the three ways Azure keeps it: App Insights telemetry
 * (traces, and exceptions apart), the file logs under LogFiles (only while file logging is on:
 * fileLoggingMode "always", or "debugOnly" for 15 minutes after a debug notification), and the
 * platform's own docker log on Linux App Service.
 */
export class SiteLogs {
  readonly records: HostRecord[] = []
  /** LogFiles-relative path → lines written, in order. */
  readonly files = new Map<string, string[]>()
  /** The last GET /admin/host/status or POST /admin/host/debug (the debug_sentinel file's mtime). */
  debugNotify = 0
  fileLoggingMode: 'debugOnly' | 'always' | 'never' = 'debugOnly'
  /** Lowest level the host's logging passes (host.json logging.logLevel.default; Information). */
  minLevel: Level = 'Information'
  private readonly listeners = new Set<(file: string, lines: string[]) => void>()
  private readonly stamp = new Date().toISOString().slice(0, 19).replaceAll(':', '-') + 'Z'

  constructor(
    private readonly debugWindowMs: () => number,
    private readonly insightsOn: () => boolean,
  ) {}

  get fileLoggingOn(): boolean {
    if (this.fileLoggingMode === 'always') return true
    return this.fileLoggingMode === 'debugOnly' && Date.now() - this.debugNotify < this.debugWindowMs()
  }

  subscribe(fn: (file: string, lines: string[]) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  write(level: Level, category: string, message: string, extra: Partial<HostRecord> = {}): HostRecord {
    const r: HostRecord = {id: randomUUID(), time: new Date().toISOString(), level, category, message, ...extra}
    if (LEVELS.indexOf(level) < LEVELS.indexOf(this.minLevel)) return r
    if (this.insightsOn()) this.records.push(r)
    if (this.fileLoggingOn) {
      // FileLogger.FormatLine: "{utc:yyyy-MM-ddTHH:mm:ss.fff} [{Level}] {message}", with
      // "[Level,Function]" when a host line carries a function name; the exception text follows
      // the message after a newline, so its lines carry no timestamp.
      const prefix = r.functionName && !r.category.startsWith('Function.') ? `${level},${r.functionName}` : level
      const text = [message, ...(r.exception ? formatException(r.exception) : [])]
      this.append(fileFor(r, this.stamp), [`${r.time.slice(0, 23)} [${prefix}] ${text[0]}`, ...text.slice(1)])
    }
    return r
  }

  /** KuduLite's platform log (/home/LogFiles/<date>_<instance>_docker.log), written whatever the host's mode. */
  platform(level: 'INFO' | 'ERROR', text: string): void {
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '_')
    this.append(`${day}_fakeinst00_docker.log`, [`${new Date().toISOString()} ${level.padEnd(5)} - ${text}`])
  }

  private append(file: string, lines: string[]): void {
    const list = this.files.get(file) ?? []
    list.push(...lines)
    this.files.set(file, list)
    for (const l of this.listeners) l(file, lines)
  }
}
