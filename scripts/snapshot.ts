// Rewrites test/fixtures/commands.json from the command classes: run it when a command or flag changes on purpose.
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {commandSnapshot, ROOT, SNAPSHOT} from './commands.js'

writeFileSync(SNAPSHOT, `${JSON.stringify(await commandSnapshot(), null, 2)}\n`)
process.stdout.write(`wrote ${path.relative(ROOT, SNAPSHOT)}\n`)
