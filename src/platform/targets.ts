import {ChdError, ExitCode} from '../errors.js'

export type Os = 'linux' | 'windows'
export type Plan = 'consumption' | 'flex' | 'premium' | 'dedicated'

export interface Target {
  name: string
  os: Os
  arch: 'x64' | 'arm64'
  plan?: Plan
  /** Highest glibc symbol version the platform's C library provides (linux only). */
  glibc?: string
  /** Interpreters on PATH in every image of this platform. */
  shippedInterpreters: string[]
  /** Interpreters present only in some language stacks' images (node on the Node stack, …). */
  stackInterpreters: string[]
}

/**
 * Azure Functions v4 Linux images (Consumption, Premium, Dedicated and Flex workers) are built on
 * Debian 11 "bullseye", whose C library is glibc 2.31; binaries built on newer distributions fail
 * there with "version `GLIBC_2.3x' not found" (reports: microsoft/Oryx#1522, sardanioss/httpcloak#88
 * in reference/anchors.md). Override with --glibc for a custom container or a newer image.
 */
export const LINUX_GLIBC_CEILING = '2.31'

export const TARGET_NAMES = ['linux-x64', 'windows-x64'] as const
export type TargetName = (typeof TARGET_NAMES)[number]

export function targetProfile(name: string, overrides: {glibc?: string; plan?: Plan} = {}): Target {
  if (overrides.glibc !== undefined && !/^\d+\.\d+$/.test(overrides.glibc)) {
    throw new ChdError('INVALID_GLIBC', `--glibc must look like 2.31, not "${overrides.glibc}"`, {exit: ExitCode.usage})
  }
  switch (name) {
    case 'linux-x64':
      return {
        name,
        os: 'linux',
        arch: 'x64',
        plan: overrides.plan,
        glibc: overrides.glibc ?? LINUX_GLIBC_CEILING,
        // Debian's essential set: these exist in every image.
        shippedInterpreters: ['sh', 'bash', 'dash', 'perl', 'env'],
        stackInterpreters: ['node', 'python', 'python3', 'dotnet', 'java', 'pwsh'],
      }
    case 'windows-x64':
      return {
        name,
        os: 'windows',
        arch: 'x64',
        plan: overrides.plan,
        shippedInterpreters: ['cmd', 'cmd.exe', 'powershell', 'powershell.exe'],
        stackInterpreters: ['node', 'node.exe', 'dotnet', 'dotnet.exe', 'java', 'java.exe', 'pwsh', 'pwsh.exe'],
      }
    default:
      throw new ChdError('UNKNOWN_TARGET', `Unknown target "${name}"`, {
        exit: ExitCode.usage,
        suggestions: [`Use one of: ${TARGET_NAMES.join(', ')}`],
      })
  }
}
