import * as Args from '@oclif/core/args'

import {ChdCommand} from '../../src/base-command.js'
import {azureFlags, azureTarget} from '../../src/flags.js'
import {changeSettings} from '../../src/remote/settings.js'
import {renderSettingsDiff} from '../../src/ui/remote.js'

export default class SettingsUnset extends ChdCommand {
  static override summary = 'Remove app settings, keeping every other one.'
  static override strict = false
  static override args = {keys: Args.string({description: 'KEY …', required: true})}
  static override examples = ['<%= config.bin %> <%= command.id %> --app my-func OLD_FLAG']
  static override flags = {...azureFlags}

  async run() {
    const {flags, argv} = await this.parse(SettingsUnset)
    const result = await changeSettings(azureTarget(flags), {unset: argv as string[]}, await this.progress())
    this.say(renderSettingsDiff(result.diff))
    return result
  }
}
