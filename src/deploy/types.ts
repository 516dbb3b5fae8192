import type {AzureOptions} from '../azure/arm.js'
import type {SettingsDiff} from '../azure/settings.js'
import type {Finding} from '../checks/finding.js'
import type {VerifyResult} from '../remote/verify.js'

export interface DeployOptions extends AzureOptions {
  dir: string
  app: string
  resourceGroup?: string
  slot?: string
  /** Deploy this zip instead of packing `dir`. */
  package?: string
  settings?: Record<string, string>
  settingsFile?: string
  force?: boolean
  dryRun?: boolean
  noWait?: boolean
  timeoutMs?: number
  showKeys?: boolean
  glibc?: string
  /** A path on the app's host to GET after the deploy; a 2xx proves the handler serves. */
  smoke?: string
  /** After the slot's verify, swap it into `targetSlot` (default production), verify there, swap back on failure. */
  swap?: boolean
  targetSlot?: string
}

/** How the package reaches the app: Kudu zip deploy, OneDeploy (Flex), or a blob the app runs from. */
export type Route = 'zipdeploy' | 'publish' | 'run-from-package'

export interface StepRecord {
  name: string
  ms: number
  detail: string
}

export interface DeployResult {
  app: string
  resourceGroup: string
  slot?: string
  target: {os: string; plan: string; sku: string; route: Route}
  dryRun: boolean
  findings: Finding[]
  package: {
    /** The --package zip; absent when chd packed the folder into a temporary zip. */
    path?: string
    entries?: number
    bytes: number
    sha256: string
    uploaded: boolean
    reason?: string
    repacked?: boolean
  }
  deployment?: {id?: string; status?: number; statusName?: string}
  settings: {diff: SettingsDiff; writes: number}
  /** From --settings-file's ConnectionStrings: names, types and the variable a handler reads (never a value). */
  connectionStrings?: {diff: SettingsDiff; writes: number; names: Record<string, {type: string; variable: string}>}
  runtime: {before?: string; after: string; reason?: string}
  verify?: VerifyResult
  swap?: SwapResult
  steps: StepRecord[]
}

/** What a slot runs: Kudu's active deployment, and the package's sha256 when chd deployed it. */
export interface SlotContent {
  deployment?: string
  sha256?: string
}

export interface SwapResult {
  source: string
  target: string
  action: SwapAction
  /** Slot settings whose values differ: phase 1 applies the target's to the source, whose instances restart. */
  slotSettingsApplied: string[]
  /** What the target runs after the swap (the source after a preview or a cancel). */
  content?: SlotContent
  verify?: VerifyResult
  /** The target's verify failed, so the slots were swapped back: what the target runs again, and its verify. */
  rolledBack?: {content?: SlotContent; verify: VerifyResult}
}

export type SwapAction = 'swap' | 'preview' | 'complete' | 'cancel'
