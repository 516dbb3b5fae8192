import type {Explanation} from './types.js'

const SLOTS = 'chd docs/platform.md'

/** chd deploy --slot --swap and chd swap: the errors a release through deployment slots can end in. */
export const SLOT_CODES: Explanation[] = [
  {
    code: 'SLOTS_UNSUPPORTED',
    error: {summary: '--slot names a slot on a plan that has none (Linux Consumption, Flex Consumption).', exit: 2},
    groups: ['deploy-blocked'],
    checks: "The app's plan and OS, read from the site before the slot is looked for and before any write.",
    host: 'Linux Consumption and Flex Consumption apps have no deployment slots; Windows Consumption has one.',
    source: [SLOTS, 'chd src/azure/site.ts'],
    seen: [{on: 'Linux Consumption, Flex Consumption', status: 'Exit 2, nothing written'}],
    why: 'Slots exist on Premium, Dedicated (Standard and up) and Windows Consumption plans only.',
    confirm: ['chd doctor --app NAME (the plan it reports)'],
    fix: ['Deploy without --slot', 'For zero-downtime releases, move the app to a Premium or Dedicated plan'],
  },
  {
    code: 'SLOT_NOT_FOUND',
    error: {summary: 'The app has no slot by that name.', exit: 4},
    groups: ['deploy-blocked'],
    checks: "The slot, read from Resource Manager; when it is missing, the app's slots are listed.",
    host: 'A slot is its own site under the app (sites/{name}/slots/{slot}).',
    source: [SLOTS, 'chd src/azure/site.ts'],
    seen: [{on: 'Every plan with slots', status: 'Exit 4, naming the slots the app has'}],
    why: 'A misspelt slot, or one not created yet.',
    confirm: ['az functionapp deployment slot list --name NAME --resource-group RG'],
    fix: ['Use a slot the error lists, or create it: az functionapp deployment slot create --name NAME --slot SLOT'],
  },
  {
    code: 'SWAP_TARGET_INVALID',
    error: {summary: '--slot and --target-slot name the same slot.', exit: 2},
    groups: ['deploy-blocked'],
    checks: 'Both slots, before anything is written.',
    host: 'A swap exchanges two different slots of one app.',
    source: [SLOTS, 'chd src/deploy/swap.ts'],
    seen: [{on: 'chd deploy --swap, chd swap', status: 'Exit 2'}],
    why: '--target-slot defaults to production, so --slot production needs another --target-slot.',
    confirm: ['chd swap --help'],
    fix: ['Name two different slots; the target is usually production'],
  },
  {
    code: 'SWAP_NOT_VERIFIED',
    error: {
      summary: 'deploy --swap: the slot was deployed, but no evidence showed its handler start, so no swap.',
      exit: 5,
    },
    groups: ['never-starts', 'no-logs'],
    checks:
      'The slot\'s verify: the host\'s "Worker process started and initialized." since the deployment, or a 2xx ' +
      'from --smoke. Unconfirmed is not enough to release.',
    host: 'The host reports Running even while a handler crash-loops, so only its lines or a request tell.',
    source: ['chd src/deploy/swap.ts', 'chd src/remote/verify.ts'],
    seen: [{on: 'chd deploy --slot S --swap', status: 'Exit 5; production untouched'}],
    why: 'No log line within the wait (a quiet log stream, debug mode off) and no --smoke path.',
    confirm: ['chd doctor --app NAME --slot S', 'chd logs --app NAME --slot S --since 1h'],
    fix: ['Deploy again with --smoke /api/<route>: a 2xx from the slot is the evidence'],
  },
  {
    code: 'SWAP_ROLLED_BACK',
    error: {
      summary: 'deploy --swap: the target failed its verify after the swap, and the slots were swapped back.',
      exit: 5,
    },
    groups: ['never-starts', 'http-errors'],
    checks:
      "After the swap: the target runs the slot's deployment, and the host's lines from the instances that moved " +
      '(followed from before the swap) or --smoke on the target show the handler start. On failure chd swaps the ' +
      'two slots again and checks the target runs its previous deployment.',
    host:
      "Phase 1 of a swap restarts the source's instances on the target's slot settings, then the routing switches: " +
      "a handler that works with the slot's settings can fail with the target's.",
    source: [SLOTS, 'chd src/deploy/swap.ts', 'host src/WebJobs.Script/HostNameProvider.cs'],
    seen: [{on: 'chd deploy --slot S --swap', status: "Exit 5 with the target's failing finding (HANDLER_EXITED …)"}],
    why: 'Usually a slot setting (a sticky value only the target has) the new build cannot start with.',
    confirm: [
      'chd settings list --app NAME (and --slot S): compare the fingerprints',
      'chd logs --app NAME --since 1h',
    ],
    fix: ['Fix the build or the setting, deploy to the slot again and swap'],
  },
  {
    code: 'SWAP_ROLLBACK_FAILED',
    error: {summary: 'deploy --swap: the target failed after the swap, and swapping back did not restore it.', exit: 5},
    groups: ['never-starts', 'http-errors'],
    checks: 'After swapping back: the target runs its previous deployment and its handler starts.',
    host: 'A swap back is an ordinary swap: it can fail, or the previous build can fail with settings changed since.',
    source: [SLOTS, 'chd src/deploy/swap.ts'],
    seen: [{on: 'chd deploy --slot S --swap', status: 'Exit 5; the target may serve the new, failing build'}],
    why: 'The swap back was refused or timed out, or the previous build no longer starts there.',
    confirm: ['chd doctor --app NAME', 'chd swap --app NAME --slot S --no-verify --json (what each slot runs)'],
    fix: ['chd swap --app NAME --slot S to swap again', 'Or deploy a known good build to production directly'],
  },
  {
    code: 'SWAP_VERIFY_FAILED',
    error: {summary: 'chd swap: the swap happened, but the handler failed its verify where it went.', exit: 5},
    groups: ['never-starts', 'http-errors'],
    checks: 'As deploy --swap after its swap; chd swap does not swap back by itself.',
    host: "Phase 1 restarted the source's instances on the target's slot settings; the handler failed with them.",
    source: [SLOTS, 'chd src/deploy/swap.ts'],
    seen: [{on: 'chd swap', status: 'Exit 5 with the failing finding; with --preview the target is untouched'}],
    why: 'A slot setting of the target the build cannot start with, or a build that fails anyway.',
    confirm: ['chd logs --app NAME --since 1h'],
    fix: ['chd swap --app NAME --slot S again to roll back (after --preview: --cancel)'],
  },
]
