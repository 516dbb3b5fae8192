#!/usr/bin/env -S node --import tsx --disable-warning=ExperimentalWarning
import {execute} from '@oclif/core/execute'

import {loadOptions} from './options.js'

await execute({development: true, loadOptions: await loadOptions({development: true})})
