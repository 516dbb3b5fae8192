import {getCI, isObject, keyCI, lineOf} from '../app/jsonc.js'
import {customHandlerOverrides, HOST_VARIABLES} from '../app/model.js'
import {resolveDirectory, resolveWorkerPath} from '../app/resolve.js'
import {bundleRules} from './bundle.js'
import {type CheckContext, finding} from './context.js'
import type {Finding} from './finding.js'
import {chooseRuntime, neededPrograms} from './runtime.js'

/** Variables Azure sets in every Functions host environment, so %NAME% of these expands on Azure. */
const PLATFORM_VARIABLES = [
  'HOME',
  'PATH',
  'WEBSITE_SITE_NAME',
  'WEBSITE_HOSTNAME',
  'WEBSITE_INSTANCE_ID',
  'WEBSITE_RESOURCE_GROUP',
  'WEBSITE_OWNER_NAME',
  'WEBSITE_SKU',
  'REGION_NAME',
  'FUNCTIONS_EXTENSION_VERSION',
  'FUNCTIONS_WORKER_RUNTIME',
  'AzureWebJobsStorage',
  'AzureWebJobsScriptRoot',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'TEMP',
  'TMP',
]

export function hostJsonRules(ctx: CheckContext): Finding[] {
  const {app} = ctx
  const out: Finding[] = []
  const doc = app.hostJson
  if (!doc) {
    if (app.source.entries.some((e) => /(^|\/)host\.json$/i.test(e.path))) {
      const nested = app.source.entries.find((e) => /(^|\/)host\.json$/i.test(e.path))!.path
      out.push(
        finding('HOST_JSON_MISSING', `host.json is not at the root of ${app.source.location}; found ${nested}`, {
          fix:
            app.source.kind === 'zip'
              ? 'Zip the contents of the app folder, not the folder itself (chd pack does this)'
              : 'Point chd at the folder that holds host.json',
        }),
      )
    } else {
      out.push(
        finding('HOST_JSON_MISSING', `No host.json in ${app.source.location}`, {
          fix: 'Add a host.json with "version": "2.0" and a customHandler section',
        }),
      )
    }
    return out
  }
  if (doc.error) {
    out.push(
      finding('HOST_JSON_INVALID', `host.json:${doc.error.line}:${doc.error.column}: ${doc.error.message}`, {
        file: 'host.json',
        line: doc.error.line,
        fix: 'Fix the JSON syntax at that position',
      }),
    )
    return out
  }
  if (!isObject(doc.value)) {
    out.push(finding('HOST_JSON_INVALID', 'host.json must hold a JSON object', {file: 'host.json', line: 1}))
    return out
  }
  const version = getCI(doc.value, 'version')
  if (version !== '2.0') {
    out.push(
      finding(
        'HOST_JSON_INVALID',
        version === undefined
          ? 'host.json has no "version" property; the host refuses it'
          : `host.json "version" is ${JSON.stringify(version)}; the v4 host needs "2.0"`,
        {
          file: 'host.json',
          line: lineOf(doc, ['version']),
          fix: 'Set "version": "2.0"',
        },
      ),
    )
  }
  out.push(...bundleRules(ctx))
  return out
}

