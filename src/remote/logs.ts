import {type AzureContext, type AzureOptions, connect} from '../azure/arm.js'
import {HostAdmin} from '../azure/functions-host.js'
import {KuduClient} from '../azure/kudu.js'
import {readSettings} from '../azure/settings.js'
import {resolveSite, type SiteInfo} from '../azure/site.js'
import {ChdError, ExitCode} from '../errors.js'
import {type LogEvent, type LogFilter, matches} from '../logs/event.js'
import {followInsights, parseSince, queryInsights} from '../logs/insights.js'
import {followStream} from '../logs/stream.js'
import {hasStream, roleName} from './watch.js'

/** Debug mode lasts 15 minutes after each host status request (DebugStateProvider); renew well before. */
const DEBUG_RENEW_MS = 5 * 60_000

/**
 * The host writes the file log Kudu streams only in debug mode (fileLoggingMode debugOnly, the
 * default): switch it on with a host status request and keep renewing it while following, or
 * say why the stream may stay silent. Returns the function that stops the renewing.
 */
async function keepDebugMode(ctx: AzureContext, site: SiteInfo, notice: (text: string) => void): Promise<() => void> {
  let admin: HostAdmin
  try {
    admin = await HostAdmin.connect(ctx, site)
  } catch (error) {
    notice(
      `Could not read the host keys (${(error as Error).message.split('\n')[0]}), so the host's file log may be off: ` +
        'the stream shows lines only while the host is in debug mode (portal, VS Code or chd logs switch it on).',
    )
    return () => {}
  }
  const ping = async () => (await admin.status()) !== undefined
  notice(
    (await ping())
      ? "Switched the host's file log on (debug mode, 15 minutes a request; renewed every 5 minutes while following)."
      : 'The host did not answer its status request: its file log may be off and the stream silent until it ' +
          'runs again.',
  )
  if (!site.linux)
    notice('Windows Kudu streams only what is written from now on; --since 1h shows App Insights history.')
  const every = ctx.debugRenewMs ?? DEBUG_RENEW_MS
  const timer = setInterval(() => void ping(), every)
  timer.unref()
  return () => clearInterval(timer)
}

export interface LogsOptions extends AzureOptions, LogFilter {
  app: string
  resourceGroup?: string
  slot?: string
  follow?: boolean
  since?: string
  source?: 'auto' | 'stream' | 'insights'
  signal?: AbortSignal
  onEvent: (e: LogEvent) => void
  onNotice: (text: string) => void
}

/**
 * Kudu's log stream where one exists (Windows, Linux Dedicated and Premium), App Insights where
 * none does (Linux Consumption, Flex) and for history (--since, or no --follow).
 */
export async function runLogs(options: LogsOptions): Promise<{source: 'stream' | 'insights'; events: number}> {
  const ctx = await connect(options)
  const site = await resolveSite(ctx, options.app, options.resourceGroup, options.slot)
  const noStream = !hasStream(site)
  let source: 'stream' | 'insights' =
    options.source === 'stream' || options.source === 'insights'
      ? options.source
      : options.follow && !noStream && !options.since
        ? 'stream'
        : 'insights'
  if (source === 'stream' && noStream) {
    throw new ChdError(
      'LOGSTREAM_UNAVAILABLE',
      `Linux ${site.plan === 'flex' ? 'Flex Consumption' : 'Consumption'} apps have no Kudu log stream`,
      {exit: ExitCode.usage, suggestions: ['Use --source insights (the default for this plan)']},
    )
  }
  if (source === 'stream' && !options.follow) source = 'insights'
  let count = 0
  const emit = (e: LogEvent) => {
    if (!matches(e, options)) return
    count++
    options.onEvent(e)
  }
  if (source === 'stream') {
    const stop = await keepDebugMode(ctx, site, options.onNotice)
    try {
      const kudu = new KuduClient(ctx, site.scmHost)
      for await (const e of followStream(kudu, {signal: options.signal, onNotice: options.onNotice})) emit(e)
    } finally {
      stop()
    }
    return {source, events: count}
  }
  const settings = await readSettings(ctx, site)
  const sinceMs = parseSince(options.since ?? '30m')
  if (!options.follow) {
    for (const e of await queryInsights(ctx, settings, roleName(site, settings), {sinceMs})) emit(e)
    return {source, events: count}
  }
  options.onNotice('App Insights rows arrive 20 s to 3 min after they are written; following with that delay.')
  for await (const e of followInsights(ctx, settings, roleName(site, settings), {sinceMs, signal: options.signal}))
    emit(e)
  return {source, events: count}
}
