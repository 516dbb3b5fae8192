import {type AzureContext, type AzureOptions, connect} from '../azure/arm.js'
import {KuduClient} from '../azure/kudu.js'
import {PRODUCTION, resolveSite, type SiteInfo} from '../azure/site.js'
import {applySlotConfig, resetSlotConfig, stickyDifferences, swapSlots} from '../azure/slots.js'
import {findingLines} from '../checks/finding.js'
import {ChdError, ExitCode} from '../errors.js'
import type {Progress} from '../progress.js'
import {verifyApp, type VerifyResult} from '../remote/verify.js'
import {HostLogWatch} from '../remote/watch.js'
import {shaOf} from './routes.js'
import {Steps} from './steps.js'
import type {DeployResult, SlotContent, StepRecord, SwapAction, SwapResult} from './types.js'

/** Two slots of one app, both known to exist: the source's content goes to the target. */
export interface SwapPlan {
  source: SiteInfo
  target: SiteInfo
}

export interface VerifySwapOptions {
  showKeys: boolean
  deadline: number
  smoke?: string
  httpFunctions?: Set<string>
  /** How the source's handler was seen to start before the swap (deploy's verify). */
  evidence?: string
}

const nameOf = (site: SiteInfo) => site.slot ?? PRODUCTION

/** The target slot (default production) exists and is not the source: checked before anything is written. */
export async function planSwap(ctx: AzureContext, source: SiteInfo, targetSlot?: string): Promise<SwapPlan> {
  const target = await resolveSite(ctx, source.name, source.resourceGroup, targetSlot)
  if (nameOf(target) === nameOf(source)) {
    throw new ChdError('SWAP_TARGET_INVALID', `--slot and --target-slot both name ${nameOf(source)}`, {
      exit: ExitCode.usage,
      suggestions: [`Swap ${nameOf(source)} with another slot: --target-slot ${source.slot ? PRODUCTION : 'staging'}`],
    })
  }
  return {source, target}
}

async function content(ctx: AzureContext, site: SiteInfo): Promise<SlotContent> {
  const d = await new KuduClient(ctx, site.scmHost).activeDeployment()
  const sha256 = shaOf(d)
  return {...(d ? {deployment: d.id} : {}), ...(sha256 ? {sha256} : {})}
}

/**
 * The source's host lines, followed from before the swap: its instances are the ones that serve the
 * target after it (the routing switches and the worker process is not recycled: azure-functions-host
 * HostNameProvider.cs, docs/platform.md §8), and phase 1 restarts them on the target's slot settings.
 */
async function watchSource(ctx: AzureContext, source: SiteInfo, watches: HostLogWatch[]): Promise<HostLogWatch> {
  const watch = await HostLogWatch.beforeChange(ctx, source, {})
  watches.push(watch)
  return watch
}

interface Swapped {
  since: number
  watch: HostLogWatch
  applied: string[]
}

/** One ARM action on the pair (swap, or phase 1 of a preview), with the source's lines followed from before it. */
async function act(
  ctx: AzureContext,
  plan: SwapPlan,
  action: 'swap' | 'apply',
  steps: Steps,
  options: {step: string; watches: HostLogWatch[]},
): Promise<Swapped> {
  return steps.run(options.step, async (update) => {
    const applied = await stickyDifferences(ctx, plan.source, plan.target)
    const watch = await watchSource(ctx, plan.source, options.watches)
    const since = Date.now()
    const [from, to] = [nameOf(plan.source), nameOf(plan.target)]
    update(`${from} → ${to}`)
    if (action === 'swap') await swapSlots(ctx, plan.source, to)
    else await applySlotConfig(ctx, plan.source, to)
    const settings = applied.length
      ? `${to}'s slot settings applied to ${from} first (${applied.join(', ')}): its instances restarted`
      : 'no slot setting differs, so nothing restarted'
    return {value: {since, watch, applied}, detail: `${from} → ${to}, ${settings}`}
  })
}

