import {
  createScanner,
  findNodeAtLocation,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
  SyntaxKind,
} from 'jsonc-parser'

/** A JSON-with-comments document that remembers where each value sits, so findings can name a line. */
export interface JsonDoc {
  path: string
  text: string
  value: unknown
  /** First syntax error, with 1-based line and column. */
  error?: {message: string; line: number; column: number}
  tree?: Node
}

export function parseJsonc(path: string, text: string): JsonDoc {
  // The host reads these files with Json.NET, which accepts comments and trailing commas.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const tooDeep = depthExceeded(body)
  if (tooDeep !== undefined) {
    const message = `nested more than ${MAX_DEPTH} levels deep (the host's JSON reader, Json.NET, stops there)`
    return {path, text: body, value: undefined, error: {message, ...lineColumn(body, tooDeep)}}
  }
  const errors: ParseError[] = []
  const tree = parseTree(body, errors, {allowTrailingComma: true, disallowComments: false})
  if (errors.length > 0 || !tree) {
    const first = errors[0]
    const {line, column} = lineColumn(body, first?.offset ?? 0)
    const message = first ? describeParseError(first.error) : 'the file is empty'
    return {path, text: body, value: undefined, error: {message, line, column}}
  }
  return {path, text: body, value: nodeValue(tree), tree}
}

/** Json.NET's MaxDepth; deeper documents would also overflow the stack of a recursive parser. */
const MAX_DEPTH = 64

/** Offset of the first bracket that opens level MAX_DEPTH + 1, found without recursion. */
function depthExceeded(text: string): number | undefined {
  const scanner = createScanner(text, true)
  let depth = 0
  for (let kind = scanner.scan(); kind !== SyntaxKind.EOF; kind = scanner.scan()) {
    if (kind === SyntaxKind.OpenBraceToken || kind === SyntaxKind.OpenBracketToken) {
      if (++depth > MAX_DEPTH) return scanner.getTokenOffset()
    } else if (kind === SyntaxKind.CloseBraceToken || kind === SyntaxKind.CloseBracketToken) depth--
  }
  return undefined
}

function describeParseError(code: number): string {
  const names: Record<string, string> = {
    InvalidSymbol: 'unexpected character',
    InvalidNumberFormat: 'invalid number',
    PropertyNameExpected: 'a property name in double quotes is expected',
    ValueExpected: 'a value is expected',
    ColonExpected: "a ':' is expected",
    CommaExpected: "a ',' is expected",
    CloseBraceExpected: "a '}' is expected",
    CloseBracketExpected: "a ']' is expected",
    EndOfFileExpected: 'unexpected content after the end of the JSON value',
    UnexpectedEndOfComment: 'a comment is not closed',
    UnexpectedEndOfString: 'a string is not closed',
    UnexpectedEndOfNumber: 'a number is cut off',
    InvalidUnicode: 'invalid unicode escape',
    InvalidEscapeCharacter: 'invalid escape character',
    InvalidCharacter: 'invalid character in a string',
  }
  const name = printParseErrorCode(code)
  return names[name] ?? name
}

function nodeValue(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const prop of node.children ?? []) {
        const [key, value] = prop.children ?? []
        if (key && value) out[String(key.value)] = nodeValue(value)
      }
      return out
    }
    case 'array':
      return (node.children ?? []).map(nodeValue)
    default:
      return node.value
  }
}

export function lineColumn(text: string, offset: number): {line: number; column: number} {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return {line, column: offset - lineStart + 1}
}

/**
 * Line of the value at a path of keys, matched case-insensitively as the host's configuration
 * binder does. Falls back to the nearest parent that exists.
 */
export function lineOf(doc: JsonDoc | undefined, keys: Array<string | number>): number | undefined {
  if (!doc?.tree) return undefined
  let node: Node | undefined = doc.tree
  let best: Node = doc.tree
  for (const key of keys) {
    if (!node) break
    if (typeof key === 'number') node = findNodeAtLocation(node, [key])
    else {
      const prop: Node | undefined =
        node.type === 'object'
          ? node.children?.find((p) => String(p.children?.[0]?.value).toLowerCase() === key.toLowerCase())
          : undefined
      node = prop?.children?.[1]
    }
    if (node) best = node
  }
  return lineAt(doc, best.offset)
}

/** Where each line starts, per document, so many findings in one big file cost a lookup each, not a scan. */
const lineStarts = new WeakMap<JsonDoc, number[]>()

function lineAt(doc: JsonDoc, offset: number): number {
  let starts = lineStarts.get(doc)
  if (!starts) {
    starts = [0]
    for (let i = doc.text.indexOf('\n'); i !== -1; i = doc.text.indexOf('\n', i + 1)) starts.push(i + 1)
    lineStarts.set(doc, starts)
  }
  let lo = 0
  let hi = starts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (starts[mid] <= offset) lo = mid
    else hi = mid - 1
  }
  return lo + 1
}

/**
 * The key of `obj` that matches `key` without regard to case (an exact match first): the host binds
 * host.json and function.json keys, and the platform app-setting names, case-insensitively.
 */
export function keyCI(obj: unknown, key: string): string | undefined {
  if (!isObject(obj)) return undefined
  if (Object.hasOwn(obj, key)) return key
  const lower = key.toLowerCase()
  return Object.keys(obj).find((k) => k.toLowerCase() === lower)
}

/** Case-insensitive property read (see keyCI). */
export function getCI(obj: unknown, key: string): unknown {
  const k = keyCI(obj, key)
  return k === undefined ? undefined : (obj as Record<string, unknown>)[k]
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value)
}
