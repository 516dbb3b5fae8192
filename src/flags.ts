import {Flags} from '@oclif/core'

import {TARGET_NAMES} from './platform/targets.js'

/** Flags that say which platform the app is judged against; shared by doctor, pack and deploy. */
export const targetFlags = {
  target: Flags.string({
    summary: 'Platform to judge the app against.',
    options: [...TARGET_NAMES],
    default: 'linux-x64',
    env: 'CHD_TARGET',
  }),
  glibc: Flags.string({
    summary: 'Highest glibc version the Linux platform provides (default 2.31, Azure Functions\' Debian 11 images).',
    helpValue: 'X.Y',
  }),
  plan: Flags.string({
    summary: 'Hosting plan, when known: Consumption and Flex add the execute bit to the executable themselves.',
    options: ['consumption', 'flex', 'premium', 'dedicated'],
  }),
}

/** The host's readiness window, overridable; undefined keeps host.json initializationTimeout, else 30 s. */
export const startupTimeoutFlag = Flags.integer({
  summary: "Seconds to wait for the handler to answer GET / (default: host.json initializationTimeout, else 30, as the host).",
  min: 1,
  helpValue: 'SECONDS',
})

export function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : seconds * 1000
}