/** Evidence that the handler runs on `site` since the action: its lines, or --smoke on its host. */
async function verifyAfter(
  ctx: AzureContext,
  site: SiteInfo,
  swapped: Swapped,
  options: VerifySwapOptions,
  update: (text: string) => void,
): Promise<VerifyResult> {
  const restarted = swapped.applied.length > 0
  const v = await verifyApp(ctx, site, {
    ...options,
    watch: swapped.watch,
    since: swapped.since,
    // Nothing restarted: no new line will come, so do not wait for one.
    ...(restarted ? {} : {windowMs: 0}),
    onStatus: update,
  })
  if (v.worker === 'unconfirmed' && !restarted) {
    if (options.evidence) {
      Object.assign(v, {worker: 'started', evidence: `${options.evidence}, before the swap, which restarted nothing`})
      delete v.note
    } else {
      v.note =
        'no slot setting differs, so the swap restarted nothing: the instances serve as they did before it; ' +
        'pass --smoke /api/<route> to confirm with a request'
    }
  }
  return v
}

const verifyDetail = (site: SiteInfo, v: VerifyResult, c?: SlotContent) =>
  `${nameOf(site)}: host ${v.hostState ?? 'unknown'}, handler ${v.worker}` +
  (c?.deployment ? `, deployment ${c.deployment}` : '')

/**
 * deploy --swap, after the slot's own verify, which must have seen the handler start: swap, verify
 * the target (it runs the slot's deployment, the handler started there); if that fails, swap back,
 * check the target runs what it ran before, and fail with SWAP_ROLLED_BACK (SWAP_ROLLBACK_FAILED
 * when the way back did not hold). Fills `deployed.swap`.
 */
export async function releaseSwap(
  ctx: AzureContext,
  plan: SwapPlan,
  deployed: DeployResult,
  options: VerifySwapOptions,
  steps: Steps,
): Promise<SwapResult> {
  const slot = nameOf(plan.source)
  if (deployed.verify?.worker !== 'started') {
    throw new ChdError(
      'SWAP_NOT_VERIFIED',
      `${slot} was deployed, but its handler start was not confirmed, so it was not swapped`,
      {
        exit: ExitCode.remoteFailed,
        suggestions: [
          'Pass --smoke /api/<route>: a 2xx from the slot confirms it',
          `chd doctor --app ${plan.source.name} --slot ${slot}`,
        ],
        details: {deploy: deployed},
      },
    )
  }
  const evidence = `started in ${slot} (${deployed.verify.evidence})`
  const watches: HostLogWatch[] = []
  try {
    const before = await content(ctx, plan.target)
    const expected = (await content(ctx, plan.source)).deployment
    const swapped = await act(ctx, plan, 'swap', steps, {step: 'swap', watches})
    const result: SwapResult = {...names(plan), action: 'swap', slotSettingsApplied: swapped.applied}
    deployed.swap = result
    result.verify = await steps.run('verify-swap', async (update) => {
      result.content = await content(ctx, plan.target)
      const v = await verifyAfter(ctx, plan.target, swapped, {...options, evidence}, update)
      if (expected && result.content.deployment !== expected) v.worker = 'failed'
      return {value: v, detail: verifyDetail(plan.target, v, result.content), failed: v.worker === 'failed'}
    })
    if (result.verify.worker !== 'failed') return result
    const back = await act(ctx, plan, 'swap', steps, {step: 'swap-back', watches})
    const verify = await steps.run('verify-rollback', async (update) => {
      const now = await content(ctx, plan.target)
      const v = await verifyAfter(ctx, plan.target, back, options, update)
      if (before.deployment !== now.deployment) v.worker = 'failed'
      result.rolledBack = {content: now, verify: v}
      return {value: v, detail: verifyDetail(plan.target, v, now), failed: v.worker === 'failed'}
    })
    const code = verify.worker === 'failed' ? 'SWAP_ROLLBACK_FAILED' : 'SWAP_ROLLED_BACK'
    throw swapFailure(plan, deployed, {code, expected, before: before.deployment})
  } finally {
    for (const w of watches) w.stop()
  }
}

const names = (plan: SwapPlan) => ({source: nameOf(plan.source), target: nameOf(plan.target)})

/** Why a verify after a swap failed: another deployment than expected, the host's findings, or --smoke. */
function why(v: VerifyResult | undefined, c: SlotContent | undefined, expected?: string): string {
  if (!v) return ''
  if (expected && c?.deployment !== expected)
    return `  it runs deployment ${c?.deployment ?? '(none)'}, not ${expected}`
  if (v.findings.length > 0) return findingLines(v.findings)
  if (v.hostState === 'Error') return `  the host is in Error: ${(v.hostErrors ?? []).join(' | ')}`
  return `  GET ${v.smoke?.path} answered ${v.smoke?.status || 'nothing'}`
}

