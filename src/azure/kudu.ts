import {createReadStream} from 'node:fs'

import type {HttpClient, Pipeline, PipelineResponse} from '@azure/core-rest-pipeline'

import {ChdError, ExitCode} from '../errors.js'
import {type AzureContext, both, pause, USER_AGENT} from './arm.js'
import {azureError} from './errors.js'

export interface KuduDeployment {
  id: string
  status: number
  status_text?: string
  message?: string
  complete?: boolean
  active?: boolean
  start_time?: string | null
  end_time?: string | null
  log_url?: string
}

export interface KuduLogEntry {
  log_time: string
  message: string
  type: number
  details_url?: string | null
}

/**
 * Deployment status codes: Kudu's DeployStatus 0–4 (kudu Kudu.Core/Deployment/DeployStatus.cs), plus
 * the Flex deployment service's 5, 6 and -1 (core-tools DeployStatus.cs names -1 Unknown; chd reads it as
 * an end that is no success, see docs/platform.md §4).
 */
export const DeployStatus = {
  Cancelled: -1,
  Pending: 0,
  Building: 1,
  Deploying: 2,
  Failed: 3,
  Success: 4,
  Conflict: 5,
  PartialSuccess: 6,
} as const

/** Each status's name, by number. */
export const DEPLOY_STATUS: Record<number, string> = Object.fromEntries(
  Object.entries(DeployStatus).map(([name, n]) => [n, name]),
)

/** A deployment's status for --json: Kudu's number (kept for scripts that match it) and its name. */
export function namedStatus(status: number): {status: number; statusName: string} {
  return {status, statusName: DEPLOY_STATUS[status] ?? 'Unknown'}
}

/** The statuses a deployment ends in. */
export const FINAL_STATUSES: ReadonlySet<number> = new Set([
  DeployStatus.Failed,
  DeployStatus.Success,
  DeployStatus.Conflict,
  DeployStatus.PartialSuccess,
  DeployStatus.Cancelled,
])

/**
 * Kudu (SCM) through @azure/core-rest-pipeline: retries, Retry-After and bearer tokens come from
 * the SDK. Tokens are for App Service first; on 401/403 the older management audience is tried.
 */
export class KuduClient {
  private pipeline!: Pipeline
  private httpClient!: HttpClient
  private scopeIndex = 0
  private sdk!: typeof import('@azure/core-rest-pipeline')

  constructor(
    private readonly ctx: AzureContext,
    readonly host: string,
  ) {}

  get baseUrl(): string {
    return `https://${this.host}`
  }

  private async init(): Promise<void> {
    if (this.sdk) return
    this.sdk = await import('@azure/core-rest-pipeline')
    this.httpClient = this.sdk.createDefaultHttpClient()
    this.build()
  }

  private build(): void {
    this.pipeline = this.sdk.createPipelineFromOptions({
      retryOptions: {maxRetries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 8000},
      userAgentOptions: {userAgentPrefix: USER_AGENT},
      ...(this.ctx.ca ? {tlsOptions: {ca: this.ctx.ca}} : {}),
    })
    this.pipeline.addPolicy(
      this.sdk.bearerTokenAuthenticationPolicy({
        credential: this.ctx.credential,
        scopes: this.ctx.cloud.scmScopes[this.scopeIndex],
      }),
    )
  }

  async send(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    options: {
      body?: () => NodeJS.ReadableStream
      headers?: Record<string, string>
      timeout?: number
      stream?: boolean
      abortSignal?: AbortSignal
    } = {},
  ): Promise<PipelineResponse> {
    await this.init()
    // Not the SDK's timeout: its timer outlives a request whose socket was reset and keeps the
    // process alive until it fires. AbortSignal.timeout's timer does not hold the process.
    const own = options.abortSignal ?? (options.timeout ? AbortSignal.timeout(options.timeout) : undefined)
    for (;;) {
      const request = this.sdk.createPipelineRequest({
        url: `${this.baseUrl}${path}`,
        method,
        headers: this.sdk.createHttpHeaders(options.headers ?? {}),
        body: options.body,
        abortSignal: both(this.ctx.signal, own),
        ...(options.stream ? {streamResponseStatusCodes: new Set([200, 206])} : {}),
      })
      let response: PipelineResponse
      try {
        response = await this.pipeline.sendRequest(this.httpClient, request)
      } catch (error) {
        // No token for the App Service audience (AADSTS500011: its service principal is not in the
        // tenant; AADSTS65001: not consented): the management audience still opens Kudu.
        if (this.canFallBack(error)) {
          this.scopeIndex++
          this.build()
          continue
        }
        throw azureError(error, `calling Kudu ${method} ${path.split('?')[0]}`, this.ctx)
      }
      if (
        (response.status === 401 || response.status === 403) &&
        this.scopeIndex + 1 < this.ctx.cloud.scmScopes.length
      ) {
        this.scopeIndex++
        this.build()
        continue
      }
      return response
    }
  }

