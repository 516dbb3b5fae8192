/**
 * npm run docs: writes docs/troubleshooting.md from src/explain/, the data `chd explain` prints.
 * test/explain.test.ts fails when the committed file differs from what this writes.
 */
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {troubleshootingMarkdown} from '../src/explain/markdown.js'

const file = path.resolve(import.meta.dirname, '../docs/troubleshooting.md')
writeFileSync(file, troubleshootingMarkdown())
console.log(`wrote ${path.relative(process.cwd(), file)}`)
