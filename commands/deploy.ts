import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ChdCommand} from '../src/base-command.js'
import {deploy, deployFleet, type DeployResult, type FleetDocument, listApps} from '../src/deploy/index.js'
import {ChdError, ExitCode} from '../src/errors.js'
import {azureFlags, azureTarget} from '../src/flags.js'
import {parseAssignments} from '../src/remote/settings.js'
import {renderDeploy, renderFleet} from '../src/ui/deploy.js'
import {fleetDisplay} from '../src/ui/fleet.js'

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
    'exits 5 with the code chd doctor uses). With several apps (--app repeated, or --apps-file), the checks',
    'run once per distinct target, the package is built once, and the apps deploy --parallel at a time;',
    'the exit is the highest failure class.',
  ].join(' ')

  static override examples = [
    '<%= config.bin %> <%= command.id %> examples/hello-go --app my-func',
    '<%= config.bin %> <%= command.id %> . --app my-func --dry-run',
    '<%= config.bin %> <%= command.id %> --app my-func --package app.zip --setting LOG_LEVEL=debug --json',
    '<%= config.bin %> <%= command.id %> examples/hello-go --app func-weu --app func-eus --app func-win --json',
  ]

  static override args = {dir: Args.string({description: 'App folder', default: '.'})}

  static override flags = {
    ...azureFlags,
    app: Flags.string({
      char: 'a',
      summary: 'Function app name; repeat it to deploy one package to several apps.',
      env: 'CHD_APP',
      multiple: true,
      multipleNonGreedy: true,
    }),
    'apps-file': Flags.string({
      summary: 'Deploy to the apps this file lists, one NAME [RESOURCE_GROUP] [SLOT] a line (# comments).',
      helpValue: 'FILE',
    }),
    parallel: Flags.integer({summary: 'With several apps: how many deploy at once.', default: 4, min: 1}),
    'fail-fast': Flags.boolean({
      summary: 'With several apps: after the first failure, start no other app and stop the running ones.',
    }),
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
    swap: Flags.boolean({
      summary:
        'After the slot is verified, swap it into --target-slot, verify there, and swap back if that fails (exit 5).',
      dependsOn: ['slot'],
    }),
    'target-slot': Flags.string({
      summary: 'The slot --swap swaps into (default production).',
      dependsOn: ['swap'],
      helpValue: 'SLOT',
    }),
    smoke: Flags.string({
      summary:
        'After the deploy, GET this path on the app (e.g. /api/hello) and expect a 2xx: proof the handler serves.',
      helpValue: 'PATH',
    }),
  }

  async run(): Promise<DeployResult | FleetDocument> {
    const {args, flags} = await this.parse(Deploy)
    if (flags.swap && !flags.wait) {
      throw new ChdError('USAGE', '--swap needs the verify that --no-wait skips', {
        exit: ExitCode.usage,
        suggestions: ['Drop --no-wait'],
      })
    }
    const {app: _app, ...target} = azureTarget(flags)
    const shared = {
      ...target,
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
      swap: flags.swap,
      targetSlot: flags['target-slot'],
    }
    // From CHD_APP, oclif gives a multiple flag's one value as a string.
    const named = ([] as string[]).concat(flags.app ?? [])
    if (named.length === 1 && !flags['apps-file']) {
      const result = await deploy({...shared, app: named[0]}, await this.progress())
      this.say(renderDeploy(result))
      return result
    }
    const apps = await listApps(named, flags['apps-file'], shared)
    const display = fleetDisplay({json: this.jsonEnabled(), plain: this.plain()})
    const {document, exit} = await deployFleet(
      {...shared, apps, parallel: flags.parallel, failFast: flags['fail-fast']},
      display,
    ).finally(() => display.close())
    this.say(renderFleet(document, exit))
    process.exitCode = exit
    return document
  }
}
