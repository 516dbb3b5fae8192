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
  const opts = {file: path, cause: error}
  switch (code) {
    case 'ENOENT':
      return new ChdError('PATH_NOT_FOUND', op === 'read' ? `${what} not found: ${path}` : `${what} cannot be written: ${path} (its folder does not exist)`, {...opts, exit: ExitCode.notFound})
    case 'ENOTDIR':
      return new ChdError('PATH_NOT_A_DIRECTORY', `${what} is not a folder: ${path}`, {...opts, exit: ExitCode.usage})
    case 'ENAMETOOLONG':
      return new ChdError('PATH_TOO_LONG', `${what} cannot be ${op === 'read' ? 'read' : 'written'}: its path is longer than this system allows (${Buffer.byteLength(path)} bytes): ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`, {
        ...opts, suggestions: ['Shorten the folder and file names: Linux allows 4096 bytes in a path, Windows apps on Azure 260 characters'],
      })
  }
  if (op === 'read') {
    if (code === 'EACCES' || code === 'EPERM') return new ChdError('PATH_NOT_READABLE', `${what} is not readable: ${path} (permission denied)`, opts)
    return new ChdError('IO_ERROR', `${what} could not be read: ${path}: ${(error as Error)?.message ?? String(error)}`, opts)
  }
  const elsewhere = 'Write it somewhere else (chd pack -o FILE; TMPDIR for chd deploy)'
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new ChdError('DISK_FULL', `${what} could not be written: ${path}: no space left on the device`, {...opts, suggestions: ['Free some space on that disk', elsewhere]})
    case 'EROFS':
      return new ChdError('PATH_NOT_WRITABLE', `${what} could not be written: ${path} is on a read-only file system`, {...opts, suggestions: [elsewhere]})
    case 'EACCES':
    case 'EPERM':
      return new ChdError('PATH_NOT_WRITABLE', `${what} could not be written: ${path} (permission denied)`, {...opts, suggestions: [elsewhere]})
    case 'EISDIR':
      return new ChdError('PATH_IS_A_DIRECTORY', `${what} could not be written: ${path} is a folder`, {...opts, exit: ExitCode.usage, suggestions: [`Name a file in it: ${path}/app.zip`]})
  }
  return new ChdError('IO_ERROR', `${what} could not be written: ${path}: ${(error as Error)?.message ?? String(error)}`, opts)
}
