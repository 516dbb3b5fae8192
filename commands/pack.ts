import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ChdCommand} from '../src/base-command.js'
import {targetFlags} from '../src/flags.js'
import {pack, type PackResult} from '../src/pack/index.js'
import {renderFindings} from '../src/ui/findings.js'

export default class Pack extends ChdCommand {
  static override summary =
    'Build the deployment zip: modes kept, .funcignore honoured, secrets left out, same bytes every time.'
  static override description =
    `Runs the doctor's static checks first (errors stop the pack unless --force), then writes a zip whose ` +
    `entries are sorted, time-stamped 1980-01-01 and made "by Unix" with their real permission bits, so the ` +
    `same folder always gives the same sha256.

Always left out: .git, .vscode, .funcignore, .gitignore, project.lock.json and local.settings.json. ` +
    `Files that usually hold secrets (.env, *.pem, *.key, *.pfx, id_rsa …) are refused unless .funcignore ` +
    `leaves them out or --include-secrets is given.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> examples/hello-go -o app.zip',
    '<%= config.bin %> <%= command.id %> . --json',
  ]

  static override args = {
    dir: Args.string({description: 'App folder', default: '.'}),
  }

  static override flags = {
    ...targetFlags,
    output: Flags.string({
      char: 'o',
      summary: 'Where to write the zip (default: <folder name>.zip in the current directory).',
      helpValue: 'FILE',
    }),
    force: Flags.boolean({summary: 'Pack even when checks report errors.'}),
    'include-secrets': Flags.boolean({summary: 'Pack local.settings.json and secret-looking files too.'}),
    level: Flags.integer({summary: 'Deflate level, 0 (store) to 9.', min: 0, max: 9, default: 6}),
  }

  async run(): Promise<PackResult> {
    const {args, flags} = await this.parse(Pack)
    const result = await pack(
      {
        dir: args.dir,
        output: flags.output,
        target: flags.target,
        glibc: flags.glibc,
        plan: flags.plan,
        force: flags.force,
        includeSecrets: flags['include-secrets'],
        level: flags.level,
      },
      await this.progress(),
    )
    const notable = result.findings.filter((f) => f.severity !== 'info')
    if (notable.length > 0) this.say(`${renderFindings(notable)}\n`)
    this.say(`${result.output}`)
    this.say(
      `  entries  ${result.entries} (${result.deflated} deflated, ${result.stored} ` +
        `stored; ${result.excluded.length} excluded)`,
    )
    this.say(`  bytes    ${result.bytes} (from ${result.inputBytes})`)
    this.say(`  sha256   ${result.sha256}`)
    return result
  }
}
