import {setTimeout as sleep} from 'node:timers/promises'

import type {KuduClient} from '../azure/kudu.js'
import {enrich, isStatusEcho, type LogEvent, parseLevel, structured} from './event.js'

/**
 * Kudu's own lines, never the app's: both Kudus' welcome and keep-alive (Windows adds its timeout
 * note), KuduLite's replay banners and per-file headers ("/home/LogFiles/…  (https://…/api/vfs/…)").
 */
const NOISE = new RegExp(
  [
    'Welcome, you are now connected to log-streaming service',
    'No new trace in the past \\d+ min',
    'Starting Log Tail',
    'Ending Log Tail',
    'Starting Live Log Stream',
    '^/home/LogFiles/\\S+ {2}\\(',
  ].join('|'),
)
/** Kudu ending the stream: chd reconnects. */
const TERMINATED =
  /Stream terminated due to timeout|log-streaming session has ended|Error has occurred and stream is termin/
/**
 * The host's file logger (FileLogger.FormatLine): "2026-11-21T05:06:11.045 [Information] …",
 * or "[Information,hello] …".
 */
const RECORD = /^(\d{4}-\d\d-\d\dT[\d:.]+Z?)\s+\[(\w+)(?:,([^\]]+))?\]\s?(.*)$/
/** The platform's docker log on Linux App Service: "2024-02-05T17:30:54.015Z INFO  - Starting container for site". */
const PLATFORM = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)\s+(INFO|WARN|ERROR)\s+-\s(.*)$/

/** One line of the stream: a new record, a line that continues the one before, or nothing. */
export function parseStreamLine(line: string): LogEvent | {continues: string} | undefined {
  const text = line.replace(/\r$/, '')
  if (!text.trim() || NOISE.test(text) || TERMINATED.test(text)) return undefined
  const m = RECORD.exec(text)
  if (m) {
    const time = m[1].endsWith('Z') ? m[1] : `${m[1]}Z`
    return enrich({
      time,
      level: parseLevel(m[2]) ?? 'Information',
      message: m[4],
      source: 'stream',
      ...(m[3] ? {function: m[3]} : {}),
    })
  }
  const p = PLATFORM.exec(text)
  if (p) return enrich({time: p[1], level: parseLevel(p[2]) ?? 'Information', message: p[3], source: 'stream'})
  return {continues: text}
}

/**
 * Lines → events. An exception is written after its message on the following lines, without a
 * timestamp (FileLogger), so those lines join the record before them, with its time and level;
 * a record is complete when the next one starts or the stream falls idle.
 */
export class StreamParser {
  private pending?: LogEvent
  /** Inside KuduLite's replay, where a file's last ten lines may begin halfway through a record. */
  private replaying = false

  line(line: string): LogEvent[] {
    if (/Starting Log Tail/.test(line)) this.replaying = true
    if (/Starting Live Log Stream/.test(line)) this.replaying = false
    const parsed = parseStreamLine(line)
    if (!parsed) return this.flush()
    if ('continues' in parsed) {
      if (this.pending) {
        this.pending = {...this.pending, message: `${this.pending.message}\n${parsed.continues}`}
        return []
      }
      if (this.replaying) return []
      const time = new Date().toISOString()
      return [structured(enrich({time, level: 'Information', message: parsed.continues, source: 'stream'}))]
    }
    const out = this.flush()
    this.pending = parsed
    return out
  }

  flush(): LogEvent[] {
    const e = this.pending
    this.pending = undefined
    if (!e || isStatusEcho(e.message)) return []
    // Only now: a structured line parsed earlier would take its continuation lines into the wrong text.
    return [structured(enrich(e))]
  }
}

/** Chunks → lines, with an `idle` marker when nothing arrives for a moment (ends a pending record). */
async function* linesOf(body: NodeJS.ReadableStream, idleMs: number): AsyncGenerator<string | {idle: true}> {
  const it = (body as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]()
  let buf = ''
  let next = it.next()
  for (;;) {
    let timer: NodeJS.Timeout | undefined
    const idle = new Promise<'idle'>((resolve) => {
      timer = setTimeout(() => resolve('idle'), idleMs)
    })
    const r = await Promise.race([next, idle])
    clearTimeout(timer)
    if (r === 'idle') {
      yield {idle: true}
      continue
    }
    if (r.done) return
    next = it.next()
    buf += r.value.toString()
    let nl
    while ((nl = buf.indexOf('\n')) !== -1) {
      yield buf.slice(0, nl)
      buf = buf.slice(nl + 1)
    }
  }
}

/**
 * Follows Kudu's /api/logstream/application. Keep-alives are hidden; when the stream drops or
 * times out it reconnects with backoff, and lines seen before (KuduLite replays its last ones)
 * are not repeated.
 */
export interface FollowOptions {
  signal?: AbortSignal
  onNotice?: (text: string) => void
  /** Called on each (re)connection. */
  onConnect?: () => void
}

export async function* followStream(kudu: KuduClient, options: FollowOptions = {}): AsyncGenerator<LogEvent> {
  const seen = new Set<string>()
  const order: string[] = []
  const fresh = (e: LogEvent) => {
    const key = `${e.time}|${e.message}`
    if (seen.has(key)) return false
    seen.add(key)
    order.push(key)
    if (order.length > 5000) seen.delete(order.shift()!)
    return true
  }
  const attribute = invocationAttribution()
  let backoff = 1000
  let connected = false
  while (!options.signal?.aborted) {
    let response
    try {
      response = await kudu.send('GET', '/api/logstream/application', {stream: true, abortSignal: options.signal})
    } catch (error) {
      if (options.signal?.aborted) return
      options.onNotice?.(
        `log stream unreachable (${(error as Error).message.split('\n')[0]}); retrying in ${backoff / 1000} s`,
      )
      await sleep(backoff)
      backoff = Math.min(backoff * 2, 30_000)
      continue
    }
    if (response.status !== 200) kudu.fail(response, 'opening the log stream')
    options.onNotice?.(connected ? 'Reconnected to the log stream.' : 'Connected to the log stream.')
    options.onConnect?.()
    connected = true
    backoff = 1000
    const body = response.readableStreamBody
    if (!body) continue
    const parser = new StreamParser()
    try {
      for await (const line of linesOf(body, 300)) {
        for (const e of typeof line === 'string' ? parser.line(line) : parser.flush()) if (fresh(e)) yield attribute(e)
      }
    } catch {
      if (options.signal?.aborted) return
    }
    for (const e of parser.flush()) if (fresh(e)) yield attribute(e)
    if (options.signal?.aborted) return
    options.onNotice?.('The log stream closed; reconnecting.')
    await sleep(backoff)
    backoff = Math.min(backoff * 2, 30_000)
  }
}

/**
 * The file log names no invocation on a function's own lines; while exactly one invocation is
 * open (Executing seen, Executed not yet), its lines belong to it.
 */
function invocationAttribution(): (e: LogEvent) => LogEvent {
  const open = new Map<string, string>()
  return (e) => {
    if (e.invocationId && e.function) {
      if (/^Executing '/.test(e.message)) open.set(e.invocationId, e.function)
      else if (/^Executed '/.test(e.message)) open.delete(e.invocationId)
      return e
    }
    if (open.size !== 1 || e.startup) return e
    const [[invocationId, fn]] = open
    return {...e, function: fn, invocationId}
  }
}
