#!/usr/bin/env -S node --import tsx --disable-warning=ExperimentalWarning
import {execute} from '@oclif/core/execute'
import {fileURLToPath} from 'node:url'

import {redactingLogger} from './debug-log.js'

await execute({development: true, loadOptions: {root: fileURLToPath(import.meta.url), logger: redactingLogger()}})
