import assert from 'node:assert/strict'
import path from 'node:path'
import {before, describe, test} from 'node:test'

import {ChdCommand} from '../src/base-command.js'
import {CATALOGUE} from '../src/checks/catalogue.js'
import {unusedPort} from '../src/host/launch.js'
import {goodApp, makeApp, tempDir} from './helpers/app.js'
import {chd} from './helpers/cli.js'
import {goHandler, goSkip} from './helpers/go.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const noStack = (text: string) => assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+\)?\n/, `stack trace in:\n${text}`)

describe('the chd CLI', () => {
  test('--help lists the commands; --version names chd', async () => {
    const help = await chd(['--help'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, /doctor\s+Judge a function app/)
    assert.match(help.stdout, /pack\s+Build the deployment zip/)
    const version = await chd(['--version'])
    assert.match(version.stdout, /^chd\/\d+\.\d+\.\d+ /)
  })

  test('doctor --list-checks prints the whole catalogue, also as JSON', async () => {
    const text = await chd(['doctor', '--list-checks'])
    for (const c of CATALOGUE) assert.match(text.stdout, new RegExp(`^${c.code}\\s`, 'm'))
    const json = await chd(['doctor', '--list-checks', '--json'])
    // The shape chd explain --json lists codes in, with only the findings.
    assert.deepEqual(
      json.json().codes.map((listed: {code: string; kind: string}) => [listed.code, listed.kind]),
      CATALOGUE.map((c) => [c.code, 'finding']),
    )
    assert.ok(json.json().groups.length > 0)
  })

  test('doctor on the bundled example exits 0 and says node needs the Node.js stack', async () => {
    const r = await chd(['doctor', 'examples/hello-node'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /SCRIPT_INTERPRETER_UNAVAILABLE/)
    assert.match(r.stdout, /0 error\(s\), 0 warning\(s\), 1 info/)
  })

  test('a missing folder: exit 4, one line, no stack', async () => {
    const r = await chd(['doctor', 'no/such/app'])
    assert.equal(r.code, 4)
    assert.match(r.stderr, /PATH_NOT_FOUND.*no\/such\/app/)
    noStack(r.stderr)
    const j = await chd(['doctor', 'no/such/app', '--json'])
    assert.equal(j.code, 4)
    assert.equal(j.json().error.code, 'PATH_NOT_FOUND')
  })

  test('usage errors exit 2 with a small JSON envelope', async () => {
    const r = await chd(['doctor', '--target', 'mips'])
    assert.equal(r.code, 2)
    noStack(r.stderr)
    const j = await chd(['doctor', '--target', 'mips', '--json'])
    assert.equal(j.code, 2)
    const doc = j.json()
    assert.deepEqual(Object.keys(doc), ['error'])
    assert.ok(j.stdout.length < 2000, 'the error envelope stays small')
    const glibc = await chd(['doctor', 'examples/hello-node', '--glibc', 'new'])
    assert.equal(glibc.code, 2)
    assert.match(glibc.stderr, /INVALID_GLIBC/)
  })

  test('an invalid host.json names file:line:col and exits 1 without a stack', async () => {
    const dir = await makeApp({'host.json': '{"version": "2.0",, }', 'hello/function.json': {bindings: []}})
    const r = await chd(['doctor', dir])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /HOST_JSON_INVALID\s+host\.json:1/)
    assert.match(r.stdout, /host\.json:1:19: /)
    noStack(r.stdout + r.stderr)
  })

  test('a bug (any error that is not a ChdError) still prints one Error [INTERNAL_ERROR] line, no stack', async () => {
    class Broken extends ChdCommand {
      async run(): Promise<void> {
        throw new RangeError('Maximum call stack size exceeded')
      }
    }
    const written: string[] = []
    // Saved to be put back as it was; it is never called unbound.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const write = process.stderr.write
    process.stderr.write = (chunk: string) => written.push(String(chunk)) > 0
    try {
      await Broken.run([], ROOT)
    } finally {
      process.stderr.write = write
    }
    assert.equal(process.exitCode, 1)
    process.exitCode = 0
    assert.match(written.join(''), /^Error \[INTERNAL_ERROR\]: Maximum call stack size exceeded\n {2}Try this: This/)
    noStack(written.join(''))
  })
})

describe('doctor and pack through the CLI', {skip: goSkip()}, () => {
  test('doctor --json: exactly one JSON document on stdout, nothing on stderr, exit 1 on errors', async () => {
    const good = await makeApp(goodApp({copy: await goHandler('linux-amd64')}))
    const ok = await chd(['doctor', good, '--json'])
    assert.equal(ok.code, 0)
    assert.equal(ok.stderr, '')
    const doc = ok.json()
    assert.equal(doc.ok, true)
    assert.equal(doc.target.name, 'linux-x64')
    assert.match(doc.executable.description, /ELF 64-bit x64, statically linked/)
    const bad = await makeApp(goodApp({copy: await goHandler('linux-arm64')}))
    const failed = await chd(['doctor', bad, '--json'])
    assert.equal(failed.code, 1)
    assert.equal(failed.json().findings[0].code, 'EXECUTABLE_WRONG_ARCH')
  })

  test('pack prints entries, bytes and sha256; --json gives the same', async () => {
    const dir = await makeApp(goodApp({copy: await goHandler('linux-amd64')}))
    const out = path.join(await tempDir(), 'p.zip')
    const r = await chd(['pack', dir, '-o', out])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /entries\s+3 /)
    assert.match(r.stdout, /sha256\s+[0-9a-f]{64}/)
    const j = await chd(['pack', dir, '-o', out, '--json'])
    const doc = j.json()
    assert.equal(doc.entries, 3)
    assert.equal(r.stdout.match(/sha256\s+([0-9a-f]{64})/)![1], doc.sha256)
  })

  test('pack refuses an app with errors: exit 1, the findings, no stack', async () => {
    const dir = await makeApp(goodApp({copy: await goHandler('windows-amd64')}))
    const r = await chd(['pack', dir, '-o', path.join(await tempDir(), 'x.zip')])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /EXECUTABLE_WRONG_OS/)
    assert.match(r.stderr, /--force/)
    noStack(r.stderr)
    const j = await chd(['pack', dir, '-o', path.join(await tempDir(), 'x.zip'), '--json'])
    assert.equal(j.code, 1)
    assert.equal(j.json().error.findings[0].code, 'EXECUTABLE_WRONG_OS')
  })
})

