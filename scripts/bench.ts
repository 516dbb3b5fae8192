/**
 * npm run bench: start-up and pack speed, as medians of repeated runs, against bare node and
 * Info-ZIP. Not a test: it prints figures and exits 0.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const work = path.join(root, '.bench')
const runs = Number(process.env.BENCH_RUNS ?? 7)

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

function time(cmd: string, args: string[], cwd = root): number {
  const start = process.hrtime.bigint()
  const r = spawnSync(cmd, args, {cwd, stdio: ['ignore', 'ignore', 'pipe']})
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
  return Number(process.hrtime.bigint() - start) / 1e6
}

function bench(label: string, cmd: string, args: string[], cwd?: string, before?: () => void): number {
  const xs: number[] = []
  for (let i = 0; i < runs; i++) {
    before?.()
    xs.push(time(cmd, args, cwd))
  }
  const m = median(xs)
  console.log(`${label.padEnd(34)} median ${m.toFixed(0).padStart(6)} ms   (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}, n=${runs})`)
  return m
}

/** Peak RSS of a child in MB, read from the kernel's accounting of waited-for children. */
function peakRss(cmd: string, args: string[], cwd = root): number {
  const out = execFileSync('python3', ['-c', 'import resource,subprocess,sys; r=subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)', cmd, ...args], {cwd, encoding: 'utf8'})
  return Number(out.trim()) / 1024
}

function generateApp(dir: string): void {
  if (existsSync(path.join(dir, '.complete'))) return
  rmSync(dir, {recursive: true, force: true})
  mkdirSync(dir, {recursive: true})
  // Deterministic pseudo-random content, so every run packs the same app.
  let seed = 42
  // High bits only: an LCG's low bits cycle, which would make the text unrealistically repetitive.
  const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) >>> 16
  const words = 'function return const handler request response status body headers query json parse error logger info warn'.split(' ')
  const text = (n: number) => {
    const parts: string[] = []
    let size = 0
    while (size < n) {
      const line = Array.from({length: 3 + (rand() % 10)}, () => words[rand() % words.length]).join(' ') + ';\n'
      parts.push(line)
      size += line.length
    }
    return parts.join('')
  }
  for (let i = 0; i < 3000; i++) {
    const d = path.join(dir, 'lib', `m${Math.floor(i / 100)}`)
    mkdirSync(d, {recursive: true})
    writeFileSync(path.join(d, `f${i}.js`), text(200 + (rand() % 6000)))
  }
  const noise = Buffer.alloc(40 * 1024 * 1024)
  for (let off = 0; off < noise.length; off += 32) createHash('sha256').update(String(off)).digest().copy(noise, off)
  writeFileSync(path.join(dir, 'assets.bin'), noise)
  writeFileSync(path.join(dir, 'data.txt'), text(30 * 1024 * 1024))
  mkdirSync(path.join(dir, 'hello'), {recursive: true})
  writeFileSync(path.join(dir, 'hello/function.json'), JSON.stringify({bindings: [{type: 'httpTrigger', direction: 'in', name: 'req'}, {type: 'http', direction: 'out', name: 'res'}]}))
  writeFileSync(path.join(dir, 'host.json'), JSON.stringify({version: '2.0', customHandler: {description: {defaultExecutablePath: 'handler'}}}))
  // The real binary: the Go test handler when Go is here, else this machine's own ls.
  const go = spawnSync('go', ['build', '-o', path.join(dir, 'handler'), '.'], {cwd: path.join(root, 'test/fixtures/go-handler'), env: {...process.env, CGO_ENABLED: '0'}})
  if (go.status !== 0) execFileSync('cp', ['/bin/ls', path.join(dir, 'handler')])
  execFileSync('chmod', ['755', path.join(dir, 'handler')])
  writeFileSync(path.join(dir, '.complete'), '')
}

mkdirSync(work, {recursive: true})
console.log(`node ${process.version}, ${runs} runs each\n`)
execFileSync('npm', ['run', '--silent', 'build'], {cwd: root, stdio: 'inherit'})
execFileSync('npx', ['oclif', 'manifest'], {cwd: root, stdio: 'ignore'})
try {
  const bare = bench('node -e 0', process.execPath, ['-e', '0'])
  const help = bench('chd --help (dist + manifest)', process.execPath, ['bin/run.js', '--help'])
  console.log(`  → ${(help / bare).toFixed(2)}× bare node (target ≤ 2.5×)\n`)

  const app = path.join(work, 'app')
  generateApp(app)
  const zipOut = path.join(work, 'infozip.zip')
  const chdOut = path.join(work, 'chd.zip')
  const info = bench('zip -r -6 (Info-ZIP)', 'zip', ['-q', '-r', '-6', zipOut, '.', '-x', '.complete'], app, () => rmSync(zipOut, {force: true}))
  const packMs = bench('chd pack', process.execPath, [path.join(root, 'bin/run.js'), 'pack', app, '-o', chdOut], root, () => rmSync(chdOut, {force: true}))
  console.log(`  → ${(packMs / info).toFixed(2)}× Info-ZIP (target ≤ 0.67×)`)
  // Peak RSS moves by ±10 MB with GC timing from run to run: report the median and the spread.
  const rssRuns = Array.from({length: 5}, () => peakRss(process.execPath, [path.join(root, 'bin/run.js'), 'pack', app, '-o', chdOut]))
  console.log(`  → peak RSS median ${median(rssRuns).toFixed(0)} MB (min ${Math.min(...rssRuns).toFixed(0)}, max ${Math.max(...rssRuns).toFixed(0)}; target ≤ 150 MB)`)
  const sizes = execFileSync('ls', ['-l', zipOut, chdOut], {encoding: 'utf8'})
  console.log(`\n${sizes}`)

  await benchUpload(chdOut)
} finally {
  rmSync(path.join(root, 'oclif.manifest.json'), {force: true})
}

