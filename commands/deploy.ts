import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ChdCommand} from '../src/base-command.js'
import {deploy, type DeployResult} from '../src/deploy/index.js'
import {azureFlags, azureTarget} from '../src/flags.js'
import {parseAssignments} from '../src/remote/settings.js'
import {renderFindings} from '../src/ui/findings.js'
import {renderSettingsDiff} from '../src/ui/remote.js'

export default class Deploy extends ChdCommand {
  static override summary =
    'Check, pack and deploy a custom-handler app to Azure, for every hosting plan, without losing a setting.'
  static override description = [
    'Detects the plan from the app itself and takes its path: Kudu zipdeploy (Dedicated, Premium,',
    "Windows), OneDeploy /api/publish (Flex), or a blob in the app's storage with",
    'WEBSITE_RUN_FROM_PACKAGE (Linux Consumption). Steps: validate-remote (the app, its settings and',
    "stack), validate-local (the doctor's checks against that platform), package (skipped upload when the",
    'sha256 matches the live package), upload, activate (app settings merged: existing +',
    "FUNCTIONS_WORKER_RUNTIME (custom, unless the app's stack supplies the handler's interpreter) +",
    "--setting + --settings-file; sync triggers), verify (evidence that the handler started: the host's",
    '"Worker process started and initialized." since this deployment, or a 2xx from --smoke; a failure',
    'exits 5 with the code chd doctor uses).',
  ].join(' ')

  static override examples = [
    '<%= config.bin %> <%= command.id %> examples/hello-go --app my-func',
    '<%= config.bin %> <%= command.id %> . --app my-func --dry-run',
    '<%= config.bin %> <%= command.id %> --app my-func --package app.zip --setting LOG_LEVEL=debug --json',
  ]

  static override args = {dir: Args.string({description: 'App folder', default: '.'})}

  static override flags = {
    ...azureFlags,
    package: Flags.string({
      summary: 'Deploy this zip instead of packing the folder (a zip without Unix modes gets them).',
      helpValue: 'ZIP',
    }),
    setting: Flags.string({summary: 'App setting to set, KEY=VALUE (repeatable).', multiple: true}),
    'settings-file': Flags.string({summary: 'Also push the Values of this local.settings.json.', helpValue: 'FILE'}),
    force: Flags.boolean({summary: 'Deploy despite check errors, and upload even when the package is unchanged.'}),
    'dry-run': Flags.boolean({summary: 'Stop before the upload and print the plan; no write request is sent.'}),
    wait: Flags.boolean({
      summary: 'Wait for the deployment to finish (--no-wait returns once the upload is accepted).',
      default: true,
      allowNo: true,
    }),
    timeout: Flags.integer({summary: 'Seconds to wait in all (409 retries, polling).', default: 900, min: 10}),
    'show-keys': Flags.boolean({summary: 'Print function URLs with their key.'}),
    glibc: Flags.string({summary: 'glibc of the Linux platform, if not the default 2.31.', helpValue: 'X.Y'}),
    smoke: Flags.string({
      summary:
        'After the deploy, GET this path on the app (e.g. /api/hello) and expect a 2xx: proof the handler serves.',
      helpValue: 'PATH',
    }),
  }

  async run(): Promise<DeployResult> {
    const {args, flags} = await this.parse(Deploy)
    const result = await deploy(
      {
        ...azureTarget(flags),
        dir: args.dir,
        package: flags.package,
        settings: parseAssignments(flags.setting ?? []),
        settingsFile: flags['settings-file'],
        force: flags.force,
        dryRun: flags['dry-run'],
        noWait: !flags.wait,
        timeoutMs: flags.timeout * 1000,
        showKeys: flags['show-keys'],
        glibc: flags.glibc,
        smoke: flags.smoke,
      },
      await this.progress(),
    )
    const notable = result.findings.filter((f) => f.severity !== 'info')
    if (notable.length > 0) this.say(`${renderFindings(notable)}\n`)
    const {target, package: pkg} = result
    this.say(`${result.app} (${result.resourceGroup}): ${target.os} ${target.plan} [${target.sku}] via ${target.route}`)
    const notUploaded = result.dryRun ? ' (dry run: not uploaded)' : ` (${pkg.reason ?? 'not uploaded'})`
    this.say(`package: ${pkg.bytes} bytes, sha256 ${pkg.sha256}${pkg.uploaded ? '' : notUploaded}`)
    this.say(`runtime: ${result.runtime.before ?? '(unset)'} → ${result.runtime.after}`)
    this.say(renderSettingsDiff(result.settings.diff))
    const connections = result.connectionStrings
    if (connections) {
      const note = (k: string) => {
        const n = connections.names[k]
        return n ? `${n.type}, read as ${n.variable}` : ''
      }
      this.say(renderSettingsDiff(connections.diff, {noun: 'connection strings', note}))
    }
    const {deployment} = result
    if (deployment?.id)
      this.say(`deployment: ${deployment.id}${deployment.status === undefined ? ' (accepted; not waiting)' : ''}`)
    if (result.verify) {
      const verified = result.verify
      this.say(`host: ${verified.hostState ?? 'unknown'}${verified.hostVersion ? ` (${verified.hostVersion})` : ''}`)
      this.say(
        verified.worker === 'started'
          ? `handler: started (${verified.evidence})`
          : `handler: start not confirmed: ${verified.note}`,
      )
      for (const fn of verified.functions) this.say(`  ${fn.name}: ${fn.url ?? '(no HTTP trigger)'}`)
    }
    return result
  }
}
