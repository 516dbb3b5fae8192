import {randomUUID} from 'node:crypto'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import type {IncomingMessage, ServerResponse} from 'node:http'
import https from 'node:https'
import os from 'node:os'
import path from 'node:path'

import {Azurite} from './azurite.js'
import {type FakeTls, makeTls} from './certs.js'
import {functionFolders, unpack, zipNames} from './content.js'
import {FakeHost} from './host.js'
import {query} from './insights.js'
import {deploymentJson, logstream} from './kudu.js'
import {SiteLogs} from './logs.js'
import {applySticky, ownOf, switchRouting} from './slots.js'
import {type FakeDeployment, type FakeSite, newDeployment, newSite, type PlanKind, planSku} from './state.js'

/**
 * A local stand-in for the parts of Azure chd talks to: ARM's Microsoft.Web routes, each site's
 * Kudu (SCM) host, the site host's admin API, and Blob storage. HTTPS with its own CA, stateful,
 * with injectable faults. Every listener is on 127.0.0.1.
 */

export const SUBSCRIPTION = '00000000-0000-0000-0000-00000000c4d0'
export const RESOURCE_GROUP = 'demo-rg'

/** A resource group's ARM id, the prefix of every resource's id in it. */
const groupId = (group: string) => `/subscriptions/${SUBSCRIPTION}/resourceGroups/${group}`
export const API_VERSIONS = new Set([
  '2025-05-01',
  '2025-03-01',
  '2024-11-01',
  '2024-04-01',
  '2023-12-01',
  '2023-01-01',
  '2022-09-01',
])
export const STORAGE_ACCOUNT = 'demostore'
export const INSTRUMENTATION_KEY = '00000000-0000-0000-0000-000000000001'
export const STORAGE_KEY = Buffer.from('chd-fake-storage-account-key-0123456789').toString('base64')

/**
 * The fake's bearer token: an unsigned JWT shaped as Entra ID issues them, so Azurite
 * (--oauth basic: issuer, audience and lifetime checked, no signature) takes it for storage; the
 * fake's ARM and Kudu only compare it.
 */
