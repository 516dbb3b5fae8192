// Writes oclif.manifest.json from dist/ (npm run build runs it after bundling, so every install path
// has it and it always describes the build beside it). With it, `chd --help` reads each command's
// help from one file instead of importing every command. This is what `oclif manifest` does,
// without starting the oclif tool (2 s) and its npm update check on every build.
import {writeFileSync} from 'node:fs'
import path from 'node:path'

// Production, whatever the shell says: the manifest must name dist/, never TypeScript sources.
process.env.NODE_ENV = 'production'
const {Plugin} = await import('@oclif/core')

const root = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..'))
const plugin = new Plugin({
  root,
  type: 'core',
  ignoreManifest: true,
  errorOnManifestCreate: true,
  respectNoCacheDefault: true,
})
await plugin.load()
writeFileSync(path.join(root, 'oclif.manifest.json'), `${JSON.stringify(plugin.manifest, null, 2)}\n`)
