import {open} from 'node:fs/promises'

import {ChdError, ExitCode, fsError} from '../errors.js'

/** Log text chd explain reads at most: hours of a busy host's file log; more is an error, not a slow crawl. */
export const LOG_INPUT_MAX_BYTES = 64 * 1024 * 1024

function tooLarge(what: string): ChdError {
  const mib = LOG_INPUT_MAX_BYTES / 1024 / 1024
  return new ChdError('INPUT_TOO_LARGE', `${what} holds more than ${mib} MiB of log text`, {
    exit: ExitCode.usage,
    suggestions: ['Pass the part around the failure: chd logs --app NAME --since 1h, or grep -B2 -A5 on the file'],
  })
}

async function readStream(stream: NodeJS.ReadableStream, what: string): Promise<string> {
  const chunks: Buffer[] = []
  let bytes = 0
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    bytes += b.length
    if (bytes > LOG_INPUT_MAX_BYTES) throw tooLarge(what)
    chunks.push(b)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** --line TEXT, --line - (stdin) or --file FILE, as text. */
export async function readLogInput(
  flags: {line?: string; file?: string},
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<string> {
  if (flags.file === undefined) return flags.line === '-' ? readStream(stdin, 'stdin') : (flags.line ?? '')
  let handle
  try {
    handle = await open(flags.file, 'r')
    const {size} = await handle.stat()
    if (size > LOG_INPUT_MAX_BYTES) throw tooLarge(flags.file)
    return await readStream(handle.createReadStream({autoClose: false}), flags.file)
  } catch (error) {
    if (error instanceof ChdError) throw error
    throw fsError(error, flags.file, 'Log file')
  } finally {
    await handle?.close()
  }
}
