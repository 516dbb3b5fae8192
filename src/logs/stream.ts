import {setTimeout as sleep} from 'node:timers/promises'

import type {KuduClient} from '../azure/kudu.js'
import {enrich, type LogEvent, parseLevel} from './event.js'

const NOISE = /Welcome, you are now connected to log-streaming service|No new trace in the past \d+ min|Starting Log Tail|Ending Log Tail|Starting Live Log Stream/
const TERMINATED = /Stream terminated due to timeout/

/** "2026-11-21T05:06:11.045 [Information] message" (file logger), or a bare line. */
export function parseStreamLine(line: string): LogEvent | undefined {
  const text = line.replace(/\r$/, '')
  if (!text.trim() || NOISE.test(text) || TERMINATED.test(text)) return undefined
  const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z?)\s+\[(\w+)\]\s?(.*)$/.exec(text)
  if (m) return enrich({time: m[1].endsWith('Z') ? m[1] : `${m[1]}Z`, level: parseLevel(m[2]) ?? 'Information', message: m[3], source: 'stream'})
  return enrich({time: new Date().toISOString(), level: 'Information', message: text, source: 'stream'})
}

/**
 * Follows Kudu's /api/logstream/application. Keep-alives are hidden; when the stream drops or
 * times out it reconnects with backoff, and lines seen before (KuduLite replays its last ones)
 * are not repeated.
 */
export async function* followStream(kudu: KuduClient, options: {signal?: AbortSignal; onNotice?: (text: string) => void} = {}): AsyncGenerator<LogEvent> {
  const seen = new Set<string>()
  const order: string[] = []
  const remember = (key: string) => {
    seen.add(key)
    order.push(key)
    if (order.length > 5000) seen.delete(order.shift()!)
  }
  // The file log format names no invocation on a function's own lines; while exactly one
  // invocation is open (Executing seen, Executed not yet), its lines belong to it.
  const open = new Map<string, string>()
  const attribute = (e: LogEvent): LogEvent => {
    if (e.invocationId && e.function) {
      if (/^Executing '/.test(e.message)) open.set(e.invocationId, e.function)
      else if (/^Executed '/.test(e.message)) open.delete(e.invocationId)
      return e
    }
    if (open.size !== 1 || e.startup) return e
    const [[invocationId, fn]] = open
    return {...e, function: fn, invocationId}
  }
  let backoff = 1000
  let connected = false
  while (!options.signal?.aborted) {
    let response
    try {
      response = await kudu.send('GET', '/api/logstream/application', {stream: true, abortSignal: options.signal})
    } catch (error) {
      if (options.signal?.aborted) return
      options.onNotice?.(`log stream unreachable (${(error as Error).message.split('\n')[0]}); retrying in ${backoff / 1000} s`)
      await sleep(backoff)
      backoff = Math.min(backoff * 2, 30_000)
      continue
    }
    if (response.status !== 200) kudu.fail(response, 'opening the log stream')
    options.onNotice?.(connected ? 'Reconnected to the log stream.' : 'Connected to the log stream.')
    connected = true
    backoff = 1000
    const body = response.readableStreamBody
    if (!body) continue
    let buf = ''
    try {
      for await (const chunk of body) {
        buf += chunk.toString()
        let nl
        while ((nl = buf.indexOf('\n')) !== -1) {
          const line = buf.slice(0, nl)
          buf = buf.slice(nl + 1)
          const event = parseStreamLine(line)
          if (!event) continue
          const key = `${event.time}|${event.message}`
          if (seen.has(key)) continue
          remember(key)
          yield attribute(event)
        }
      }
    } catch {
      if (options.signal?.aborted) return
    }
    if (options.signal?.aborted) return
    options.onNotice?.('The log stream closed; reconnecting.')
    await sleep(backoff)
    backoff = Math.min(backoff * 2, 30_000)
  }
}
