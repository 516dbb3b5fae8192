import {existsSync} from 'node:fs'
import path from 'node:path'

import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ChdCommand} from '../src/base-command.js'
import {type DoctorResult, runDoctor} from '../src/doctor/index.js'
import {ExitCode} from '../src/errors.js'
import type {codeCatalogue} from '../src/explain/index.js'
import {azureFlags, azureTarget, secondsToMs, startupTimeoutFlag, targetFlags} from '../src/flags.js'
import {renderCatalogue, renderFindings, renderHistory, renderProbe} from '../src/ui/findings.js'

export default class Doctor extends ChdCommand {
  static override summary = 'Judge a function app folder or .zip package before it is deployed.'
  static override description =
    `Reads host.json, every function.json and local.settings.json, inspects the handler executable's own ` +
    `bytes (format, OS, CPU, glibc needs, execute bit, #! line and CRLF) and reports each problem with its ` +
    `file, line and fix.

Exits 1 when any error-severity finding is reported. Finding codes are stable: see --list-checks.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> examples/hello-go',
    '<%= config.bin %> <%= command.id %> app.zip --target linux-x64 --plan dedicated',
    '<%= config.bin %> <%= command.id %> . --json',
    '<%= config.bin %> <%= command.id %> --list-checks',
    '<%= config.bin %> <%= command.id %> --app my-func',
    '<%= config.bin %> <%= command.id %> ./app --app my-func --no-start',
  ]

  static override args = {
    path: Args.string({description: 'App folder or .zip package', default: '.'}),
  }

  static override flags = {
    ...targetFlags,
    ...azureFlags,
    app: Flags.string({
      char: 'a',
      summary:
        'Also diagnose this live function app (its settings, last deployment, host status and recent host ' +
        'log lines); its platform replaces --target.',
      env: 'CHD_APP',
    }),
    start: Flags.boolean({
      summary: 'Start the handler and send it mock invocations after the static checks (--no-start skips it).',
      default: true,
      allowNo: true,
    }),
    'startup-timeout': startupTimeoutFlag,
    'list-checks': Flags.boolean({summary: 'Print the catalogue of finding codes and exit.'}),
  }

  async run(): Promise<DoctorResult | ReturnType<typeof codeCatalogue>> {
    const {args, flags, raw} = await this.parse(Doctor)
    const pathGiven = raw.some((r) => r.type === 'arg')
    if (flags['list-checks']) {
      // The explanations load only here: a doctor run does not need them.
      const {codeCatalogue} = await import('../src/explain/index.js')
      const catalogue = codeCatalogue({findingsOnly: true})
      this.say(renderCatalogue(catalogue.codes))
      return catalogue
    }
    const result = await runDoctor(
      {
        ...azureTarget(flags),
        local: !flags.app || pathGiven || existsSync(path.join(args.path, 'host.json')),
        path: args.path,
        target: flags.target,
        glibc: flags.glibc,
        plan: flags.plan,
        start: flags.start,
        startupTimeoutMs: secondsToMs(flags['startup-timeout']),
      },
      await this.progress(),
    )
    if (result.executable?.description)
      this.say(`Executable: ${result.executable.resolved} — ${result.executable.description}`)
    if (result.remote)
      this.say(
        `Live app: ${result.remote.app} ` +
          `(${result.remote.resourceGroup}), ${result.remote.os} ${result.remote.plan}, ` +
          `host ${result.remote.hostState ?? 'unknown'}`,
      )
    if (!result.remote || result.functions.length > 0)
      this.say(`Functions: ${result.functions.length > 0 ? result.functions.join(', ') : '(none)'}`)
    if (result.probe?.ran) this.say(renderProbe(result.probe))
    this.say()
    this.say(renderFindings(result.findings))
    this.say()
    if (result.history?.length) this.say(`${renderHistory(result.history)}\n`)
    this.say(
      `${result.summary.errors} error(s), ${result.summary.warnings} warning(s), ${result.summary.info} ` +
        `info for ${result.target.name}`,
    )
    if (!result.ok) process.exitCode = ExitCode.failed
    return result
  }
}
