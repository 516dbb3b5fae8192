import * as Args from '@oclif/core/args'

import {ChdCommand} from '../../src/base-command.js'
import {azureFlags, azureTarget} from '../../src/flags.js'
import {changeSettings, parseAssignments} from '../../src/remote/settings.js'
import {renderSettingsDiff} from '../../src/ui/remote.js'

export default class SettingsSet extends ChdCommand {
  static override summary = 'Set app settings without dropping any other (merged, then verified).'
  static override strict = false
  static override args = {pairs: Args.string({description: 'KEY=VALUE …', required: true})}
  static override examples = ['<%= config.bin %> <%= command.id %> --app my-func GREETING=hello LOG_LEVEL=debug']
  static override flags = {...azureFlags}

  async run() {
    const {flags, argv} = await this.parse(SettingsSet)
    const result = await changeSettings(
      azureTarget(flags),
      {set: parseAssignments(argv as string[])},
      await this.progress(),
    )
    this.say(renderSettingsDiff(result.diff))
    return result
  }
}
