/**
 * Inline route constraints (`{id:int}`, `{n:min(1)}`, `{code:length(3):alpha}`) as ASP.NET Core's
 * DefaultInlineConstraintResolver reads them, which the HTTP extension registers for function routes
 * (docs/host-protocol.md §11). A
 * value that fails one is not routed to the function, so the caller gets 404. The checks follow the
 * classes in Microsoft.AspNetCore.Routing.Constraints. Those whose parsing depends on culture and many
 * formats (datetime, decimal, double, float, file, nonfile), and names the resolver does not know, are
 * not checked here: chd would rather route a request Azure refuses than refuse one Azure routes.
 */
export interface Constraint {
  name: string
  args: string[]
}

/** `:int:min(1)` → [{int}, {min, [1]}]. regex() keeps its whole argument, commas and parentheses included. */
export function parseConstraints(text: string): Constraint[] {
  const constraints: Constraint[] = []
  let i = 0
  while (text[i] === ':') {
    const name = /^[a-z]*/i.exec(text.slice(i + 1))![0].toLowerCase()
    i += 1 + name.length
    let inner: string | undefined
    if (text[i] === '(') {
      let depth = 0
      const start = i + 1
      for (; i < text.length; i++) {
        if (text[i] === '(') depth++
        else if (text[i] === ')' && --depth === 0) break
      }
      inner = text.slice(start, i)
      i++
    }
    const args = inner === undefined ? [] : name === 'regex' ? [inner] : inner.split(',').map((a) => a.trim())
    constraints.push({name, args})
  }
  return constraints
}

/** .NET's white space for NumberStyles.Integer and bool.TryParse: tab to carriage return, and space. */
const WS = '[\\t\\n\\v\\f\\r ]*'
const INTEGER = new RegExp(`^${WS}[+-]?\\d+${WS}$`)
const HEX = '[0-9a-f]'
const GUID_D = `${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12}`
/** Guid.TryParse's D, N, B and P formats (the rare X format is not read). */
const GUID = new RegExp(`^${WS}(?:${GUID_D}|\\{${GUID_D}\\}|\\(${GUID_D}\\)|${HEX}{32})${WS}$`, 'i')
const BOOL = new RegExp(`^[\\0\\t\\n\\v\\f\\r ]*(?:true|false)[\\0\\t\\n\\v\\f\\r ]*$`, 'i')
const INT32: [bigint, bigint] = [-(2n ** 31n), 2n ** 31n - 1n]
const INT64: [bigint, bigint] = [-(2n ** 63n), 2n ** 63n - 1n]

/** int.TryParse / long.TryParse with NumberStyles.Integer: undefined when it would fail. */
function integer(value: string, [lo, hi]: [bigint, bigint]): bigint | undefined {
  if (!INTEGER.test(value)) return undefined
  const n = BigInt(value.trim())
  return n >= lo && n <= hi ? n : undefined
}

const bound = (arg: string | undefined) => (arg !== undefined && INTEGER.test(arg) ? BigInt(arg.trim()) : undefined)

/** Does a route value pass one constraint? Unchecked constraints pass. */
function passes(value: string, {name, args}: Constraint): boolean {
  const [a, b] = args
  switch (name) {
    case 'int':
      return integer(value, INT32) !== undefined
    case 'long':
      return integer(value, INT64) !== undefined
    case 'bool':
      return BOOL.test(value)
    case 'guid':
      return GUID.test(value)
    case 'alpha':
      return /^[a-z]*$/i.test(value)
    case 'required':
      return value !== ''
    case 'minlength':
      return value.length >= Number(a)
    case 'maxlength':
      return value.length <= Number(a)
    case 'length':
      return b === undefined ? value.length === Number(a) : value.length >= Number(a) && value.length <= Number(b)
    case 'min':
    case 'max':
    case 'range': {
      const n = integer(value, INT64)
      if (n === undefined) return false
      const [lo, hi] = name === 'max' ? [undefined, bound(a)] : [bound(a), name === 'range' ? bound(b) : undefined]
      return (lo === undefined || n >= lo) && (hi === undefined || n <= hi)
    }
    case 'regex':
      return regexPasses(value, a)
    default:
      return true
  }
}

function regexPasses(value: string, pattern: string | undefined): boolean {
  let regex: RegExp
  try {
    regex = new RegExp(pattern ?? '', 'i')
  } catch {
    // .NET syntax JavaScript cannot read: not checked.
    return true
  }
  return regex.test(value)
}

export function satisfies(value: string, constraints: Constraint[]): boolean {
  return constraints.every((c) => passes(value, c))
}

/** A value that passes the constraints the mock requests of doctor and invoke can meet: "test" when free. */
export function sampleValue(constraints: Constraint[]): string {
  const has = (name: string) => constraints.find((c) => c.name === name)
  if (has('bool')) return 'true'
  if (has('guid')) return '00000000-0000-0000-0000-000000000001'
  const lower = has('range') ?? has('min')
  if (has('int') || has('long') || lower || has('max')) {
    const n = lower ? (bound(lower.args[0]) ?? 1n) : 1n
    const max = bound(has('max')?.args[0])
    return String(max !== undefined && n > max ? max : n)
  }
  const length = has('length')
  const min = Number(length?.args[0] ?? has('minlength')?.args[0] ?? 0)
  const max = Number(length?.args[1] ?? length?.args[0] ?? has('maxlength')?.args[0] ?? Infinity)
  const n = Math.max(min, Math.min(4, max))
  return 'test'.padEnd(n, 't').slice(0, n)
}
