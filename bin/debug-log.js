// oclif's debug output (DEBUG=*) prints the command line three times, and a command line can
// carry secrets: `chd settings set K=VALUE`, `chd deploy --setting K=VALUE`. This logger, given to
// oclif before it loads, replaces the value of every KEY=VALUE argument with *** in everything
// it prints, before formatting, so quoting or escaping cannot let one through.
import {createRequire} from 'node:module'

// The `debug` oclif itself uses (it is oclif's dependency, not ours), found and loaded only when
// DEBUG asks for output: finding it costs more than the rest of chd's start-up.
const createDebug = process.env.DEBUG ? createRequire(import.meta.resolve('@oclif/core'))('debug') : undefined

const secrets = process.argv
  .slice(2)
  .flatMap((arg) => [...arg.matchAll(/=/g)].map((m) => arg.slice(m.index + 1)))
  .filter(Boolean)
  .sort((a, b) => b.length - a.length)

function redact(value, depth = 0) {
  if (typeof value === 'string') return secrets.reduce((text, secret) => text.replaceAll(secret, '***'), value)
  if (depth > 4 || !value || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1))
  if (Object.getPrototypeOf(value) !== Object.prototype) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, depth + 1)]))
}

export function redactingLogger(namespace = 'oclif') {
  const debug = createDebug?.(namespace)
  const log = (...args) => {
    if (debug?.enabled) debug(...args.map((a) => redact(a)))
  }
  return {
    child: (ns, delimiter = ':') => redactingLogger(`${namespace}${delimiter}${ns}`),
    debug: log,
    error: (...args) => redactingLogger(`${namespace}:error`).debug(...args),
    info: log,
    namespace,
    trace: log,
    warn: log,
  }
}
