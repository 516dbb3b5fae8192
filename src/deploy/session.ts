import {rmSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {type FunctionApp, loadApp} from '../app/model.js'
import {type AppSource, openSource} from '../app/source.js'
import {type AzureContext, connect} from '../azure/arm.js'
import {ChdError, ExitCode} from '../errors.js'
import type {PackageUrl} from './blob.js'
import {type LocalSettings, readLocalSettings} from './local-settings.js'
import {type PreparedPackage, preparePackage} from './package.js'
import type {DeployOptions} from './types.js'
import type {LocalState} from './validate.js'

/** Deploy's options without the one app: what every app of a fleet shares. */
export type SharedOptions = Omit<DeployOptions, 'app' | 'resourceGroup' | 'slot'> & {
  resourceGroup?: string
  slot?: string
}

/** A judgement of the package against one kind of target, and the apps that share it. */
export interface Judgement {
  apps: string[]
  outcome: Promise<{value: LocalState; detail: string}>
}

/**
 * What the apps of one deploy share: one connection, one folder for the package, the app read once,
 * one judgement per distinct target, one package (one sha256) and one blob upload per storage account.
 */
export class DeploySession {
  readonly judgements = new Map<string, Judgement>()
  /** Run-from-package uploads by storage account and blob, so apps that share an account share one. */
  readonly uploads = new Map<string, Promise<PackageUrl & {by: string}>>()
  private settingsFile?: Promise<LocalSettings>
  private appModel?: Promise<{source: AppSource; app: FunctionApp}>
  private building?: Promise<PreparedPackage>
  private judging: Promise<unknown> = Promise.resolve()

  private constructor(
    readonly ctx: AzureContext,
    readonly options: SharedOptions,
    readonly deadline: number,
    /** A folder for the package, removed by close(). */
    readonly work: string,
    private readonly removeWork: () => void,
  ) {}

  static async open(options: SharedOptions): Promise<DeploySession> {
    const timeoutMs = options.timeoutMs ?? 15 * 60 * 1000
    const deadline = Date.now() + timeoutMs
    const ctx = await connect({...options, timeoutMs})
    const work = await mkdtemp(path.join(os.tmpdir(), 'chd-deploy-'))
    // Ctrl-C and SIGTERM end in process.exit, which skips close().
    const removeWork = () => rmSync(work, {recursive: true, force: true})
    process.on('exit', removeWork)
    return new DeploySession(ctx, options, deadline, work, removeWork)
  }

  async close(): Promise<void> {
    process.off('exit', this.removeWork)
    await rm(this.work, {recursive: true, force: true})
  }

  /** --settings-file, read once. */
  localSettings(): Promise<LocalSettings> {
    const file = this.options.settingsFile
    this.settingsFile ??= file ? readLocalSettings(file) : Promise.resolve({values: {}, connectionStrings: {}})
    return this.settingsFile
  }

  /** The folder or --package zip, read once. */
  app(): Promise<{source: AppSource; app: FunctionApp}> {
    this.appModel ??= openSource(this.options.package ?? this.options.dir).then(async (source) => ({
      source,
      app: await loadApp(source),
    }))
    return this.appModel
  }

  /**
   * validate-local once per distinct target: apps whose key matches share the first judgement. The
   * judgements run one after the other: they read the same source, and a zip's reader (yauzl's
   * fd-slicer) crashes when a read stream is destroyed while its read waits behind another stream's.
   */
  judge(key: string, app: string, run: () => Promise<{value: LocalState; detail: string}>) {
    let judgement = this.judgements.get(key)
    if (!judgement) {
      judgement = {apps: [], outcome: this.judging.then(run)}
      this.judging = judgement.outcome.catch(() => undefined)
      this.judgements.set(key, judgement)
    }
    judgement.apps.push(app)
    return judgement.outcome
  }

  /** The package, if one was built. */
  async built(): Promise<PreparedPackage | undefined> {
    return this.building?.catch(() => undefined)
  }

  /**
   * The package, built once for every app: a Linux app among them gets Unix modes into a --package
   * zip that lacks them (Windows ignores modes, so that zip serves it too). Without modes, the
   * handler's mode comes from the path each judgement found: two paths would need two packages.
   */
  package(locals: LocalState[], linux: boolean, name: string): Promise<PreparedPackage> {
    this.building ??= this.app().then(({source}) => {
      const exePaths = new Set(locals.map((l) => l.exePath))
      if (exePaths.size > 1 && source.entries.some((e) => e.mode === undefined)) {
        throw new ChdError(
          'FLEET_PACKAGES_DIFFER',
          `The apps' settings name different handler executables (${[...exePaths].join(', ')}) in a package ` +
            'without Unix modes, so one package cannot serve them all',
          {exit: ExitCode.usage, suggestions: ['Deploy the apps in groups that name the same executable']},
        )
      }
      const {package: zip} = this.options
      return preparePackage(source, locals[0], {package: zip, linux, work: this.work, name})
    })
    return this.building
  }
}
