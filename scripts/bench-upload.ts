/**
 * Upload speed for `npm run bench`: chd's Kudu upload path (core-rest-pipeline, bearer policy,
 * stream factory) against a bare https.request of the same bytes to the same fake endpoint, and
 * an unchanged redeploy of the bench app through the whole CLI.
 */
import {execFile} from 'node:child_process'
import {createReadStream, statSync} from 'node:fs'
import https from 'node:https'
import path from 'node:path'
import {promisify} from 'node:util'

import {connect} from '../src/azure/arm.js'
import {staticTokenCredential} from '../src/azure/credential.js'
import {KuduClient} from '../src/azure/kudu.js'
import {FakeAzure, SUBSCRIPTION} from '../test/fake-azure/server.js'

const root = path.resolve(import.meta.dirname, '..')
const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6

interface UploadFigures {
  bytes: number
  raw: number[]
  chd: number[]
  redeploy: number[]
}

export async function uploadBench(zip: string, app: string, runs: number): Promise<UploadFigures> {
  const fake = await new FakeAzure().start()
  fake.deployMs = 10
  fake.runApps = false
  try {
    const site = fake.site('demo-linux-dedicated')
    const bytes = statSync(zip).size
    const credential = staticTokenCredential('chd-fake-token')
    const ctx = await connect({
      armEndpoint: fake.armEndpoint,
      subscription: SUBSCRIPTION,
      credential,
      ca: fake.tls.caPem,
    })
    const kudu = new KuduClient(ctx, `127.0.0.1:${site.scmPort}`)
    // Between uploads: let the fake finish the previous deployment, so Kudu does not answer 409.
    const settle = async () => {
      while (site.deployments.some((d) => !d.complete)) await new Promise((r) => setTimeout(r, 20))
      await new Promise((r) => setTimeout(r, 50))
    }
    const raw = async () => {
      const start = process.hrtime.bigint()
      await new Promise<void>((resolve, reject) => {
        const headers = {
          authorization: 'Bearer chd-fake-token',
          'content-type': 'application/zip',
          'content-length': bytes,
        }
        const target = {host: '127.0.0.1', port: site.scmPort, path: '/api/zipdeploy?isAsync=true', method: 'POST'}
        const req = https.request({...target, ca: fake.tls.caPem, headers}, (res) => {
          res.resume()
          res.on('end', resolve)
        })
        req.on('error', reject)
        createReadStream(zip).pipe(req)
      })
      return since(start)
    }
    const ours = async () => {
      const start = process.hrtime.bigint()
      const headers = {'Content-Type': 'application/zip', 'Content-Length': String(bytes)}
      const r = await kudu.send('POST', '/api/zipdeploy?isAsync=true', {body: kudu.uploadBody(zip), headers})
      if (r.status !== 202) throw new Error(`upload answered ${r.status}`)
      return since(start)
    }
    const rawTimes: number[] = []
    const ourTimes: number[] = []
    await ours()
    for (let i = 0; i < runs; i++) {
      await settle()
      rawTimes.push(await raw())
      await settle()
      ourTimes.push(await ours())
    }
    // The fake lives in this process, so the CLI runs asynchronously (spawnSync would starve it).
    fake.runApps = true
    const env = {...process.env, ...fake.env(), CHD_SETTINGS_SETTLE_MS: '0'}
    const deploy = [path.join(root, 'bin/run.js'), 'deploy', app, '--app', 'demo-linux-premium']
    const cli = (extra: string[]) => promisify(execFile)(process.execPath, [...deploy, ...extra], {env})
    await cli(['--force'])
    const again: number[] = []
    for (let i = 0; i < runs; i++) {
      const start = process.hrtime.bigint()
      await cli([])
      again.push(since(start))
    }
    return {bytes, raw: rawTimes, chd: ourTimes, redeploy: again}
  } finally {
    await fake.stop()
  }
}
