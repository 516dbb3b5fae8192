import {ChdError, ExitCode} from '../errors.js'
import {linuxStackGlibc, type Os, type Stack} from './stacks.js'

export type {Os} from './stacks.js'
export const PLANS = ['consumption', 'flex', 'premium', 'dedicated'] as const
export type Plan = (typeof PLANS)[number]

export interface Target {
  name: string
  os: Os
  arch: 'x64' | 'arm64'
  plan?: Plan
  /** Highest glibc symbol version the platform's C library provides (linux only; unknown in a container). */
  glibc?: string
  /** The language stack that picks the Linux image (and so the interpreters on PATH), when known. */
  stack?: Stack
  /** A custom container: its Dockerfile, not the platform, decides what is on PATH. */
  container?: boolean
  /**
   * The live app makes the handler executable whatever the zip records (from the site: Kudu's
   * chmod -R 777 after a zip push, or the Consumption/Flex host's u+x); unknown: judged by plan.
   */
  addsExecBit?: boolean
}

/**
 * glibc of Debian 11 "bullseye", the base of the custom stack's default image and of the older
 * language stacks (stacks.ts); binaries built on newer distributions fail there with "version
 * `GLIBC_2.3x' not found". A known stack may raise it (Debian 12: 2.36); so may --glibc.
 */
export const LINUX_GLIBC_CEILING = '2.31'

export const TARGET_NAMES = ['linux-x64', 'windows-x64', 'container'] as const
export type TargetName = (typeof TARGET_NAMES)[number]

export function targetProfile(name: string, overrides: {glibc?: string; plan?: Plan; stack?: Stack} = {}): Target {
  if (overrides.glibc !== undefined && !/^\d+\.\d+$/.test(overrides.glibc)) {
    throw new ChdError('INVALID_GLIBC', `--glibc must look like 2.31, not "${overrides.glibc}"`, {exit: ExitCode.usage})
  }
  const {plan, stack} = overrides
  switch (name) {
    case 'linux-x64':
      return {
        name,
        os: 'linux',
        arch: 'x64',
        plan,
        stack,
        glibc: overrides.glibc ?? (stack && linuxStackGlibc(stack)) ?? LINUX_GLIBC_CEILING,
      }
    case 'container':
      // A custom image: Linux x64, but its base and PATH are the Dockerfile's; glibc only when given.
      return {
        name,
        os: 'linux',
        arch: 'x64',
        plan,
        container: true,
        ...(overrides.glibc ? {glibc: overrides.glibc} : {}),
      }
    case 'windows-x64':
      return {name, os: 'windows', arch: 'x64', plan, stack}
    default:
      throw new ChdError('UNKNOWN_TARGET', `Unknown target "${name}"`, {
        exit: ExitCode.usage,
        suggestions: [`Use one of: ${TARGET_NAMES.join(', ')}`],
      })
  }
}
