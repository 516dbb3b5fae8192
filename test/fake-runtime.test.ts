import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import https from 'node:https'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'
import {promisify} from 'node:util'

import {readImage} from './fake-azure/exe.js'
import {FAKE_TOKEN, FakeAzure, SUBSCRIPTION} from './fake-azure/server.js'
import type {FakeSite} from './fake-azure/state.js'
import {goodApp, makeApp, tempDir} from './helpers/app.js'
import {goHandler, goSkip} from './helpers/go.js'
import {handlerApp, JSON_OK, nodeHandler} from './helpers/handlers.js'

/**
 * The fake's own model of the Functions host and Kudu, checked against what the sources say.
 * Each test names the source file the behaviour rests on.
 */

let fake: FakeAzure
before(async () => {
  fake = await new FakeAzure().start()
  fake.hostTimeoutMs = 1500
  fake.restartDelayMs = 60_000
})
after(() => fake.stop())

const run = promisify(execFile)

async function zipOf(files: Parameters<typeof makeApp>[0]): Promise<Buffer> {
  const dir = await makeApp(files)
  const out = path.join(await tempDir(), 'app.zip')
  await run('zip', ['-qr', out, '.'], {cwd: dir})
  return readFile(out)
}

function request(
  site: FakeSite,
  p: string,
  headers: Record<string, string> = {},
): Promise<{status: number; text: string}> {
  return new Promise((resolve, reject) => {
    https
      .get({host: '127.0.0.1', port: site.sitePort, path: p, ca: fake.tls.caPem, headers}, (res) => {
        let text = ''
        res.on('data', (d) => {
          text += d
        })
        res.on('end', () => resolve({status: res.statusCode ?? 0, text}))
      })
      .on('error', reject)
  })
}

const messages = (site: FakeSite) => site.logs.records.map((r) => r.message)
async function until(pred: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
  assert.ok(pred(), 'timed out')
}

const crashing = handlerApp(
  nodeHandler(JSON_OK, "process.stderr.write('boom: cannot open config\\n'); process.exit(3)"),
)

