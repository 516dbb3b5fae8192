import {isObject} from '../app/jsonc.js'
import type {Finding} from '../checks/finding.js'
import {enrich, type LogEvent, parseLevel} from '../logs/event.js'
import {parseStreamLine} from '../logs/stream.js'
import {judgeLogs, matchLine} from '../remote/diagnose.js'

/** Of one record, only this much is matched: no host record is longer, and it bounds the patterns' work. */
const RECORD_MAX_CHARS = 64 * 1024

export interface RecordMatch {
  /** The line (1-based) the record starts on. */
  line: number
  text: string
  codes: string[]
}

export interface LogExplanation {
  records: number
  /** Records that name a failure chd knows. */
  matches: RecordMatch[]
  /** The host's proof the handler answered its readiness probe, when a record says so. */
  started?: {line: number; text: string}
  /** What `chd doctor --app` concludes from the same records (judgeLogs: the newest host start that says anything). */
  diagnosis: Finding[]
}

interface LogRecord {
  line: number
  event: LogEvent
}

/** One line of `chd logs --json` (or of its piped output): a LogEvent. */
function jsonEvent(text: string): LogEvent | undefined {
  if (!text.startsWith('{')) return undefined
  try {
    const doc: unknown = JSON.parse(text)
    if (!isObject(doc) || typeof doc.message !== 'string') return undefined
    const level = parseLevel(typeof doc.level === 'string' ? doc.level : undefined) ?? 'Information'
    const time = typeof doc.time === 'string' ? doc.time : ''
    return enrich({time, level, message: doc.message, source: doc.source === 'insights' ? 'insights' : 'stream'})
  } catch {
    return undefined
  }
}

/**
 * Log text → records: chd logs' JSON lines, the host's file log (a record starts with its time and
 * level; the exception's lines follow without one and join it), or bare lines pasted from anywhere,
 * each its own record.
 */
export function logRecords(text: string): LogRecord[] {
  const records: LogRecord[] = []
  let joinable = false
  text.split(/\r?\n/).forEach((raw, i) => {
    const json = jsonEvent(raw.trim())
    const parsed = json ?? parseStreamLine(raw)
    if (!parsed) {
      joinable = false
      return
    }
    if ('continues' in parsed) {
      const last = records.at(-1)
      if (joinable && last) {
        last.event = {...last.event, message: `${last.event.message}\n${parsed.continues}`}
      } else {
        const event: LogEvent = {time: '', level: 'Information', message: parsed.continues.trim(), source: 'stream'}
        records.push({line: i + 1, event})
      }
      return
    }
    records.push({line: i + 1, event: parsed})
    joinable = !json
  })
  for (const r of records) r.event = enrich({...r.event, message: r.event.message.slice(0, RECORD_MAX_CHARS)})
  return records
}

/** Which known failures host log text names, with the same matcher and verdict `chd doctor --app` uses. */
export function explainLog(text: string): LogExplanation {
  const records = logRecords(text)
  const matches: RecordMatch[] = []
  for (const r of records) {
    const codes = matchLine(r.event.message)
    if (codes.length > 0) matches.push({line: r.line, text: r.event.message, codes})
  }
  const verdict = judgeLogs(records.map((r) => r.event))
  const proof = records.find((r) => r.event === verdict.started)
  return {
    records: records.length,
    matches,
    ...(proof ? {started: {line: proof.line, text: proof.event.message}} : {}),
    diagnosis: verdict.findings,
  }
}
