import {ChdError, ExitCode, isChdError} from '../errors.js'

/** What a context knows of its deadline: an abort then means the time ran out. */
export interface Deadline {
  signal?: AbortSignal
  timeoutMs?: number
}

interface RestLike {
  name?: string
  statusCode?: number
  code?: string
  message: string
  request?: {headers?: {get(name: string): string | undefined}}
  response?: {headers?: {get(name: string): string | undefined}; bodyAsText?: string | null}
}

/**
 * Turns what the Azure SDKs throw into a ChdError that shows Azure's own message and request id.
 * The v19 SDK drops PascalCase error bodies ({"Code","Message"}), so the raw body is read here.
 */
export function azureError(error: unknown, doing: string, deadline?: Deadline): ChdError {
  if (isChdError(error)) return error
  const e = error as RestLike
  const name = e?.name ?? ''
  if (deadline?.signal?.aborted && /AbortError|TimeoutError/.test(name)) {
    const seconds = Math.round((deadline.timeoutMs ?? 0) / 1000)
    return new ChdError('DEPLOY_TIMEOUT', `--timeout (${seconds} s) ran out while ${doing}`, {
      exit: ExitCode.remoteFailed,
      suggestions: ['Raise --timeout', 'Check the connection to Azure: every request took long'],
      cause: error,
    })
  }
  if (/CredentialUnavailableError|AuthenticationError|AggregateAuthenticationError/.test(name)) {
    return new ChdError('AUTH_FAILED', `Could not get an Azure token while ${doing}: ${firstLine(e.message)}`, {
      exit: ExitCode.auth,
      suggestions: [
        'Run az login (or pick a credential with --auth cli|env|device|managed-identity)',
        'Set CHD_ACCESS_TOKEN to use a token you already have',
      ],
      cause: error,
    })
  }
  const status = e?.statusCode
  if (status === undefined) {
    const code = (error as NodeJS.ErrnoException)?.code
    return new ChdError(
      'AZURE_UNREACHABLE',
      `Azure did not answer while ${doing}: ${code ? `${code} ` : ''}${firstLine(e?.message ?? String(error))}`,
      {exit: ExitCode.failed, cause: error},
    )
  }
  let message = e.message
  let code = e.code
  const body = e.response?.bodyAsText
  if (body) {
    try {
      type ErrorDoc = {message?: string; Message?: string; code?: string; Code?: string}
      const doc = JSON.parse(body) as ErrorDoc & {error?: ErrorDoc}
      const inner = doc.error ?? doc
      message = inner.message ?? inner.Message ?? message
      code = inner.code ?? inner.Code ?? code
    } catch {
      if (!/^Unexpected status code/.test(message) || body.trim()) message = body.trim() || message
    }
  }
  const requestId = e.response?.headers?.get('x-ms-request-id') ?? e.request?.headers?.get('x-ms-client-request-id')
  const exit = status === 401 || status === 403 ? ExitCode.auth : status === 404 ? ExitCode.notFound : ExitCode.failed
  return new ChdError(
    code
      ? `AZURE_${String(code)
          .replaceAll(/[^A-Za-z0-9]+/g, '_')
          .toUpperCase()}`
      : `AZURE_HTTP_${status}`,
    `Azure answered ${status} while ${doing}: ${message}${requestId ? ` (request id ${requestId})` : ''}`,
    {
      exit,
      suggestions:
        status === 401 || status === 403
          ? [
              'Check that your account has Contributor (or Website Contributor) on the app',
              'Run az login again if your session expired',
            ]
          : [],
      cause: error,
      details: {status, ...(requestId ? {requestId} : {})},
    },
  )
}

function firstLine(text: string): string {
  return text.split('\n')[0]
}
