import {type AzureOptions, connect} from '../azure/arm.js'
import {KuduClient} from '../azure/kudu.js'
import {readSettings} from '../azure/settings.js'
import {resolveSite} from '../azure/site.js'
import {ChdError, ExitCode} from '../errors.js'
import {type LogEvent, type LogFilter, matches} from '../logs/event.js'
import {queryInsights, followInsights, parseSince} from '../logs/insights.js'
import {followStream} from '../logs/stream.js'

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
  const noStream = site.linux && (site.plan === 'consumption' || site.plan === 'flex')
  let source: 'stream' | 'insights' = options.source === 'stream' || options.source === 'insights' ? options.source : options.follow && !noStream && !options.since ? 'stream' : 'insights'
  if (source === 'stream' && noStream) {
    throw new ChdError('LOGSTREAM_UNAVAILABLE', `Linux ${site.plan === 'flex' ? 'Flex Consumption' : 'Consumption'} apps have no Kudu log stream`, {exit: ExitCode.usage, suggestions: ['Use --source insights (the default for this plan)']})
  }
  if (source === 'stream' && !options.follow) source = 'insights'
  let count = 0
  const emit = (e: LogEvent) => {
    if (!matches(e, options)) return
    count++
    options.onEvent(e)
  }
  if (source === 'stream') {
    for await (const e of followStream(new KuduClient(ctx, site.scmHost), {signal: options.signal, onNotice: options.onNotice})) emit(e)
    return {source, events: count}
  }
  const settings = await readSettings(ctx, site)
  const sinceMs = parseSince(options.since ?? '30m')
  if (!options.follow) {
    for (const e of await queryInsights(ctx, settings, site.name, {sinceMs})) emit(e)
    return {source, events: count}
  }
  options.onNotice('App Insights rows arrive 20 s to 3 min after they are written; following with that delay.')
  for await (const e of followInsights(ctx, settings, site.name, {sinceMs, signal: options.signal})) emit(e)
  return {source, events: count}
}
