import {randomUUID} from 'node:crypto'
import {mkdtempSync, writeFileSync} from 'node:fs'
import https from 'node:https'
import type {IncomingMessage, ServerResponse} from 'node:http'
import os from 'node:os'
import path from 'node:path'

import yauzl from 'yauzl'

import {type FakeTls, makeTls} from './certs.js'
import {SiteRuntime} from './runtime.js'
import {type FakeDeployment, type FakeSite, newDeployment, newSite, type PlanKind, planSku} from './state.js'

/**
 * A local stand-in for the parts of Azure chd talks to: ARM's Microsoft.Web routes, each site's
 * Kudu (SCM) host, the site host's admin API, and Blob storage. HTTPS with its own CA, stateful,
 * with injectable faults. Every listener is on 127.0.0.1.
 */

export const SUBSCRIPTION = '00000000-0000-0000-0000-00000000c4d0'
export const RESOURCE_GROUP = 'demo-rg'
export const API_VERSIONS = new Set(['2025-05-01', '2025-03-01', '2024-11-01', '2024-04-01', '2023-12-01', '2023-01-01', '2022-09-01'])
export const STORAGE_ACCOUNT = 'demostore'
export const INSTRUMENTATION_KEY = '00000000-0000-0000-0000-000000000001'
const STORAGE_KEY = Buffer.from('chd-fake-storage-account-key-0123456789').toString('base64')

export interface Fault {
  method?: string
  path: RegExp
  /** How many matching requests it applies to. */
  times: number
  status?: number
  headers?: Record<string, string>
  body?: string
  /** Destroy the connection once this many request body bytes have arrived (0: at once). */
  resetAfterBytes?: number
  /** Answer normally, but only after this many milliseconds (a slow network or service). */
  delayMs?: number
}

export interface RequestRecord {
  method: string
  host: 'arm' | 'scm' | 'site' | 'blob'
  site?: string
  path: string
  status: number
  bytes: number
}

interface Route {
  (req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> | void
}

export class FakeAzure {
  readonly sites = new Map<string, FakeSite>()
  readonly blobs = new Map<string, Buffer>()
  readonly requests: RequestRecord[] = []
  readonly faults: Fault[] = []
  /** Bearer tokens accepted; a token outside this set gets 401. */
  readonly tokens = new Set<string>(['chd-fake-token'])
  /** Milliseconds a deployment takes to go from accepted to done. */
  deployMs = 150
  /** Run deployed packages (off for benchmarks that only measure uploads). */
  runApps = true
  /** The host's initialization window for deployed handlers (30 s on Azure; short here). */
  hostTimeoutMs = 4000
  /** How long a host log line takes to show up in App Insights queries (20 s to 3 min on Azure). */
  ingestionDelayMs = 0
  /** Idle time after which the logstream writes its "No new trace" keep-alive (1 min on Azure). */
  heartbeatMs = 60_000
  tls!: FakeTls
  port = 0
  private servers: https.Server[] = []

  get armEndpoint(): string {
    return `https://127.0.0.1:${this.port}`
  }

  get storageConnectionString(): string {
    return `DefaultEndpointsProtocol=https;AccountName=${STORAGE_ACCOUNT};AccountKey=${STORAGE_KEY};BlobEndpoint=https://127.0.0.1:${this.port}/${STORAGE_ACCOUNT};`
  }

  /** Starts the fake with the demo apps scripts rely on (one per plan kind, runtime not yet custom). */
  async start(options: {port?: number; tls?: FakeTls} = {}): Promise<this> {
    this.tls = options.tls ?? makeTls()
    this.port = await this.listen(options.port ?? 0, (req, res, url, body) => this.armOrBlob(req, res, url, body))
    const demo: Array<[string, PlanKind, boolean]> = [
      ['demo-linux-dedicated', 'dedicated', true],
      ['demo-linux-premium', 'premium', true],
      ['demo-linux-consumption', 'consumption', true],
      ['demo-flex', 'flex', true],
      ['demo-windows', 'dedicated', false],
    ]
    for (const [name, plan, linux] of demo) {
      await this.addSite({name, plan, linux, settings: {
        FUNCTIONS_EXTENSION_VERSION: '~4',
        ...(plan === 'flex' ? {} : {FUNCTIONS_WORKER_RUNTIME: 'node'}),
        AzureWebJobsStorage: this.storageConnectionString,
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${INSTRUMENTATION_KEY};IngestionEndpoint=https://127.0.0.1/`,
        GREETING: 'hello from the portal',
        DATABASE_URL: 'postgres://app:s3cret-password@db.internal/app',
      }, runtimeName: plan === 'flex' ? 'node' : undefined})
    }
    return this
  }

