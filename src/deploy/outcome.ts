import type {AzureContext} from '../azure/arm.js'
import type {SiteInfo} from '../azure/site.js'
import {findingLines} from '../checks/finding.js'
import {ChdError, ExitCode} from '../errors.js'
import {verifyApp, type VerifyOptions, type VerifyResult} from '../remote/verify.js'
import type {DeployResult} from './types.js'

/**
 * The verify step: evidence that the handler started since `since` (when the content or the
 * settings went live). With nothing changed, nothing restarted, so no new line will come.
 */
export async function verifyDeploy(
  ctx: AzureContext,
  site: SiteInfo,
  since: number | undefined,
  options: Omit<VerifyOptions, 'since' | 'windowMs' | 'onStatus'>,
  update: (text: string) => void,
): Promise<{value: VerifyResult; detail: string; failed: boolean}> {
  const verified = await verifyApp(ctx, site, {
    ...options,
    since: since ?? Date.now(),
    ...(since === undefined ? {windowMs: 0} : {}),
    onStatus: update,
  })
  if (since === undefined && verified.worker === 'unconfirmed') {
    verified.note = 'nothing changed, so the host did not restart; chd doctor --app judges the live app'
  }
  const detail =
    `host ${verified.hostState ?? 'unknown'}, handler ${verified.worker}, ${verified.functions.length} ` + `function(s)`
  return {value: verified, detail, failed: verified.worker === 'failed'}
}

/** The handler did not start: the first cause the host named, with the code doctor uses (exit 5). */
export function startFailure(result: DeployResult): ChdError {
  const verified = result.verify!
  const first = verified.findings[0]
  const code = first?.code ?? (verified.hostState === 'Error' ? 'HOST_NOT_RUNNING' : 'SMOKE_FAILED')
  const why =
    verified.findings.length > 0
      ? findingLines(verified.findings)
      : verified.hostState === 'Error'
        ? `  the host is in Error: ${(verified.hostErrors ?? []).join(' | ')}`
        : `  GET ${verified.smoke?.path} answered ${verified.smoke?.status || 'nothing'}`
  return new ChdError(code, `${result.app} was deployed, but the handler did not start:\n${why}`, {
    exit: ExitCode.remoteFailed,
    suggestions: [`chd doctor --app ${result.app}`, `chd logs --app ${result.app} --since 1h`],
    details: {deploy: result},
  })
}
