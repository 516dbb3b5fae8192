import {ux} from '@oclif/core/ux'

import {isoNow} from '../clock.js'
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

export function renderInvocation(invocation: InvokeResult): string {
  const lines: string[] = []
  for (const line of invocation.output) lines.push(renderHostLine(line))
  const mark = invocation.ok ? ux.colorize('green', '✔') : ux.colorize('red', '✖')
  const {request} = invocation
  const sent =
    invocation.mode === 'forwarded' ? `forwarded ${request.method} ${request.path}` : `POST /${invocation.function}`
  lines.push(
    `${mark} ${invocation.function} (${sent}) → ${invocation.response?.status ?? 'no answer'} ` +
      `in ${invocation.ms} ms, invocation ${invocation.invocationId}`,
  )
  if (invocation.result?.error)
    lines.push(`  ${ux.colorize('red', invocation.result.code ?? 'FAILED')}: ${invocation.result.error}`)
  for (const warning of invocation.result?.warnings ?? [])
    lines.push(`  ${ux.colorize('yellow', warning.code)}: ${warning.message}`)
  if (invocation.result?.http) {
    lines.push(`  HTTP response the caller gets: ${invocation.result.http.status}`)
    for (const [k, v] of Object.entries(invocation.result.http.headers)) lines.push(`    ${k}: ${v}`)
    if (String(invocation.result.http.body))
      lines.push(`    ${String(invocation.result.http.body).split('\n').join('\n    ')}`)
  }
  if (invocation.result && Object.keys(invocation.result.outputs).length > 0)
    lines.push(`  Outputs: ${JSON.stringify(invocation.result.outputs)}`)
  if (invocation.result?.returnValue !== undefined)
    lines.push(`  ReturnValue: ${JSON.stringify(invocation.result.returnValue)}`)
  for (const log of invocation.result?.logs ?? []) lines.push(`  log: ${log}`)
  if (invocation.mode === 'forwarded' && invocation.response) lines.push(`  ${invocation.response.body}`)
  for (const clipped of invocation.clipped ?? []) {
    const why =
      clipped.chars > 0
        ? `is ${clipped.chars} characters long; shown: the first ${SHOW_MAX_CHARS}`
        : 'is nested too deep'
    lines.push(ux.colorize('yellow', `  (${clipped.path} ${why})`))
  }
  return lines.join('\n')
}

export function renderStartEvent(event: StartEvent): string {
  const time = ux.colorize('dim', isoNow().slice(11, 23))
  switch (event.type) {
    case 'ready': {
      const lines = [`Functions (handler on 127.0.0.1:${event.handlerPort}, ready in ${event.startupMs} ms):`, '']
      for (const url of event.urls)
        lines.push(`  ${ux.colorize('bold', url.function)}: [${url.methods.join(',')}] ${ux.colorize('cyan', url.url)}`)
      for (const name of event.other)
        lines.push(
          `  ${ux.colorize('bold', name)}: POST http://localhost:${event.port}/admin/functions/${name} {"input": ...}`,
        )
      lines.push('', 'Press Ctrl-C to stop.')
      return lines.join('\n')
    }
    case 'invocation': {
      const mark = event.ok ? ux.colorize('green', String(event.status)) : ux.colorize('red', String(event.status))
      // Concatenated rather than joined from an array: a busy `chd start` writes one of these per request.
      let text =
        `${time} ${event.function ?? '(no function)'} ${event.method} ${event.path} → ${mark} ${event.ms} ` +
        `ms${event.invocationId ? ` ${ux.colorize('dim', event.invocationId)}` : ''}`
      if (event.error) text += `\n${time}   ${ux.colorize('red', event.error)}`
      for (const log of event.logs) text += `\n${time}   log: ${log}`
      return text
    }
    case 'handler':
      return `${time} ${renderHostLine(event)}`
    case 'restarted':
      return `${time} ${ux.colorize('green', `handler restarted, ready in ${event.startupMs} ms`)}`
    case 'exit': {
      const how = event.signal ? `killed by ${event.signal}` : `exited with code ${event.code}`
      return `${time} ${ux.colorize('yellow', `handler ${how}`)}: ${event.message}`
    }
  }
}
