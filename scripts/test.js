// Runs every test/**/*.test.ts with node's test runner through tsx (Node 20 has no --test globs).
import {spawnSync} from 'node:child_process'
import {readdirSync} from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const files = readdirSync(path.join(root, 'test'), {recursive: true, encoding: 'utf8'})
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => process.argv.length <= 2 || process.argv.slice(2).some((a) => f.includes(a)))
  .sort()
  .map((f) => path.join('test', f))
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  {
    cwd: root,
    stdio: 'inherit',
    env: {...process.env, NO_COLOR: '1'},
  },
)
process.exit(result.status ?? 1)
