/**
 * The one error type chd throws for every expected failure. Commands render it (text or JSON)
 * without a stack trace; anything that is not a ChdError is a bug and keeps its stack under DEBUG.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  remoteFailed: 5,
  interrupted: 130,
  terminated: 143,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export interface ChdErrorOptions {
  exit?: ExitCodeValue
  suggestions?: string[]
  /** Where the problem is, when it is in a file the user can open. */
  file?: string
  line?: number
  column?: number
  cause?: unknown
  /** Structured detail for --json (e.g. the findings that stopped a pack). */
  details?: Record<string, unknown>
}

export class ChdError extends Error {
  override readonly name = 'ChdError'
  readonly code: string
  readonly exit: ExitCodeValue
  readonly suggestions: string[]
  readonly file?: string
  readonly line?: number
  readonly column?: number
  readonly details?: Record<string, unknown>

  constructor(code: string, message: string, options: ChdErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.code = code
    this.exit = options.exit ?? ExitCode.failed
    this.suggestions = options.suggestions ?? []
    this.file = options.file
    this.line = options.line
    this.column = options.column
    this.details = options.details
  }

  /** `file:line:col` when known, for messages and JSON. */
  get location(): string | undefined {
    if (!this.file) return undefined
    if (this.line === undefined) return this.file
    return `${this.file}:${this.line}${this.column === undefined ? '' : `:${this.column}`}`
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      exit: this.exit,
      ...(this.location ? {location: this.location} : {}),
      ...(this.suggestions.length > 0 ? {suggestions: this.suggestions} : {}),
      ...this.details,
    }
  }
}

export function isChdError(error: unknown): error is ChdError {
  return error instanceof ChdError
}

/**
 * Turns a Node fs error into a ChdError that names the path and what was being done to it
 * (read or written), with the fix, so no ENOENT or ENOSPC stack reaches a user.
 */
export function fsError(error: unknown, path: string, what: string, op: 'read' | 'write' = 'read'): ChdError {
  const code = (error as NodeJS.ErrnoException)?.code
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path
  const failed = `${what} could not be ${op === 'read' ? 'read' : 'written'}: ${shown}`
  const make = (chdCode: string, message: string, options: ChdErrorOptions = {}) =>
    new ChdError(chdCode, message, {file: path, cause: error, ...options})
  const elsewhere = 'Write it somewhere else (chd pack -o FILE; TMPDIR for chd deploy)'
  switch (code) {
    case 'ENOENT': {
      const message = op === 'read' ? `${what} not found: ${shown}` : `${failed} (its folder does not exist)`
      return make('PATH_NOT_FOUND', message, {exit: ExitCode.notFound})
    }
    case 'ENOTDIR':
      return make('PATH_NOT_A_DIRECTORY', `${what} is not a folder: ${shown}`, {exit: ExitCode.usage})
    case 'ENAMETOOLONG':
      return make('PATH_TOO_LONG', `${failed} (its path is ${Buffer.byteLength(path)} bytes, more than allowed here)`, {
        suggestions: ['Shorten the folder and file names: Linux takes 4096 bytes in a path, Windows apps on Azure 260'],
      })
  }
  if (op === 'read') {
    const denied = code === 'EACCES' || code === 'EPERM'
    if (denied) return make('PATH_NOT_READABLE', `${what} is not readable: ${shown} (permission denied)`)
    return make('IO_ERROR', `${failed}: ${(error as Error)?.message ?? String(error)}`)
  }
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return make('DISK_FULL', `${failed}: no space left on the device`, {suggestions: ['Free some space', elsewhere]})
    case 'EROFS':
      return make('PATH_NOT_WRITABLE', `${failed}: it is on a read-only file system`, {suggestions: [elsewhere]})
    case 'EACCES':
    case 'EPERM':
      return make('PATH_NOT_WRITABLE', `${failed} (permission denied)`, {suggestions: [elsewhere]})
    case 'EISDIR':
      return make('PATH_IS_A_DIRECTORY', `${failed}: it is a folder`, {
        exit: ExitCode.usage,
        suggestions: [`Name a file in it: ${shown}/app.zip`],
      })
  }
  return make('IO_ERROR', `${failed}: ${(error as Error)?.message ?? String(error)}`)
}
