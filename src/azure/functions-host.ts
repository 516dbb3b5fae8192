import {type AzureContext, both} from './arm.js'
import {azureError} from './errors.js'
import type {SiteInfo} from './site.js'

export interface HostStatus {
  state?: string
  version?: string
  errors?: string[]
}

/**
 * The Functions host's own admin API on the app's host name, with the master key from ARM.
 * GET /admin/host/status also switches the host's debug mode on for 15 minutes, which is what
 * makes it write the file logs Kudu streams (EnableDebugModeFilter, DebugStateProvider;
 * fileLoggingMode defaults to debugOnly).
 */
export class HostAdmin {
  private constructor(
    private readonly ctx: AzureContext,
    private readonly site: SiteInfo,
    readonly masterKey: string,
    readonly functionKey: string | undefined,
    private readonly sdk: typeof import('@azure/core-rest-pipeline'),
  ) {}

  static async connect(ctx: AzureContext, site: SiteInfo): Promise<HostAdmin> {
    let keys: {masterKey?: string; functionKeys?: Record<string, string>}
    try {
      keys = site.slot
        ? await ctx.arm.webApps.listHostKeysSlot(site.resourceGroup, site.name, site.slot)
        : await ctx.arm.webApps.listHostKeys(site.resourceGroup, site.name)
    } catch (error) {
      throw azureError(error, `reading the host keys of ${site.name}`, ctx)
    }
    const sdk = await import('@azure/core-rest-pipeline')
    return new HostAdmin(ctx, site, keys.masterKey ?? '', keys.functionKeys?.default, sdk)
  }

  /** GET https://<host><path>; never throws: a status of 0 means no answer. */
  async get(
    path: string,
    key: 'master' | 'function' = 'master',
    timeout = 20_000,
  ): Promise<{status: number; body: string}> {
    const tls = this.ctx.ca ? {tlsOptions: {ca: this.ctx.ca}} : {}
    const pipeline = this.sdk.createPipelineFromOptions({retryOptions: {maxRetries: 0}, ...tls})
    const value = key === 'master' ? this.masterKey : (this.functionKey ?? '')
    try {
      const response = await pipeline.sendRequest(
        this.sdk.createDefaultHttpClient(),
        this.sdk.createPipelineRequest({
          url: `https://${this.site.defaultHostName}${path.startsWith('/') ? path : `/${path}`}`,
          headers: this.sdk.createHttpHeaders({'x-functions-key': value}),
          abortSignal: both(this.ctx.signal, AbortSignal.timeout(timeout)),
        }),
      )
      return {status: response.status, body: response.bodyAsText ?? ''}
    } catch {
      return {status: 0, body: ''}
    }
  }

  /** The host's status (and debug mode on); undefined when the host does not answer 200. */
  async status(): Promise<HostStatus | undefined> {
    const response = await this.get('/admin/host/status')
    if (response.status !== 200) return undefined
    try {
      return JSON.parse(response.body || '{}') as HostStatus
    } catch {
      return undefined
    }
  }
}
