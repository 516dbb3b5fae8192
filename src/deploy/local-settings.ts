import {readFile} from 'node:fs/promises'

import {getCI, isObject, parseJsonc} from '../app/jsonc.js'
import {type ConnectionString, connectionStringType} from '../azure/settings.js'
import {ChdError, ExitCode, fsError} from '../errors.js'

/** What a local.settings.json gives a deploy: its Values and its ConnectionStrings, minus what only works locally. */
export interface LocalSettings {
  values: Record<string, string>
  connectionStrings: Record<string, ConnectionString>
}

const LOCAL_ONLY = 'UseDevelopmentStorage=true'

/**
 * Core Tools' file: Values is name → value; ConnectionStrings is name → value, or name →
 * {ConnectionString, ProviderName} (AppSettingsFile.GetConnectionStrings). A bad entry is named,
 * its value never shown.
 */
export async function readLocalSettings(file: string): Promise<LocalSettings> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw fsError(error, file, '--settings-file')
  }
  const doc = parseJsonc(file, text)
  if (doc.error) {
    throw new ChdError('SETTINGS_FILE_INVALID', `${file}:${doc.error.line}:${doc.error.column}: ${doc.error.message}`, {
      exit: ExitCode.usage,
      file,
      line: doc.error.line,
    })
  }
  const values: Record<string, string> = {}
  const section = getCI(doc.value, 'Values')
  for (const [k, v] of Object.entries(isObject(section) ? section : {})) {
    if (v === null || v === undefined || String(v) === LOCAL_ONLY) continue
    values[k] = String(v)
  }
  const connectionStrings: Record<string, ConnectionString> = {}
  const strings = getCI(doc.value, 'ConnectionStrings')
  for (const [name, entry] of Object.entries(isObject(strings) ? strings : {})) {
    const value = isObject(entry) ? getCI(entry, 'ConnectionString') : entry
    if (value === null || value === undefined || value === '' || value === LOCAL_ONLY) continue
    if (typeof value !== 'string') {
      const what =
        `ConnectionStrings.${name} is neither a string nor {"ConnectionString": "…"} (its value is not ` + 'shown)'
      throw new ChdError('SETTINGS_FILE_INVALID', `${file}: ${what}`, {exit: ExitCode.usage, file})
    }
    const provider = isObject(entry) ? getCI(entry, 'ProviderName') : undefined
    const type = connectionStringType(value, typeof provider === 'string' ? provider : undefined)
    connectionStrings[name] = {value, type}
  }
  return {values, connectionStrings}
}
