import type {AppFailure, DeployResult, FleetDocument} from '../deploy/index.js'
import {renderFindings} from './findings.js'
import {renderSettingsDiff, renderSwap} from './remote.js'

/** What one app's deploy did, for people: target, package, runtime, settings, handler and URLs. */
export function renderDeploy(result: DeployResult): string {
  const lines: string[] = []
  const notable = result.findings.filter((f) => f.severity !== 'info')
  if (notable.length > 0) lines.push(`${renderFindings(notable)}\n`)
  const {target, package: pkg} = result
  const why = pkg.uploaded ? '' : result.dryRun ? ' (dry run: not uploaded)' : ` (${pkg.reason ?? 'not uploaded'})`
  lines.push(
    `${result.app} (${result.resourceGroup}): ${target.os} ${target.plan} [${target.sku}] via ${target.route}`,
    `package: ${pkg.bytes} bytes, sha256 ${pkg.sha256}${why}`,
    `runtime: ${result.runtime.before ?? '(unset)'} → ${result.runtime.after}`,
    renderSettingsDiff(result.settings.diff),
  )
  const connections = result.connectionStrings
  if (connections) {
    const note = (k: string) => {
      const n = connections.names[k]
      return n ? `${n.type}, read as ${n.variable}` : ''
    }
    lines.push(renderSettingsDiff(connections.diff, {noun: 'connection strings', note}))
  }
  const deployment = result.deployment
  if (deployment?.id)
    lines.push(`deployment: ${deployment.id}${deployment.status === undefined ? ' (accepted; not waiting)' : ''}`)
  if (result.verify) {
    const v = result.verify
    lines.push(`host: ${v.hostState ?? 'unknown'}${v.hostVersion ? ` (${v.hostVersion})` : ''}`)
    lines.push(v.worker === 'started' ? `handler: started (${v.evidence})` : `handler: start not confirmed: ${v.note}`)
    for (const f of v.functions) lines.push(`  ${f.name}: ${f.url ?? '(no HTTP trigger)'}`)
  }
  if (result.swap) lines.push(renderSwap(result.swap))
  return lines.join('\n')
}

/** Each app's result or error, then one line: how many deployed, failed and were skipped. */
export function renderFleet(doc: FleetDocument, exit: number): string {
  const parts = doc.apps.map((a) => (a.ok ? renderDeploy(a) : renderFailure(a)))
  const failed = doc.apps.filter((a) => !a.ok && !a.skipped).length
  const skipped = doc.apps.filter((a) => !a.ok && a.skipped).length
  const pkg = doc.package ? `one package (sha256 ${doc.package.sha256.slice(0, 12)}…), ` : ''
  const done = doc.apps.some((a) => a.ok && a.dryRun) ? 'ready (dry run)' : 'deployed'
  const counts =
    `${doc.apps.length} apps: ${pkg}${doc.apps.length - failed - skipped} ${done}, ${failed} failed` +
    `${skipped ? `, ${skipped} skipped` : ''}${exit ? ` (exit ${exit})` : ''}`
  return [...parts, counts].join('\n\n')
}

function renderFailure(a: AppFailure): string {
  const where = [a.resourceGroup, a.slot && `slot ${a.slot}`].filter(Boolean).join(', ')
  const lines = [`${a.app}${where ? ` (${where})` : ''}: ${a.skipped ? 'skipped' : 'failed'}`]
  lines.push(`Error [${a.error.code}]: ${a.error.message}`)
  if (a.error.fix) lines.push(`  Try this: ${a.error.fix}`)
  return lines.join('\n')
}