describe('the fake host (azure-functions-host, own model)', {skip: goSkip()}, () => {
  test(
    'HttpFunctionInvocationDispatcher.cs: a good handler logs "Worker process started and initialized." and ' +
      'serves /api',
    async () => {
      const site = fake.site('demo-linux-premium')
      await fake.deployPackage(site, await zipOf(goodApp({copy: await goHandler('linux-amd64')})))
      await until(() => messages(site).includes('Worker process started and initialized.'))
      const started = site.logs.records.find((r) => r.message === 'Worker process started and initialized.')!
      assert.equal(started.level, 'Information')
      assert.equal(started.category, 'Microsoft.Azure.WebJobs.Script.Workers.Http.HttpFunctionInvocationDispatcher')
      const r = await request(site, '/api/hello')
      assert.deepEqual([r.status, r.text], [200, 'hello from go'])
      assert.ok(messages(site).some((m) => /^Executed 'Functions\.hello' \(Succeeded/.test(m)))
    },
  )

  test(
    'WebJobsScriptHostService.cs + HttpFunctionInvocationDispatcher.cs: a crash-looping handler leaves ' +
      'status Running; 3 exits, then the host shuts down',
    async () => {
      const site = fake.site('demo-linux-dedicated')
      await fake.deployPackage(site, await zipOf(crashing))
      await until(() =>
        messages(site).includes('Exceeded http worker restart retry count. Shutting down Functions Host'),
      )
      const exits = site.logs.records.filter((r) => r.message.startsWith('Language Worker Process exited. Pid='))
      assert.equal(exits.length, 3, 'the first launch and two restarts')
      assert.equal(exits[0].level, 'Error')
      assert.match(exits[0].exception!.message, /handler exited with code 3 \(0x3\)$/)
      assert.equal(exits[0].exception!.inner!.message, 'boom: cannot open config')
      assert.equal(site.host.state, 'Stopped', 'StopApplication: the platform starts it again later')
    },
  )

  test(
    'WebJobsScriptHostService.cs: while the handler fails, /admin/host/status says Running ' + 'with no errors',
    async () => {
      const site = fake.site('demo-linux-consumption')
      fake.restartDelayMs = 200
      try {
        await fake.deployPackage(site, await zipOf(crashing))
        await until(() => messages(site).some((m) => m.startsWith('Language Worker Process exited')))
        const r = await request(site, '/admin/host/status', {'x-functions-key': site.masterKey})
        assert.equal(r.status, 200)
        assert.equal(JSON.parse(r.text).state, 'Running')
        assert.equal(JSON.parse(r.text).errors, undefined)
        // After giving up, the platform restarts the host: Running again, and the loop starts over.
        await until(() => messages(site).filter((m) => m.startsWith('Exceeded http worker restart')).length >= 2)
      } finally {
        fake.restartDelayMs = 60_000
        await site.host.stop()
      }
    },
  )

  test(
    "WorkerProcess.cs + TaskExtensions.Forget: a handler that cannot be exec'd is not restarted; the first " +
      'call waits 4 × the timeout, then the host shuts down',
    async () => {
      const site = fake.site('demo-linux-dedicated')
      site.settings.WEBSITE_RUN_FROM_PACKAGE = '1'
      try {
        await fake.deployPackage(site, await zipOf(goodApp({copy: await goHandler('linux-amd64'), mode: 0o644})))
        await until(() => messages(site).some((m) => m.startsWith('Failed to start Worker Channel')))
        const failed = site.logs.records.find((r) => r.message.startsWith('Failed to start Worker Channel'))!
        assert.match(
          failed.exception!.message,
          /^An error occurred trying to start process '.*handler' with working directory '.*'\. Permission denied$/,
        )
        const r = await request(site, '/api/hello')
        assert.equal(r.status, 500)
        assert.equal(
          messages(site).filter((m) => m.startsWith('Failed to start Worker Channel')).length,
          1,
          'no restart',
        )
        assert.ok(
          messages(site).includes(
            'Final functionDispatcher state: Initializing. Initialization timed out and host is shutting down',
          ),
        )
      } finally {
        delete site.settings.WEBSITE_RUN_FROM_PACKAGE
      }
    },
  )

  test(
    'KuduLite PushDeploymentController.cs LocalZipFetch: zip push on Linux Dedicated chmods 777, so a lost ' +
      'execute bit is restored',
    async () => {
      const site = fake.site('demo-linux-dedicated')
      await fake.deployPackage(site, await zipOf(goodApp({copy: await goHandler('linux-amd64'), mode: 0o644})))
      await until(() => messages(site).includes('Worker process started and initialized.'))
    },
  )

  test(
    'WorkerProcess.cs AssignUserExecutePermissionsIfNotExists: Flex adds the execute bit to ' + 'the handler',
    async () => {
      const site = fake.site('demo-flex')
      await fake.deployPackage(site, await zipOf(goodApp({copy: await goHandler('linux-amd64'), mode: 0o644})))
      await until(() => messages(site).includes('Worker process started and initialized.'))
    },
  )

  test(
    "ELF verneed (the fake's own reader): a cgo build needs a GLIBC newer than Debian 11 and fails as the " +
      'loader does',
    async () => {
      const image = await readImage(await goHandler('linux-amd64-cgo'))
      assert.equal(image.kind, 'elf')
      assert.match((image as {glibc?: string}).glibc ?? '', /^2\.\d+/)
      assert.deepEqual(await readImage(await goHandler('linux-arm64')), {kind: 'elf', x64: false})
      assert.equal((await readImage(await goHandler('windows-amd64'))).kind, 'pe')
    },
  )
})

describe('file logging and the log stream (DebugStateProvider.cs, LogStreamManager.cs)', {skip: goSkip()}, () => {
  test(
    'EnableDebugModeFilter / FileLoggingStatusManager.cs: no file log until a host status request, and none ' +
      'after the window',
    async () => {
      const site = fake.site('demo-linux-premium')
      site.logs.debugNotify = 0
      fake.debugWindowMs = 1500
      try {
        site.logs.files.clear()
        site.logs.write('Information', 'Host.General', 'before debug mode')
        assert.equal(site.logs.files.size, 0)
        assert.equal((await request(site, '/admin/host/status', {'x-functions-key': site.masterKey})).status, 200)
        site.logs.write('Information', 'Host.General', 'in debug mode')
        const lines = [...site.logs.files.values()].flat()
        assert.ok(
          lines.some((l) => /^\d{4}-\d\d-\d\dT[\d:.]{12} \[Information\] in debug mode$/.test(l)),
          lines.join('\n'),
        )
        await new Promise((r) => setTimeout(r, 1600))
        site.logs.write('Information', 'Host.General', 'after the window')
        assert.ok(![...site.logs.files.values()].flat().some((l) => l.includes('after the window')))
      } finally {
        fake.debugWindowMs = 15 * 60_000
      }
    },
  )

  test('FileLogger.cs: an exception follows its message on lines without a timestamp', () => {
    const site = fake.site('demo-windows')
    site.logs.debugNotify = Date.now()
    site.logs.write('Error', 'Worker.HttpWorkerProcess.x', 'Language Worker Process exited. Pid=1.', {
      exception: {
        type: 'Microsoft.Azure.WebJobs.Script.Workers.WorkerProcessExitException',
        message: 'h exited with code 1 (0x1)',
        inner: {type: 'System.Exception', message: 'boom'},
      },
    })
    const lines = [...site.logs.files.entries()].find(([f]) =>
      f.startsWith('Application/Functions/Worker/HttpWorkerProcess/'),
    )![1]
    assert.match(lines.at(-5)!, /\[Error\] Language Worker Process exited\. Pid=1\.$/)
    assert.equal(
      lines.at(-4),
      'Microsoft.Azure.WebJobs.Script.Workers.WorkerProcessExitException : h exited with code 1 (0x1)',
    )
    assert.equal(lines.at(-3), ' ---> System.Exception : boom')
  })
})

describe('slots (Microsoft.Web sites/slots, config/slotConfigNames)', {skip: goSkip()}, () => {
  async function arm(method: string, p: string, body?: object): Promise<{status: number; json: any}> {
    const r = await armRaw(method, p, body)
    return {status: r.status, json: r.text ? JSON.parse(r.text) : undefined}
  }
  function armRaw(
    method: string,
    p: string,
    body?: object,
  ): Promise<{status: number; text: string; headers: import('node:http').IncomingHttpHeaders}> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: fake.port,
          method,
          path:
            `/subscriptions/${SUBSCRIPTION}/resourceGroups/demo-rg/providers/Microsoft.Web/sites/` +
            `${p}${p.includes('?') ? '&' : '?'}api-version=2025-05-01`,
          ca: fake.tls.caPem,
          headers: {authorization: `Bearer ${FAKE_TOKEN}`, 'content-type': 'application/json'},
        },
        (res) => {
          let text = ''
          res.on('data', (d) => {
            text += d
          })
          res.on('end', () => resolve({status: res.statusCode ?? 0, text, headers: res.headers}))
        },
      )
      req.on('error', reject)
      req.end(body ? JSON.stringify(body) : undefined)
    })
  }

  test('a slot is listed, has its own hosts, and the sticky names live on the site', async () => {
    const list = await arm('GET', 'demo-linux-premium/slots')
    assert.deepEqual(
      list.json.value.map((s: {name: string}) => s.name),
      ['demo-linux-premium/staging'],
    )
    const prod = await arm('GET', 'demo-linux-premium')
    const slot = list.json.value[0]
    assert.notEqual(slot.properties.defaultHostName, prod.json.properties.defaultHostName)
    assert.equal(
      (await arm('GET', 'demo-linux-premium/config/slotConfigNames')).json.properties.appSettingNames[0],
      'SLOT_ROLE',
    )
    assert.equal((await arm('GET', 'demo-linux-premium/slots/staging/config/slotConfigNames')).status, 404)
  })

  /** A swap is a long-running operation: 202, then its Location answers 202 until it is done. */
  async function swap(p: string, targetSlot: string): Promise<void> {
    const r = await armRaw('POST', `${p}/slotsswap`, {targetSlot, preserveVnet: true})
    assert.equal(r.status, 202)
    const location = new URL(r.headers.location as string)
    for (let i = 0; i < 200; i++) {
      const poll = await new Promise<number>((resolve, reject) => {
        https
          .get(
            {
              host: '127.0.0.1',
              port: location.port,
              path: location.pathname + location.search,
              ca: fake.tls.caPem,
              headers: {authorization: `Bearer ${FAKE_TOKEN}`},
            },
            (res) => {
              res.resume()
              resolve(res.statusCode ?? 0)
            },
          )
          .on('error', reject)
      })
      if (poll === 200) return
      assert.equal(poll, 202)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    assert.fail('the swap did not finish')
  }

  // azure-docs deploy-staging-slots.md "Swap operation steps"; host HostNameProvider.cs.
  test('slotsswap: content, deployments, non-sticky settings and the running host change places', async () => {
    const prod = fake.site('demo-windows')
    const staging = prod.slots.get('staging')!
    prod.settings.ONLY_IN_PROD = '1'
    staging.settings.FUNCTIONS_EXTENSION_VERSION = '~3'
    const zip = await zipOf(goodApp({copy: await goHandler('linux-amd64')}))
    const dep = await fake.deployPackage(staging, zip)
    const stagingHost = staging.host
    await swap('demo-windows/slots/staging', 'production')
    assert.equal(prod.packageZip, zip, 'production runs what staging had')
    assert.equal(prod.deployments[0].id, dep.id, "Kudu's deployments are in the site's file system: they move too")
    assert.equal(prod.host, stagingHost, 'the instances that were staging serve production (HostNameProvider.cs)')
    assert.equal(staging.settings.ONLY_IN_PROD, '1')
    assert.equal(prod.settings.ONLY_IN_PROD, undefined)
    assert.deepEqual([prod.settings.SLOT_ROLE, staging.settings.SLOT_ROLE], ['production', 'staging'])
    // Settings ending in _EXTENSION_VERSION stay with their slot (app-service-deployment-slots-settings.md).
    assert.deepEqual(
      [prod.settings.FUNCTIONS_EXTENSION_VERSION, staging.settings.FUNCTIONS_EXTENSION_VERSION],
      ['~4', '~3'],
    )
    await swap('demo-windows/slots/staging', 'production')
    assert.notEqual(prod.packageZip, zip, 'swapping again gives production its content back')
    assert.equal(prod.settings.ONLY_IN_PROD, '1')
    staging.settings.FUNCTIONS_EXTENSION_VERSION = '~4'
    delete prod.settings.ONLY_IN_PROD
  })

  test("applySlotConfig gives the source the target's sticky settings; resetSlotConfig its own", async () => {
    const prod = fake.site('demo-linux-premium')
    const staging = prod.slots.get('staging')!
    const body = {targetSlot: 'production', preserveVnet: true}
    assert.equal((await arm('POST', 'demo-linux-premium/slots/staging/applySlotConfig', body)).status, 200)
    assert.equal(staging.settings.SLOT_ROLE, 'production')
    assert.equal(prod.settings.SLOT_ROLE, 'production', 'the target is not touched in phase 1')
    assert.equal((await arm('POST', 'demo-linux-premium/slots/staging/resetSlotConfig')).status, 200)
    assert.equal(staging.settings.SLOT_ROLE, 'staging')
    assert.equal((await arm('POST', 'demo-linux-premium/slots/staging/applySlotConfig', body)).status, 200)
    const stagingContent = staging.contentDir
    await swap('demo-linux-premium/slots/staging', 'production')
    assert.equal(prod.contentDir, stagingContent)
    assert.deepEqual([prod.settings.SLOT_ROLE, staging.settings.SLOT_ROLE], ['production', 'staging'])
    await swap('demo-linux-premium/slots/staging', 'production')
  })

  test('config/connectionstrings (docs/platform.md §6): full replace, types checked, per slot, sticky', async () => {
    const prod = fake.site('demo-linux-premium')
    const staging = prod.slots.get('staging')!
    const put = (p: string, properties: object) => arm('PUT', `${p}/config/connectionstrings`, {properties})
    const first = {Main: {value: 'Server=a', type: 'SQLAzure'}, Keep: {value: 'k', type: 'Custom'}}
    assert.equal((await put('demo-linux-premium', first)).status, 200)
    assert.equal((await put('demo-linux-premium', {Main: {value: 'Server=b', type: 'SQLAzure'}})).status, 200)
    const listed = await arm('POST', 'demo-linux-premium/config/connectionstrings/list')
    assert.deepEqual(listed.json.properties, {Main: {value: 'Server=b', type: 'SQLAzure'}}, 'the PUT replaced them all')
    assert.equal((await put('demo-linux-premium', {Bad: {value: 'x', type: 'Oracle'}})).status, 400)
    assert.equal((await put('demo-linux-premium', {Bad: {type: 'Custom'}})).status, 400)
    assert.equal((await put('demo-linux-premium/slots/staging', {Pinned: {value: 's', type: 'Custom'}})).status, 200)
    const slotList = await arm('POST', 'demo-linux-premium/slots/staging/config/connectionstrings/list')
    assert.deepEqual(Object.keys(slotList.json.properties), ['Pinned'])
    prod.slotConfigNames.connectionStringNames.push('Pinned')
    prod.connectionStrings.Pinned = {value: 'p', type: 'Custom'}
    try {
      await swap('demo-linux-premium/slots/staging', 'production')
      assert.deepEqual([prod.connectionStrings.Pinned.value, staging.connectionStrings.Pinned.value], ['p', 's'])
      assert.deepEqual([prod.connectionStrings.Main, staging.connectionStrings.Main?.value], [undefined, 'Server=b'])
    } finally {
      prod.slotConfigNames.connectionStringNames.length = 0
    }
  })
})

describe('the fake stays up', () => {
  test('a client that aborts an upload mid-body does not bring the fake down', async () => {
    const site = fake.site('demo-linux-premium')
    await new Promise<void>((resolve) => {
      const req = https.request({
        host: '127.0.0.1',
        port: site.scmPort,
        path: '/api/zipdeploy?isAsync=true',
        method: 'POST',
        ca: fake.tls.caPem,
        headers: {authorization: 'Bearer chd-fake-token', 'content-length': '1000000'},
      })
      req.on('error', () => resolve())
      req.write(Buffer.alloc(64 * 1024))
      setTimeout(() => {
        req.destroy()
        resolve()
      }, 200)
    })
    const r = await request(site, '/admin/host/status', {'x-functions-key': site.masterKey})
    assert.ok([200, 503].includes(r.status), `the site host still answers (${r.status})`)
    assert.equal(site.deployments.filter((d) => !d.complete).length, 0, 'a half upload starts no deployment')
  })
})
