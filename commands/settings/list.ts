import * as Flags from '@oclif/core/flags'

import {ChdCommand} from '../../src/base-command.js'
import {azureFlags, azureTarget} from '../../src/flags.js'
import {listSettings} from '../../src/remote/settings.js'

export default class SettingsList extends ChdCommand {
  static override summary = "List a function app's settings, values hidden unless --show-values."
  static override examples = [
    '<%= config.bin %> <%= command.id %> --app my-func',
    '<%= config.bin %> <%= command.id %> --app my-func --show-values --json',
  ]

  static override flags = {
    ...azureFlags,
    'show-values': Flags.boolean({summary: 'Print the values (they are often secrets).'}),
  }

  async run() {
    const {flags} = await this.parse(SettingsList)
    const result = await listSettings(
      azureTarget(flags),
      flags['show-values'],
      this.config.configDir,
      await this.progress(),
    )
    const width = Math.max(0, ...Object.keys(result.settings).map((k) => k.length))
    for (const [k, v] of Object.entries(result.settings)) {
      this.say(`${k.padEnd(width)}  ${v}${result.fingerprints ? `  (hmac:${result.fingerprints[k]})` : ''}`)
    }
    return result
  }
}
