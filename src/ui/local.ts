import {ux} from '@oclif/core/ux'

import type {HostLine} from '../host/index.js'
import {type InvokeResult, SHOW_MAX_CHARS} from '../local/invoke.js'
import type {StartEvent} from '../local/start.js'

/** A handler output line labelled the way the host files it. */
export function renderHostLine(line: HostLine): string {
  const label =
    line.level === 'Information'
      ? ux.colorize('dim', '[handler]')
      : line.level === 'Warning'
        ? ux.colorize('yellow', '[handler:warn]')
        : ux.colorize('red', '[handler:err]')
  return `${label} ${line.text}`
}

export function renderInvocation(r: InvokeResult): string {
  const lines: string[] = []
  for (const l of r.output) lines.push(renderHostLine(l))
  const mark = r.ok ? ux.colorize('green', '✔') : ux.colorize('red', '✖')
  lines.push(
    `${mark} ${r.function} (${r.mode === 'forwarded' ? `forwarded ${r.request.method} ${r.request.path}` : `POST /${r.function}`}) → ${r.response?.status ?? 'no answer'} in ${r.ms} ms, invocation ${r.invocationId}`,
  )
  if (r.result?.error) lines.push(`  ${ux.colorize('red', r.result.code ?? 'FAILED')}: ${r.result.error}`)
  for (const w of r.result?.warnings ?? []) lines.push(`  ${ux.colorize('yellow', w.code)}: ${w.message}`)
  if (r.result?.http) {
    lines.push(`  HTTP response the caller gets: ${r.result.http.status}`)
    for (const [k, v] of Object.entries(r.result.http.headers)) lines.push(`    ${k}: ${v}`)
    if (String(r.result.http.body)) lines.push(`    ${String(r.result.http.body).split('\n').join('\n    ')}`)
  }
  if (r.result && Object.keys(r.result.outputs).length > 0) lines.push(`  Outputs: ${JSON.stringify(r.result.outputs)}`)
  if (r.result?.returnValue !== undefined) lines.push(`  ReturnValue: ${JSON.stringify(r.result.returnValue)}`)
  for (const l of r.result?.logs ?? []) lines.push(`  log: ${l}`)
  if (r.mode === 'forwarded' && r.response) lines.push(`  ${r.response.body}`)
  for (const c of r.clipped ?? []) {
    const why = c.chars > 0 ? `is ${c.chars} characters long; shown: the first ${SHOW_MAX_CHARS}` : 'is nested too deep'
    lines.push(ux.colorize('yellow', `  (${c.path} ${why})`))
  }
  return lines.join('\n')
}

export function renderStartEvent(e: StartEvent): string {
  const time = ux.colorize('dim', new Date().toISOString().slice(11, 23))
  switch (e.type) {
    case 'ready': {
      const lines = [`Functions (handler on 127.0.0.1:${e.handlerPort}, ready in ${e.startupMs} ms):`, '']
      for (const u of e.urls)
        lines.push(`  ${ux.colorize('bold', u.function)}: [${u.methods.join(',')}] ${ux.colorize('cyan', u.url)}`)
      for (const name of e.other)
        lines.push(
          `  ${ux.colorize('bold', name)}: POST http://localhost:${e.port}/admin/functions/${name} {"input": ...}`,
        )
      lines.push('', 'Press Ctrl-C to stop.')
      return lines.join('\n')
    }
    case 'invocation': {
      const mark = e.ok ? ux.colorize('green', String(e.status)) : ux.colorize('red', String(e.status))
      const lines = [
        `${time} ${e.function} ${e.method} ${e.path} → ${mark} ${e.ms} ms${e.invocationId ? ` ${ux.colorize('dim', e.invocationId)}` : ''}`,
      ]
      if (e.error) lines.push(`${time}   ${ux.colorize('red', e.error)}`)
      for (const l of e.logs) lines.push(`${time}   log: ${l}`)
      return lines.join('\n')
    }
    case 'handler':
      return `${time} ${renderHostLine(e)}`
    case 'restarted':
      return `${time} ${ux.colorize('green', `handler restarted, ready in ${e.startupMs} ms`)}`
    case 'exit':
      return `${time} ${ux.colorize('yellow', `handler ${e.signal ? `killed by ${e.signal}` : `exited with code ${e.code}`}`)}: ${e.message}`
  }
}
