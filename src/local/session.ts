import path from 'node:path'

import {type FunctionApp, loadApp} from '../app/model.js'
import {openSource} from '../app/source.js'
import {buildContext} from '../checks/context.js'
import {packageSelection} from '../checks/run.js'
import {ChdError, ExitCode} from '../errors.js'
import {LocalHost, type LocalHostOptions, type StartupReport} from '../host/index.js'
import {targetProfile} from '../platform/targets.js'

/** Loads an app folder and starts its handler behind the local host; failures are ChdErrors. */
export async function startLocal(
  dir: string,
  options: LocalHostOptions,
): Promise<{app: FunctionApp; host: LocalHost; report: StartupReport}> {
  const source = await openSource(dir)
  if (source.kind !== 'folder') {
    await source.close()
    throw new ChdError('NOT_A_FOLDER', `${dir} is a package; chd runs a handler from its app folder`, {
      exit: ExitCode.usage,
    })
  }
  const app = await loadApp(source)
  if (!app.customHandler?.hasDescription) {
    throw new ChdError('CUSTOM_HANDLER_MISSING', `${path.join(dir, 'host.json')} has no customHandler.description`, {
      exit: ExitCode.failed,
      suggestions: [`chd doctor ${dir}`],
    })
  }
  const context = await buildContext(
    app,
    targetProfile(process.platform === 'win32' ? 'windows-x64' : 'linux-x64'),
    packageSelection(app),
  )
  const host = new LocalHost(app, path.resolve(dir), options)
  const report = await host.start(context.exeInfo)
  if (!report.ok) {
    await host.stop()
    throw new ChdError(report.failure!.code, report.failure!.message, {
      exit: ExitCode.failed,
      suggestions: [report.failure!.fix],
      details: {startup: report},
    })
  }
  return {app, host, report}
}

export function findFunction(app: FunctionApp, name: string) {
  const fn = app.functions.find((f) => f.name.toLowerCase() === name.toLowerCase())
  if (!fn) {
    throw new ChdError('FUNCTION_NOT_FOUND', `No function "${name}" in the app`, {
      exit: ExitCode.notFound,
      suggestions: [
        app.functions.length > 0
          ? `Functions: ${app.functions.map((f) => f.name).join(', ')}`
          : 'Add <function>/function.json',
      ],
    })
  }
  return fn
}
