import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {goodApp, makeApp} from './helpers/app.js'
import {chd} from './helpers/cli.js'
import {goHandler, goSkip} from './helpers/go.js'
import {FakeAzure} from './fake-azure/server.js'

let fake: FakeAzure
let env: Record<string, string>
before(async () => {
  fake = await new FakeAzure().start()
  fake.hostTimeoutMs = 1500
  env = {...fake.env(), CHD_SETTINGS_SETTLE_MS: '0'}
})
after(() => fake.stop())

async function get(url: string): Promise<{status: number; text: string}> {
  const https = await import('node:https')
  return new Promise((resolve, reject) => {
    https.get(url, {ca: fake.tls.caPem}, (res) => {
      let text = ''
      res.on('data', (d) => { text += d })
      res.on('end', () => resolve({status: res.statusCode ?? 0, text}))
    }).on('error', reject)
  })
}

describe('the fake runs what is deployed', {skip: goSkip()}, () => {
  test('a good app answers at the invoke URL deploy printed, and the host logs the invocation', async () => {
    const dir = await makeApp(goodApp({copy: await goHandler('linux-amd64')}))
    const r = await chd(['deploy', dir, '--app', 'demo-linux-premium', '--json'], {env})
    assert.equal(r.code, 0, r.stderr)
    const url = r.json().verify.functions[0].url
    const res = await get(url)
    assert.equal(res.status, 200)
    assert.equal(res.text, 'hello from go')
    const messages = fake.site('demo-linux-premium').runtime.logs.map((l) => l.message)
    assert.ok(messages.includes('Worker process started and initialized.'))
    assert.ok(messages.some((m) => /^Executed 'Functions\.hello' \(Succeeded/.test(m)))
  })

  test('Dedicated keeps the zip\'s modes: a lost execute bit fails with Permission denied', async () => {
    const dir = await makeApp(goodApp({copy: await goHandler('linux-amd64'), mode: 0o644}))
    const r = await chd(['deploy', dir, '--app', 'demo-linux-dedicated', '--force'], {env})
    assert.equal(r.code, 5, 'verify reports the host is not running')
    assert.match(r.stdout, /host: Error/)
    assert.ok(fake.site('demo-linux-dedicated').runtime.logs.some((l) => /Failed to start Worker Channel.*Permission denied/.test(l.message)))
  })

  test('Flex adds u+x to the executable itself, as the host does there', async () => {
    const dir = await makeApp(goodApp({copy: await goHandler('linux-amd64'), mode: 0o644}))
    const r = await chd(['deploy', dir, '--app', 'demo-flex', '--force'], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.ok(fake.site('demo-flex').runtime.logs.some((l) => /Assigning execute permissions/.test(l.message)))
  })
})
