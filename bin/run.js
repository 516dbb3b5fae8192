#!/usr/bin/env node
import {execute} from '@oclif/core/execute'

import {loadOptions} from './options.js'

await execute({loadOptions: await loadOptions()})