describe('the built CLI', {skip: goSkip()}, () => {
  // tsx relays SIGINT itself, so these run the built CLI (bin/run.js on the bundle in dist/) as users do. It is
  // built into a folder of its own: rebuilding the clone's dist/ would pull files from under other
  // test files that run at the same time and load it.
  const root = path.resolve(import.meta.dirname, '..')
  let build: string
  before(async () => {
    const {execFileSync} = await import('node:child_process')
    const {cp, symlink} = await import('node:fs/promises')
    build = await tempDir()
    await cp(path.join(root, 'bin'), path.join(build, 'bin'), {recursive: true})
    await cp(path.join(root, 'package.json'), path.join(build, 'package.json'))
    await symlink(path.join(root, 'node_modules'), path.join(build, 'node_modules'))
    execFileSync(process.execPath, [path.join(root, 'scripts/build.js'), build], {cwd: root})
  })

  test('Ctrl-C exits 130 and leaves no partial zip', async () => {
    const {spawn} = await import('node:child_process')
    const {readdir, writeFile} = await import('node:fs/promises')
    const dir = await makeApp(goodApp({copy: await goHandler('linux-amd64')}))
    const line = Buffer.from('the quick brown fox jumps over the lazy dog 0123456789\n')
    await writeFile(path.join(dir, 'big.txt'), Buffer.concat(Array.from({length: 1_200_000}, () => line)))
    const outDir = await tempDir()
    const child = spawn(
      process.execPath,
      [path.join(build, 'bin/run.js'), 'pack', dir, '-o', path.join(outDir, 'app.zip'), '--level', '9'],
      {
        cwd: build,
        env: {...process.env, NODE_ENV: 'production'},
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    let stderr = ''
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += d
        if (stderr.includes('- Packing') && !child.killed) child.kill('SIGINT')
      })
      child.on('close', resolve)
    })
    assert.equal(code, 130, stderr)
    assert.deepEqual(await readdir(outDir), [])
  })

  test('DEBUG=* prints the command line through the redacting logger, bundled oclif included', async () => {
    const {execFile} = await import('node:child_process')
    // Nothing listens there: the command fails after oclif has printed its debug lines.
    const env = {
      ...process.env,
      NODE_ENV: 'production',
      DEBUG: '*',
      CHD_ARM_ENDPOINT: `https://127.0.0.1:${await unusedPort()}`,
      CHD_ACCESS_TOKEN: 'x',
      AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000000',
    }
    const args = [path.join(build, 'bin/run.js'), 'settings', 'set', '--app', 'x', '-g', 'rg', 'K=s3cret-one']
    const r = await new Promise<{code: number | null; out: string}>((resolve) => {
      const child = execFile(process.execPath, args, {cwd: build, env, timeout: 60_000}, (_e, stdout, stderr) =>
        resolve({code: child.exitCode, out: stdout + stderr}),
      )
    })
    assert.notEqual(r.code, 0)
    assert.match(r.out, /oclif:main process\.argv/, 'debug output is on')
    assert.match(r.out, /K=\*\*\*/)
    assert.doesNotMatch(r.out, /s3cret/)
  })
})
