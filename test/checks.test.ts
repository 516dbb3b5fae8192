import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {bundleMaxMajor, bundleRangeTop} from '../src/checks/bundle.js'
import {CATALOGUE} from '../src/checks/catalogue.js'
import type {Finding} from '../src/checks/finding.js'
import {runDoctor} from '../src/doctor/index.js'
import {silentProgress} from '../src/progress.js'
import {type FileSpec, goodApp, hostJson, HTTP_FUNCTION, makeApp} from './helpers/app.js'
import {elfWithInterpreter, guiPe} from './helpers/elf.js'
import {goHandler, goSkip} from './helpers/go.js'

async function findings(
  files: Record<string, FileSpec>,
  options: {target?: string; glibc?: string; plan?: 'consumption'} = {},
): Promise<Finding[]> {
  const dir = await makeApp(files)
  const result = await runDoctor(
    {path: dir, target: options.target ?? 'linux-x64', glibc: options.glibc, plan: options.plan},
    silentProgress,
  )
  return result.findings
}

const codes = (fs: Finding[]) => fs.map((f) => f.code)

function expectOnly(fs: Finding[], code: string): Finding {
  const hit = fs.filter((f) => f.code === code)
  assert.equal(hit.length, 1, `expected one ${code}, got: ${JSON.stringify(fs, null, 1)}`)
  return hit[0]
}

const skip = goSkip()
const linux = () => goHandler('linux-amd64').then((copy) => ({copy}))
const TEXT_HANDLER = {content: '#!/bin/sh\nexec sleep 1\n', mode: 0o755}

describe('good apps report nothing', {skip}, () => {
  test('static linux/amd64 Go handler with its execute bit', async () => {
    assert.deepEqual(await findings(goodApp(await linux())), [])
  })
  test('windows/amd64 handler.exe for windows-x64', async () => {
    const exe = await goHandler('windows-amd64')
    const fs = await findings(
      {
        ...goodApp({copy: exe}),
        handler: '',
        'host.json': hostJson({defaultExecutablePath: 'handler.exe'}),
        'handler.exe': {copy: exe},
      },
      {target: 'windows-x64'},
    )
    assert.deepEqual(fs, [])
  })
  test('cgo build is fine when the platform glibc is new enough', async () => {
    assert.deepEqual(await findings(goodApp({copy: await goHandler('linux-amd64-cgo')}), {glibc: '2.36'}), [])
  })
  test('a #!/bin/sh script handler with LF endings', async () => {
    assert.deepEqual(await findings(goodApp(TEXT_HANDLER)), [])
  })
})

