// How chd hands itself to oclif, for bin/run.js and bin/dev.js.
import {existsSync} from 'node:fs'
import path from 'node:path'

import {redactingLogger} from './debug-log.js'

const root = path.resolve(import.meta.dirname, '..')

/** Run from TypeScript sources (see below), not from the bundle in dist/. */
export function fromSources() {
  return ['development', 'test'].includes(process.env.NODE_ENV ?? '') && existsSync(path.join(root, 'tsconfig.json'))
}

/**
 * Built (the usual case): oclif reads oclif.manifest.json, which every build writes beside dist/,
 * so `chd --help` imports no command. From TypeScript sources (bin/dev.js; the tests run bin/run.js
 * with NODE_ENV=test, and oclif then maps dist/ back to sources in a clone) that manifest describes
 * the last build, not the sources: its help would be stale and its paths point into dist/. There
 * the manifest is ignored and every command is read from its source.
 */
export async function loadOptions({development = false} = {}) {
  // oclif reads sources only outside production; bin/dev.js says so before oclif loads anything.
  if (development) process.env.NODE_ENV = 'development'
  const logger = redactingLogger()
  if (!fromSources()) return {root, logger}
  const [{Config, Plugin}, {setLogger}] = await Promise.all([import('@oclif/core'), import('@oclif/core/logger')])
  // oclif keeps the first logger anything asks for: the plugin below would install its own,
  // which prints KEY=VALUE arguments as they are.
  setLogger({logger})
  const plugin = new Plugin({root, isRoot: true, ignoreManifest: true})
  await plugin.load()
  // Given the root plugin, oclif loads the others (help, not-found) only when forced to.
  const config = new Config({root, logger, plugins: new Map([[plugin.name, plugin]])})
  await config.load()
  await config.loadPluginsAndCommands({force: true})
  return config
}
