import {type CustomHandlerConfig, HOST_VARIABLES} from './model.js'
import {expandVariables} from './resolve.js'

/**
 * Splits a command line with the rules .NET uses on every OS for ProcessStartInfo.Arguments
 * (whitespace separates, double quotes group, backslashes escape quotes), so an argument with a
 * space becomes two argv entries exactly as on Azure.
 */
export function splitCommandLine(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let inQuotes = false
  let has = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === '\\') {
      let n = 0
      while (line[i] === '\\') {
        n++
        i++
      }
      if (line[i] === '"') {
        cur += '\\'.repeat(Math.floor(n / 2))
        if (n % 2 === 1) cur += '"'
        else inQuotes = !inQuotes
      } else {
        cur += '\\'.repeat(n)
        i--
      }
      has = true
    } else if (c === '"') {
      inQuotes = !inQuotes
      has = true
    } else if (!inQuotes && /\s/.test(c)) {
      if (has || cur) out.push(cur)
      cur = ''
      has = false
    } else {
      cur += c
      has = true
    }
  }
  if (has || cur) out.push(cur)
  return out
}

/** %NAME% from the environment, then the handler variables the host substitutes itself. */
export function substituteHostVariables(
  value: string,
  env: Record<string, string>,
  hostVars: Record<string, string>,
): string {
  let out = expandVariables(value, env)
  for (const v of HOST_VARIABLES) if (hostVars[v] !== undefined) out = out.replaceAll(`%${v}%`, hostVars[v])
  return out
}

/**
 * The command line the host builds (DefaultWorkerProcessFactory): each argument expanded, all
 * joined with spaces, the quoted defaultWorkerPath and the worker arguments after them, any %…%
 * still left deleted, and the result split into argv again.
 */
export function buildCommandLine(
  customHandler: CustomHandlerConfig,
  env: Record<string, string>,
  hostVars: Record<string, string>,
): {line: string; args: string[]; deleted: string[]} {
  let line = ''
  for (const a of customHandler.arguments) line += ` ${substituteHostVariables(a, env, hostVars)}`
  if (customHandler.defaultWorkerPath) line += ` "${expandVariables(customHandler.defaultWorkerPath, env)}"`
  for (const a of customHandler.workerArguments) line += ` ${substituteHostVariables(a, env, hostVars)}`
  const deleted = [...line.matchAll(/%(.+?)%/g)].map((m) => m[0])
  line = line.replaceAll(/%(.+?)%/g, '')
  return {line, args: splitCommandLine(line), deleted}
}
