/**
 * Sends a file to a signed upload link: one streamed `PUT` of exactly `size` bytes with
 * node:http(s), in constant memory (the socket's back-pressure paces the disk reads), with the
 * bytes sent reported as they go. The link needs no Authorization (its signature is the
 * permission). A refusal says what the platform said and what to do; a cancelled or broken-off
 * upload says so, and the platform keeps nothing of it (docs/platform-api.md, uploads).
 */
import { createReadStream } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { formatBytes } from '../../lib/format-bytes'
import { AppError, systemErrorCode, systemErrorPhrase } from '../errors'

export interface PutFileOptions {
  readonly signal?: AbortSignal
  /** Told the bytes handed to the socket so far. */
  readonly onProgress?: (sent: number) => void
  /** A connection silent for this long counts as broken (default 60 s). */
  readonly idleTimeoutMs?: number
}

/** What the platform answered a finished upload: `{size, filename}`. */
export interface PutFileResult {
  readonly status: number
  readonly body: string
}

/** The JSON string (or `{error|message}`) a refusal carries, short; '' when unreadable. */
function refusalText(body: string): string {
  const text = body.trim().slice(0, 2000)
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed === 'string') return parsed.slice(0, 300)
    const said = (parsed as { error?: unknown; message?: unknown } | null) ?? {}
    const message = typeof said.error === 'string' ? said.error : typeof said.message === 'string' ? said.message : ''
    return message.slice(0, 300)
  } catch {
    return text.includes('<') ? '' : text.slice(0, 300)
  }
}

/** The sentence for an upload the platform refused with `status`. */
export function refusedUpload(status: number, body: string): AppError {
  const said = refusalText(body)
  const quoted = said ? `${status}: ${JSON.stringify(said)}` : String(status)
  if (status === 403) {
    return new AppError(
      'upload_refused',
      `The platform refused the upload link (${quoted}): it expired or is not valid. Start the import again for a new link.`,
    )
  }
  if (status === 409) {
    return new AppError(
      'upload_refused',
      `The platform refused the upload (${quoted}): the link has taken an upload already. Start the import again for a new link.`,
    )
  }
  if (status === 413) {
    return new AppError(
      'too_large',
      `The platform refused the upload as too large (${quoted}). Make the archive smaller, then try again.`,
    )
  }
  return new AppError(
    'upload_refused',
    `The platform refused the upload (${quoted}). Try again; if it keeps happening, look at the platform's log.`,
  )
}

/** Counts bytes on their way to the socket; refuses a file that grew past `size`. */
class SentCounter extends Transform {
  sent = 0
  constructor(
    private readonly size: number,
    private readonly onSent: (sent: number) => void,
  ) {
    super()
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.sent += chunk.length
    if (this.sent > this.size) {
      done(new AppError('changed', 'The file grew while it was being uploaded. Drop it again.'))
      return
    }
    this.onSent(this.sent)
    done(null, chunk)
  }
}

/**
 * PUTs the first `size` bytes of `file` to `url`. Resolves with the platform's 2xx answer;
 * rejects with an {@link AppError}: `cancelled` when `signal` stopped it, `upload_refused` /
 * `too_large` for a refusal, `upload_failed` when the connection broke off.
 */
export async function putFile(
  url: string,
  file: string,
  size: number,
  options: PutFileOptions = {},
): Promise<PutFileResult> {
  const target = new URL(url)
  const transport = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : null
  if (!transport) throw new AppError('bad_request', `The upload link is not http(s): ${target.protocol}`)
  const signal = options.signal
  if (signal?.aborted) throw new AppError('cancelled', 'the upload was cancelled')

  const request = transport.request(target, {
    method: 'PUT',
    headers: { 'Content-Length': String(size), 'Content-Type': 'application/octet-stream' },
    timeout: options.idleTimeoutMs ?? 60_000,
  })
  let cancelled = false
  const cancel = (): void => {
    cancelled = true
    request.destroy(new AppError('cancelled', 'the upload was cancelled'))
  }
  signal?.addEventListener('abort', cancel, { once: true })
  request.on('timeout', () =>
    request.destroy(new AppError('upload_failed', 'The platform stopped answering during the upload.')),
  )

  const answer = new Promise<PutFileResult>((resolve, reject) => {
    request.once('error', reject)
    request.once('response', (response) => {
      const chunks: Buffer[] = []
      let length = 0
      response.on('data', (chunk: Buffer) => {
        // The answer is a short JSON; more than 64 KiB of it is not worth keeping.
        if (length < 65_536) chunks.push(chunk)
        length += chunk.length
      })
      response.once('error', reject)
      response.once('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      )
    })
  })
  // A refusal may come before the body is sent (Content-Length over the limit): the answer then
  // wins, and the body's broken pipe is only its echo.
  answer.catch(() => undefined)

  const counter = new SentCounter(size, (sent) => options.onProgress?.(sent))
  const source = size === 0 ? null : createReadStream(file, { start: 0, end: size - 1 })
  const sending = (source ? pipeline(source, counter, request) : new Promise<void>((resolve) => request.end(resolve)))
    .then(() => {
      if (counter.sent !== size && source) {
        throw new AppError('changed', 'The file got shorter while it was being uploaded. Drop it again.')
      }
    })
    .catch((error: unknown) => {
      // The platform would wait for the missing bytes (or read a file that grew): the request ends here.
      if (error instanceof AppError) request.destroy(error)
      throw error
    })
  try {
    const [sent, answered] = await Promise.allSettled([sending, answer])
    if (answered.status === 'fulfilled') {
      const result = answered.value
      if (result.status < 200 || result.status >= 300) throw refusedUpload(result.status, result.body)
      if (sent.status === 'rejected') throw sent.reason
      return result
    }
    throw sent.status === 'rejected' && sent.reason instanceof AppError ? sent.reason : answered.reason
  } catch (error) {
    if (cancelled) throw new AppError('cancelled', 'the upload was cancelled')
    if (error instanceof AppError) throw error
    const why = systemErrorPhrase(systemErrorCode(error) ?? '')
    throw new AppError(
      'upload_failed',
      `The upload to ${target.host} broke off after ${formatBytes(counter.sent)} of ${formatBytes(size)} (${why}). Start the import again.`,
      { cause: error },
    )
  } finally {
    signal?.removeEventListener('abort', cancel)
  }
}
