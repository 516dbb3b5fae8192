#!/usr/bin/env node
import {execute} from '@oclif/core/execute'
import {fileURLToPath} from 'node:url'

import {redactingLogger} from './debug-log.js'

await execute({loadOptions: {root: fileURLToPath(import.meta.url), logger: redactingLogger()}})
