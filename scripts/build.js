// npm run build (and so `prepare`, which every install path runs): dist/ and oclif.manifest.json,
// both made afresh, never committed. chd's commands and @oclif/core are bundled into one ES module,
// dist/commands/index.js, so a command loads a handful of files instead of ~150; what the commands
// import lazily (the Azure SDKs, the spinner, the zip reader, rarely used parts of chd) goes to chunks
// of its own, loaded only when a command needs it. `node scripts/build.js DIR` builds into DIR
// instead (a folder holding package.json and node_modules), as a test that must not touch dist/ does.
import {execFileSync} from 'node:child_process'
import {readdirSync, rmSync} from 'node:fs'
import path from 'node:path'

import {build} from 'esbuild'

const source = path.resolve(import.meta.dirname, '..')
const root = path.resolve(process.argv[2] ?? source)
for (const p of ['dist', 'oclif.manifest.json']) rmSync(path.join(root, p), {recursive: true, force: true})

const commands = readdirSync(path.join(source, 'commands'), {recursive: true, encoding: 'utf8'})
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({in: `commands/${f}`, out: `commands/${f.slice(0, -3)}`}))

/** dist/oclif.js, what bin/run.js starts: oclif's execute as a named export (its own module is CommonJS). */
const oclifEntry = {
  name: 'oclif-entry',
  setup(b) {
    b.onResolve({filter: /^oclif-entry$/}, () => ({path: 'oclif-entry', namespace: 'oclif-entry'}))
    b.onLoad({filter: /.*/, namespace: 'oclif-entry'}, () => ({
      contents: "export {execute} from '@oclif/core/execute'",
      resolveDir: source,
    }))
  },
}

await build({
  absWorkingDir: source,
  entryPoints: [{in: 'oclif-entry', out: 'oclif'}, ...commands],
  outdir: path.join(root, 'dist'),
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  // Code two entry points share (oclif above all) lives in one chunk, so it is one module in memory.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // ES modules first: jsonc-parser's CommonJS entry is a UMD wrapper whose requires a bundler cannot follow.
  mainFields: ['module', 'main'],
  // Large, and imported only inside run() where a command needs them; plugins load their own oclif.
  // TypeScript and ts-node: oclif reads tsconfig.json with them only when run from sources.
  external: ['@azure/*', 'ora', 'yauzl', 'undici', '@oclif/plugin-*', 'typescript', 'ts-node'],
  // oclif is CommonJS: in an ES module it needs require and __dirname as Node gives CommonJS files.
  banner: {
    js: [
      "import {createRequire as __chdRequire} from 'node:module'",
      "import {fileURLToPath as __chdPath} from 'node:url'",
      'const require = __chdRequire(import.meta.url)',
      'const __filename = __chdPath(import.meta.url)',
      "const __dirname = __chdPath(new URL('.', import.meta.url))",
    ].join(';'),
  },
  plugins: [oclifEntry],
  logLevel: 'warning',
})
// The manifest describes the bundle just written (a separate process: it must load that bundle fresh).
execFileSync(process.execPath, [path.join(source, 'scripts/manifest.js'), root], {stdio: 'inherit'})
