import type {IncomingMessage, ServerResponse} from 'node:http'

import type {FakeDeployment, FakeSite} from './state.js'

/**
 * Kudu's log stream, as each Kudu writes it:
 * - Windows (projectkudu/kudu Kudu.Services/Diagnostics/LogStreamManager.cs, Resources.resx
 *   LogStream_*): the welcome with its timeout note, then only bytes appended after the
 *   connection (no replay), under LogFiles/<path>; CRLF lines.
 * - KuduLite (Azure-App-Service/KuduLite Kudu.Services/Diagnostics/LogStreamManager.cs): the
 *   sub-path is ignored; the last 10 lines of every file are replayed between "Starting Log Tail"
 *   and "Starting Live Log Stream", each file under a "path  (vfs URL)" header.
 * Both write "No new trace in the past N min(s)." when idle and end at the timeout.
 */
export function logstream(
  site: FakeSite,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  opts: {
    heartbeatMs: number
    timeoutMs: number
    onConnect: () => void
    dropAfter: () => number | undefined
    dropped: () => void
  },
): void {
  const nl = site.linux ? '\n' : '\r\n'
  const stamp = () => new Date().toISOString().slice(0, 19)
  res.writeHead(200, {
    'content-type': site.linux ? 'text/event-stream' : 'text/plain; charset=utf-8',
    'cache-control': 'no-cache',
  })
  const started = Date.now()
  if (site.linux) {
    res.write(`${stamp()}  Welcome, you are now connected to log-streaming service.${nl}`)
    res.write(`${nl}Starting Log Tail -n 10 of existing logs ----${nl}`)
    for (const [file, lines] of site.logs.files) {
      res.write(
        `${nl}/home/LogFiles/${file}  ` +
          `(https://${req.headers.host}/api/vfs/LogFiles/${file.split('/').map(encodeURIComponent).join('/')})${nl}`,
      )
      for (const l of lines.slice(-10)) res.write(`${l}${nl}`)
      res.write(nl)
    }
    res.write(`${nl}Ending Log Tail of existing logs ---${nl}${nl}Starting Live Log Stream ---${nl}`)
  } else {
    res.write(
      `${stamp()}  Welcome, you are now connected to log-streaming service. The default timeout is 2 ` +
        `hours. Change the timeout with the App Setting SCM_LOGSTREAM_TIMEOUT (in seconds). ${nl}`,
    )
  }
  opts.onConnect()
  // Windows streams LogFiles/<path>; /api/logstream/application → LogFiles/Application.
  const sub = url.pathname.replace(/^\/(api\/)?logstream\/?/i, '').toLowerCase()
  const watched = (file: string) => site.linux || !sub || file.toLowerCase().startsWith(`${sub}/`)
  let sent = 0
  let last = Date.now()
  const timer = setInterval(
    () => {
      const minutes = Math.max(1, Math.round((Date.now() - started) / 60_000))
      if (Date.now() - started >= opts.timeoutMs) {
        res.end(
          site.linux
            ? `${stamp()}  Stream terminated due to timeout ${minutes} min(s).${nl}`
            : `${stamp()}  The log-streaming session has ended due to timeout ${minutes} min(s).${nl}`,
        )
        return
      }
      if (Date.now() - last >= opts.heartbeatMs)
        res.write(
          `${stamp()}  No new trace in the past ${Math.max(1, Math.round((Date.now() - last) / 60_000))} min(s).${nl}`,
        )
    },
    Math.min(opts.heartbeatMs, opts.timeoutMs, 60_000),
  )
  const unsubscribe = site.logs.subscribe((file, lines) => {
    if (!watched(file)) return
    res.write(`${site.linux ? nl : ''}${lines.join(nl)}${nl}`)
    last = Date.now()
    sent += lines.length
    const drop = opts.dropAfter()
    if (drop !== undefined && sent >= drop) {
      opts.dropped()
      req.socket.destroy()
    }
  })
  const end = () => {
    clearInterval(timer)
    unsubscribe()
  }
  req.on('close', end)
  res.on('close', end)
}

export function deploymentJson(site: FakeSite, d: FakeDeployment) {
  const url = `https://127.0.0.1:${site.scmPort}/api/deployments/${d.id}`
  const {log: _log, ...rest} = d
  return {
    ...rest,
    url,
    log_url: `${url}/log`,
    site_name: site.name,
    provisioningState: d.complete ? (d.status === 4 ? 'Succeeded' : 'Failed') : 'InProgress',
  }
}