  private canFallBack(error: unknown): boolean {
    if (this.scopeIndex + 1 >= this.ctx.cloud.scmScopes.length) return false
    const e = error as {name?: string; message?: string}
    return (
      /AuthenticationError|CredentialUnavailableError|AggregateAuthenticationError/.test(e?.name ?? '') ||
      /AADSTS\d+|invalid_resource|invalid_scope|consent/i.test(e?.message ?? '')
    )
  }

  /** A pause between polls or retries that ends at the context's deadline. */
  pause(ms: number, doing: string): Promise<void> {
    return pause(this.ctx, ms, doing)
  }

  /** Raises a ChdError carrying Kudu's own text for a status the caller did not expect. */
  fail(response: PipelineResponse, doing: string): never {
    const body = (response.bodyAsText ?? '').trim()
    const requestId = response.headers.get('x-ms-request-id')
    throw new ChdError(
      `KUDU_HTTP_${response.status}`,
      `Kudu answered ${response.status} ` +
        `while ${doing}${body ? `: ${body.slice(0, 500)}` : ''}${requestId ? ` (request id ${requestId})` : ''}`,
      {
        exit:
          response.status === 401 || response.status === 403
            ? ExitCode.auth
            : response.status === 404
              ? ExitCode.notFound
              : ExitCode.remoteFailed,
        suggestions:
          response.status === 401 || response.status === 403
            ? [
                'Kudu needs Contributor (or Website Contributor) on the app; basic-auth publishing ' +
                  'credentials are not used',
              ]
            : [],
      },
    )
  }

  /** A factory, so a retry re-sends the whole file; `onProgress` sees the bytes read so far. */
  uploadBody(file: string, onProgress?: (sent: number) => void): () => NodeJS.ReadableStream {
    return () => {
      const stream = createReadStream(file, {highWaterMark: 256 * 1024})
      if (onProgress) {
        let sent = 0
        stream.on('data', (c) => {
          sent += c.length
          onProgress(sent)
        })
      }
      return stream
    }
  }

  /** Kudu's deployment records, newest first; none when Kudu keeps no list (404) or cannot be read. */
  async deployments(): Promise<KuduDeployment[] | undefined> {
    const response = await this.send('GET', '/api/deployments')
    return response.status === 200 ? (JSON.parse(response.bodyAsText || '[]') as KuduDeployment[]) : undefined
  }

  /** The deployment the site runs: the active successful one, else the newest successful one. */
  async activeDeployment(): Promise<KuduDeployment | undefined> {
    const list = await this.deployments()
    const succeeded = (d: KuduDeployment) => d.status === DeployStatus.Success
    return list?.find((d) => d.active && succeeded(d)) ?? list?.find((d) => d.complete && succeeded(d))
  }

  async deploymentLog(id: string): Promise<KuduLogEntry[]> {
    const response = await this.send('GET', `/api/deployments/${encodeURIComponent(id)}/log`)
    if (response.status !== 200) return []
    const entries = JSON.parse(response.bodyAsText || '[]') as KuduLogEntry[]
    const out: KuduLogEntry[] = []
    for (const entry of entries) {
      out.push(entry)
      // Build output hides behind details_url.
      if (entry.details_url) {
        const path = new URL(entry.details_url, this.baseUrl).pathname
        const details = await this.send('GET', path)
        if (details.status === 200) out.push(...(JSON.parse(details.bodyAsText || '[]') as KuduLogEntry[]))
      }
    }
    return out
  }
}
