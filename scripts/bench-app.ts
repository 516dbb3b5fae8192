/**
 * The app `npm run bench` measures, generated the same way on every run: a node_modules tree of
 * ~1,950 small files, a static Go handler, 40 MB of random bytes and ~20 MB of text and JS.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {createCipheriv} from 'node:crypto'
import {chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
/** Bumped whenever the shape changes, so an old generated app is not measured by mistake. */
const SHAPE = 'v2'

/** A deterministic generator (xorshift32): every run writes the same bytes. */
function prng(seed: number) {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s
  }
}

const KEYWORDS = [
  'function',
  'return',
  'const',
  'let',
  'if',
  'else',
  'for',
  'of',
  'new',
  'this',
  'await',
  'async',
  'export',
  'import',
  'from',
  'typeof',
  'null',
  'undefined',
  'true',
  'false',
  'throw',
  'catch',
  'try',
]

/**
 * JS-like text: keywords, a vocabulary of identifiers, numbers and strings, so it deflates about
 * as well as real minified and plain sources do (3-4:1), not like one repeated phrase.
 */
function textMaker(seed: number) {
  const rand = prng(seed)
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$'
  const ident = () => Array.from({length: 3 + (rand() % 10)}, () => letters[rand() % letters.length]).join('')
  const vocab = Array.from({length: 4000}, ident)
  const word = () => {
    const r = rand() % 100
    if (r < 30) return KEYWORDS[rand() % KEYWORDS.length]
    if (r < 85) return vocab[Math.floor(((rand() % 1000) / 1000) ** 2 * vocab.length)]
    if (r < 95) return String(rand() % 100_000)
    return `'${ident()}'`
  }
  const punct = ['(', ')', '{', '}', ';', '.', ',', ' = ', ' => ', ' + ', ': ', '[', ']']
  return (bytes: number): string => {
    const parts: string[] = []
    let size = 0
    while (size < bytes) {
      const n = 4 + (rand() % 12)
      let line = '  '.repeat(rand() % 4)
      for (let i = 0; i < n; i++) line += word() + punct[rand() % punct.length]
      line += '\n'
      parts.push(line)
      size += line.length
    }
    return parts.join('').slice(0, bytes)
  }
}

/** Incompressible bytes from AES-CTR over zeros: fast and the same on every run. */
function randomBytes(size: number): Buffer {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0))
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()])
}

/** ~1,950 files in packages of a dozen or so, log-uniform 200 B – 16 KiB, like an npm tree. */
function nodeModules(dir: string, text: (n: number) => string): number {
  const rand = prng(1950)
  const names = [
    'index',
    'util',
    'parse',
    'format',
    'stream',
    'errors',
    'types',
    'core',
    'helpers',
    'constants',
    'compat',
    'browser',
  ]
  let files = 0
  for (let p = 0; files < 1950; p++) {
    const pkg = path.join(dir, 'node_modules', p % 5 === 0 ? `@scope${p % 7}/pkg-${p}` : `pkg-${p}`)
    mkdirSync(path.join(pkg, 'lib'), {recursive: true})
    const manifest = {name: `pkg-${p}`, version: `1.${p % 10}.0`, main: 'lib/index.js', license: 'MIT'}
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify(manifest, null, 2))
    writeFileSync(path.join(pkg, 'README.md'), text(200 + (rand() % 3000)))
    files += 2
    const count = 4 + (rand() % 14)
    for (let i = 0; i < count && files < 1950; i++, files++) {
      const size = Math.round(200 * 80 ** ((rand() % 10_000) / 10_000))
      const ext = i % 4 === 3 ? '.d.ts' : '.js'
      writeFileSync(path.join(pkg, 'lib', `${names[i % names.length]}${i >= names.length ? i : ''}${ext}`), text(size))
    }
  }
  return files
}

function goHandler(out: string): void {
  const go = spawnSync('go', ['build', '-trimpath', '-o', out, '.'], {
    cwd: path.join(root, 'test/fixtures/go-handler'),
    env: {...process.env, CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'amd64'},
  })
  if (go.status !== 0) {
    throw new Error(`the bench needs Go to build its handler (apt-get install golang-go): ${go.stderr.toString()}`)
  }
  chmodSync(out, 0o755)
}

/** Generates the app into `dir` unless a complete one of this shape is already there. */
export function benchApp(where: string): {dir: string; files: number} {
  const dir = path.resolve(where)
  const marker = path.join(dir, `.complete-${SHAPE}`)
  if (existsSync(marker)) {
    const found = execFileSync('find', [dir, '-type', 'f', '!', '-name', '.complete-*'], {encoding: 'utf8'})
    return {dir, files: found.trim().split('\n').length}
  }
  rmSync(dir, {recursive: true, force: true})
  mkdirSync(dir, {recursive: true})
  const text = textMaker(42)
  let files = nodeModules(dir, text)
  mkdirSync(path.join(dir, 'dist'))
  mkdirSync(path.join(dir, 'data'))
  mkdirSync(path.join(dir, 'hello'))
  writeFileSync(path.join(dir, 'dist/app.js'), text(8 * 1024 * 1024))
  writeFileSync(path.join(dir, 'data/corpus.txt'), text(12 * 1024 * 1024))
  writeFileSync(path.join(dir, 'data/model.bin'), randomBytes(40 * 1024 * 1024))
  writeFileSync(
    path.join(dir, 'hello/function.json'),
    JSON.stringify(
      {
        bindings: [
          {type: 'httpTrigger', direction: 'in', name: 'req', authLevel: 'anonymous', methods: ['get', 'post']},
          {type: 'http', direction: 'out', name: 'res'},
        ],
      },
      null,
      2,
    ),
  )
  writeFileSync(
    path.join(dir, 'host.json'),
    JSON.stringify(
      {
        version: '2.0',
        extensionBundle: {id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)'},
        customHandler: {description: {defaultExecutablePath: 'handler'}},
      },
      null,
      2,
    ),
  )
  goHandler(path.join(dir, 'handler'))
  files += 6
  writeFileSync(marker, '')
  return {dir, files}
}

/**
 * A 5 GB app for the memory row (`npm run bench -- --big`): 4 GiB of random data in 64 MiB files,
 * 1 GiB of text in 32 MiB files, and the small app beside them. Written once, kept in .bench/.
 */
export function bigApp(where: string): string {
  const dir = path.resolve(where)
  const marker = path.join(dir, `.complete-${SHAPE}`)
  if (existsSync(marker)) return dir
  rmSync(dir, {recursive: true, force: true})
  benchApp(path.join(dir, 'small'))
  for (const f of ['host.json', 'handler']) renameSync(path.join(dir, 'small', f), path.join(dir, f))
  renameSync(path.join(dir, 'small/hello'), path.join(dir, 'hello'))
  mkdirSync(path.join(dir, 'blobs'))
  mkdirSync(path.join(dir, 'texts'))
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 9), Buffer.alloc(16, 0))
  for (let i = 0; i < 64; i++) {
    writeFileSync(path.join(dir, 'blobs', `part${i}.bin`), cipher.update(Buffer.alloc(64 * 1024 * 1024)))
  }
  const text = textMaker(7)
  const block = text(32 * 1024 * 1024)
  for (let i = 0; i < 32; i++) writeFileSync(path.join(dir, 'texts', `log${i}.txt`), `${i}\n${block}`)
  writeFileSync(marker, '')
  return dir
}