export const FAKE_TOKEN = (() => {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  return `${b64({typ: 'JWT', alg: 'RS256'})}.${b64({aud: 'https://storage.azure.com', iss: 'https://sts.windows.net/00000000-0000-0000-0000-0000000000ad/', nbf: now - 300, iat: now - 300, exp: now + 30 * 86_400, oid: 'chd-fake-user'})}.c2lnbmF0dXJl`
})()

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
  host: 'arm' | 'scm' | 'site'
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
  readonly requests: RequestRecord[] = []
  readonly faults: Fault[] = []
  /** Bearer tokens accepted; a token outside this set gets 401. */
  readonly tokens = new Set<string>([FAKE_TOKEN, 'chd-fake-token'])
  /** Milliseconds a deployment takes to go from accepted to done. */
  deployMs = 150
  /** Run deployed packages (off for benchmarks that only measure uploads). */
  runApps = true
  /** The host's initialization window for deployed handlers (30 s on Azure; shorter here for a loaded machine). */
  hostTimeoutMs = 10_000
  /** How long a host log line takes to show up in App Insights queries (20 s to 3 min on Azure). */
  ingestionDelayMs = 0
  /** Idle time after which the logstream writes its "No new trace" keep-alive (1 min on Azure). */
  heartbeatMs = 60_000
  /** How long a log stream lasts (SCM_LOGSTREAM_TIMEOUT, 2 h by default). */
  logstreamTimeoutMs = 2 * 3600_000
  /** How long file logging stays on after a debug notification (DebugStateProvider: 15 min). */
  debugWindowMs = 15 * 60_000
  /** How long the platform takes to start a host again after it shut itself down. */
  restartDelayMs = 3000
  tls!: FakeTls
  port = 0
  private servers: https.Server[] = []
  azurite?: Azurite

  get armEndpoint(): string {
    return `https://127.0.0.1:${this.port}`
  }

  /** The storage account's blob endpoint, on Azurite (path-style: the account is the first segment). */
  get blobEndpoint(): string {
    return `https://127.0.0.1:${this.azurite?.port}/${STORAGE_ACCOUNT}`
  }

  get storageConnectionString(): string {
    return (
      `DefaultEndpointsProtocol=https;AccountName=${STORAGE_ACCOUNT};AccountKey=${STORAGE_KEY};` +
      `BlobEndpoint=${this.blobEndpoint};`
    )
  }

  /** Starts the fake with the demo apps scripts rely on (one per plan kind, runtime not yet custom). */
  async start(options: {port?: number; tls?: FakeTls} = {}): Promise<this> {
    this.tls = options.tls ?? makeTls()
    this.azurite = await Azurite.start(this.tls, STORAGE_ACCOUNT, STORAGE_KEY)
    this.port = await this.listen(options.port ?? 0, (req, res, url, body) => this.arm(req, res, url, body))
    const demo: Array<[string, PlanKind, boolean, string?]> = [
      ['demo-linux-dedicated', 'dedicated', true],
      ['demo-linux-premium', 'premium', true],
      ['demo-linux-consumption', 'consumption', true],
      ['demo-flex', 'flex', true],
      ['demo-windows', 'dedicated', false],
      // Created with the Node.js stack, whose image has node on PATH: a handler run as `node server.js`.
      ['demo-linux-node', 'dedicated', true, 'Node|20'],
    ]
    for (const [name, plan, linux, linuxFxVersion] of demo) {
      await this.addSite({
        name,
        plan,
        linux,
        linuxFxVersion,
        settings: {
          FUNCTIONS_EXTENSION_VERSION: '~4',
          ...(plan === 'flex' ? {} : {FUNCTIONS_WORKER_RUNTIME: 'node'}),
          AzureWebJobsStorage: this.storageConnectionString,
          APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${INSTRUMENTATION_KEY};IngestionEndpoint=https://127.0.0.1/`,
          GREETING: 'hello from the portal',
          DATABASE_URL: 'postgres://app:s3cret-password@db.internal/app',
        },
        runtimeName: plan === 'flex' ? 'node' : undefined,
      })
    }
    for (const name of ['demo-linux-premium', 'demo-windows']) {
      const prod = this.site(name)
      prod.settings.SLOT_ROLE = 'production'
      prod.slotConfigNames.appSettingNames.push('SLOT_ROLE')
      const staging = await this.addSlot(prod, 'staging')
      staging.settings.SLOT_ROLE = 'staging'
    }
    return this
  }

  /** Every folder the fake made; all go when it stops, whichever site held them last. */
  private readonly dirs = new Set<string>()

  private stopped = false

  private async tempDir(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'chd-fake-site-'))
    this.dirs.add(dir)
    // Made by work still on its way when the fake stopped: nothing will use it.
    if (this.stopped) await rm(dir, {recursive: true, force: true})
    return dir
  }

  /** Every site, slots included. */
  allSites(): FakeSite[] {
    return [...this.sites.values()].flatMap((s) => [s, ...s.slots.values()])
  }

  async addSite(init: {
    name: string
    plan: PlanKind
    linux: boolean
    settings: Record<string, string>
    runtimeName?: string
    linuxFxVersion?: string
    resourceGroup?: string
    slot?: string
  }): Promise<FakeSite> {
    const site = newSite({resourceGroup: RESOURCE_GROUP, ...init}) as FakeSite
    // The host and its logs move between sites in a swap: each reads the settings of the site it is now.
    const logs: SiteLogs = new SiteLogs(
      () => this.debugWindowMs,
      () => Boolean(this.holding((s) => s.logs === logs, site).settings.APPLICATIONINSIGHTS_CONNECTION_STRING),
    )
    const host: FakeHost = new FakeHost(
      {
        os: site.linux ? 'linux' : 'windows',
        plan: site.plan,
        settings: () => {
          const holder = this.holding((s) => s.host === host, site)
          return {...connectionStringVariables(holder), ...holder.settings}
        },
        initTimeoutMs: () => this.hostTimeoutMs,
        restartDelayMs: () => this.restartDelayMs,
      },
      logs,
    )
    Object.assign(site, {logs, host})
    if (!site.slot) this.sites.set(`${site.resourceGroup}/${site.name}`.toLowerCase(), site)
    site.scmPort = await this.listen(0, (req, res, url, body) => this.scm(site, req, res, url, body))
    site.sitePort = await this.listen(0, (req, res, url, body) => this.siteHost(site, req, res, url, body))
    // A new app has an empty wwwroot, and its host runs on it (with no functions).
    site.contentDir = await this.tempDir()
    if (this.runApps) await site.host.start(site.contentDir)
    return site
  }

  /**
   * A deployment slot: its own site (content, settings, hosts, keys), created with a copy of the
   * production settings as the portal does (learn.microsoft.com functions-deployment-slots).
   */
  async addSlot(parent: FakeSite, slot: string): Promise<FakeSite> {
    const s = await this.addSite({
      name: parent.name,
      plan: parent.plan,
      linux: parent.linux,
      settings: {...parent.settings},
      runtimeName: parent.runtimeName,
      linuxFxVersion: parent.linuxFxVersion,
      resourceGroup: parent.resourceGroup,
      slot,
    })
    parent.slots.set(slot.toLowerCase(), s)
    return s
  }

  private holding(which: (s: FakeSite) => boolean, fallback: FakeSite): FakeSite {
    return this.allSites().find(which) ?? fallback
  }

  /** A site by name (in demo-rg unless another group is named). */
  site(name: string, resourceGroup = RESOURCE_GROUP): FakeSite {
    const site = this.sites.get(`${resourceGroup}/${name}`.toLowerCase())
    if (!site) throw new Error(`no fake site ${resourceGroup}/${name}`)
    return site
  }

  async stop(): Promise<void> {
    this.stopped = true
    await Promise.all(this.allSites().map((s) => s.host.close()))
    await Promise.all([...this.dirs].map((d) => rm(d, {recursive: true, force: true})))
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise((r) => {
            s.closeAllConnections()
            s.close(r)
          }),
      ),
    )
    await this.azurite?.stop()
  }

  /** What a shell needs to point chd at this fake. */
  env(dir?: string): Record<string, string> {
    if (!dir) {
      dir = mkdtempSync(path.join(os.tmpdir(), 'chd-fake-azure-'))
      this.dirs.add(dir)
    }
    const ca = path.join(dir, 'ca.pem')
    writeFileSync(ca, this.tls.caPem)
    return {
      CHD_ARM_ENDPOINT: this.armEndpoint,
      NODE_EXTRA_CA_CERTS: ca,
      AZURE_SUBSCRIPTION_ID: SUBSCRIPTION,
      CHD_ACCESS_TOKEN: FAKE_TOKEN,
      CHD_LOGS_ENDPOINT: `${this.armEndpoint}/v1`,
    }
  }

  inject(fault: Fault): void {
    this.faults.push(fault)
  }

  private listen(port: number, route: Route): Promise<number> {
    const server = https.createServer(
      {cert: this.tls.certPem, key: this.tls.keyPem},
      (req, res) => void this.dispatch(req, res, route).catch(() => res.destroy()),
    )
    this.servers.push(server)
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve((server.address() as {port: number}).port))
    })
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    const url = new URL(req.url ?? '/', `https://${req.headers.host ?? '127.0.0.1'}`)
    const fault = this.faults.find(
      (f) => f.times > 0 && f.path.test(url.pathname + url.search) && (!f.method || f.method === req.method),
    )
    if (fault?.resetAfterBytes !== undefined) {
      fault.times--
      let seen = 0
      const cut = () => {
        req.socket.destroy()
      }
      if (fault.resetAfterBytes === 0) return cut()
      req.on('data', (c: Buffer) => {
        seen += c.length
        if (seen >= fault.resetAfterBytes!) cut()
      })
      return
    }
    const chunks: Buffer[] = []
    try {
      for await (const c of req) chunks.push(c as Buffer)
    } catch {
      // The client went away mid-body (an aborted upload): nothing to answer, nothing to start.
      return
    }
    const body = Buffer.concat(chunks)
    res.setHeader('x-ms-request-id', randomUUID())
    const origEnd = res.end.bind(res)
    res.end = ((...args: Parameters<ServerResponse['end']>) => {
      this.requests.push({
        method: req.method ?? '',
        host: this.kindOf(req),
        path: url.pathname + url.search,
        status: res.statusCode,
        bytes: body.length,
      })
      return origEnd(...args)
    }) as ServerResponse['end']
    if (fault?.delayMs !== undefined) {
      fault.times--
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs))
    } else if (fault) {
      fault.times--
      res.writeHead(fault.status ?? 500, {'content-type': 'application/json', ...fault.headers})
      res.end(
        fault.body ??
          JSON.stringify({error: {code: 'InjectedFault', message: `Injected fault ${fault.status ?? 500}`}}),
      )
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
    if (port === this.port) return 'arm'
    for (const s of this.allSites()) {
      if (s.scmPort === port) return 'scm'
      if (s.sitePort === port) return 'site'
    }
    return 'arm'
  }

  private authorized(req: IncomingMessage, res: ServerResponse): boolean {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    if (token && this.tokens.has(token)) return true
    res.setHeader(
      'WWW-Authenticate',
      'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"',
    )
    json(res, 401, {
      error: {
        code: token ? 'ExpiredAuthenticationToken' : 'AuthenticationFailed',
        message: token
          ? 'The access token expiry UTC time is earlier than current UTC time.'
          : 'Authentication failed. The Authorization header is missing.',
      },
    })
    return false
  }

  // ---- ARM (and the App Insights query API) on the main port ----

  private async arm(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
    if (!this.authorized(req, res)) return
    if (req.method === 'POST' && /^\/v1\/.*\/query$/i.test(url.pathname)) {
      const doc = JSON.parse(body.toString() || '{}') as {query?: string}
      // cloud_RoleName: WebJobsRoleEnvironmentTelemetryInitializer (WEBSITE_CLOUD_ROLENAME, else site[-slot]).
      const role = (s: FakeSite) => s.settings.WEBSITE_CLOUD_ROLENAME || (s.slot ? `${s.name}-${s.slot}` : s.name)
      const r = query(
        doc.query ?? '',
        this.allSites().map((s) => ({name: role(s), records: s.logs.records})),
        Date.now() - this.ingestionDelayMs,
      )
      return json(res, r.status, r.body)
    }
    if (
      req.method === 'GET' &&
      /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Insights\/components$/i.test(url.pathname)
    ) {
      return json(res, 200, {
        value: [
          {
            id: `${groupId(RESOURCE_GROUP)}/providers/Microsoft.Insights/components/demo-insights`,
            name: 'demo-insights',
            type: 'microsoft.insights/components',
            location: 'westeurope',
            properties: {
              InstrumentationKey: INSTRUMENTATION_KEY,
              AppId: '11111111-1111-1111-1111-111111111111',
              ConnectionString: `InstrumentationKey=${INSTRUMENTATION_KEY}`,
            },
          },
        ],
      })
    }
    const apiVersion = url.searchParams.get('api-version')
    if (!apiVersion || !API_VERSIONS.has(apiVersion)) {
      return json(res, 400, {
        error: {
          code: 'InvalidApiVersionParameter',
          message:
            `The api-version '${apiVersion}' is invalid. The supported versions are ` +
            `'${[...API_VERSIONS].join(',')}'.`,
        },
      })
    }
    const p = url.pathname
    const sub = `/subscriptions/${SUBSCRIPTION}`
    if (!p.toLowerCase().startsWith(sub))
      return json(res, 404, {
        error: {code: 'SubscriptionNotFound', message: `The subscription '${p.split('/')[2]}' could not be found.`},
      })
    if (req.method === 'GET' && /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Web\/sites$/i.test(p)) {
      return json(res, 200, {value: [...this.sites.values()].map((s) => this.siteJson(s))})
    }
    const m =
      /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Web\/(sites|serverfarms)(?:\/([^/]+))?(\/.*)?$/i.exec(
        p,
      )
    if (!m) return json(res, 404, {error: {code: 'NotFound', message: `No route for ${req.method} ${p}`}})
    const [, rg, type, name, rest = ''] = m
    if (type.toLowerCase() === 'serverfarms') {
      const site = [...this.sites.values()].find(
        (s) => s.planName.toLowerCase() === name?.toLowerCase() && s.resourceGroup.toLowerCase() === rg.toLowerCase(),
      )
      if (!site) return notFound(res, 'serverfarms', name ?? '', rg)
      return json(res, 200, this.planJson(site))
    }
    if (!name) {
      if (req.method === 'GET')
        return json(res, 200, {
          value: [...this.sites.values()]
            .filter((s) => s.resourceGroup.toLowerCase() === rg.toLowerCase())
            .map((s) => this.siteJson(s)),
        })
      return json(res, 405, {error: {code: 'MethodNotAllowed', message: 'Method not allowed'}})
    }
    const prod = this.sites.get(`${rg}/${name}`.toLowerCase())
    if (!prod) return notFound(res, 'sites', name, rg)
    // Slots (Microsoft.Web sites/slots, @azure/arm-appservice …Slot operations): their own site.
    const slotPath = /^\/slots(?:\/([^/]+))?(\/.*)?$/i.exec(rest)
    if (slotPath) {
      if (!slotPath[1]) return json(res, 200, {value: [...prod.slots.values()].map((s) => this.siteJson(s))})
      const slot = prod.slots.get(slotPath[1].toLowerCase())
      if (!slot) return notFound(res, 'sites/slots', `${name}/${slotPath[1]}`, rg)
      const action = /^\/(slotsswap|applyslotconfig|resetslotconfig)$/i.exec(slotPath[2] ?? '')?.[1]
      if (req.method === 'POST' && action) return this.slotAction(prod, slot, action.toLowerCase(), res, body)
      return this.siteRoute(slot, req, res, slotPath[2] ?? '', body)
    }
    const action = /^\/(slotsswap|applyslotconfig|resetslotconfig)$/i.exec(rest)?.[1]
    if (req.method === 'POST' && action) return this.slotAction(prod, prod, action.toLowerCase(), res, body)
    const operation = /^\/operationresults\/([^/]+)$/i.exec(rest)?.[1]
    if (req.method === 'GET' && operation) {
      const op = this.operations.get(operation)
      if (!op) return notFound(res, 'sites/operationresults', operation, rg)
      res.writeHead(
        op.done ? 200 : 202,
        op.done ? {} : {location: `${this.armEndpoint}${p}${url.search}`, 'retry-after': '1'},
      )
      return void res.end()
    }
    return this.siteRoute(prod, req, res, rest, body)
  }

  /** Swaps in progress (the long-running operation a swap's Location header points at). */
  private readonly operations = new Map<string, {done: boolean}>()

  /**
   * slotsswap (WebApps_SwapSlot / SwapSlotWithProduction: a long-running operation, 202 with a
   * Location to poll), applySlotConfig (phase 1 of a swap with preview, 200) and resetSlotConfig
   * (cancels it, 200), all with body CsmSlotEntity {targetSlot, preserveVnet} but the reset
   * (Microsoft.Web WebApps.json; az webapp deployment slot swap --action swap|preview|reset).
   * The model of the swap itself is in slots.ts.
   */
  private async slotAction(
    prod: FakeSite,
    source: FakeSite,
    action: string,
    res: ServerResponse,
    body: Buffer,
  ): Promise<void> {
    if (action === 'resetslotconfig') {
      const pending = source.preview
      delete source.preview
      if (pending && applySticky(prod, source, pending.own)) await this.restartHost(source)
      res.writeHead(200)
      return void res.end()
    }
    const target = String(JSON.parse(body.toString() || '{}').targetSlot ?? '')
    const b = target.toLowerCase() === 'production' ? prod : prod.slots.get(target.toLowerCase())
    if (!target || !b || b === source)
      return json(res, 400, {Code: 'BadRequest', Message: `Cannot swap with target slot '${target}'.`})
    if (source.preview && source.preview.target !== b)
      return json(res, 400, {
        Code: 'BadRequest',
        Message: `A swap with preview to another slot is pending on this slot.`,
      })
    if (action === 'applyslotconfig') {
      const own = source.preview?.own ?? ownOf(prod, source)
      source.preview = {target: b, own}
      if (applySticky(prod, source, ownOf(prod, b))) await this.restartHost(source)
      res.writeHead(200)
      return void res.end()
    }
    const id = randomUUID()
    const operation = {done: false}
    this.operations.set(id, operation)
    void this.swap(prod, source, b).finally(() => {
      operation.done = true
    })
    const location = `${this.siteId(prod)}/operationresults/${id}?api-version=2025-05-01`
    res.writeHead(202, {location: `${this.armEndpoint}${location}`, 'retry-after': '1'})
    res.end()
  }

  /** Phase 1 (unless a preview did it), the routing switch, then the other side's own settings back. */
  private async swap(prod: FakeSite, a: FakeSite, b: FakeSite): Promise<void> {
    const own = a.preview?.own ?? ownOf(prod, a)
    if (!a.preview && applySticky(prod, a, ownOf(prod, b))) await this.restartHost(a)
    delete a.preview
    switchRouting(a, b)
    if (applySticky(prod, a, own)) await this.restartHost(a)
  }

  /**
   * The platform (re)starts the host: after a deployment, a settings change, or a sync that
   * brought a new WEBSITE_RUN_FROM_PACKAGE. The content comes from the package URL when there is
   * one (Linux Consumption: RunFromPackageHandler), else from the last deployment.
   */
  private async restartHost(site: FakeSite): Promise<void> {
    const url = site.settings.WEBSITE_RUN_FROM_PACKAGE
    if (url && /^https:/.test(url) && url !== site.packageUrl) {
      const zip = await this.fetchPackage(site, url)
      if (zip) {
        await this.layOut(site, zip, 'drop').catch(() => {})
        site.packageUrl = url
      }
    }
    if (site.contentDir && this.runApps) await site.host.start(site.contentDir).catch(() => {})
  }

  /**
   * The platform fetching WEBSITE_RUN_FROM_PACKAGE (azure-functions-host
   * LinuxSpecialization/PackageDownloadHandler.cs): as is; an Azure blob without a SAS that
   * refuses an anonymous read is fetched with the app's managed identity, the one
   * WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID names (empty or "SystemAssigned": the system
   * identity; ManagedIdentityTokenProvider.GetRunFromPackageIdentity).
   */
  private async fetchPackage(site: FakeSite, url: string): Promise<Buffer | undefined> {
    const plain = await httpsGet(url, this.tls.caPem)
    if (plain.status === 200) return plain.body
    const mi = site.settings.WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID ?? ''
    const system = mi === '' || mi.toLowerCase() === 'systemassigned'
    const identity = site.identity
    const has = system ? identity?.system : identity?.userAssigned.some((u) => u.id.toLowerCase() === mi.toLowerCase())
    if (new URL(url).searchParams.has('sig') || (plain.status !== 403 && plain.status !== 401)) {
      site.logs.write(
        'Error',
        'Host.Startup',
        `Failed to download package from ${url.replace(/\?.*$/, '')}. Status: ${plain.status}`,
      )
      return undefined
    }
    if (!has) {
      site.logs.write(
        'Error',
        'Host.Startup',
        system
          ? 'MSI is not enabled on the app. Failed to acquire ManagedIdentity token'
          : `The identity ${mi} is not assigned to the app. Failed to acquire ManagedIdentity token`,
      )
      return undefined
    }
    const withToken = await httpsGet(url, this.tls.caPem, {
      authorization: `Bearer ${FAKE_TOKEN}`,
      'x-ms-version': '2023-11-03',
    })
    if (withToken.status === 200) return withToken.body
    site.logs.write(
      'Error',
      'Host.Startup',
      `Failed to download package with the managed identity. Status: ${withToken.status}`,
    )
    return undefined
  }

  private async layOut(site: FakeSite, zip: Buffer, modes: 'chmod777' | 'zip' | 'drop'): Promise<void> {
    const dir = await this.tempDir()
    if (this.stopped) return
    await unpack(zip, dir, modes)
    await site.host.stop()
    if (site.contentDir) await rm(site.contentDir, {recursive: true, force: true})
    site.contentDir = dir
    site.packageZip = zip
    site.functions = (await functionFolders(dir)).map((f) => f.name)
  }

  private async siteRoute(
    site: FakeSite,
    req: IncomingMessage,
    res: ServerResponse,
    rest: string,
    body: Buffer,
  ): Promise<void> {
    const route = `${req.method} ${rest.toLowerCase()}`
    switch (route) {
      case 'GET ':
        return json(res, 200, this.siteJson(site))
      case 'PATCH ':
        // SitePatchResourceProperties (2025-05-01) has no functionAppConfig: a PATCH cannot change
        // the Flex runtime (docs/platform.md §6).
        return json(res, 200, this.siteJson(site))
      case 'PUT ':
        return this.putSite(site, res, body)
      case 'POST /config/appsettings/list':
        return json(res, 200, this.settingsJson(site))
      case 'PUT /config/appsettings': {
        const doc = JSON.parse(body.toString() || '{}')
        if (!doc || typeof doc.properties !== 'object')
          return json(res, 400, {Code: 'BadRequest', Message: 'The request body must contain a properties object.'})
        // The real API replaces every setting with the body: the trap chd must not fall into.
        site.settings = Object.fromEntries(
          Object.entries(doc.properties as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
        )
        site.settingsWrites++
        // A settings change restarts the app (App Service), on the new settings.
        void this.restartHost(site)
        return json(res, 200, this.settingsJson(site))
      }
      case 'POST /config/connectionstrings/list':
        return json(res, 200, this.connectionStringsJson(site))
      case 'PUT /config/connectionstrings': {
        // @azure/arm-appservice webApps updateConnectionStrings (PUT …/config/connectionstrings, beside
        // listConnectionStrings' POST …/list): "Replaces the connection strings of an app" (docs/platform.md §6).
        const doc = JSON.parse(body.toString() || '{}')
        const entries = Object.entries((doc?.properties ?? {}) as Record<string, {value?: unknown; type?: unknown}>)
        const valid = (v: {value?: unknown; type?: unknown}) =>
          typeof v?.value === 'string' && CONNECTION_STRING_TYPES.includes(String(v?.type))
        const bad = entries.find(([, v]) => !valid(v))
        if (!doc || typeof doc.properties !== 'object' || bad) {
          const types = CONNECTION_STRING_TYPES.join(', ')
          const message = `Connection string ${bad?.[0] ?? ''} needs a value and a type (one of ${types}).`
          return json(res, 400, {Code: 'BadRequest', Message: message})
        }
        const kept = entries.map(([k, v]) => [k, {value: String(v.value), type: String(v.type)}])
        site.connectionStrings = Object.fromEntries(kept)
        void this.restartHost(site)
        return json(res, 200, this.connectionStringsJson(site))
      }
      case 'GET /config/slotconfignames':
      case 'PUT /config/slotconfignames': {
        if (site.slot) return notFound(res, 'sites/slots/config', 'slotConfigNames', site.resourceGroup)
        if (req.method === 'PUT')
          Object.assign(site.slotConfigNames, JSON.parse(body.toString() || '{}').properties ?? {})
        return json(res, 200, {
          id: `${this.siteId(site)}/config/slotConfigNames`,
          name: 'slotConfigNames',
          type: 'Microsoft.Web/sites/config',
          properties: site.slotConfigNames,
        })
      }
      case 'GET /config/web':
        return json(res, 200, {
          id: `${this.siteId(site)}/config/web`,
          name: 'web',
          type: 'Microsoft.Web/sites/config',
          properties: this.siteConfig(site),
        })
      case 'POST /host/default/listkeys':
        return json(res, 200, {masterKey: site.masterKey, functionKeys: {default: site.functionKey}, systemKeys: {}})
      case 'POST /syncfunctiontriggers':
        site.syncs++
        await this.restartHost(site)
        // The service answers 200 with an empty body, though the spec says 204.
        res.writeHead(200)
        return void res.end()
      case 'POST /host/default/sync':
        site.syncs++
        res.writeHead(204)
        return void res.end()
      case 'POST /restart':
        void this.restartHost(site)
        res.writeHead(200)
        return void res.end()
      case 'GET /functions':
        // A URL for every function, whatever its trigger: chd must not take the listing's word that it answers HTTP.
        return json(res, 200, {
          value: site.functions.map((fn) => ({
            id: `${this.siteId(site)}/functions/${fn}`,
            name: `${site.name}/${fn}`,
            type: 'Microsoft.Web/sites/functions',
            properties: {
              name: fn,
              invoke_url_template: `https://127.0.0.1:${site.sitePort}/api/${fn.toLowerCase()}`,
              language: 'custom',
              isDisabled: false,
              config: {},
            },
          })),
        })
      default:
        return json(res, 404, {error: {code: 'NotFound', message: `No route for ${req.method} ${rest}`}})
    }
  }

  /**
   * WebApps_CreateOrUpdate on an existing site: what this fake keeps of the body is the Flex
   * runtime, validated against the Flex stacks (core tools StaticResources/stacks.json: custom
   * is "1.0"), as the service does when the whole site is PUT back (az update_flex_functionapp).
   */
  private putSite(site: FakeSite, res: ServerResponse, body: Buffer): void {
    const doc = JSON.parse(body.toString() || '{}')
    const runtime = doc?.properties?.functionAppConfig?.runtime
    if (site.plan === 'flex' && runtime) {
      const versions: Record<string, string[]> = {
        custom: ['1.0'],
        node: ['20', '22'],
        python: ['3.11', '3.12'],
        'dotnet-isolated': ['8.0', '9.0'],
        java: ['17', '21'],
        powershell: ['7.4'],
      }
      if (!versions[runtime.name]?.includes(String(runtime.version))) {
        return json(res, 400, {
          Code: 'BadRequest',
          Message:
            `Invalid version ${runtime.version} for runtime ${runtime.name} for function apps on the Flex ` +
            `Consumption plan.`,
        })
      }
      site.runtimeName = runtime.name
      site.runtimeVersion = runtime.version
    }
    json(res, 200, this.siteJson(site))
  }

  private siteId(site: FakeSite): string {
    const slot = site.slot ? `/slots/${site.slot}` : ''
    return `${groupId(site.resourceGroup)}/providers/Microsoft.Web/sites/${site.name}${slot}`
  }

  private siteConfig(site: FakeSite) {
    const fx = site.linux && site.plan !== 'flex' ? (site.linuxFxVersion ?? 'DOTNET-ISOLATED|8.0') : ''
    return {linuxFxVersion: fx, alwaysOn: site.plan === 'dedicated', appSettings: null}
  }

  siteJson(site: FakeSite) {
    const sku = planSku(site.plan)
    const scm = `127.0.0.1:${site.scmPort}`
    const host = `127.0.0.1:${site.sitePort}`
    return {
      id: this.siteId(site),
      name: site.slot ? `${site.name}/${site.slot}` : site.name,
      type: site.slot ? 'Microsoft.Web/sites/slots' : 'Microsoft.Web/sites',
      kind: site.linux ? 'functionapp,linux' : 'functionapp',
      location: 'West Europe',
      ...(site.identity
        ? {
            identity: {
              type:
                [site.identity.system ? 'SystemAssigned' : '', site.identity.userAssigned.length ? 'UserAssigned' : '']
                  .filter(Boolean)
                  .join(', ') || 'None',
              ...(site.identity.system
                ? {
                    principalId: '00000000-0000-0000-0000-00000000000a',
                    tenantId: '00000000-0000-0000-0000-0000000000ad',
                  }
                : {}),
              ...(site.identity.userAssigned.length
                ? {
                    userAssignedIdentities: Object.fromEntries(
                      site.identity.userAssigned.map((u) => [
                        u.id,
                        {clientId: u.clientId, principalId: '00000000-0000-0000-0000-00000000000b'},
                      ]),
                    ),
                  }
                : {}),
            },
          }
        : {}),
      properties: {
        state: 'Running',
        hostNames: [host],
        enabledHostNames: [host, scm],
        hostNameSslStates: [
          {name: host, sslState: 'Disabled', hostType: 'Standard'},
          {name: scm, sslState: 'Disabled', hostType: 'Repository'},
        ],
        serverFarmId: `${groupId(site.resourceGroup)}/providers/Microsoft.Web/serverfarms/${site.planName}`,
        // The Flex example in the REST spec returns null here.
        reserved: site.plan === 'flex' ? null : site.linux,
        defaultHostName: host,
        sku: sku.siteSku,
        siteConfig: this.siteConfig(site),
        ...(site.plan === 'flex'
          ? {
              functionAppConfig: {
                deployment: {
                  storage: {
                    type: 'blobContainer',
                    value: `${this.blobEndpoint}/app-package-${site.name}`,
                    authentication: {type: 'SystemAssignedIdentity'},
                  },
                },
                runtime: {name: site.runtimeName, version: site.runtimeVersion ?? '20'},
                scaleAndConcurrency: {maximumInstanceCount: 100, instanceMemoryMB: 2048},
              },
            }
          : {}),
      },
    }
  }

  private planJson(site: FakeSite) {
    const sku = planSku(site.plan)
    return {
      id: `${groupId(site.resourceGroup)}/providers/Microsoft.Web/serverfarms/${site.planName}`,
      name: site.planName,
      type: 'Microsoft.Web/serverfarms',
      kind: site.plan === 'premium' ? 'elastic' : site.linux ? 'linux' : 'app',
      location: 'West Europe',
      sku: {name: sku.name, tier: sku.tier, size: sku.name, family: sku.name.replace(/\d+$/, ''), capacity: 1},
      properties: {reserved: site.linux, status: 'Ready'},
    }
  }

  private connectionStringsJson(site: FakeSite) {
    const id = `${this.siteId(site)}/config/connectionstrings`
    return {id, name: 'connectionstrings', type: 'Microsoft.Web/sites/config', properties: {...site.connectionStrings}}
  }

  private settingsJson(site: FakeSite) {
    return {
      id: `${this.siteId(site)}/config/appsettings`,
      name: 'appsettings',
      type: 'Microsoft.Web/sites/config',
      properties: {...site.settings},
    }
  }

  // ---- Kudu (SCM) ----

  /** Cuts the next log stream after this many lines, to test reconnects. */
  dropStreamAfter?: number
  logstreamConnections = 0

  private async scm(site: FakeSite, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
    if (!this.authorized(req, res)) return
    const p = url.pathname.toLowerCase()
    // Kudu.Services/Settings/SettingsController.cs: the merged settings.
    if (req.method === 'GET' && p === '/api/settings') return json(res, 200, {...site.settings})
    if ((req.method === 'POST' || req.method === 'PUT') && (p === '/api/zipdeploy' || p === '/api/publish'))
      return this.push(site, req, res, url, body)
    if (req.method === 'GET' && /^\/(api\/)?logstream(\/|$)/.test(p)) {
      return logstream(site, req, res, url, {
        heartbeatMs: this.heartbeatMs,
        timeoutMs: this.logstreamTimeoutMs,
        onConnect: () => {
          this.logstreamConnections++
        },
        dropAfter: () => this.dropStreamAfter,
        dropped: () => {
          this.dropStreamAfter = undefined
        },
      })
    }
    // Kudu.Services/Deployment/DeploymentController.cs: list, one, latest (202 while pending), log.
    const dm = /^\/api\/deployments(?:\/([^/]+))?(\/log)?$/.exec(p)
    if (req.method === 'GET' && dm) {
      if (!dm[1])
        return json(
          res,
          200,
          site.deployments.map((d) => deploymentJson(site, d)),
        )
      const dep =
        dm[1] === 'latest'
          ? (site.deployments.find((d) => !d.complete) ?? site.deployments[0])
          : site.deployments.find((d) => d.id === dm[1])
      if (!dep) return text(res, 404, `Deployment '${dm[1]}' not found.`)
      if (dm[2]) return json(res, 200, dep.log)
      return json(res, dm[1] === 'latest' && !dep.complete ? 202 : 200, deploymentJson(site, dep))
    }
    return text(res, 404, `No route for ${req.method} ${url.pathname}`)
  }

  /**
   * Kudu.Services/Deployment/PushDeploymentController.cs ZipPushDeploy (zipdeploy; 409 texts
   * from Resources.resx) and OneDeploy (/api/publish; on Flex, 202 with the deployment id as body,
   * functions-action azure-app-kudu-service.ts oneDeployFlex).
   */
  private push(site: FakeSite, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
    const p = url.pathname.toLowerCase()
    if (p === '/api/zipdeploy' && site.plan === 'flex')
      return json(res, 404, {Message: 'zipdeploy is not supported on Flex Consumption; use /api/publish'})
    if (p === '/api/publish' && site.plan !== 'flex')
      return text(res, 400, 'OneDeploy for zips is served here only for Flex in this fake')
    if (site.deployments.some((d) => !d.complete))
      return text(res, 409, 'There is a deployment currently in progress. Please try again when it completes.')
    if (p === '/api/zipdeploy' && /^https?:/.test(site.settings.WEBSITE_RUN_FROM_PACKAGE ?? '')) {
      return text(
        res,
        409,
        'Run-From-Zip is set to a remote URL using WEBSITE_RUN_FROM_PACKAGE or WEBSITE_USE_ZIP app ' +
          'setting. Deployment is not supported in this configuration.',
      )
    }
    const dep = newDeployment(
      url.searchParams.get('deployer') ??
        url.searchParams.get('Deployer') ??
        (p === '/api/publish' ? 'OneDeploy' : 'ZipDeploy'),
    )
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
    res.end()
  }

  /** Deploys a package as Kudu would after an upload (for tests of the fake itself). */
  async deployPackage(site: FakeSite, zip: Buffer): Promise<FakeDeployment> {
    const dep = newDeployment('test')
    site.deployments.unshift(dep)
    await this.finishDeployment(site, dep, zip)
    return dep
  }

  /**
   * Ends a pending Flex deployment with the status its deployment service gives a conflict (5), a partial success (6)
   * or a cancel (-1).
   */
  flexOutcome?: {status: 5 | 6 | -1; text: string}

  private async finishDeployment(site: FakeSite, dep: FakeDeployment, zip: Buffer): Promise<void> {
    const log = (message: string, type = 0) =>
      dep.log.push({log_time: new Date().toISOString(), id: randomUUID(), message, type})
    log('Updating submodules.')
    log(`Fetching changes. Received ${zip.length} bytes.`)
    if (site.plan === 'flex' && this.flexOutcome) {
      const {status, text: statusText} = this.flexOutcome
      this.flexOutcome = undefined
      log(statusText, status === 6 ? 1 : 2)
      return void Object.assign(dep, {
        status,
        status_text: statusText,
        complete: true,
        end_time: new Date().toISOString(),
      })
    }
    try {
      const names = await zipNames(zip)
      if (!names.includes('host.json')) throw new Error('host.json is missing from the root of the package')
      // KuduLite chmods the extracted tree 777 unless the app runs from the package (docs/platform.md §5).
      const rfp1 = (site.settings.WEBSITE_RUN_FROM_PACKAGE ?? site.settings.WEBSITE_RUN_FROM_ZIP) === '1'
      const modes = site.plan === 'flex' ? 'drop' : site.linux && !rfp1 ? 'chmod777' : 'zip'
      await this.layOut(site, zip, modes)
      log(rfp1 ? `Writing the package to SitePackages (${names.length} files).` : `Extracted ${names.length} files.`)
      log('Syncing triggers.')
      site.syncs++
      Object.assign(dep, {status: 4, status_text: '', complete: true, active: true, end_time: new Date().toISOString()})
      for (const other of site.deployments) if (other !== dep) other.active = false
      log('Deployment successful.')
      if (site.linux && site.plan !== 'flex') site.logs.platform('INFO', `Starting container for site ${site.name}`)
      // Like the platform: the host restarts on the new content.
      if (this.runApps) void site.host.start(site.contentDir!).catch(() => {})
    } catch (error) {
      log(`Deployment Failed. ${(error as Error).message}`, 2)
      Object.assign(dep, {
        status: 3,
        status_text: (error as Error).message,
        complete: true,
        end_time: new Date().toISOString(),
      })
    }
  }

  // ---- the site host: admin API ----

  private async siteHost(
    site: FakeSite,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: Buffer,
  ): Promise<void> {
    const p = url.pathname.toLowerCase()
    const host = site.host
    if (p === '/admin/host/status' || p === '/admin/host/debug') {
      // HostController: AdminAuthLevelOrInternal (the master key); EnableDebugModeFilter then
      // notifies debug mode, which turns file logging on for 15 minutes (DebugStateProvider).
      if (req.headers['x-functions-key'] !== site.masterKey) return text(res, 401, '')
      if (host.state === 'Stopping' || host.state === 'Stopped') return text(res, 503, 'Function host is not running.')
      site.logs.debugNotify = Date.now()
      if (p === '/admin/host/debug') return text(res, 501, '')
      const status = {
        id: site.name,
        state: host.state,
        version: '4.1037.0.0',
        versionDetails: '4.1037.0.0',
        platformVersion: '',
        instanceId: 'fakeinst00',
        computerName: 'fake',
        processUptime: 1000,
        functionAppContentEditingState: 'NotAllowed',
        ...(host.state === 'Error' ? {errors: host.errors} : {}),
      }
      site.logs.write('Information', 'Host.Controllers.Host', `Host Status: ${JSON.stringify(status, null, 2)}`)
      return json(res, 200, status)
    }
    if (p.startsWith('/api/')) return host.invoke(req, res, url, body)
    return text(res, 404, '')
  }
}