export function customHandlerRules(ctx: CheckContext): Finding[] {
  const {app, target} = ctx
  const doc = app.hostJson
  if (!doc || doc.error || !isObject(doc.value)) return []
  const {customHandler} = app
  const out: Finding[] = []
  if (!customHandler || !customHandler.hasDescription) {
    out.push(
      finding(
        'CUSTOM_HANDLER_MISSING',
        customHandler
          ? `host.json "${customHandler.section}" has no "description" object`
          : 'host.json has no "customHandler" section, so the host runs no custom handler',
        {
          file: 'host.json',
          line: lineOf(doc, customHandler ? [customHandler.section] : []),
          fix: 'Add "customHandler": {"description": {"defaultExecutablePath": "handler"}} to host.json',
        },
      ),
    )
    return out
  }
  const line = (key: string, section = true) =>
    lineOf(doc, section ? [customHandler.section, 'description', key] : [customHandler.section, key])
  if (customHandler.section === 'httpWorker') {
    out.push(
      finding(
        'CUSTOM_HANDLER_LEGACY_SECTION',
        'host.json uses the deprecated "httpWorker" section; requests are then forwarded as /{FunctionName}',
        {
          file: 'host.json',
          line: lineOf(doc, ['httpWorker']),
          fix:
            'Rename the section to "customHandler" (and set enableForwardingHttpRequest if you relied on ' +
            'forwarding)',
        },
      ),
    )
  }
  if (ctx.exe.kind === 'empty') {
    out.push(
      finding(
        'EXECUTABLE_PATH_EMPTY',
        customHandler.defaultExecutablePath
          ? `defaultExecutablePath "${customHandler.defaultExecutablePath}" is empty once %VAR% are expanded`
          : 'customHandler.description has no defaultExecutablePath',
        {
          file: 'host.json',
          line: line('defaultExecutablePath'),
          fix: 'Set "defaultExecutablePath" to the handler binary, e.g. "handler" (Linux) or "handler.exe" (Windows)',
        },
      ),
    )
  }
  for (const key of ['workerDirectory', 'workingDirectory'] as const) {
    const written = customHandler[key]
    if (!written) continue
    const dir = resolveDirectory(app, written, target.os)
    if (dir.kind === 'app' && dir.path && !app.source.hasDir(dir.path)) {
      out.push(
        finding(
          'WORKING_DIRECTORY_MISSING',
          `${key} "${written}" is not a folder of the ` +
            `app${key === 'workingDirectory' ? ': the process fails to start with "No such file or directory"' : ''}`,
          {
            file: 'host.json',
            line: line(key),
            fix: `Create ${dir.path}/ in the app or correct ${key}`,
          },
        ),
      )
    }
  }
  const worker = resolveWorkerPath(app, target.os)
  if (worker?.kind === 'missing') {
    out.push(
      finding(
        'WORKER_PATH_NOT_FOUND',
        `defaultWorkerPath "${customHandler.defaultWorkerPath}" resolves to ${worker.path}, which is not ` +
          `in the app${worker.hint ? ` (${worker.hint})` : ''}`,
        {
          file: 'host.json',
          line: line('defaultWorkerPath'),
          fix: 'defaultWorkerPath is opened relative to workingDirectory; correct the path',
        },
      ),
    )
  }
  out.push(...pathVariableRules(ctx))
  out.push(
    ...argumentRules(ctx, 'arguments', customHandler.arguments),
    ...argumentRules(ctx, 'workerArguments', customHandler.workerArguments),
  )
  return out
}

/** %NAME% in the description's paths that only local.settings.json defines: Azure must have it too. */
function pathVariableRules(ctx: CheckContext): Finding[] {
  const {app} = ctx
  const customHandler = app.customHandler!
  const out: Finding[] = []
  for (const key of ['defaultExecutablePath', 'defaultWorkerPath', 'workingDirectory', 'workerDirectory'] as const) {
    for (const m of (customHandler[key] ?? '').matchAll(/%([^%]+)%/g)) {
      if (unsetVariable(app, m[1]) !== 'local-only') continue
      out.push(
        finding(
          'ARGUMENT_VARIABLE_UNSET',
          `${key} "${customHandler[key]}" uses %${m[1]}%, which only local.settings.json sets; it was ` +
            `judged with that value, but local.settings.json is never deployed`,
          {
            file: 'host.json',
            line: lineOf(app.hostJson, [customHandler.section, 'description', key]),
            severity: 'info',
            fix:
              `Make ${m[1]} an app setting on Azure: chd deploy --setting ${m[1]}=… (or --settings-file ` +
              `local.settings.json)`,
          },
        ),
      )
    }
  }
  return out
}

