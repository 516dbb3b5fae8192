/**
 * Failures users reported in the trackers (Core Tools, the host, functions-action), each reproduced
 * with real binaries where the failure is a binary, and caught before anything is uploaded.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {chmod} from 'node:fs/promises'
import path from 'node:path'
import {describe, test} from 'node:test'
import {promisify} from 'node:util'

import type {Finding} from '../src/checks/finding.js'
import {runDoctor} from '../src/doctor/index.js'
import {pack} from '../src/pack/index.js'
import type {Plan} from '../src/platform/targets.js'
import {silentProgress} from '../src/progress.js'
import {type FileSpec, goodApp, hostJson, HTTP_FUNCTION, makeApp, tempDir} from './helpers/app.js'
import {goHandler, goSkip} from './helpers/go.js'

const run = promisify(execFile)
const skip = goSkip()
const go = async (variant: Parameters<typeof goHandler>[0], mode = 0o755) => ({copy: await goHandler(variant), mode})

async function doctor(
  files: Record<string, FileSpec>,
  options: {plan?: Plan; path?: (dir: string) => Promise<string>} = {},
): Promise<Finding[]> {
  const dir = await makeApp(files)
  const target = options.path ? await options.path(dir) : dir
  return (await runDoctor({path: target, target: 'linux-x64', plan: options.plan, start: false}, silentProgress))
    .findings
}

const only = (fs: Finding[], code: string) => {
  const hit = fs.filter((f) => f.code === code)
  assert.equal(hit.length, 1, `expected one ${code}: ${JSON.stringify(fs, null, 1)}`)
  return hit[0]
}
const none = (fs: Finding[], code: string) =>
  assert.deepEqual(
    fs.filter((f) => f.code === code),
    [],
  )

describe('executables besides the handler (host#6160, host#6051, functions-action#274)', {skip}, () => {
  test(
    'a bundled bin/ffmpeg loses its bit on Linux Consumption and Flex: named, with fixes ' + 'that work there',
    async () => {
      const app = goodApp(await go('linux-amd64'), {
        'bin/ffmpeg': await go('linux-amd64'),
        'tools/jq.sh': {content: '#!/bin/sh\necho\n', mode: 0o755},
      })
      for (const plan of ['consumption', 'flex'] as const) {
        const f = only(await doctor(app, {plan}), 'BUNDLED_EXECUTABLE_LOSES_BIT')
        assert.match(f.message, /bin\/ffmpeg \(elf\), tools\/jq\.sh \(script\)/)
        assert.match(f.fix!, /chmod them at start/)
      }
      none(await doctor(app, {plan: 'premium'}), 'BUNDLED_EXECUTABLE_LOSES_BIT')
    },
  )

  test('without its execute bit a bundled binary is named on every plan; node_modules tools are not', async () => {
    const fs = await doctor(
      goodApp(await go('linux-amd64'), {
        'bin/ffmpeg': await go('linux-amd64', 0o644),
        'node_modules/x/cli.js': {content: '#!/usr/bin/env node\n', mode: 0o644},
      }),
    )
    const f = only(fs, 'BUNDLED_EXECUTABLE_LOSES_BIT')
    assert.match(f.message, /bin\/ffmpeg \(mode 644\)/)
    assert.doesNotMatch(f.message, /node_modules/)
    assert.equal(f.fix, 'chmod +x bin/ffmpeg')
  })

  test(
    'an arm64 helper is named; prebuilt variants for other platforms in folders named after ' + 'them are not',
    async () => {
      const fs = await doctor(
        goodApp(await go('linux-amd64'), {
          'bin/tool': await go('linux-arm64'),
          'node_modules/pkg/prebuilds/linux-arm64/tool': await go('linux-arm64'),
        }),
      )
      const f = only(fs, 'BUNDLED_BINARY_INCOMPATIBLE')
      assert.match(f.message, /bin\/tool \(arm64\)/)
      assert.doesNotMatch(f.message, /prebuilds/)
    },
  )
})

describe('bundled native libraries (.so, .node)', {skip}, () => {
  test('a native addon built against a newer glibc (GLIBC_2.34 on a 2.31 platform) is named', async () => {
    const f = only(
      await doctor(
        goodApp(await go('linux-amd64'), {
          'node_modules/addon/build/Release/addon.node': await go('linux-amd64-cshared', 0o644),
        }),
      ),
      'BUNDLED_BINARY_INCOMPATIBLE',
    )
    assert.match(f.message, /newer glibc than the platform's 2\.31: .*addon\.node \(GLIBC_2\.\d+\)/)
    assert.equal(f.file, 'node_modules/addon/build/Release/addon.node')
    // A library is loaded, not executed: no exec-bit finding for it.
    none(
      await doctor(goodApp(await go('linux-amd64'), {'lib/libaddon.so': await go('linux-amd64-cshared', 0o644)}), {
        plan: 'flex',
      }),
      'BUNDLED_EXECUTABLE_LOSES_BIT',
    )
  })
})

describe('files the host must read (host#11528)', {skip}, () => {
  test('host.json at mode 000 and a function.json at 0220 in a hand-made zip are errors', async () => {
    const fs = await doctor(goodApp(await go('linux-amd64')), {
      path: async (dir) => {
        await chmod(path.join(dir, 'host.json'), 0o000)
        await chmod(path.join(dir, 'hello/function.json'), 0o220)
        const zip = path.join(await tempDir(), 'app.zip')
        await run('zip', ['-q', '-r', zip, 'host.json', 'hello', 'handler'], {cwd: dir})
        return zip
      },
    })
    const unreadable = fs.filter((f) => f.code === 'FILE_NOT_READABLE')
    assert.deepEqual(
      unreadable.map((f) => [f.file, f.severity]),
      [
        ['hello/function.json', 'error'],
        ['host.json', 'error'],
      ],
    )
    assert.match(unreadable[1].message, /Access to the path '\/home\/site\/wwwroot\/host\.json' is denied/)
  })
})

describe('.funcignore whitelists (core-tools#4240)', () => {
  test(
    '"*" then "!HttpTrigger/function.json": the fix re-includes the folder first, as tried with the same ' + 'engine',
    async () => {
      const fs = await doctor({
        'host.json': hostJson(),
        'HttpTrigger/function.json': HTTP_FUNCTION,
        handler: {content: '#!/bin/sh\nexec sleep 1\n', mode: 0o755},
        '.funcignore': '*\n!host.json\n!handler\n!HttpTrigger/function.json\n',
      })
      const f = fs.find((x) => x.code === 'EXECUTABLE_NOT_PACKED' && /HttpTrigger/.test(x.message))!
      assert.equal(f.fix, 'Add these lines at the end of .funcignore: !HttpTrigger/')
    },
  )

  test('after the fix the package holds the function', async () => {
    const dir = await makeApp({
      'host.json': hostJson(),
      'HttpTrigger/function.json': HTTP_FUNCTION,
      handler: {content: '#!/bin/sh\nexec sleep 1\n', mode: 0o755},
      '.funcignore': '*\n!host.json\n!handler\n!HttpTrigger/function.json\n!HttpTrigger/\n',
    })
    const r = await pack({dir, output: path.join(await tempDir(), 'app.zip'), target: 'linux-x64'}, silentProgress)
    assert.equal(r.entries, 3)
  })
})
