import {getCI, isObject, lineOf} from '../app/jsonc.js'
import {type CheckContext, finding} from './context.js'
import type {Finding} from './finding.js'

type Version = [number, number, number]

/** The highest version a range admits: `inclusive` when the bound itself is allowed; undefined = no upper bound. */
export interface RangeTop {
  version: Version
  inclusive: boolean
}

const DEFAULT_BUNDLE = 'Microsoft.Azure.Functions.ExtensionBundle'

/**
 * The v4 host refuses to start when the bundle it resolves is older than extensionrequirements.json's
 * minimum for the default bundle (ScriptStartupTypeLocator.ValidateBundleRequirements: 2.6.1); Flex
 * Consumption's hosting configuration raises it to 4.12.0. The host resolves the highest version the
 * range admits, so a range is refused when its upper bound lies below the minimum.
 */
const MINIMUM: Version = [2, 6, 1]
const FLEX_MINIMUM: Version = [4, 12, 0]

function parseVersion(text: string): Version | undefined {
  const m = /^(\d+)(?:\.(\d+|\*))?(?:\.(\d+|\*))?(?:\.\d+)?$/.exec(text.trim())
  if (!m) return undefined
  const n = (s: string | undefined) => (s === undefined || s === '*' ? 0 : Number(s))
  return [Number(m[1]), n(m[2]), n(m[3])]
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]
}

/**
 * Reads a NuGet version range as the host does (VersionRange.TryParse with floating versions):
 * "[1.*, 2.0.0)", "[4.0.0, 4.9.9]", "[2.6.1]", "4.*" (floating: the highest 4.x), "2.6.1" (at least).
 * Returns null when the range does not parse, undefined when it has no upper bound.
 */
export function bundleRangeTop(range: string): RangeTop | undefined | null {
  const r = range.trim()
  const bracketed = /^([[(])\s*([^,\])]*?)\s*(?:,\s*([^\])]*?)\s*)?([\])])$/.exec(r)
  if (bracketed) {
    const [, , lower, upper, close] = bracketed
    if (upper === undefined) {
      const exact = parseVersion(lower)
      return exact ? {version: exact, inclusive: true} : null
    }
    if (!upper) return undefined
    const top = parseVersion(upper)
    return top ? {version: top, inclusive: close === ']'} : null
  }
  const floating = /^(\d+)\.\*$/.exec(r)
  if (floating) return {version: [Number(floating[1]) + 1, 0, 0], inclusive: false}
  return parseVersion(r) ? undefined : null
}

/** Highest major a range admits: "[3.3.0, 4.0.0)" → 3, "[4.*, 5.0.0)" → 4; undefined when unbounded. */
export function bundleMaxMajor(range: string): number | undefined {
  const top = bundleRangeTop(range)
  if (!top) return undefined
  const [major, minor, patch] = top.version
  return !top.inclusive && minor === 0 && patch === 0 ? major - 1 : major
}

/** True when no version the range admits reaches `minimum`. */
function below(top: RangeTop, minimum: Version): boolean {
  const c = compare(top.version, minimum)
  return top.inclusive ? c < 0 : c <= 0
}

export function bundleRules(ctx: CheckContext): Finding[] {
  const doc = ctx.app.hostJson!
  const bundle = getCI(doc.value, 'extensionBundle')
  if (!isObject(bundle)) return []
  const id = String(getCI(bundle, 'id') ?? '')
  const range = String(getCI(bundle, 'version') ?? '')
  const where = {file: 'host.json', line: lineOf(doc, ['extensionBundle', 'version'])}
  const top = bundleRangeTop(range)
  if (top === null) {
    return [
      finding(
        'HOST_JSON_INVALID',
        `host.json extensionBundle version "${range}" is not a version range; the host fails to start: ` +
          `"The value of version property in extensionBundle section of host.json file is invalid or ` +
          `missing."`,
        {
          ...where,
          fix: 'Set "version": "[4.*, 5.0.0)"',
        },
      ),
    ]
  }
  if (id.toLowerCase() !== DEFAULT_BUNDLE.toLowerCase() || !top) return []
  const flex = ctx.target.plan === 'flex'
  const minimum = flex ? FLEX_MINIMUM : MINIMUM
  if (below(top, minimum)) {
    const min = minimum.join('.')
    const resolved = `${bundleMaxMajor(range) ?? top.version[0]}.x`
    return [
      finding(
        'EXTENSION_BUNDLE_REFUSED',
        `host.json extensionBundle "${range}" admits no version from ${min} on, so the host refuses to ` +
          `start${flex ? ' on Flex Consumption' : ''}: "Referenced bundle ${DEFAULT_BUNDLE} of ` +
          `version ${resolved} does not meet the required minimum version of ${min}. Update your extension ` +
          `bundle reference in host.json to reference ${min} or later."`,
        {
          ...where,
          fix: 'Set "version": "[4.*, 5.0.0)"',
        },
      ),
    ]
  }
  const major = bundleMaxMajor(range)
  if (major !== undefined && major < 4) {
    return [
      finding(
        'EXTENSION_BUNDLE_OUTDATED',
        `host.json extensionBundle "${range}" resolves to bundle ${major}.x, which the host still starts ` +
          `but which is out of support`,
        {
          ...where,
          fix: 'Set "version": "[4.*, 5.0.0)"',
        },
      ),
    ]
  }
  return []
}