function argumentRules(ctx: CheckContext, key: 'arguments' | 'workerArguments', args: string[]): Finding[] {
  const {app} = ctx
  const customHandler = app.customHandler!
  const out: Finding[] = []
  args.forEach((arg, i) => {
    const line = lineOf(app.hostJson, [customHandler.section, 'description', key, i])
    // The host deletes whatever its regex %(.+?)% still matches after expansion.
    for (const m of arg.matchAll(/%(.+?)%/g)) {
      const problem = unsetVariable(app, m[1])
      if (!problem) continue
      const what = `${key}[${i}] "${arg}"`
      if (problem === 'local-only') {
        out.push(
          finding(
            'ARGUMENT_VARIABLE_UNSET',
            `${what} uses %${m[1]}%, which only local.settings.json sets; local.settings.json is never ` +
              `deployed, so on Azure it must be an app setting or the host deletes it`,
            {
              file: 'host.json',
              line,
              severity: 'info',
              fix:
                `Make ${m[1]} an app setting: chd deploy --setting ${m[1]}=… (or --settings-file ` +
                `local.settings.json)`,
            },
          ),
        )
      } else {
        const looksLikeVariable = /^[A-Za-z_][A-Za-z0-9_]*$/.test(m[1])
        const setters = app.settingsFrom === 'azure' ? 'neither the app settings nor the host set' : 'nothing sets'
        out.push(
          finding(
            'ARGUMENT_VARIABLE_UNSET',
            looksLikeVariable
              ? `${what} uses %${m[1]}%, which ${setters}: the host deletes it silently`
              : `${what} contains "${m[0]}", which the host deletes as an unset variable`,
            {
              file: 'host.json',
              line,
              fix: looksLikeVariable
                ? `Define ${m[1]} as an app setting (and in local.settings.json Values), or drop it`
                : 'Avoid a pair of % signs in arguments, or read the value from an app setting in the handler',
            },
          ),
        )
      }
    }
    if (/[\s"]/.test(arg)) {
      out.push(
        finding(
          'ARGUMENT_SPLIT',
          `${key}[${i}] "${arg}" contains ${/"/.test(arg) ? 'quotes' : 'spaces'}: the host joins all ` +
            `arguments into one command line and splits it again, so this ` +
            `becomes ${arg.trim().split(/\s+/).length} arguments`,
          {
            file: 'host.json',
            line,
            fix: 'Give each word its own array element',
          },
        ),
      )
    }
  })
  return out
}

/**
 * Whether %NAME% expands on Azure: undefined when it does (an app setting there, or a variable the
 * host or platform sets), 'local-only' when only local.settings.json has it and the app's Azure
 * settings are not known, 'unset' otherwise.
 */
function unsetVariable(app: CheckContext['app'], name: string): 'local-only' | 'unset' | undefined {
  const has = (names: Iterable<string>) => [...names].some((k) => k.toLowerCase() === name.toLowerCase())
  if (has(Object.keys(app.settings)) || has(HOST_VARIABLES) || has(PLATFORM_VARIABLES)) return undefined
  if (app.settingsFrom === 'unknown' && has(Object.keys(app.localValues))) return 'local-only'
  return 'unset'
}

export function settingsRules(ctx: CheckContext): Finding[] {
  const doc = ctx.app.localSettings
  if (!doc) return []
  if (doc.error) {
    return [
      finding(
        'LOCAL_SETTINGS_INVALID',
        `local.settings.json:${doc.error.line}:${doc.error.column}: ${doc.error.message}`,
        {file: 'local.settings.json', line: doc.error.line, fix: 'Fix the JSON syntax at that position'},
      ),
    ]
  }
  return [...runtimeRules(ctx), ...localOverrideRules(ctx)]
}

function runtimeRules(ctx: CheckContext): Finding[] {
  const doc = ctx.app.localSettings!
  const runtimeKey = Object.keys(ctx.app.localValues).find((k) => k.toLowerCase() === 'functions_worker_runtime')
  const runtime = runtimeKey === undefined ? undefined : ctx.app.localValues[runtimeKey]
  if (runtime === undefined) return []
  const choice = chooseRuntime(ctx.target.os, runtime, {runtime: runtime.toLowerCase()}, neededPrograms(ctx))
  if (choice.keep) return []
  return [
    finding(
      'WORKER_RUNTIME_MISMATCH',
      `local.settings.json sets FUNCTIONS_WORKER_RUNTIME to "${runtime}", which supplies nothing this ` +
        `handler needs; a custom handler app runs with "custom" (a language stack is kept only when its ` +
        `image provides the handler's interpreter)`,
      {
        file: 'local.settings.json',
        line: lineOf(doc, ['Values', runtimeKey!]),
        fix: 'Set "FUNCTIONS_WORKER_RUNTIME": "custom" (chd deploy sets it on Azure)',
      },
    ),
  ]
}

/** Keys whose values are paths or switches, safe to quote; others (arguments) may carry secrets. */
const QUOTABLE =
  /^(description__)?(defaultexecutablepath|defaultworkerpath|workingdirectory|workerdirectory|port|initializationtimeout|enable\w+)$/i

/**
 * AzureFunctionsJobHost__customHandler__… in local.settings.json changes the handler only where
 * the app runs locally (Core Tools, chd start): say so when it differs from host.json.
 */
function localOverrideRules(ctx: CheckContext): Finding[] {
  const {app} = ctx
  const {customHandler} = app
  const section = customHandler?.section ?? 'customHandler'
  const out: Finding[] = []
  for (const o of customHandlerOverrides(app.localValues)) {
    const inHost = getPath(app.hostJson?.value, [section, ...o.keys])
    const hostText = inHost === undefined ? undefined : typeof inHost === 'string' ? inHost : JSON.stringify(inHost)
    if (hostText === o.value) continue
    const live = keyCI(app.settings, o.setting) !== undefined
    const quote = QUOTABLE.test(o.keys.join('__'))
    const local = quote ? ` = "${o.value}"` : ''
    const host =
      hostText === undefined ? 'nothing in host.json' : quote ? `host.json's "${hostText}"` : "host.json's value"
    out.push(
      finding(
        'LOCAL_SETTING_OVERRIDE',
        `local.settings.json sets ${o.setting}${local}, which replaces ${host} when the app runs locally; ` +
          (live
            ? 'the app settings on Azure set it too'
            : 'on Azure host.json applies unless the app has that setting'),
        {
          file: 'local.settings.json',
          line: lineOf(app.localSettings, ['Values', o.setting]),
          fix: live
            ? undefined
            : `If Azure needs the same value, put it in host.json, or set the app setting (chd deploy ` +
              `--setting ${o.setting}=…)`,
        },
      ),
    )
  }
  return out
}

function getPath(value: unknown, keys: string[]): unknown {
  let v = value
  for (const k of keys) v = getCI(v, k)
  return v
}