/** ConnectionStringType (REST spec, docs/platform.md §6). */
const CONNECTION_STRING_TYPES = [
  'MySql',
  'SQLServer',
  'SQLAzure',
  'Custom',
  'NotificationHub',
  'ServiceBus',
  'EventHub',
  'ApiHub',
  'DocDb',
  'RedisCache',
  'PostgreSQL',
]

/**
 * How App Service hands connection strings to the app: environment variables named by type
 * (SQLCONNSTR_, SQLAZURECONNSTR_, MYSQLCONNSTR_, CUSTOMCONNSTR_ … learn.microsoft.com
 * app-service configure-common, "Connection strings").
 */
function connectionStringVariables(site: FakeSite): Record<string, string> {
  const prefix = (type: string) => (type === 'SQLServer' ? 'SQL' : type.toUpperCase())
  const entries = Object.entries(site.connectionStrings)
  return Object.fromEntries(entries.map(([k, v]) => [`${prefix(v.type)}CONNSTR_${k}`, v.value]))
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
  json(res, 404, {
    error: {
      code: 'ResourceNotFound',
      message:
        `The Resource 'Microsoft.Web/${type}/${name}' under resource group '${rg}' was not found. For more ` +
        `details please go to https://aka.ms/ARMResourceNotFoundFix`,
    },
  })
}

function httpsGet(
  url: string,
  ca: string,
  headers: Record<string, string> = {},
): Promise<{status: number; body: Buffer}> {
  return new Promise((resolve) => {
    https
      .get(url, {ca, headers}, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks)}))
      })
      .on('error', () => resolve({status: 0, body: Buffer.alloc(0)}))
  })
}
