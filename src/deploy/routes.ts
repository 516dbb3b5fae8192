import type {AzureContext} from '../azure/arm.js'
import {type KuduClient, namedStatus} from '../azure/kudu.js'
import {type SiteInfo, syncTriggers} from '../azure/site.js'
import {type PackageUrl, type StorageTarget, uploadRunFromPackage} from './blob.js'
import {setFlexRuntime} from './flex.js'
import type {Route} from './types.js'
import {pushPackage, waitForDeployment} from './upload.js'

/** The package a route uploads. */
export interface PackageFile {
  file: string
  bytes: number
  sha256: string
}

export interface UploadDone {
  detail: string
  /** When the new content went live: host lines from then on are about this deployment. */
  since?: number
  deployment?: {id?: string; status?: number; statusName?: string}
  /** App settings the new content needs (the package URL). */
  settings?: Record<string, string>
}

/** What a route knows of the app it deploys to, from validate-remote. */
export interface RouteContext {
  ctx: AzureContext
  site: SiteInfo
  kudu: KuduClient
  /** The app settings before this deploy. */
  current: Record<string, string>
  storage?: StorageTarget
  /** The identity the platform fetches a package URL with, when there is no key to sign one. */
  identity?: string
  deadline: number
  noWait: boolean
  /**
   * Run-from-package uploads of this deploy, by storage account and package: the apps of a fleet
   * that share an account share one upload (the blob is named by the package's sha256).
   */
  uploads?: Map<string, Promise<PackageUrl & {by: string}>>
}

/**
 * One way of getting a package onto an app (as azd gives each host its own service target): where
 * the live package's sha256 is read from, the upload, and what the app needs after its settings are
 * written for the host to pick the content up.
 */
export interface DeployRoute {
  route: Route
  /** The sha256 of what runs now, when chd deployed it. */
  liveSha(): Promise<string | undefined>
  upload(pkg: PackageFile, update: (text: string) => void): Promise<UploadDone>
  /** After the settings: returns a note per action taken. */
  afterSettings(changed: {content: boolean; settings: boolean; keepRuntime: boolean}): Promise<string[]>
}

export function routeFor(site: SiteInfo): Route {
  if (site.plan === 'flex') return 'publish'
  if (site.plan === 'consumption' && site.linux) return 'run-from-package'
  return 'zipdeploy'
}

export function deployRoute(context: RouteContext): DeployRoute {
  const route = routeFor(context.site)
  return route === 'run-from-package' ? runFromPackage(context) : kuduPush(context, route)
}

const shaMarker = (sha: string) => `chd sha256=${sha}`

/** The sha256 of the package a Kudu deployment came from, when chd made it (its message says). */
export function shaOf(deployment: {message?: string} | undefined): string | undefined {
  return /chd sha256=([0-9a-f]{64})/.exec(deployment?.message ?? '')?.[1]
}

/** Kudu zip deploy (Windows, Linux Dedicated and Premium) and OneDeploy (Flex). */
function kuduPush(context: RouteContext, route: 'zipdeploy' | 'publish'): DeployRoute {
  const {kudu, deadline} = context
  return {
    route,
    async liveSha() {
      return shaOf(await kudu.activeDeployment())
    },
    async upload(pkg, update) {
      const started = Date.now()
      let shown = 0
      const pushed = await pushPackage(kudu, route, pkg.file, pkg.bytes, shaMarker(pkg.sha256), deadline, (sent) => {
        if (Date.now() - shown < 200 && sent < pkg.bytes) return
        shown = Date.now()
        const secs = Math.max(0.001, (shown - started) / 1000)
        update(
          `${Math.round((sent / pkg.bytes) * 100)}% of ${(pkg.bytes / 1e6).toFixed(1)} MB, ` +
            `${(sent / 1e6 / secs).toFixed(1)} MB/s`,
        )
      })
      const rate = `${(pkg.bytes / 1024 / 1024 / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1)} MB/s`
      if (context.noWait) {
        const id = pushed.deploymentId ? ` (deployment ${pushed.deploymentId})` : ''
        return {detail: `${pkg.bytes} bytes at ${rate}, accepted${id}`, deployment: {id: pushed.deploymentId}}
      }
      const done = await waitForDeployment(kudu, pushed.poll, deadline, (s) => update(s))
      // Seen within a poll (1 s) of the end; the host restarts on the new content after it.
      return {
        detail: `${pkg.bytes} bytes at ${rate}, deployment ${done.id} succeeded`,
        since: Date.now() - 1500,
        deployment: {id: done.id, ...namedStatus(done.status)},
      }
    },
    async afterSettings({keepRuntime}) {
      if (route !== 'publish' || keepRuntime) return []
      await setFlexRuntime(context.ctx, context.site)
      return ['Flex runtime → custom']
    },
  }
}

/** Linux Consumption: a blob in the app's storage, named by WEBSITE_RUN_FROM_PACKAGE, then a trigger sync. */
function runFromPackage(context: RouteContext): DeployRoute {
  const {ctx, site, current} = context
  return {
    route: 'run-from-package',
    liveSha: () => Promise.resolve(/-([0-9a-f]{64})\.zip/.exec(current.WEBSITE_RUN_FROM_PACKAGE ?? '')?.[1]),
    async upload(pkg) {
      const key = JSON.stringify([context.storage, pkg.sha256])
      let upload = context.uploads?.get(key)
      const shared = upload !== undefined
      if (!upload) {
        const name = `${new Date().toISOString().slice(0, 10)}-${pkg.sha256}.zip`
        const {storageSuffix} = ctx.cloud
        upload = uploadRunFromPackage(context.storage!, ctx.credential, pkg.file, name, storageSuffix, ctx).then(
          (url) => ({...url, by: site.name}),
        )
        context.uploads?.set(key, upload)
      }
      const uploaded = await upload
      const expiry = uploaded.expiresOn
        ? `, which expires ${uploaded.expiresOn}: the app stops loading its package then`
        : ''
      const identity = context.identity ?? current.WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID
      const how =
        uploaded.auth === 'sas'
          ? 'read SAS, 10 years'
          : uploaded.auth === 'connection-sas'
            ? `the connection string's own SAS${expiry}`
            : `plain URL, read with the app's identity ${identity}, which needs Storage Blob Data Reader`
      const settings: Record<string, string> = {WEBSITE_RUN_FROM_PACKAGE: uploaded.url}
      if (!current.WEBSITE_MOUNT_ENABLED) settings.WEBSITE_MOUNT_ENABLED = '1'
      if (context.identity) settings.WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID = context.identity
      const where = shared ? `already in function-releases (uploaded for ${uploaded.by})` : 'to function-releases'
      return {detail: `${pkg.bytes} bytes ${where} (${how})`, settings}
    },
    async afterSettings({content, settings}) {
      if (!content && !settings) return []
      await syncTriggers(ctx, site)
      return ['triggers synced']
    },
  }
}
