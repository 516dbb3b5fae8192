#!/usr/bin/env node
import {fromSources, loadOptions} from './options.js'

const options = await loadOptions()
// Built, oclif and the commands are bundled ES modules in dist/ (scripts/build.js): a command loads a few
// files, not ~150.
const {execute} = await (fromSources() ? import('@oclif/core/execute') : import('../dist/oclif.js'))
await execute({loadOptions: options})
