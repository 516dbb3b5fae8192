import assert from 'node:assert/strict'
import {execFile, execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {chmod, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'
import {pathToFileURL} from 'node:url'

import {FakeAzure} from './fake-azure/server.js'
import {goodApp, makeApp, tempDir} from './helpers/app.js'
import {goHandler, goSkip} from './helpers/go.js'
import {loadSchemas, schemaErrors} from './helpers/schemas.js'

/**
 * docs/ci.md as a pipeline runs it: every `npx chd` line of the blocks marked `<!-- ci: run -->`, in
 * the page's order, through a shell, against the local Azure fake, with the page's app names mapped
 * to the fake's apps (a Premium app with a staging slot, a Dedicated one, a Consumption one); the
 * JSON the page tells a pipeline to read is checked against its schema and its fields.
 */
const ROOT = path.resolve(import.meta.dirname, '..')
const DOC = readFileSync(path.join(ROOT, 'docs/ci.md'), 'utf8')
const TSX = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href
const NAMES: Record<string, string> = {
  'func-weu': 'demo-linux-premium',
  'func-eus': 'demo-linux-dedicated',
  'func-jpe': 'demo-linux-consumption',
  'rg-app': 'demo-rg',
  '$(Build.ArtifactStagingDirectory)': '.',
}

function marked(kind: string): Array<{mark: string; body: string}> {
  const out = []
  for (const m of DOC.matchAll(/<!-- ci: (.+?) -->\n```\w*\n([\s\S]*?)\n```/g))
    if (m[1].startsWith(kind)) out.push({mark: m[1], body: m[2]})
  return out
}

const mapNames = (text: string) => Object.entries(NAMES).reduce((t, [from, to]) => t.replaceAll(from, to), text)

/** The pipeline steps' chd commands, in order (`run:` in GitHub Actions, `inlineScript:` in Azure Pipelines). */
const COMMANDS = marked('run').flatMap((b) =>
  [...b.body.matchAll(/^\s*-?\s*(?:run|inlineScript): (npx chd .+)$/gm)].map((m) => mapNames(m[1])),
)

function sh(command: string, cwd: string, env: Record<string, string>) {
  return new Promise<{code: number; stdout: string; stderr: string}>((resolve) => {
    execFile('sh', ['-c', command], {cwd, env, timeout: 120_000}, (error, stdout, stderr) => {
      resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr})
    })
  })
}

const jq = (() => {
  try {
    execFileSync('jq', ['--version'], {stdio: 'ignore'})
    return true
  } catch {
    return false // jq is not part of the CI image; the JSON is still read below.
  }
})()

describe('docs/ci.md, its pipeline commands run against the fake', {skip: goSkip()}, () => {
  let fake: FakeAzure
  let env: Record<string, string>
  let dir: string
  const schemas = loadSchemas()
  const valid = (name: string, doc: unknown) => {
    const v = schemas.validator(name)
    assert.ok(v(doc), `${name}: ${schemaErrors(v)}`)
  }

  before(async () => {
    fake = await new FakeAzure().start()
    const bin = await tempDir('chd-bin-')
    // `npx chd` as in a repository that has chd in its devDependencies: this checkout, from its sources.
    const run = `"${process.execPath}" --import "${TSX}" "${path.join(ROOT, 'bin/run.js')}"`
    await writeFile(path.join(bin, 'npx'), `#!/bin/sh\nshift\nexec ${run} "$@"\n`)
    await chmod(path.join(bin, 'npx'), 0o755)
    env = {
      ...process.env,
      ...fake.env(),
      PATH: `${bin}:${process.env.PATH}`,
      NODE_ENV: 'test',
      NO_COLOR: '1',
      CHD_SETTINGS_SETTLE_MS: '0',
    }
    dir = await makeApp(goodApp({copy: await goHandler('linux-amd64')}))
    for (const b of marked('file ')) await writeFile(path.join(dir, b.mark.slice(5)), `${mapNames(b.body)}\n`)
  })
  after(() => fake.stop())

  test('the page shows the one-app, fleet, slot + swap and roll-back commands, for both CI systems', () => {
    assert.equal(COMMANDS.length, 6, COMMANDS.join('\n'))
    for (const flag of ['--apps-file', '--swap', '--smoke', '--json']) assert.ok(COMMANDS.some((c) => c.includes(flag)))
    assert.match(DOC, /azure\/login@v2/)
    assert.match(DOC, /AzureCLI@2/)
  })

  test('each command exits 0 in order, and writes the JSON the page says to read', async () => {
    for (const command of COMMANDS) {
      const r = await sh(command, dir, env)
      assert.equal(r.code, 0, `${command}\n${r.stderr.slice(-3000)}`)
    }
    const deployed = JSON.parse(await readFile(path.join(dir, 'deploy.json'), 'utf8'))
    valid('deploy', deployed)
    assert.equal(deployed.verify.worker, 'started')
    assert.match(deployed.package.sha256, /^[0-9a-f]{64}$/)

    const fleet = JSON.parse(await readFile(path.join(dir, 'fleet.json'), 'utf8'))
    valid('deploy-fleet', fleet)
    assert.equal(fleet.ok, true)
    assert.deepEqual(
      fleet.apps.map((a: {app: string; ok: boolean}) => [a.app, a.ok]),
      ['func-weu', 'func-eus', 'func-jpe'].map((n) => [NAMES[n], true]),
    )
    for (const app of fleet.apps) assert.equal(app.package.sha256, fleet.package.sha256)

    const release = JSON.parse(await readFile(path.join(dir, 'release.json'), 'utf8'))
    valid('deploy', release)
    assert.equal(release.slot, 'staging')
    assert.equal(release.swap.verify.worker, 'started')
    assert.equal(release.swap.rolledBack, undefined)

    if (jq) {
      const summary = /run: (jq .+fleet\.json)$/m.exec(DOC)![1]
      const r = await sh(summary, dir, env)
      assert.equal(r.stdout, fleet.apps.map((a: {app: string}) => `${a.app}: ok\n`).join(''))
    }
  })
})
