import {randomBytes, randomUUID} from 'node:crypto'

export type PlanKind = 'dedicated' | 'premium' | 'consumption' | 'flex'

export interface FakeDeployment {
  id: string
  status: number
  status_text: string
  message: string
  deployer: string
  received_time: string
  start_time: string
  end_time: string | null
  complete: boolean
  active: boolean
  log: Array<{log_time: string; id: string; message: string; type: number}>
}

export interface FakeSite {
  name: string
  resourceGroup: string
  linux: boolean
  plan: PlanKind
  planName: string
  settings: Record<string, string>
  /** Bumped on every settings write, so tests can count writers. */
  settingsWrites: number
  /** config/connectionstrings: name → {value, type} (ConnStringValueTypePair). */
  connectionStrings: Record<string, {value: string; type: string}>
  runtimeName?: string
  runtimeVersion?: string
  /** The Linux stack (siteConfig.linuxFxVersion, e.g. "Node|20"); unset: the .NET isolated default. */
  linuxFxVersion?: string
  sitePort: number
  scmPort: number
  deployments: FakeDeployment[]
  /** The last package deployed, as uploaded. */
  packageZip?: Buffer
  /** The WEBSITE_RUN_FROM_PACKAGE URL the content came from. */
  packageUrl?: string
  /** Managed identities assigned to the app (ARM `identity`). */
  identity?: {system: boolean; userAssigned: Array<{id: string; clientId: string}>}
  /** Function names found in the last package. */
  functions: string[]
  masterKey: string
  functionKey: string
  syncs: number
  /** The Functions host running what was deployed, and what it logs (set by the server). */
  host: import('./host.js').FakeHost
  logs: import('./logs.js').SiteLogs
  /** Where the deployed content is laid out (wwwroot). */
  contentDir?: string
  /** A deployment slot: its own site with its own content, settings, hosts and keys. */
  slot?: string
  slots: Map<string, FakeSite>
  /** Phase 1 of a swap with preview, done on this (source) slot and not yet completed or reset. */
  preview?: import('./slots.js').PendingPreview
  /** Site-level sticky setting names (config/slotConfigNames); production only. */
  slotConfigNames: {appSettingNames: string[]; connectionStringNames: string[]; azureStorageConfigNames: string[]}
}

const SKU: Record<PlanKind, {name: string; tier: string; siteSku: string}> = {
  dedicated: {name: 'S1', tier: 'Standard', siteSku: 'Standard'},
  premium: {name: 'EP1', tier: 'ElasticPremium', siteSku: 'ElasticPremium'},
  consumption: {name: 'Y1', tier: 'Dynamic', siteSku: 'Dynamic'},
  flex: {name: 'FC1', tier: 'FlexConsumption', siteSku: 'FlexConsumption'},
}

export function planSku(plan: PlanKind) {
  return SKU[plan]
}

export function newSite(init: {
  name: string
  resourceGroup: string
  linux: boolean
  plan: PlanKind
  settings: Record<string, string>
  runtimeName?: string
  linuxFxVersion?: string
  slot?: string
}): Omit<FakeSite, 'host' | 'logs'> {
  return {
    ...init,
    slots: new Map(),
    slotConfigNames: {appSettingNames: [], connectionStringNames: [], azureStorageConfigNames: []},
    planName: `${init.name}-plan`,
    settingsWrites: 0,
    connectionStrings: {},
    sitePort: 0,
    scmPort: 0,
    deployments: [],
    functions: [],
    masterKey: randomBytes(24).toString('base64url'),
    functionKey: randomBytes(24).toString('base64url'),
    syncs: 0,
  }
}

export function newDeployment(deployer: string): FakeDeployment {
  const now = new Date().toISOString()
  return {
    id: randomUUID().replaceAll('-', ''),
    status: 0,
    status_text: 'Receiving changes.',
    message: 'Created via a push deployment',
    deployer,
    received_time: now,
    start_time: now,
    end_time: null,
    complete: false,
    active: false,
    log: [],
  }
}