/**
 * Upload: chd's Kudu upload path (core-rest-pipeline, bearer policy, stream factory) against a
 * bare https.request of the same bytes to the same fake endpoint; then an unchanged redeploy.
 */
async function benchUpload(zip: string): Promise<void> {
  const {FakeAzure, SUBSCRIPTION} = await import('../test/fake-azure/server.js')
  const {connect} = await import('../src/azure/arm.js')
  const {staticTokenCredential} = await import('../src/azure/credential.js')
  const {KuduClient} = await import('../src/azure/kudu.js')
  const https = await import('node:https')
  const {statSync, createReadStream} = await import('node:fs')
  const fake = await new FakeAzure().start()
  fake.deployMs = 10
  fake.runApps = false
  try {
    const site = fake.site('demo-linux-dedicated')
    const bytes = statSync(zip).size
    const ctx = await connect({armEndpoint: fake.armEndpoint, subscription: SUBSCRIPTION, credential: staticTokenCredential('chd-fake-token'), ca: fake.tls.caPem})
    const kudu = new KuduClient(ctx, `127.0.0.1:${site.scmPort}`)
    // Between uploads: let the fake finish the previous deployment, so Kudu does not answer 409.
    const settle = async () => {
      while (site.deployments.some((d) => !d.complete)) await new Promise((r) => setTimeout(r, 20))
      await new Promise((r) => setTimeout(r, 50))
    }
    const raw = async () => {
      const start = process.hrtime.bigint()
      await new Promise<void>((resolve, reject) => {
        const req = https.request({host: '127.0.0.1', port: site.scmPort, path: '/api/zipdeploy?isAsync=true', method: 'POST', ca: fake.tls.caPem, headers: {authorization: 'Bearer chd-fake-token', 'content-type': 'application/zip', 'content-length': bytes}}, (res) => { res.resume(); res.on('end', resolve) })
        req.on('error', reject)
        createReadStream(zip).pipe(req)
      })
      return Number(process.hrtime.bigint() - start) / 1e6
    }
    const ours = async () => {
      const start = process.hrtime.bigint()
      const r = await kudu.send('POST', '/api/zipdeploy?isAsync=true', {body: kudu.uploadBody(zip), headers: {'Content-Type': 'application/zip', 'Content-Length': String(bytes)}})
      if (r.status !== 202) throw new Error(`upload answered ${r.status}`)
      return Number(process.hrtime.bigint() - start) / 1e6
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
    const r = median(rawTimes)
    const o = median(ourTimes)
    console.log(`\n${'raw https POST (same bytes)'.padEnd(34)} median ${r.toFixed(0).padStart(6)} ms   (${(bytes / 1e6).toFixed(1)} MB)`)
    console.log(`${'chd upload (Kudu client)'.padEnd(34)} median ${o.toFixed(0).padStart(6)} ms`)
    console.log(`  → ${(o / r).toFixed(2)}× raw (target ≤ 1.1×)`)

    // The fake lives in this process, so the CLI runs asynchronously (spawnSync would starve it).
    const {execFile} = await import('node:child_process')
    const {promisify} = await import('node:util')
    fake.runApps = true
    const app = path.join(root, 'examples/hello-node')
    const env = {...process.env, ...fake.env(), CHD_SETTINGS_SETTLE_MS: '0'}
    const cli = (args: string[]) => promisify(execFile)(process.execPath, [path.join(root, 'bin/run.js'), 'deploy', app, '--app', 'demo-linux-premium', ...args], {env})
    await cli(['--force'])
    const again: number[] = []
    for (let i = 0; i < runs; i++) {
      const start = process.hrtime.bigint()
      await cli([])
      again.push(Number(process.hrtime.bigint() - start) / 1e6)
    }
    console.log(`${'unchanged redeploy (whole CLI)'.padEnd(34)} median ${median(again).toFixed(0).padStart(6)} ms   (0 bytes uploaded)`)
  } finally {
    await fake.stop()
  }
}
