import type {AzureContext} from '../azure/arm.js'
import {HostAdmin} from '../azure/functions-host.js'
import {KuduClient} from '../azure/kudu.js'
import type {SiteInfo} from '../azure/site.js'
import type {LogEvent} from '../logs/event.js'
import {queryInsights} from '../logs/insights.js'
import {followStream} from '../logs/stream.js'

export type LogSource = 'stream' | 'insights' | 'none'

/** Linux Consumption and Flex have no Kudu log stream; App Insights is then the only source. */
export function hasStream(site: SiteInfo): boolean {
  return !(site.linux && (site.plan === 'consumption' || site.plan === 'flex'))
}

export function hasInsights(settings: Record<string, string>): boolean {
  return Boolean(settings.APPLICATIONINSIGHTS_CONNECTION_STRING || settings.APPINSIGHTS_INSTRUMENTATIONKEY)
}

/**
 * The name App Insights files the app's rows under (cloud_RoleName): WEBSITE_CLOUD_ROLENAME when
 * set, else the site name, "-<slot>" for a slot (azure-webjobs-sdk
 * WebJobsRoleEnvironmentTelemetryInitializer: WEBSITE_SITE_NAME, WEBSITE_SLOT_NAME).
 */
export function roleName(site: SiteInfo, settings: Record<string, string>): string {
  return settings.WEBSITE_CLOUD_ROLENAME || (site.slot ? `${site.name}-${site.slot}` : site.name)
}

/**
 * The host's log lines from a moment on, from where they can be read: Kudu's stream (followed in
 * the background from the start, since Windows Kudu replays nothing) or App Insights (queried on
 * refresh). The file logs behind the stream exist only in debug mode: the caller keeps it on.
 */
export class HostLogWatch {
  readonly events: LogEvent[] = []
  private readonly abort = new AbortController()
  private connectedOnce?: () => void
  /** Resolves once the stream is connected (at once for the other sources). */
  readonly connected: Promise<void>

  constructor(
    private readonly ctx: AzureContext,
    private readonly site: SiteInfo,
    private readonly settings: Record<string, string>,
    readonly source: LogSource,
    readonly since: number,
  ) {
    this.connected =
      source === 'stream'
        ? new Promise((resolve) => {
            this.connectedOnce = resolve
          })
        : Promise.resolve()
    if (source === 'stream') void this.follow()
  }

  static start(ctx: AzureContext, site: SiteInfo, settings: Record<string, string>, since = Date.now()): HostLogWatch {
    const source: LogSource = hasStream(site) ? 'stream' : hasInsights(settings) ? 'insights' : 'none'
    return new HostLogWatch(ctx, site, settings, source, since)
  }

  /**
   * Follows the host's lines from now on, before a change whose effect they will show: debug mode on
   * first where the stream is read (the host's status call turns it on, so the host writes its file
   * log), then up to 10 s for the stream to connect.
   */
  static async beforeChange(ctx: AzureContext, site: SiteInfo, settings: Record<string, string>) {
    if (hasStream(site)) await (await HostAdmin.connect(ctx, site)).status()
    const watch = HostLogWatch.start(ctx, site, settings)
    await Promise.race([watch.connected, new Promise((r) => setTimeout(r, 10_000).unref())])
    return watch
  }

  private async follow(): Promise<void> {
    try {
      const kudu = new KuduClient(this.ctx, this.site.scmHost)
      for await (const e of followStream(kudu, {signal: this.abort.signal, onConnect: () => this.connectedOnce?.()})) {
        if (Date.parse(e.time) >= this.since) this.events.push(e)
      }
    } catch {
      // A stream that cannot be read leaves the events empty; the verdict says so.
    }
    this.connectedOnce?.()
  }

  /** App Insights: the rows since the start (a no-op for the stream, which fills in by itself). */
  async refresh(): Promise<void> {
    if (this.source !== 'insights') return
    try {
      const rows = await queryInsights(this.ctx, this.settings, roleName(this.site, this.settings), {
        sinceMs: Date.now() - this.since,
      })
      this.events.splice(0, this.events.length, ...rows)
    } catch {
      // A failed query keeps the rows already seen; the next refresh tries again.
    }
  }

  stop(): void {
    this.abort.abort()
  }
}
