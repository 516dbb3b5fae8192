import {interpreterName} from '../platform/script.js'
import {lookupOnPath, type Os, type Stack} from '../platform/stacks.js'
import type {CheckContext} from './context.js'

/** Programs the handler needs from the platform's PATH: a bare defaultExecutablePath, or its #! interpreter. */
export function neededPrograms(ctx: CheckContext): string[] {
  if (ctx.exe.kind === 'command') return [ctx.exe.name]
  // An absolute path outside the app (/usr/lib/jvm/msft-17-x64/bin/java) lives in some stack's image.
  if (ctx.exe.kind === 'outside') return [ctx.exe.path]
  if (ctx.exeInfo?.format === 'script') {
    const name = interpreterName(ctx.exeInfo.interpreter)
    return name ? [name] : []
  }
  return []
}

/** Whether the stack's image has every program the handler needs that the bare platform lacks. */
export function stackSupplies(os: Os, stack: Stack, needed: string[]): boolean {
  const fromStack = needed.filter((p) => lookupOnPath(os, p).kind !== 'present')
  if (fromStack.length === 0) return false
  return fromStack.every((p) => {
    // chd cannot see inside the image: a path into it is taken to be what the user chose the stack for.
    if (p.startsWith('/') || /^[a-z]:[\\/]/i.test(p)) return stack.runtime !== 'custom'
    const found = lookupOnPath(os, p, stack)
    return found.kind === 'stack' && found.supplied
  })
}

export interface RuntimeChoice {
  /** The FUNCTIONS_WORKER_RUNTIME (or Flex runtime name) the app should have. */
  runtime: string
  keep: boolean
  reason: string
}

/**
 * The host runs the custom handler whatever FUNCTIONS_WORKER_RUNTIME says (FunctionInvocationDispatcherFactory
 * picks the HTTP worker when customHandler.description exists); the runtime only picks the image. A stack
 * whose image supplies the handler's interpreter is a deliberate choice and stays; any other becomes custom.
 */
export function chooseRuntime(
  os: Os,
  current: string | undefined,
  stack: Stack | undefined,
  needed: string[],
): RuntimeChoice {
  const now = (current ?? '').toLowerCase()
  if (now === 'custom') return {runtime: 'custom', keep: true, reason: 'already custom'}
  if (current && stack && stackSupplies(os, stack, needed)) {
    return {runtime: current, keep: true, reason: `kept: its image supplies ${needed.join(', ')} for the handler`}
  }
  return {runtime: 'custom', keep: false, reason: current ? `${current} supplies nothing the handler needs` : 'unset'}
}