describe('each finding code is triggered', {skip}, () => {
  test('HOST_JSON_MISSING, also when host.json sits one folder too deep', async () => {
    expectOnly(await findings({'hello/function.json': HTTP_FUNCTION}), 'HOST_JSON_MISSING')
    const nested = expectOnly(
      await findings({'app/host.json': hostJson(), 'app/hello/function.json': HTTP_FUNCTION}),
      'HOST_JSON_MISSING',
    )
    assert.match(nested.message, /app\/host\.json/)
  })

  test('HOST_JSON_INVALID names line and column; comments and trailing commas are accepted', async () => {
    const f = expectOnly(
      await findings(
        goodApp(await linux(), {
          'host.json':
            '{\n  "version": "2.0"\n  "customHandler": {"description": {"defaultExecutablePath": "handler"}}\n}\n',
        }),
      ),
      'HOST_JSON_INVALID',
    )
    assert.equal(f.file, 'host.json')
    assert.equal(f.line, 3)
    assert.match(f.message, /^host\.json:3:3: a ',' is expected/)
    const ok = await findings(
      goodApp(await linux(), {
        'host.json':
          '// comment\n{"version": "2.0", /* c */ "customHandler": {"description": ' +
          '{"defaultExecutablePath": "handler",},},}\n',
      }),
    )
    assert.deepEqual(ok, [])
    const v = expectOnly(
      await findings(
        goodApp(await linux(), {
          'host.json': {version: '1.0', customHandler: {description: {defaultExecutablePath: 'handler'}}},
        }),
      ),
      'HOST_JSON_INVALID',
    )
    assert.match(v.message, /"2\.0"/)
  })

  test('CUSTOM_HANDLER_MISSING and the legacy httpWorker section', async () => {
    expectOnly(await findings(goodApp(await linux(), {'host.json': {version: '2.0'}})), 'CUSTOM_HANDLER_MISSING')
    expectOnly(
      await findings(goodApp(await linux(), {'host.json': {version: '2.0', customHandler: {}}})),
      'CUSTOM_HANDLER_MISSING',
    )
    expectOnly(
      await findings(
        goodApp(await linux(), {
          'host.json': {version: '2.0', httpWorker: {description: {defaultExecutablePath: 'handler'}}},
        }),
      ),
      'CUSTOM_HANDLER_LEGACY_SECTION',
    )
  })

  test('host.json keys bind case-insensitively, like the host', async () => {
    assert.deepEqual(
      await findings(
        goodApp(await linux(), {
          'host.json': {Version: '2.0', CustomHandler: {Description: {DefaultExecutablePath: 'handler'}}},
        }),
      ),
      [],
    )
  })

  test('EXECUTABLE_PATH_EMPTY: missing, or empty after %VAR% expansion', async () => {
    expectOnly(await findings(goodApp(await linux(), {'host.json': hostJson({})})), 'EXECUTABLE_PATH_EMPTY')
    expectOnly(
      await findings(
        goodApp(await linux(), {
          'host.json': hostJson({defaultExecutablePath: '%HANDLER%'}),
          'local.settings.json': {Values: {FUNCTIONS_WORKER_RUNTIME: 'custom', HANDLER: ''}},
        }),
      ),
      'EXECUTABLE_PATH_EMPTY',
    )
  })

  test(
    '%VAR% in defaultExecutablePath set only by local.settings.json: judged with it, and ' + 'Azure must have it',
    async () => {
      const fs = await findings(
        goodApp(await linux(), {
          'host.json': hostJson({defaultExecutablePath: '%HANDLER%'}),
          'local.settings.json': {Values: {FUNCTIONS_WORKER_RUNTIME: 'custom', HANDLER: 'handler'}},
        }),
      )
      const f = expectOnly(fs, 'ARGUMENT_VARIABLE_UNSET')
      assert.equal(f.severity, 'info')
      assert.match(f.message, /only local\.settings\.json sets/)
      assert.deepEqual(
        fs.filter((x) => x.severity !== 'info'),
        [],
      )
    },
  )

  test('EXECUTABLE_NOT_FOUND: missing path, unknown command, case and .exe near misses', async () => {
    const missing = expectOnly(
      await findings(goodApp(await linux(), {'host.json': hostJson({defaultExecutablePath: 'bin/handler'})})),
      'EXECUTABLE_NOT_FOUND',
    )
    assert.equal(missing.line, 5)
    expectOnly(
      await findings(goodApp(await linux(), {'host.json': hostJson({defaultExecutablePath: 'my-server'})})),
      'EXECUTABLE_NOT_FOUND',
    )
    const cased = expectOnly(
      await findings(goodApp(await linux(), {'host.json': hostJson({defaultExecutablePath: 'Handler'})})),
      'EXECUTABLE_NOT_FOUND',
    )
    assert.match(cased.message, /case-sensitive/)
    const exe = await goHandler('windows-amd64')
    const win = expectOnly(
      await findings(
        {'host.json': hostJson(), 'hello/function.json': HTTP_FUNCTION, 'handler.exe': {copy: exe}},
        {target: 'windows-x64'},
      ),
      'EXECUTABLE_NOT_FOUND',
    )
    assert.match(win.message, /handler\.exe exists/)
  })

  test('workerDirectory is the base for a relative executable (and workingDirectory is not)', async () => {
    const exe = await linux()
    assert.deepEqual(
      await findings({
        'host.json': hostJson({defaultExecutablePath: 'handler', workerDirectory: 'bin'}),
        'hello/function.json': HTTP_FUNCTION,
        'bin/handler': exe,
      }),
      [],
    )
    expectOnly(
      await findings({
        'host.json': hostJson({defaultExecutablePath: 'handler', workingDirectory: 'bin'}),
        'hello/function.json': HTTP_FUNCTION,
        'bin/handler': exe,
      }),
      'EXECUTABLE_NOT_FOUND',
    )
  })

  test('an absolute /home/site/wwwroot path maps into the app; other absolute paths are not inspected', async () => {
    assert.deepEqual(
      await findings(
        goodApp(await linux(), {'host.json': hostJson({defaultExecutablePath: '/home/site/wwwroot/handler'})}),
      ),
      [],
    )
    expectOnly(
      await findings(goodApp(await linux(), {'host.json': hostJson({defaultExecutablePath: '/opt/server/run'})})),
      'EXECUTABLE_NOT_CHECKED',
    )
  })

  test('EXECUTABLE_NOT_PACKED: .funcignore leaves the executable out', async () => {
    const f = expectOnly(await findings(goodApp(await linux(), {'.funcignore': 'handler\n'})), 'EXECUTABLE_NOT_PACKED')
    assert.match(f.fix!, /!handler/)
  })

  test('EXECUTABLE_NOT_EXECUTABLE: error on Dedicated, warning where the platform adds u+x', async () => {
    const exe = await goHandler('linux-amd64')
    expectOnly(await findings(goodApp({copy: exe, mode: 0o644})), 'EXECUTABLE_NOT_EXECUTABLE')
    const f = expectOnly(
      await findings(goodApp({copy: exe, mode: 0o644}), {plan: 'consumption'}),
      'EXECUTABLE_NOT_EXECUTABLE',
    )
    assert.equal(f.severity, 'warning')
  })

  test('EXECUTABLE_WRONG_OS: Windows and macOS builds for Linux, Linux build for Windows', async () => {
    assert.match(
      expectOnly(await findings(goodApp({copy: await goHandler('windows-amd64')})), 'EXECUTABLE_WRONG_OS').message,
      /Windows/,
    )
    assert.match(
      expectOnly(await findings(goodApp({copy: await goHandler('darwin-arm64')})), 'EXECUTABLE_WRONG_OS').message,
      /macOS/,
    )
    const lin = await findings(
      {
        'host.json': hostJson({defaultExecutablePath: 'handler.exe'}),
        'hello/function.json': HTTP_FUNCTION,
        'handler.exe': await linux(),
      },
      {target: 'windows-x64'},
    )
    expectOnly(lin, 'EXECUTABLE_WRONG_OS')
  })

  test('EXECUTABLE_WRONG_ARCH: an arm64 build for x64', async () => {
    const f = expectOnly(await findings(goodApp({copy: await goHandler('linux-arm64')})), 'EXECUTABLE_WRONG_ARCH')
    assert.match(f.message, /aarch64/)
  })

  test('EXECUTABLE_GLIBC_TOO_NEW: a cgo build against the 2.31 ceiling', async () => {
    const f = expectOnly(
      await findings(goodApp({copy: await goHandler('linux-amd64-cgo')})),
      'EXECUTABLE_GLIBC_TOO_NEW',
    )
    assert.match(f.message, /GLIBC_2\.\d+ not found|GLIBC_2\.\d+' not found/)
  })

  test('EXECUTABLE_MUSL and EXECUTABLE_UNKNOWN_FORMAT', async () => {
    expectOnly(
      await findings(goodApp({content: elfWithInterpreter('/lib/ld-musl-x86_64.so.1'), mode: 0o755})),
      'EXECUTABLE_MUSL',
    )
    expectOnly(await findings(goodApp({content: 'just text\n', mode: 0o755})), 'EXECUTABLE_UNKNOWN_FORMAT')
  })

  test('EXECUTABLE_GUI_SUBSYSTEM on Windows', async () => {
    expectOnly(
      await findings(
        {
          'host.json': hostJson({defaultExecutablePath: 'handler.exe'}),
          'hello/function.json': HTTP_FUNCTION,
          'handler.exe': guiPe(),
        },
        {target: 'windows-x64'},
      ),
      'EXECUTABLE_GUI_SUBSYSTEM',
    )
  })

  test('SCRIPT_CRLF: the executable (error) and another packed script (warning)', async () => {
    const f = expectOnly(
      await findings(goodApp({content: '#!/bin/sh\r\nexec sleep 1\r\n', mode: 0o755})),
      'SCRIPT_CRLF',
    )
    assert.equal(f.severity, 'error')
    const other = expectOnly(
      await findings(goodApp(await linux(), {'scripts/setup.sh': '#!/bin/bash\r\necho hi\r\n'})),
      'SCRIPT_CRLF',
    )
    assert.equal(other.severity, 'warning')
    assert.equal(other.file, 'scripts/setup.sh')
  })

  test(
    'SCRIPT_INTERPRETER_UNAVAILABLE: deno is in no image (error); node needs the Node stack (info while the ' +
      'stack is unknown)',
    async () => {
      assert.equal(
        expectOnly(
          await findings(goodApp({content: '#!/usr/bin/env deno\n', mode: 0o755})),
          'SCRIPT_INTERPRETER_UNAVAILABLE',
        ).severity,
        'error',
      )
      assert.equal(
        expectOnly(
          await findings(goodApp({content: '#!/usr/bin/env node\n', mode: 0o755})),
          'SCRIPT_INTERPRETER_UNAVAILABLE',
        ).severity,
        'info',
      )
      const node = expectOnly(
        await findings(
          goodApp(await linux(), {
            'host.json': hostJson({defaultExecutablePath: 'node', defaultWorkerPath: 'server.js'}),
            'server.js': '',
          }),
        ),
        'SCRIPT_INTERPRETER_UNAVAILABLE',
      )
      assert.equal(node.severity, 'info')
      assert.match(node.message, /Node\.js stack/)
    },
  )

  test('WORKER_PATH_NOT_FOUND resolves against workingDirectory', async () => {
    expectOnly(
      await findings(
        goodApp(await linux(), {
          'host.json': hostJson({defaultExecutablePath: 'handler', defaultWorkerPath: 'server.js'}),
        }),
      ),
      'WORKER_PATH_NOT_FOUND',
    )
    assert.deepEqual(
      await findings(
        goodApp(await linux(), {
          'host.json': hostJson({
            defaultExecutablePath: 'handler',
            defaultWorkerPath: 'server.js',
            workingDirectory: 'app',
          }),
          'app/server.js': '',
        }),
      ),
      [],
    )
  })

  test('WORKING_DIRECTORY_MISSING', async () => {
    const f = expectOnly(
      await findings(
        goodApp(await linux(), {'host.json': hostJson({defaultExecutablePath: 'handler', workingDirectory: 'srv'})}),
      ),
      'WORKING_DIRECTORY_MISSING',
    )
    assert.equal(f.line, 6)
  })

  test('ARGUMENT_VARIABLE_UNSET: unknown %VAR% and a literal % pair; host and app variables are fine', async () => {
    const fs = await findings(
      goodApp(await linux(), {
        'host.json': hostJson({
          defaultExecutablePath: 'handler',
          arguments: ['--port', '%FUNCTIONS_CUSTOMHANDLER_PORT%', '--key=%API_KEY%', '--fmt=%d%s', '--name=%NAME%'],
        }),
        'local.settings.json': {Values: {FUNCTIONS_WORKER_RUNTIME: 'custom', NAME: 'x'}},
      }),
    )
    const warnings = fs.filter((f) => f.severity === 'warning')
    assert.deepEqual(codes(warnings), ['ARGUMENT_VARIABLE_UNSET', 'ARGUMENT_VARIABLE_UNSET'])
    assert.match(warnings[0].message + warnings[1].message, /API_KEY/)
    assert.match(warnings[0].message + warnings[1].message, /%d%/)
    // NAME comes from local.settings.json only: Azure must get it as an app setting (info).
    const local = fs.filter((f) => f.severity === 'info')
    assert.deepEqual(codes(local), ['ARGUMENT_VARIABLE_UNSET'])
    assert.match(local[0].message, /%NAME%.*only local\.settings\.json/)
  })

  test('ARGUMENT_SPLIT: an argument with spaces', async () => {
    expectOnly(
      await findings(
        goodApp(await linux(), {
          'host.json': hostJson({defaultExecutablePath: 'handler', arguments: ['--greeting hello world']}),
        }),
      ),
      'ARGUMENT_SPLIT',
    )
  })

  test('FUNCTION_JSON_INVALID: syntax error with its line, and a binding without direction', async () => {
    const f = expectOnly(
      await findings(
        goodApp(await linux(), {
          'hello/function.json': '{\n  "bindings": [\n    {"type": "httpTrigger" "name": "req"}\n  ]\n}\n',
        }),
      ),
      'FUNCTION_JSON_INVALID',
    )
    assert.equal(f.file, 'hello/function.json')
    assert.equal(f.line, 3)
    expectOnly(
      await findings(
        goodApp(await linux(), {
          'hello/function.json': {
            bindings: [
              {type: 'httpTrigger', name: 'req'},
              {type: 'http', direction: 'out', name: 'res'},
            ],
          },
        }),
      ),
      'FUNCTION_JSON_INVALID',
    )
  })

  test('NO_FUNCTIONS, including function.json two levels down', async () => {
    const exe = await linux()
    expectOnly(await findings({'host.json': hostJson(), handler: exe}), 'NO_FUNCTIONS')
    assert.match(
      expectOnly(
        await findings({'host.json': hostJson(), handler: exe, 'functions/hello/function.json': HTTP_FUNCTION}),
        'NO_FUNCTIONS',
      ).message,
      /too deep/,
    )
  })

  test('BINDING_NEEDS_EXTENSION_BUNDLE and EXTENSION_BUNDLE_OUTDATED', async () => {
    const queue = {
      bindings: [
        {type: 'queueTrigger', direction: 'in', name: 'msg', queueName: 'q', connection: 'AzureWebJobsStorage'},
      ],
    }
    expectOnly(await findings(goodApp(await linux(), {'work/function.json': queue})), 'BINDING_NEEDS_EXTENSION_BUNDLE')
    const bundle = (version: string) =>
      hostJson(
        {defaultExecutablePath: 'handler'},
        {},
        {extensionBundle: {id: 'Microsoft.Azure.Functions.ExtensionBundle', version}},
      )
    assert.deepEqual(
      await findings(goodApp(await linux(), {'work/function.json': queue, 'host.json': bundle('[4.*, 5.0.0)')})),
      [],
    )
    expectOnly(
      await findings(goodApp(await linux(), {'work/function.json': queue, 'host.json': bundle('[2.*, 3.0.0)')})),
      'EXTENSION_BUNDLE_OUTDATED',
    )
  })

  test('FORWARDING_NOT_APPLICABLE names the function that gets the JSON payload', async () => {
    const timer = {bindings: [{type: 'timerTrigger', direction: 'in', name: 't', schedule: '0 */5 * * * *'}]}
    const f = expectOnly(
      await findings(
        goodApp(await linux(), {
          'host.json': hostJson({defaultExecutablePath: 'handler'}, {enableForwardingHttpRequest: true}),
          'tick/function.json': timer,
        }),
      ),
      'FORWARDING_NOT_APPLICABLE',
    )
    assert.match(f.message, /tick/)
    assert.deepEqual(
      await findings(
        goodApp(await linux(), {
          'host.json': hostJson({defaultExecutablePath: 'handler'}, {enableForwardingHttpRequest: true}),
        }),
      ),
      [],
    )
  })

  test('WORKER_RUNTIME_MISMATCH and LOCAL_SETTINGS_INVALID', async () => {
    const f = expectOnly(
      await findings(
        goodApp(await linux(), {
          'local.settings.json': {IsEncrypted: false, Values: {FUNCTIONS_WORKER_RUNTIME: 'node'}},
        }),
      ),
      'WORKER_RUNTIME_MISMATCH',
    )
    assert.equal(f.file, 'local.settings.json')
    assert.deepEqual(
      await findings(goodApp(await linux(), {'local.settings.json': {Values: {FUNCTIONS_WORKER_RUNTIME: 'Custom'}}})),
      [],
    )
    expectOnly(
      await findings(goodApp(await linux(), {'local.settings.json': '{"Values": {'})),
      'LOCAL_SETTINGS_INVALID',
    )
  })

  test('SECRET_WOULD_BE_PACKED unless .funcignore leaves the file out', async () => {
    const fs = await findings(
      goodApp(await linux(), {'.env': 'TOKEN=x', 'certs/server.pem': 'x', '.env.example': 'TOKEN='}),
    )
    assert.deepEqual(
      fs.map((f) => `${f.code}:${f.file}`),
      ['SECRET_WOULD_BE_PACKED:.env', 'SECRET_WOULD_BE_PACKED:certs/server.pem'],
    )
    assert.deepEqual(await findings(goodApp(await linux(), {'.env': 'TOKEN=x', '.funcignore': '.env\n'})), [])
  })

  test('SYMLINK_UNPACKABLE: escaping link and a loop; a link inside the app is fine', async () => {
    const fs = await findings(
      goodApp(await linux(), {
        outside: {symlink: '/etc/hostname'},
        'loop/self': {symlink: '..'},
        alias: {symlink: 'hello/function.json'},
      }),
    )
    assert.deepEqual(fs.map((f) => `${f.code}:${f.file}`).sort(), [
      'SYMLINK_UNPACKABLE:loop/self',
      'SYMLINK_UNPACKABLE:outside',
    ])
  })
})

test('every catalogue code has a stable UPPER_SNAKE name and a summary', () => {
  for (const c of CATALOGUE) {
    assert.match(c.code, /^[A-Z][A-Z0-9_]+$/)
    assert.ok(c.summary.length > 10)
  }
  assert.equal(new Set(CATALOGUE.map((c) => c.code)).size, CATALOGUE.length)
})

test('the README names every finding code (scripts match on them)', async () => {
  const {readFile} = await import('node:fs/promises')
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
  assert.deepEqual(
    CATALOGUE.filter((c) => !readme.includes(`\`${c.code}\``)).map((c) => c.code),
    [],
  )
})

test('bundleMaxMajor reads NuGet ranges', () => {
  assert.equal(bundleMaxMajor('[4.*, 5.0.0)'), 4)
  assert.equal(bundleMaxMajor('[3.3.0, 4.0.0)'), 3)
  assert.equal(bundleMaxMajor('[2.*, 3.0.0)'), 2)
  assert.equal(bundleMaxMajor('[4.0.0, 4.9.9]'), 4)
  assert.equal(bundleMaxMajor('[4.0.0, )'), undefined)
  assert.deepEqual(bundleRangeTop('[1.*, 2.0.0)'), {version: [2, 0, 0], inclusive: false})
  assert.deepEqual(bundleRangeTop('[2.6.1]'), {version: [2, 6, 1], inclusive: true})
  assert.deepEqual(bundleRangeTop('3.*'), {version: [4, 0, 0], inclusive: false})
  assert.equal(bundleRangeTop('2.6.1'), undefined)
  assert.equal(bundleRangeTop('latest'), null)
})
