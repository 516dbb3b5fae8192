/**
 * Patterns met in real public custom-handler apps, each rebuilt here as a small app of our own and
 * judged as the Functions host would judge it (the host source file is named in each test).
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import path from 'node:path'
import {describe, test} from 'node:test'
import {promisify} from 'node:util'

import type {Finding} from '../src/checks/finding.js'
import {chooseRuntime} from '../src/checks/runtime.js'
import {runDoctor} from '../src/doctor/index.js'
import {pack} from '../src/pack/index.js'
import type {Plan} from '../src/platform/targets.js'
import {silentProgress} from '../src/progress.js'
import {type FileSpec, hostJson, HTTP_FUNCTION, makeApp, tempDir} from './helpers/app.js'
import {goHandler, goSkip} from './helpers/go.js'
import {handlerApp, nodeHandler} from './helpers/handlers.js'

const run = promisify(execFile)
const skip = goSkip()
const linux = async () => ({copy: await goHandler('linux-amd64')})
const QUEUE_FUNCTION = {
  bindings: [
    {type: 'queueTrigger', direction: 'in', name: 'order', queueName: 'orders', connection: 'AzureWebJobsStorage'},
  ],
}
const BUNDLE = {extensionBundle: {id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)'}}

async function doctor(files: Record<string, FileSpec>, options: {start?: boolean; plan?: Plan; target?: string} = {}) {
  const dir = await makeApp(files)
  return runDoctor(
    {path: dir, target: options.target ?? 'linux-x64', plan: options.plan, start: options.start ?? false},
    silentProgress,
  )
}

const notInfo = (fs: Finding[]) => fs.filter((f) => f.severity !== 'info')
const only = (fs: Finding[], code: string) => {
  const hit = fs.filter((f) => f.code === code)
  assert.equal(hit.length, 1, `expected one ${code}: ${JSON.stringify(fs, null, 1)}`)
  return hit[0]
}

describe(
  'the response shapes of real handlers (HttpScriptInvocationResultExtensions, WorkerFunctionInvoker)',
  {skip},
  () => {
    test(
      "a Go handler answering like Microsoft's Go sample ({Outputs, Logs, ReturnValue: " + 'null}) is clean',
      async () => {
        const r = await doctor(
          {
            'host.json': hostJson(),
            'hello/function.json': HTTP_FUNCTION,
            handler: await linux(),
            'local.settings.json': {Values: {FUNCTIONS_WORKER_RUNTIME: 'custom', CHD_TEST_SHAPE: 'go-sample'}},
          },
          {start: true},
        )
        assert.equal(r.probe?.ready, true)
        assert.deepEqual(
          r.probe?.invocations.map((i) => [i.function, i.ok]),
          [['hello', true]],
        )
        assert.deepEqual(r.findings, [])
      },
    )
  },
)

describe('local.settings.json is local (the host never reads it; only Core Tools does)', {skip}, () => {
  const override = async () => ({
    'host.json': hostJson(),
    'hello/function.json': HTTP_FUNCTION,
    handler: await linux(),
    // A Windows developer's local run: Core Tools starts handler.exe; Azure (Linux) runs host.json's handler.
    'local.settings.json': {
      Values: {
        FUNCTIONS_WORKER_RUNTIME: 'custom',
        AzureFunctionsJobHost__customHandler__description__defaultExecutablePath: 'handler.exe',
      },
    },
  })

  test('a local-only override is reported as info, naming both values, and never blocks', async () => {
    const r = await doctor(await override())
    assert.deepEqual(notInfo(r.findings), [])
    const f = only(r.findings, 'LOCAL_SETTING_OVERRIDE')
    assert.match(f.message, /"handler\.exe".*host\.json's "handler"/)
    assert.equal(f.file, 'local.settings.json')
  })

  test('pack does not refuse a working app because of a local-only value', async () => {
    const dir = await makeApp(await override())
    const out = path.join(await tempDir(), 'app.zip')
    const result = await pack({dir, output: out, target: 'linux-x64'}, silentProgress)
    assert.equal(result.entries, 3)
  })
})

describe(
  'extension bundles the v4 host refuses (ScriptStartupTypeLocator.ValidateBundleRequirements, ' +
    'extensionrequirements.json)',
  {skip},
  () => {
    const app = async (version: string) => ({
      'host.json': hostJson(
        {defaultExecutablePath: 'handler'},
        {},
        {extensionBundle: {id: 'Microsoft.Azure.Functions.ExtensionBundle', version}},
      ),
      'order/function.json': QUEUE_FUNCTION,
      handler: await linux(),
    })

    test('[1.*, 2.0.0) admits nothing from 2.6.1 on: an error quoting the host', async () => {
      const f = only((await doctor(await app('[1.*, 2.0.0)'))).findings, 'EXTENSION_BUNDLE_REFUSED')
      assert.equal(f.severity, 'error')
      assert.match(f.message, /does not meet the required minimum version of 2\.6\.1/)
      assert.equal(f.line, 10)
    })

    test('2.x and 3.x start: info, out of support; 4.x is clean', async () => {
      for (const range of ['[2.*, 3.0.0)', '[3.3.0, 4.0.0)', '[1.*, 3.0.0)']) {
        const r = await doctor(await app(range))
        assert.deepEqual(notInfo(r.findings), [], range)
        assert.equal(only(r.findings, 'EXTENSION_BUNDLE_OUTDATED').severity, 'info')
      }
      assert.deepEqual((await doctor(await app('[4.*, 5.0.0)'))).findings, [])
    })

    test(
      'Flex Consumption requires 4.12.0 (its hosting configuration): [4.0.0, 4.10.0) is ' + 'refused there only',
      async () => {
        assert.deepEqual((await doctor(await app('[4.0.0, 4.10.0)'))).findings, [])
        assert.match(
          only((await doctor(await app('[4.0.0, 4.10.0)'), {plan: 'flex'})).findings, 'EXTENSION_BUNDLE_REFUSED')
            .message,
          /4\.12\.0/,
        )
      },
    )
  },
)

describe('forwarding and non-HTTP functions (DefaultHttpWorkerService.InvokeAsync)', () => {
  const files = (handler: FileSpec) =>
    handlerApp(handler, {
      'host.json': hostJson({defaultExecutablePath: 'handler'}, {enableForwardingHttpRequest: true}, BUNDLE),
      'order/function.json': QUEUE_FUNCTION,
    })
  const serves = nodeHandler(
    `res.setHeader('Content-Type', 'application/json'); res.end(JSON.stringify({Outputs: {}, Logs: ['got ` +
      `' + req.url]}))`,
  )
  const onlyHttp = nodeHandler(
    `if (req.url.startsWith('/api/')) { res.end('hi') } else { res.statusCode = 404; res.end() }`,
  )

  test('a queue function served at POST /order with forwarding on: the probe saw it, no warning', async () => {
    const r = await doctor(files(serves), {start: true})
    assert.equal(r.probe?.invocations.find((i) => i.function === 'order')?.status, 200)
    assert.deepEqual(
      r.findings.filter((f) => f.code === 'FORWARDING_NOT_APPLICABLE'),
      [],
    )
  })

  test('the warning stays when the handler answers 404 there, or when the probe did not run', async () => {
    only((await doctor(files(onlyHttp), {start: true})).findings, 'FORWARDING_NOT_APPLICABLE')
    only((await doctor(files(serves))).findings, 'FORWARDING_NOT_APPLICABLE')
  })
})

describe(
  'forwarded requests are relayed verbatim ' + '(DefaultHttpWorkerService.ProcessHttpInAndOutInvocationRequest)',
  () => {
    const app = (handler: FileSpec) =>
      handlerApp(handler, {
        'host.json': hostJson({defaultExecutablePath: 'handler'}, {enableForwardingHttpRequest: true}),
      })

    test('a handler that serves no route for the function: ROUTE_NOT_SERVED, callers get its 404', async () => {
      const r = await doctor(
        app(
          nodeHandler(
            "if (req.url === '/HttpTriggerStringReturnValue') { res.end('x') } " +
              'else { res.statusCode = 404; res.end() }',
          ),
        ),
        {start: true},
      )
      const f = only(r.findings, 'ROUTE_NOT_SERVED')
      assert.match(f.message, /GET \/api\/hello was forwarded to the handler, which answered 404/)
    })

    test('a handler matching the exact path (no query string) is served: nothing to report', async () => {
      const r = await doctor(
        app(nodeHandler(`if (req.url === '/api/hello') { res.end('hi') } else { res.statusCode = 404; res.end() }`)),
        {start: true},
      )
      assert.equal(r.probe?.invocations[0].status, 200)
      assert.deepEqual(notInfo(r.findings), [])
    })
  },
)

describe('interpreters on PATH: what each platform image really has (platform/stacks.ts)', () => {
  const script = (exe: string, args: string[], extra: Record<string, FileSpec> = {}) => ({
    'host.json': hostJson({defaultExecutablePath: exe, arguments: args}),
    'hello/function.json': HTTP_FUNCTION,
    ...extra,
  })

  test('php is in no Linux image: an error with the remedies that work', async () => {
    const f = only(
      (
        await doctor(
          script('php', ['-S', '0.0.0.0:%FUNCTIONS_CUSTOMHANDLER_PORT%', 'index.php'], {'index.php': '<?php'}),
        )
      ).findings,
      'SCRIPT_INTERPRETER_UNAVAILABLE',
    )
    assert.equal(f.severity, 'error')
    assert.match(f.fix!, /Ship php inside the app.*custom container/)
  })

  test('node needs the Node.js stack: info while the stack is unknown', async () => {
    const r = await doctor(script('node', ['server.js'], {'server.js': ''}))
    assert.deepEqual(notInfo(r.findings), [])
    assert.match(only(r.findings, 'SCRIPT_INTERPRETER_UNAVAILABLE').message, /Node\.js stack/)
  })

  test('"RScript" is a near miss on Linux, where names are case-sensitive', async () => {
    const f = only(
      (await doctor(script('RScript', ['handler.R'], {'handler.R': ''}))).findings,
      'SCRIPT_INTERPRETER_UNAVAILABLE',
    )
    assert.match(f.fix!, /"Rscript"/)
  })

  test('a custom container decides its own PATH: --target container checks no interpreter', async () => {
    const r = await doctor(
      script('Rscript', ['handler.R'], {
        'handler.R': '',
        Dockerfile: 'FROM mcr.microsoft.com/azure-functions/dotnet:4',
      }),
      {target: 'container'},
    )
    assert.deepEqual(notInfo(r.findings), [])
    only(r.findings, 'EXECUTABLE_NOT_CHECKED')
  })

  test(
    'a python-stack app (FUNCTIONS_WORKER_RUNTIME=python for python3) is a valid choice: ' + 'nothing to fix',
    async () => {
      const r = await doctor(
        script('python3', ['server.py'], {
          'server.py': '',
          'local.settings.json': {Values: {FUNCTIONS_WORKER_RUNTIME: 'python'}},
        }),
      )
      assert.deepEqual(notInfo(r.findings), [])
      assert.deepEqual(
        r.findings.filter((f) => f.code === 'WORKER_RUNTIME_MISMATCH'),
        [],
      )
    },
  )

  test('deploy keeps a stack that supplies the interpreter, and moves any other to custom', () => {
    assert.deepEqual(chooseRuntime('linux', 'python', {runtime: 'python', version: '3.11'}, ['python3']).keep, true)
    assert.deepEqual(chooseRuntime('linux', 'node', {runtime: 'node', version: '20'}, ['python3']).runtime, 'custom')
    assert.deepEqual(
      chooseRuntime('linux', 'dotnet-isolated', {runtime: 'dotnet-isolated', version: '8.0'}, []).runtime,
      'custom',
    )
    assert.deepEqual(chooseRuntime('windows', 'node', {runtime: 'node'}, ['node']).runtime, 'custom')
  })
})

describe('files the host or the interpreter must find', () => {
  const app = (description: Record<string, unknown>, extra: Record<string, FileSpec> = {}) => ({
    'host.json': hostJson(description),
    'hello/function.json': HTTP_FUNCTION,
    'local.settings.json': {Values: {FUNCTIONS_WORKER_RUNTIME: 'python'}},
    ...extra,
  })

  test('the script named for python3 must exist, relative to workingDirectory', async () => {
    const f = only(
      (await doctor(app({defaultExecutablePath: 'python3', arguments: ['-u', 'server.py']}))).findings,
      'ARGUMENT_FILE_NOT_FOUND',
    )
    assert.match(f.message, /server\.py/)
    assert.equal(f.line, 8)
    assert.deepEqual(
      (
        await doctor(
          app(
            {defaultExecutablePath: 'python3', arguments: ['server.py'], workingDirectory: 'src'},
            {'src/server.py': ''},
          ),
        )
      ).findings.filter((x) => x.code === 'ARGUMENT_FILE_NOT_FOUND'),
      [],
    )
    assert.deepEqual(
      (await doctor(app({defaultExecutablePath: 'python3', arguments: ['-m', 'myapp']}))).findings.filter(
        (x) => x.code === 'ARGUMENT_FILE_NOT_FOUND',
      ),
      [],
    )
  })

  test('php -t names a folder, java -jar a jar, Rscript its script', async () => {
    only(
      (
        await doctor(
          app({
            defaultExecutablePath: 'php',
            arguments: ['-S', '0.0.0.0:%FUNCTIONS_CUSTOMHANDLER_PORT%', '-t', 'public'],
          }),
        )
      ).findings,
      'ARGUMENT_FILE_NOT_FOUND',
    )
    assert.deepEqual(
      (
        await doctor(
          app(
            {defaultExecutablePath: 'php', arguments: ['-S', '0.0.0.0:%FUNCTIONS_CUSTOMHANDLER_PORT%', '-t', 'public']},
            {'public/index.php': ''},
          ),
        )
      ).findings.filter((x) => x.code === 'ARGUMENT_FILE_NOT_FOUND'),
      [],
    )
    assert.match(
      only(
        (await doctor(app({defaultExecutablePath: 'java', arguments: ['-jar', 'target/app.jar']}))).findings,
        'ARGUMENT_FILE_NOT_FOUND',
      ).message,
      /target\/app\.jar/,
    )
    only(
      (await doctor(app({defaultExecutablePath: 'Rscript', arguments: ['handler.R']}))).findings,
      'ARGUMENT_FILE_NOT_FOUND',
    )
  })
})

describe('host.json keys the binder ignores (HttpWorkerOptions, WorkerDescription)', () => {
  const app = (customHandler: Record<string, unknown>) => ({
    'host.json': {version: '2.0', customHandler},
    'hello/function.json': HTTP_FUNCTION,
    handler: {content: '#!/bin/sh\nexec sleep 1\n', mode: 0o755},
  })

  test('enableForwardingHttpRequest inside description is ignored: it belongs one level up', async () => {
    const f = only(
      (await doctor(app({description: {defaultExecutablePath: 'handler', enableForwardingHttpRequest: true}})))
        .findings,
      'HOST_JSON_KEY_IGNORED',
    )
    assert.match(f.message, /description\.enableForwardingHttpRequest is ignored/)
    assert.equal(f.line, 6)
  })

  test('arguments outside description are ignored; a misspelt proxying key gets its right name', async () => {
    only(
      (await doctor(app({description: {defaultExecutablePath: 'handler'}, arguments: ['--port', '8080']}))).findings,
      'HOST_JSON_KEY_IGNORED',
    )
    const typo = only(
      (await doctor(app({description: {defaultExecutablePath: 'handler'}, enableHttpProxyingRequest: true}))).findings,
      'HOST_JSON_KEY_IGNORED',
    )
    assert.match(typo.fix!, /enableProxyingHttpRequest/)
    assert.deepEqual(
      (
        await doctor(
          app({
            description: {defaultExecutablePath: 'handler'},
            enableProxyingHttpRequest: true,
            initializationTimeout: '00:01:00',
          }),
        )
      ).findings,
      [],
    )
  })
})

describe('packages', () => {
  test('a path stored twice in a zip is named (an error when the host reads that file)', async () => {
    const dir = await makeApp({
      'host.json': hostJson(),
      'hello/function.json': HTTP_FUNCTION,
      handler: {content: '#!/bin/sh\nexec sleep 1\n', mode: 0o755},
    })
    const zip = path.join(await tempDir(), 'dup.zip')
    await run('python3', [
      '-W',
      'ignore',
      '-c',
      `
import zipfile, sys, os
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, 'w') as z:
    for name in ['host.json', 'host.json', 'hello/function.json', 'handler', 'README.md', ` +
        `'README.md']:
        info = zipfile.ZipInfo(name)
        info.external_attr = (0o100755 if name == 'handler' else 0o100644) << 16
        info.create_system = 3
        z.writestr(info, open(os.path.join(src, name), 'rb').read() if ` +
        `os.path.exists(os.path.join(src, name)) else b'x')
`,
      dir,
      zip,
    ])
    const r = await runDoctor({path: zip, target: 'linux-x64', start: false}, silentProgress)
    const dups = r.findings.filter((f) => f.code === 'ZIP_DUPLICATE_ENTRY')
    assert.deepEqual(
      dups.map((f) => [f.file, f.severity]),
      [
        ['host.json', 'error'],
        ['README.md', 'warning'],
      ],
    )
  })
})