  async addSite(init: {name: string; plan: PlanKind; linux: boolean; settings: Record<string, string>; runtimeName?: string; resourceGroup?: string}): Promise<FakeSite> {
    const base = newSite({resourceGroup: RESOURCE_GROUP, ...init})
    const site: FakeSite = {...base, runtime: undefined as unknown as SiteRuntime}
    site.runtime = new SiteRuntime(site.plan, site.linux, () => site.settings, () => this.hostTimeoutMs)
    this.sites.set(`${site.resourceGroup}/${site.name}`.toLowerCase(), site)
    site.scmPort = await this.listen(0, (req, res, url, body) => this.scm(site, req, res, url, body))
    site.sitePort = await this.listen(0, (req, res, url, body) => this.siteHost(site, req, res, url, body))
    return site
  }

  /** A site by name (in demo-rg unless another group is named). */
  site(name: string, resourceGroup = RESOURCE_GROUP): FakeSite {
    const site = this.sites.get(`${resourceGroup}/${name}`.toLowerCase())
    if (!site) throw new Error(`no fake site ${resourceGroup}/${name}`)
    return site
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sites.values()].map((s) => s.runtime.stop()))
    await Promise.all(this.servers.map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r) })))
  }

  /** What a shell needs to point chd at this fake. */
  env(dir = mkdtempSync(path.join(os.tmpdir(), 'chd-fake-azure-'))): Record<string, string> {
    const ca = path.join(dir, 'ca.pem')
    writeFileSync(ca, this.tls.caPem)
    return {
      CHD_ARM_ENDPOINT: this.armEndpoint,
      NODE_EXTRA_CA_CERTS: ca,
      AZURE_SUBSCRIPTION_ID: SUBSCRIPTION,
      CHD_ACCESS_TOKEN: [...this.tokens][0],
      CHD_LOGS_ENDPOINT: `${this.armEndpoint}/v1`,
    }
  }

  inject(fault: Fault): void {
    this.faults.push(fault)
  }

  private listen(port: number, route: Route): Promise<number> {
    const server = https.createServer({cert: this.tls.certPem, key: this.tls.keyPem}, (req, res) => void this.dispatch(req, res, route))
    this.servers.push(server)
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve((server.address() as {port: number}).port))
    })
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    const url = new URL(req.url ?? '/', `https://${req.headers.host ?? '127.0.0.1'}`)
    const fault = this.faults.find((f) => f.times > 0 && f.path.test(url.pathname + url.search) && (!f.method || f.method === req.method))
    if (fault?.resetAfterBytes !== undefined) {
      fault.times--
      let seen = 0
      const cut = () => { req.socket.destroy() }
      if (fault.resetAfterBytes === 0) return cut()
      req.on('data', (c: Buffer) => { seen += c.length; if (seen >= fault.resetAfterBytes!) cut() })
      return
    }
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    res.setHeader('x-ms-request-id', randomUUID())
    const origEnd = res.end.bind(res)
    res.end = ((...args: Parameters<ServerResponse['end']>) => {
      this.requests.push({method: req.method ?? '', host: this.kindOf(req), path: url.pathname + url.search, status: res.statusCode, bytes: body.length})
      return origEnd(...args)
    }) as ServerResponse['end']
    if (fault?.delayMs !== undefined) {
      fault.times--
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs))
    } else if (fault) {
      fault.times--
      res.writeHead(fault.status ?? 500, {'content-type': 'application/json', ...fault.headers})
      res.end(fault.body ?? JSON.stringify({error: {code: 'InjectedFault', message: `Injected fault ${fault.status ?? 500}`}}))
      return
    }
    try {
      await route(req, res, url, body)
    } catch (error) {
      json(res, 500, {error: {code: 'FakeAzureBug', message: (error as Error).stack}})
    }
  }

  private kindOf(req: IncomingMessage): RequestRecord['host'] {
    const port = req.socket.localPort
    if (port === this.port) return req.url?.startsWith(`/${STORAGE_ACCOUNT}`) ? 'blob' : 'arm'
    for (const s of this.sites.values()) {
      if (s.scmPort === port) return 'scm'
      if (s.sitePort === port) return 'site'
    }
    return 'arm'
  }

  private authorized(req: IncomingMessage, res: ServerResponse): boolean {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    if (token && this.tokens.has(token)) return true
    res.setHeader('WWW-Authenticate', 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"')
    json(res, 401, {error: {code: token ? 'ExpiredAuthenticationToken' : 'AuthenticationFailed', message: token ? 'The access token expiry UTC time is earlier than current UTC time.' : 'Authentication failed. The Authorization header is missing.'}})
    return false
  }

  // ---- ARM and Blob on the main port ----

  private async armOrBlob(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
    if (url.pathname.startsWith(`/${STORAGE_ACCOUNT}/`) || url.pathname === `/${STORAGE_ACCOUNT}`) return this.blob(req, res, url, body)
    if (!this.authorized(req, res)) return
    if (req.method === 'POST' && /^\/v1\/.*\/query$/i.test(url.pathname)) return this.insightsQuery(res, body)
    if (req.method === 'GET' && /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Insights\/components$/i.test(url.pathname)) {
      return json(res, 200, {value: [{
        id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Insights/components/demo-insights`,
        name: 'demo-insights',
        type: 'microsoft.insights/components',
        location: 'westeurope',
        properties: {InstrumentationKey: INSTRUMENTATION_KEY, AppId: '11111111-1111-1111-1111-111111111111', ConnectionString: `InstrumentationKey=${INSTRUMENTATION_KEY}`},
      }]})
    }
    const apiVersion = url.searchParams.get('api-version')
    if (!apiVersion || !API_VERSIONS.has(apiVersion)) {
      return json(res, 400, {error: {code: 'InvalidApiVersionParameter', message: `The api-version '${apiVersion}' is invalid. The supported versions are '${[...API_VERSIONS].join(',')}'.`}})
    }
    const p = url.pathname
    const sub = `/subscriptions/${SUBSCRIPTION}`
    if (!p.toLowerCase().startsWith(sub)) return json(res, 404, {error: {code: 'SubscriptionNotFound', message: `The subscription '${p.split('/')[2]}' could not be found.`}})
    if (req.method === 'GET' && /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Web\/sites$/i.test(p)) {
      return json(res, 200, {value: [...this.sites.values()].map((s) => this.siteJson(s))})
    }
    const m = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Web\/(sites|serverfarms)(?:\/([^/]+))?(\/.*)?$/i.exec(p)
    if (!m) return json(res, 404, {error: {code: 'NotFound', message: `No route for ${req.method} ${p}`}})
    const [, rg, type, name, rest = ''] = m
    if (type.toLowerCase() === 'serverfarms') {
      const site = [...this.sites.values()].find((s) => s.planName.toLowerCase() === name?.toLowerCase() && s.resourceGroup.toLowerCase() === rg.toLowerCase())
      if (!site) return notFound(res, 'serverfarms', name ?? '', rg)
      return json(res, 200, this.planJson(site))
    }
    if (!name) {
      if (req.method === 'GET') return json(res, 200, {value: [...this.sites.values()].filter((s) => s.resourceGroup.toLowerCase() === rg.toLowerCase()).map((s) => this.siteJson(s))})
      return json(res, 405, {error: {code: 'MethodNotAllowed', message: 'Method not allowed'}})
    }
    const site = this.sites.get(`${rg}/${name}`.toLowerCase())
    if (!site) return notFound(res, 'sites', name, rg)
    return this.siteRoute(site, req, res, rest.replace(/^\/slots\/[^/]+/i, ''), body)
  }

  /** Like the platform after a sync: the app now runs the package WEBSITE_RUN_FROM_PACKAGE names. */
  private async loadRunFromPackage(site: FakeSite): Promise<void> {
    const url = site.settings.WEBSITE_RUN_FROM_PACKAGE
    if (!url || !/^https:/.test(url)) return
    const key = decodeURIComponent(new URL(url).pathname).split('/').slice(2).join('/')
    const zip = this.blobs.get(key)
    if (!zip) return
    site.packageZip = zip
    site.functions = (await zipNames(zip)).map((n) => /^([^/]+)\/function\.json$/i.exec(n)?.[1]).filter((x): x is string => Boolean(x))
    if (this.runApps) void site.runtime.load(zip)
  }

  private async siteRoute(site: FakeSite, req: IncomingMessage, res: ServerResponse, rest: string, body: Buffer): Promise<void> {
    const route = `${req.method} ${rest.toLowerCase()}`
    switch (route) {
      case 'GET ':
        return json(res, 200, this.siteJson(site))
      case 'PATCH ': {
        const patch = JSON.parse(body.toString() || '{}')
        const runtime = patch?.properties?.functionAppConfig?.runtime?.name
        if (runtime) site.runtimeName = runtime
        return json(res, 200, this.siteJson(site))
      }
      case 'POST /config/appsettings/list':
        return json(res, 200, this.settingsJson(site))
      case 'PUT /config/appsettings': {
        const doc = JSON.parse(body.toString() || '{}')
        if (!doc || typeof doc.properties !== 'object') return json(res, 400, {Code: 'BadRequest', Message: 'The request body must contain a properties object.'})
        // The real API replaces every setting with the body: the trap chd must not fall into.
        site.settings = Object.fromEntries(Object.entries(doc.properties as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
        site.settingsWrites++
        return json(res, 200, this.settingsJson(site))
      }
      case 'GET /config/web':
        return json(res, 200, {id: `${this.siteId(site)}/config/web`, name: 'web', type: 'Microsoft.Web/sites/config', properties: this.siteConfig(site)})
      case 'POST /host/default/listkeys':
        return json(res, 200, {masterKey: site.masterKey, functionKeys: {default: site.functionKey}, systemKeys: {}})
      case 'POST /syncfunctiontriggers':
        site.syncs++
        await this.loadRunFromPackage(site)
        // The service answers 200 with an empty body, though the spec says 204.
        res.writeHead(200)
        return void res.end()
      case 'POST /host/default/sync':
        site.syncs++
        res.writeHead(204)
        return void res.end()
      case 'POST /restart':
        res.writeHead(200)
        return void res.end()
      case 'GET /functions':
        return json(res, 200, {value: site.functions.map((fn) => ({
          id: `${this.siteId(site)}/functions/${fn}`,
          name: `${site.name}/${fn}`,
          type: 'Microsoft.Web/sites/functions',
          properties: {name: fn, invoke_url_template: `https://127.0.0.1:${site.sitePort}/api/${fn.toLowerCase()}`, language: 'custom', isDisabled: false, config: {}},
        }))})
      default:
        return json(res, 404, {error: {code: 'NotFound', message: `No route for ${req.method} ${rest}`}})
    }
  }

  private siteId(site: FakeSite): string {
    return `/subscriptions/${SUBSCRIPTION}/resourceGroups/${site.resourceGroup}/providers/Microsoft.Web/sites/${site.name}`
  }

  /**
   * The Log Analytics query API over the sites' host logs. It reads only what chd's queries
   * depend on: the lower time bound and the cloud_RoleName filter.
   */
  private insightsQuery(res: ServerResponse, body: Buffer): void {
    const doc = JSON.parse(body.toString() || '{}') as {query?: string}
    const query = doc.query ?? ''
    const since = Date.parse(/datetime\(([^)]+)\)/.exec(query)?.[1] ?? '1970-01-01')
    const role = /cloud_RoleName =~ '([^']+)'/.exec(query)?.[1]?.toLowerCase()
    const visibleBefore = Date.now() - this.ingestionDelayMs
    const rows: unknown[][] = []
    for (const site of this.sites.values()) {
      if (role && site.name.toLowerCase() !== role) continue
      for (const l of site.runtime.logs) {
        const t = Date.parse(l.time)
        if (t <= since || t > visibleBefore || l.level === 'Debug') continue
        const severity = {Debug: 0, Information: 1, Warning: 2, Error: 3}[l.level]
        rows.push([l.time, l.id, 'trace', l.message, severity, l.functionName ?? '', l.invocationId ?? ''])
      }
    }
    rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])))
    json(res, 200, {tables: [{name: 'PrimaryResult', columns: [
      {name: 'timestamp', type: 'datetime'}, {name: 'itemId', type: 'string'}, {name: 'itemType', type: 'string'}, {name: 'message', type: 'string'},
      {name: 'severityLevel', type: 'int'}, {name: 'operation_Name', type: 'string'}, {name: 'InvocationId', type: 'string'},
    ], rows}]})
  }

  private siteConfig(site: FakeSite) {
    return {linuxFxVersion: site.linux && site.plan !== 'flex' ? 'DOTNET-ISOLATED|8.0' : '', alwaysOn: site.plan === 'dedicated', appSettings: null}
  }

  siteJson(site: FakeSite) {
    const sku = planSku(site.plan)
    const scm = `127.0.0.1:${site.scmPort}`
    const host = `127.0.0.1:${site.sitePort}`
    return {
      id: this.siteId(site),
      name: site.name,
      type: 'Microsoft.Web/sites',
      kind: site.linux ? 'functionapp,linux' : 'functionapp',
      location: 'West Europe',
      properties: {
        state: 'Running',
        hostNames: [host],
        enabledHostNames: [host, scm],
        hostNameSslStates: [{name: host, sslState: 'Disabled', hostType: 'Standard'}, {name: scm, sslState: 'Disabled', hostType: 'Repository'}],
        serverFarmId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${site.resourceGroup}/providers/Microsoft.Web/serverfarms/${site.planName}`,
        // The Flex example in the REST spec returns null here.
        reserved: site.plan === 'flex' ? null : site.linux,
        defaultHostName: host,
        sku: sku.siteSku,
        siteConfig: this.siteConfig(site),
        ...(site.plan === 'flex' ? {functionAppConfig: {
          deployment: {storage: {type: 'blobContainer', value: `https://127.0.0.1:${this.port}/${STORAGE_ACCOUNT}/app-package-${site.name}`, authentication: {type: 'SystemAssignedIdentity'}}},
          runtime: {name: site.runtimeName, version: site.runtimeName === 'custom' ? '' : '20'},
          scaleAndConcurrency: {maximumInstanceCount: 100, instanceMemoryMB: 2048},
        }} : {}),
      },
    }
  }

  private planJson(site: FakeSite) {
    const sku = planSku(site.plan)
    return {
      id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${site.resourceGroup}/providers/Microsoft.Web/serverfarms/${site.planName}`,
      name: site.planName,
      type: 'Microsoft.Web/serverfarms',
      kind: site.plan === 'premium' ? 'elastic' : site.linux ? 'linux' : 'app',
      location: 'West Europe',
      sku: {name: sku.name, tier: sku.tier, size: sku.name, family: sku.name.replace(/\d+$/, ''), capacity: 1},
      properties: {reserved: site.linux, status: 'Ready'},
    }
  }

  private settingsJson(site: FakeSite) {
    return {id: `${this.siteId(site)}/config/appsettings`, name: 'appsettings', type: 'Microsoft.Web/sites/config', properties: {...site.settings}}
  }

  // ---- Kudu (SCM) ----

  private async scm(site: FakeSite, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
    if (!this.authorized(req, res)) return
    const p = url.pathname.toLowerCase()
    if (req.method === 'GET' && p === '/api/settings') return json(res, 200, {...site.settings})
    if ((req.method === 'POST' || req.method === 'PUT') && (p === '/api/zipdeploy' || p === '/api/publish')) {
      if (p === '/api/zipdeploy' && site.plan === 'flex') return json(res, 404, {Message: 'zipdeploy is not supported on Flex Consumption; use /api/publish'})
      if (p === '/api/publish' && site.plan !== 'flex') return text(res, 400, 'OneDeploy for zips is served here only for Flex in this fake')
      if (site.deployments.some((d) => !d.complete)) return text(res, 409, 'There is a deployment currently in progress. Please try again when it completes.')
      if (p === '/api/zipdeploy' && /^https?:/.test(site.settings.WEBSITE_RUN_FROM_PACKAGE ?? '')) {
        return text(res, 409, 'Run-From-Zip is set to a remote URL using WEBSITE_RUN_FROM_PACKAGE or WEBSITE_USE_ZIP app setting. Deployment is not supported in this configuration.')
      }
      const dep = newDeployment(url.searchParams.get('deployer') ?? url.searchParams.get('Deployer') ?? (p === '/api/publish' ? 'OneDeploy' : 'ZipDeploy'))
      dep.message = url.searchParams.get('message') ?? dep.message
      site.deployments.unshift(dep)
      setTimeout(() => void this.finishDeployment(site, dep, body), this.deployMs)
      if (p === '/api/publish') {
        res.writeHead(202, {'content-type': 'text/plain'})
        return void res.end(dep.id)
      }
      res.writeHead(202, {
        location: `https://127.0.0.1:${site.scmPort}/api/deployments/latest?deployer=${dep.deployer}&time=${dep.received_time}`,
        'retry-after': '1',
        ...(url.searchParams.get('trackDeploymentProgress') === 'true' ? {'scm-deployment-id': dep.id} : {}),
      })
      return void res.end()
    }
    if (req.method === 'GET' && /^\/(api\/)?logstream(\/|$)/.test(p)) return this.logstream(site, req, res)
    const dm = /^\/api\/deployments(?:\/([^/]+))?(\/log)?$/.exec(p)
    if (req.method === 'GET' && dm) {
      if (!dm[1]) return json(res, 200, site.deployments.map((d) => this.deploymentJson(site, d)))
      const dep = dm[1] === 'latest' ? site.deployments.find((d) => !d.complete) ?? site.deployments[0] : site.deployments.find((d) => d.id === dm[1])
      if (!dep) return text(res, 404, `Deployment '${dm[1]}' not found.`)
      if (dm[2]) return json(res, 200, dep.log)
      return json(res, dm[1] === 'latest' && !dep.complete ? 202 : 200, this.deploymentJson(site, dep))
    }
    return text(res, 404, `No route for ${req.method} ${url.pathname}`)
  }

  /**
   * Kudu's log stream: a welcome line, then each new host log line as the file logger writes it,
   * and a "No new trace" keep-alive when idle. `dropStreamAfter` cuts it to test reconnects.
   */
  dropStreamAfter?: number
  logstreamConnections = 0

  private logstream(site: FakeSite, req: IncomingMessage, res: ServerResponse): void {
    this.logstreamConnections++
    res.writeHead(200, {'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache'})
    const stamp = () => new Date().toISOString().slice(0, 19)
    res.write(`${stamp()}  Welcome, you are now connected to log-streaming service.\n`)
    const format = (l: {time: string; level: string; message: string}) => `${l.time.replace('Z', '')} [${l.level}] ${l.message}\n`
    if (site.linux) {
      // KuduLite replays the end of the log before the live lines.
      res.write('Starting Log Tail -n 10 of existing logs ----\n')
      for (const l of site.runtime.logs.filter((x) => x.level !== 'Debug').slice(-10)) res.write(format(l))
      res.write('Ending Log Tail of existing logs ---\nStarting Live Log Stream ---\n')
    }
    let sent = 0
    let idle: NodeJS.Timeout | undefined
    const beat = () => {
      idle = setTimeout(() => { res.write(`${stamp()}  No new trace in the past 1 min(s).\n`); beat() }, this.heartbeatMs)
    }
    beat()
    const unsubscribe = site.runtime.subscribe((l) => {
      if (l.level === 'Debug') return
      res.write(format(l))
      sent++
      clearTimeout(idle)
      beat()
      if (this.dropStreamAfter !== undefined && sent >= this.dropStreamAfter) {
        this.dropStreamAfter = undefined
        req.socket.destroy()
      }
    })
    const end = () => { clearTimeout(idle); unsubscribe() }
    req.on('close', end)
    res.on('close', end)
  }

  private deploymentJson(site: FakeSite, d: FakeDeployment) {
    const url = `https://127.0.0.1:${site.scmPort}/api/deployments/${d.id}`
    const {log: _log, ...rest} = d
    return {...rest, url, log_url: `${url}/log`, site_name: site.name, provisioningState: d.complete ? (d.status === 4 ? 'Succeeded' : 'Failed') : 'InProgress'}
  }

  private async finishDeployment(site: FakeSite, dep: FakeDeployment, zip: Buffer): Promise<void> {
    const log = (message: string, type = 0) => dep.log.push({log_time: new Date().toISOString(), id: randomUUID(), message, type})
    log('Updating submodules.')
    log(`Fetching changes. Received ${zip.length} bytes.`)
    try {
      const names = await zipNames(zip)
      if (!names.includes('host.json')) throw new Error('host.json is missing from the root of the package')
      site.packageZip = zip
      site.functions = names.map((n) => /^([^/]+)\/function\.json$/i.exec(n)?.[1]).filter((x): x is string => Boolean(x))
      log(`Extracted ${names.length} files.`)
      log('Syncing triggers.')
      site.syncs++
      Object.assign(dep, {status: 4, status_text: '', complete: true, active: true, end_time: new Date().toISOString()})
      for (const other of site.deployments) if (other !== dep) other.active = false
      log('Deployment successful.')
      // Like the platform: the host restarts on the new content.
      if (this.runApps) void site.runtime.load(zip)
    } catch (error) {
      log(`Deployment Failed. ${(error as Error).message}`, 2)
      Object.assign(dep, {status: 3, status_text: (error as Error).message, complete: true, end_time: new Date().toISOString()})
    }
  }

  // ---- the site host: admin API ----

  private async siteHost(site: FakeSite, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
    if (url.pathname.toLowerCase() === '/admin/host/status') {
      if (req.headers['x-functions-key'] !== site.masterKey) return text(res, 401, '')
      const errors = site.runtime.logs.filter((l) => l.level === 'Error').slice(-3).map((l) => l.message)
      return json(res, 200, {id: site.name, state: site.runtime.state, version: '4.1037.0.0', processUptime: 1000, ...(site.runtime.state === 'Error' ? {errors} : {})})
    }
    if (url.pathname.toLowerCase().startsWith('/api/')) return site.runtime.invoke(req, res, url, body)
    return text(res, 404, '')
  }

  // ---- Blob storage ----

  private blob(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
    const [, container, ...rest] = parts
    const key = `${container}/${rest.join('/')}`
    const headers = {'x-ms-version': '2025-01-05', 'last-modified': new Date().toUTCString(), etag: `"0x${Date.now().toString(16)}"`}
    if (!req.headers.authorization && !url.searchParams.get('sig')) return xmlError(res, 403, 'AuthenticationFailed', 'Server failed to authenticate the request.')
    if (req.method === 'PUT' && url.searchParams.get('restype') === 'container') {
      if (this.blobs.has(`${container}/`)) return xmlError(res, 409, 'ContainerAlreadyExists', 'The specified container already exists.')
      this.blobs.set(`${container}/`, Buffer.alloc(0))
      res.writeHead(201, headers)
      return void res.end()
    }
    const comp = url.searchParams.get('comp')
    if (req.method === 'PUT' && comp === 'block') {
      this.blobs.set(`${key}#block#${url.searchParams.get('blockid')}`, body)
      res.writeHead(201, headers)
      return void res.end()
    }
    if (req.method === 'PUT' && comp === 'blocklist') {
      const ids = [...body.toString().matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)</g)].map((m) => m[1])
      this.blobs.set(key, Buffer.concat(ids.map((id) => this.blobs.get(`${key}#block#${id}`) ?? Buffer.alloc(0))))
      res.writeHead(201, headers)
      return void res.end()
    }
    if (req.method === 'PUT') {
      if (!this.blobs.has(`${container}/`)) return xmlError(res, 404, 'ContainerNotFound', 'The specified container does not exist.')
      this.blobs.set(key, body)
      res.writeHead(201, headers)
      return void res.end()
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      const data = this.blobs.get(key)
      if (!data) return xmlError(res, 404, 'BlobNotFound', 'The specified blob does not exist.')
      res.writeHead(200, {...headers, 'content-length': data.length, 'content-type': 'application/zip', 'x-ms-blob-type': 'BlockBlob'})
      return void res.end(req.method === 'GET' ? data : undefined)
    }
    return xmlError(res, 405, 'UnsupportedHttpVerb', 'The resource does not support the specified HTTP verb.')
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body))
  res.writeHead(status, {'content-type': 'application/json; charset=utf-8', 'content-length': data.length})
  res.end(data)
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {'content-type': 'text/plain; charset=utf-8'})
  res.end(body)
}

function notFound(res: ServerResponse, type: string, name: string, rg: string): void {
  json(res, 404, {error: {code: 'ResourceNotFound', message: `The Resource 'Microsoft.Web/${type}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`}})
}

function xmlError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, {'content-type': 'application/xml', 'x-ms-error-code': code})
  res.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`)
}

function zipNames(zip: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, {lazyEntries: true}, (err, z) => {
      if (err || !z) return reject(new Error(`Zip file is corrupt: ${err?.message}`))
      const names: string[] = []
      z.on('entry', (e: yauzl.Entry) => { names.push(e.fileName); z.readEntry() })
      z.on('end', () => resolve(names))
      z.on('error', reject)
      z.readEntry()
    })
  })
}
