// The command-line contract: every command, its flags and its args, read from the oclif command classes.
// test/commands.test.ts compares it with test/fixtures/commands.json; `npm run snapshot` rewrites that file.
import path from 'node:path'

import {Config} from '@oclif/core'

export const ROOT = path.resolve(import.meta.dirname, '..')
export const SNAPSHOT = path.join(ROOT, 'test/fixtures/commands.json')

/** What a flag promises a script; help text (summary, description) may change freely and is left out. */
const FLAG_KEYS = [
  'type',
  'char',
  'default',
  'options',
  'multiple',
  'exclusive',
  'dependsOn',
  'exactlyOne',
  'relationships',
  'required',
  'allowNo',
  'env',
  'min',
  'max',
] as const
const ARG_KEYS = ['required', 'default', 'options'] as const

function pick(from: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of keys) {
    const value = from[key]
    if (value === undefined || typeof value === 'function' || (Array.isArray(value) && value.length === 0)) continue
    if (value === false && key !== 'default') continue
    out[key] = value
  }
  return out
}

export interface CommandShape {
  id: string
  strict: boolean
  /** --json prints one document, or one JSON event per line (ChdCommand.ndjson). */
  json: 'document' | 'lines' | false
  args: Record<string, Record<string, unknown>>
  flags: Record<string, Record<string, unknown>>
}

/** chd's own commands (not plugins'), sorted, with their flags and args as the classes declare them. */
export async function commandSnapshot(): Promise<CommandShape[]> {
  // oclif loads commands from the TypeScript sources only outside production.
  process.env.NODE_ENV ??= 'test'
  const config = await Config.load({root: ROOT})
  const own = config.commands.filter((c) => c.pluginName === config.pjson.name).sort((a, b) => a.id.localeCompare(b.id))
  const shapes: CommandShape[] = []
  for (const cached of own) {
    const cls = await cached.load()
    const flags = Object.entries(cls.flags ?? {}).sort(([a], [b]) => a.localeCompare(b))
    const args = Object.entries(cls.args ?? {})
    shapes.push({
      id: cached.id.replaceAll(':', ' '),
      strict: cls.strict !== false,
      json: cls.enableJsonFlag ? ((cls as {ndjson?: boolean}).ndjson ? 'lines' : 'document') : false,
      args: Object.fromEntries(args.map(([name, arg]) => [name, pick(arg as Record<string, unknown>, ARG_KEYS)])),
      flags: Object.fromEntries(flags.map(([name, flag]) => [name, pick(flag as Record<string, unknown>, FLAG_KEYS)])),
    })
  }
  return shapes
}
