import {
  DEPLOY_STATUS,
  DeployStatus,
  FINAL_STATUSES,
  type KuduClient,
  type KuduDeployment,
  namedStatus,
} from '../azure/kudu.js'
import {ChdError, ExitCode} from '../errors.js'

export interface UploadOutcome {
  deploymentId?: string
  status?: number
  bytes: number
  log?: string[]
}

function retryAfterMs(header: string | undefined, fallback: number): number {
  const s = Number(header)
  return Number.isFinite(s) && s > 0 ? Math.min(s * 1000, 30_000) : fallback
}

/**
 * POSTs the package to Kudu (zipdeploy, or OneDeploy /api/publish on Flex). A 409 "deployment in
 * progress" is waited out and retried until the deadline; other failures carry Kudu's text.
 */
export async function pushPackage(
  kudu: KuduClient,
  kind: 'zipdeploy' | 'publish',
  file: string,
  bytes: number,
  message: string,
  deadline: number,
  onProgress?: (sent: number) => void,
): Promise<{poll: string; deploymentId?: string}> {
  const query =
    kind === 'zipdeploy'
      ? `/api/zipdeploy?isAsync=true&trackDeploymentProgress=true&deployer=chd&message=${encodeURIComponent(message)}`
      : `/api/publish?RemoteBuild=false&Deployer=chd&message=${encodeURIComponent(message)}`
  for (;;) {
    const response = await kudu.send('POST', query, {
      body: kudu.uploadBody(file, onProgress),
      headers: {'Content-Type': 'application/zip', 'Content-Length': String(bytes), 'If-Match': '*'},
      timeout: Math.max(60_000, deadline - Date.now()),
    })
    if (response.status === 202 || response.status === 200) {
      if (kind === 'publish') {
        const id = (response.bodyAsText ?? '').trim().replaceAll('"', '')
        return {poll: `/api/deployments/${encodeURIComponent(id)}`, deploymentId: id}
      }
      // trackDeploymentProgress=true makes Kudu name the deployment in SCM-DEPLOYMENT-ID.
      const id = response.headers.get('scm-deployment-id') ?? undefined
      const location = response.headers.get('location')
      const poll = id
        ? `/api/deployments/${encodeURIComponent(id)}`
        : location
          ? new URL(location, kudu.baseUrl).pathname + new URL(location, kudu.baseUrl).search
          : '/api/deployments/latest'
      return {poll, deploymentId: id}
    }
    if (response.status === 409 && /in progress|ongoing/i.test(response.bodyAsText ?? '') && Date.now() < deadline) {
      await kudu.pause(
        retryAfterMs(response.headers.get('retry-after'), 3000),
        'waiting out a running deployment (409)',
      )
      continue
    }
    if (response.status === 409) {
      throw new ChdError('DEPLOY_CONFLICT', `Kudu refused the package (409): ${(response.bodyAsText ?? '').trim()}`, {
        exit: ExitCode.remoteFailed,
        suggestions: /RUN_FROM_PACKAGE|USE_ZIP/i.test(response.bodyAsText ?? '')
          ? [`chd settings unset --app ${kudu.host.split('.')[0]} WEBSITE_RUN_FROM_PACKAGE, then deploy again`]
          : ['Wait for the running deployment to finish, or raise --timeout'],
      })
    }
    kudu.fail(response, `uploading the package to ${query.split('?')[0]}`)
  }
}

/**
 * How a deployment that did not succeed ended. Flex's deployment service adds 5 (another
 * deployment won), 6 (partly applied) and -1 (cancelled) to Kudu's 3 (core tools
 * DeployStatus.cs, functions-action KUDU_DEPLOYMENT_CONSTANTS); none of them is a success the
 * user can rely on, so each fails with its own code.
 */
const OUTCOME: Record<number, {code: string; what: string; hint?: string}> = {
  [DeployStatus.Failed]: {code: 'DEPLOYMENT_FAILED', what: 'failed'},
  [DeployStatus.Conflict]: {
    code: 'DEPLOY_CONFLICT',
    what: 'was cancelled: another deployment is in progress',
    hint: 'Wait for the other deployment to finish, then deploy again',
  },
  [DeployStatus.PartialSuccess]: {
    code: 'DEPLOYMENT_PARTIAL',
    what: 'was only partly successful',
    hint: 'Read the log above; deploy again once the cause is fixed',
  },
  [DeployStatus.Cancelled]: {code: 'DEPLOYMENT_CANCELLED', what: 'was cancelled'},
}

/** Polls a deployment until it completes; a failure shows Kudu's deployment log. */
export async function waitForDeployment(
  kudu: KuduClient,
  poll: string,
  deadline: number,
  onStatus?: (text: string) => void,
): Promise<KuduDeployment> {
  let last: KuduDeployment | undefined
  for (;;) {
    const response = await kudu.send('GET', poll)
    if (response.status === 200 || response.status === 202) {
      const deployment = JSON.parse(response.bodyAsText || '{}') as KuduDeployment
      if (deployment.id) {
        last = deployment
        // A stable id to poll from now on: "latest" could later mean someone else's deployment.
        poll = `/api/deployments/${encodeURIComponent(deployment.id)}`
        onStatus?.(DEPLOY_STATUS[deployment.status] ?? `status ${deployment.status}`)
        if (deployment.complete || FINAL_STATUSES.has(deployment.status)) {
          if (deployment.status === DeployStatus.Success) return deployment
          const log = await kudu.deploymentLog(deployment.id)
          const {code, what, hint} = OUTCOME[deployment.status] ?? OUTCOME[DeployStatus.Failed]
          const lines = log.map((entry) => {
            const level = entry.type === 2 ? 'ERROR ' : entry.type === 1 ? 'warn  ' : ''
            return `  ${entry.log_time?.slice(11, 19) ?? ''} ${level}${entry.message}`
          })
          throw new ChdError(
            code,
            `The deployment ${what}${deployment.status_text ? `: ${deployment.status_text}` : ''}\n${lines.join('\n')}`,
            {
              exit: ExitCode.remoteFailed,
              suggestions: hint ? [hint] : [],
              details: {deploymentId: deployment.id, ...namedStatus(deployment.status), log: log.map((e) => e.message)},
            },
          )
        }
      }
    } else if (response.status !== 404) {
      kudu.fail(response, 'polling the deployment')
    }
    if (Date.now() > deadline) {
      throw new ChdError(
        'DEPLOY_TIMEOUT',
        `The deployment${last ? ` ${last.id}` : ''} did not finish before --timeout`,
        {
          exit: ExitCode.remoteFailed,
          suggestions: ['Raise --timeout, or watch it with chd logs'],
          details: {deploymentId: last?.id},
        },
      )
    }
    await kudu.pause(1000, 'polling the deployment')
  }
}
