import * as Flags from '@oclif/core/flags'

import {ChdCommand} from '../src/base-command.js'
import {runSwap, type SwapDocument} from '../src/deploy/swap.js'
import {azureFlags, azureOptions} from '../src/flags.js'
import {renderSwap} from '../src/ui/remote.js'

export default class Swap extends ChdCommand {
  static override summary = 'Swap a deployment slot into production (or another slot) and verify the handler there.'
  static override description =
    "The source slot's content and its non-sticky settings go to the target; slot settings (slotConfigNames, and " +
    '*_EXTENSION_VERSION) stay with their slot. Then the same evidence as deploy: the host\'s "Worker process ' +
    'started and initialized." since the swap, or a 2xx from --smoke on the target. Swapping again rolls it back. ' +
    "--preview applies the target's slot settings to the source and stops there (verified on the source); " +
    '--complete then swaps, --cancel gives the source its own settings back.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> --app my-func --slot staging',
    '<%= config.bin %> <%= command.id %> --app my-func --slot staging --smoke /api/health --json',
    '<%= config.bin %> <%= command.id %> --app my-func --slot staging --preview',
  ]

  static override flags = {
    ...azureFlags,
    slot: Flags.string({summary: 'The slot to swap (the source).', required: true}),
    'target-slot': Flags.string({summary: 'The slot it swaps with (default production).', helpValue: 'SLOT'}),
    verify: Flags.boolean({
      summary: 'Verify the handler after the swap (--no-verify skips it).',
      default: true,
      allowNo: true,
    }),
    smoke: Flags.string({
      summary: 'After the swap, GET this path on the target (e.g. /api/hello) and expect a 2xx.',
      helpValue: 'PATH',
    }),
    preview: Flags.boolean({
      summary: "Swap with preview, phase 1: apply the target's slot settings to the source, verify it, stop.",
      exclusive: ['complete', 'cancel'],
    }),
    complete: Flags.boolean({summary: 'Finish a swap with preview (swaps).', exclusive: ['preview', 'cancel']}),
    cancel: Flags.boolean({
      summary: 'Cancel a swap with preview: the source gets its own slot settings back.',
      exclusive: ['preview', 'complete'],
    }),
    'show-keys': Flags.boolean({summary: 'Print function URLs with their key.'}),
    timeout: Flags.integer({summary: 'Seconds to wait in all.', default: 900, min: 10}),
  }

  async run(): Promise<SwapDocument> {
    const {flags} = await this.parse(Swap)
    const action = flags.preview ? 'preview' : flags.complete ? 'complete' : flags.cancel ? 'cancel' : 'swap'
    const doc = await runSwap(
      {
        app: flags.app,
        resourceGroup: flags['resource-group'],
        slot: flags.slot,
        targetSlot: flags['target-slot'],
        action,
        verify: flags.verify,
        smoke: flags.smoke,
        showKeys: flags['show-keys'],
        timeoutMs: flags.timeout * 1000,
        ...azureOptions(flags),
      },
      await this.progress(),
    )
    this.say(`${doc.app} (${doc.resourceGroup})`)
    this.say(renderSwap(doc))
    for (const f of doc.verify?.functions ?? []) this.say(`  ${f.name}: ${f.url ?? '(no HTTP trigger)'}`)
    if (action === 'preview') {
      const again = `chd swap --app ${doc.app} --slot ${doc.source} --target-slot ${doc.target}`
      this.say(`Next: ${again} --complete, or ${again} --cancel`)
    }
    return doc
  }
}