/** The slot went live on the target and failed there; the message says what the target runs now. */
function swapFailure(
  plan: SwapPlan,
  deployed: DeployResult,
  outcome: {code: string; expected?: string; before?: string},
): ChdError {
  const {source, target} = names(plan)
  const app = plan.source.name
  const swap = deployed.swap!
  const failed = `after the swap, ${target} failed its verify:\n${why(swap.verify, swap.content, outcome.expected)}`
  const message =
    outcome.code === 'SWAP_ROLLED_BACK'
      ? `${app}: ${failed}\nSwapped back: ${target} runs its previous deployment again, ${source} the new one`
      : `${app}: ${failed}\nThe swap back did not hold, ${target} may serve the new build:\n` +
        why(swap.rolledBack?.verify, swap.rolledBack?.content, outcome.before)
  return new ChdError(outcome.code, message, {
    exit: ExitCode.remoteFailed,
    suggestions: [
      `chd logs --app ${app} --slot ${source} --since 1h`,
      outcome.code === 'SWAP_ROLLED_BACK'
        ? `chd doctor --app ${app} --slot ${source}`
        : `chd swap --app ${app} --slot ${source} --target-slot ${target} (swaps again)`,
    ],
    details: {deploy: deployed},
  })
}

export interface SwapOptions extends AzureOptions {
  app: string
  resourceGroup?: string
  slot: string
  targetSlot?: string
  action: SwapAction
  verify: boolean
  smoke?: string
  showKeys?: boolean
  timeoutMs?: number
}

export type SwapDocument = {app: string; resourceGroup: string} & SwapResult & {steps: StepRecord[]}

/**
 * chd swap: a swap (also the way to roll back: swapping again), or a swap with preview in its two
 * phases (preview: the target's slot settings applied to the source, which is verified; then
 * complete, or cancel). Verified as deploy --swap verifies; no swap back here: the user decides.
 */
export async function runSwap(options: SwapOptions, progress: Progress): Promise<SwapDocument> {
  const timeoutMs = options.timeoutMs ?? 15 * 60 * 1000
  const deadline = Date.now() + timeoutMs
  const ctx = await connect({...options, timeoutMs})
  const source = await resolveSite(ctx, options.app, options.resourceGroup, options.slot)
  const plan = await planSwap(ctx, source, options.targetSlot)
  const steps = new Steps(progress)
  const watches: HostLogWatch[] = []
  const result: SwapResult = {...names(plan), action: options.action, slotSettingsApplied: []}
  const doc = () => ({app: source.name, resourceGroup: source.resourceGroup, ...result, steps: steps.done})
  try {
    if (options.action === 'cancel') {
      await steps.run('reset-slot-config', async () => {
        await resetSlotConfig(ctx, plan.source)
        return {value: undefined, detail: `${result.source} has its own slot settings again`}
      })
      return doc()
    }
    const preview = options.action === 'preview'
    const acted = await act(ctx, plan, preview ? 'apply' : 'swap', steps, {
      step: preview ? 'apply-slot-config' : 'swap',
      watches,
    })
    result.slotSettingsApplied = acted.applied
    // A preview is verified on the source (it runs with the target's settings); a swap on the target.
    const checked = preview ? plan.source : plan.target
    result.content = await content(ctx, checked)
    if (!options.verify) return doc()
    result.verify = await steps.run('verify', async (update) => {
      const opts = {showKeys: Boolean(options.showKeys), deadline, smoke: options.smoke}
      const v = await verifyAfter(ctx, checked, acted, opts, update)
      return {value: v, detail: verifyDetail(checked, v, result.content), failed: v.worker === 'failed'}
    })
    if (result.verify.worker === 'failed') throw verifyFailure(plan, result, doc())
    return doc()
  } finally {
    for (const w of watches) w.stop()
  }
}

function verifyFailure(plan: SwapPlan, result: SwapResult, doc: SwapDocument): ChdError {
  const {source, target} = names(plan)
  const app = plan.source.name
  const preview = result.action === 'preview'
  const where = preview ? `${source} (with ${target}'s slot settings)` : target
  const back = `chd swap --app ${app} --slot ${source} --target-slot ${target}`
  return new ChdError(
    'SWAP_VERIFY_FAILED',
    `${app}: ${where} failed its verify:\n${why(result.verify, result.content)}`,
    {
      exit: ExitCode.remoteFailed,
      suggestions: preview
        ? [`${back} --cancel`]
        : [`${back} (swapping again rolls it back)`, `chd doctor --app ${app}`],
      details: {swap: doc},
    },
  )
}
