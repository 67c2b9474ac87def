/**
 * The Node transport: streams a signed URL into the part file with node:http/https, in constant
 * memory, handing the same bytes to the download check as they are written (./body-pump).
 * Resuming sends `Range: bytes=N-` with `If-Range: <etag>` and checks the answer: a 206 must
 * start exactly at N and carry the same ETag, otherwise the bytes on disk belong to another
 * version of the file and the transfer starts over from byte 0. Used in browser mode, in tests,
 * and by the Electron transport for every resume.
 */
import { createWriteStream } from 'node:fs'
import { truncate } from 'node:fs/promises'
import http from 'node:http'
import type { IncomingMessage } from 'node:http'
import https from 'node:https'
import type { Writable } from 'node:stream'
import { TransferError, isDiskErrorCode } from './transport'
import type { DownloadTransport, TransferRequest, TransferResult } from './transport'
import { pumpBody } from './body-pump'

/** Options for {@link createNodeTransport}. */
export interface NodeTransportOptions {
  /**
   * Opens the part file for writing at `offset` (0 = truncate). Tests inject a sink that fails
   * with ENOSPC to simulate a full disk.
   */
  readonly openSink?: (partPath: string, offset: number) => Writable
  /** A connection silent for this long counts as a network failure (default 60 s). */
  readonly idleTimeoutMs?: number
  /** Redirects followed per request (default 5). */
  readonly maxRedirects?: number
  /** Bandwidth limit per download in bytes per second (default: none), for people on a shared line. */
  readonly maxBytesPerSecond?: number
}

/** Bytes queued for the disk before the socket is paused (see body-pump.ts for why not more). */
const writeBufferBytes = 1024 * 1024

function defaultSink(partPath: string, offset: number): Writable {
  return createWriteStream(partPath, {
    flags: offset > 0 ? 'r+' : 'w',
    start: offset,
    highWaterMark: writeBufferBytes,
  })
}

/** Creates the node:http(s) transport. */
export function createNodeTransport(options: NodeTransportOptions = {}): DownloadTransport {
  const openSink = options.openSink ?? defaultSink
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000
  const maxRedirects = options.maxRedirects ?? 5
  const maxBytesPerSecond = options.maxBytesPerSecond ?? 0

  async function get(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
    let current = new URL(url)
    for (let hop = 0; ; hop += 1) {
      const response = await getOnce(current, headers, signal, idleTimeoutMs)
      const status = response.statusCode ?? 0
      const location = response.headers.location
      if (status >= 300 && status < 400 && location !== undefined) {
        response.resume()
        if (hop >= maxRedirects) {
          throw new TransferError('http', `The download link redirected more than ${maxRedirects} times.`, { status })
        }
        current = new URL(location, current)
        continue
      }
      return response
    }
  }

  async function transfer(request: TransferRequest): Promise<TransferResult> {
    const { signal } = request
    let offset = request.offset
    const etag = request.etag
    let restarted = false
    // At most one restart from byte 0 after a refused resume; a second refusal is a server bug.
    for (let round = 0; round < 3; round += 1) {
      const headers: Record<string, string> = { 'Accept-Encoding': 'identity' }
      if (offset > 0) {
        headers.Range = `bytes=${offset}-`
        if (etag !== null) headers['If-Range'] = etag
      }
      const response = await get(request.url, headers, signal)
      const status = response.statusCode ?? 0
      const responseEtag = headerValue(response.headers.etag)

      if (status === 401 || status === 403) {
        response.resume()
        throw new TransferError(
          'link_rejected',
          `The download link was refused (HTTP ${status}); it has probably expired.`,
          { status },
        )
      }
      if (status === 416) {
        response.resume()
        const total = parseUnsatisfiedRange(headerValue(response.headers['content-range']))
        if (total !== null && total === offset) {
          // The part file already holds the whole file: nothing left to fetch.
          return { receivedBytes: offset, totalBytes: total, etag, restarted }
        }
        offset = 0
        restarted = true
        continue
      }
      if (status === 429 || status >= 500) {
        response.resume()
        throw new TransferError('server', `The server is busy or failing (HTTP ${status}).`, { status })
      }

      let total: number
      let writeOffset: number
      if (status === 200) {
        // A full answer to a Range request means the server cannot resume: start over cleanly.
        if (offset > 0) restarted = true
        writeOffset = 0
        total = Number(response.headers['content-length'] ?? 0) || 0
      } else if (status === 206 && offset > 0) {
        const range = parseContentRange(headerValue(response.headers['content-range']))
        const sameFile = etag === null || responseEtag === null || responseEtag === etag
        if (range === null || range.start !== offset || !sameFile) {
          // Wrong range or a new version of the file: the bytes on disk cannot be continued.
          response.destroy()
          offset = 0
          restarted = true
          continue
        }
        writeOffset = offset
        total = range.total
      } else {
        response.resume()
        throw new TransferError('http', `The server answered HTTP ${status} to the download request.`, { status })
      }

      request.onStart?.({ offset: writeOffset, totalBytes: total, etag: responseEtag ?? etag })
      const received = await writeBody(response, request, writeOffset, total)
      return { receivedBytes: received, totalBytes: total || received, etag: responseEtag ?? etag, restarted }
    }
    throw new TransferError('http', 'The server kept refusing to resume the download from where it stopped.')
  }

  async function writeBody(
    response: IncomingMessage,
    request: TransferRequest,
    offset: number,
    total: number,
  ): Promise<number> {
    const { signal, partPath } = request
    if (offset > 0) {
      // Drop anything past the resume point (a write that landed after the last progress report).
      try {
        await truncate(partPath, offset)
      } catch (error) {
        response.destroy()
        throw classify(error, signal, true)
      }
    }
    let sink: Writable
    try {
      sink = openSink(partPath, offset)
    } catch (error) {
      response.destroy()
      throw classify(error, signal, true)
    }
    let openError: unknown = null
    sink.on('error', (error) => {
      openError ??= error // opening the file failed (EACCES…) before a byte was written
    })
    const observer = request.observer
    try {
      // Restarted from 0: the observer starts over too; resumed: it has already seen the prefix.
      await observer?.syncTo(offset, signal)
      if (openError !== null) throw openError
    } catch (error) {
      response.destroy()
      sink.destroy()
      throw classify(error, signal, true)
    }
    request.onProgress(offset, total)
    const {
      receivedBytes: received,
      readError,
      sinkError,
      overflow,
    } = await pumpBody(response, sink, observer, {
      offset,
      total,
      onProgress: request.onProgress,
      maxBytesPerSecond,
      maxBytes: request.maxBytes ?? 0,
    })
    if (sinkError !== null) throw classify(sinkError, signal, true)
    // Cut at the cap: done as far as the transfer goes; the size check refuses the file.
    if (overflow) return received
    if (readError !== null) throw classify(readError, signal, false)
    if (total > 0 && received !== total) {
      throw new TransferError('network', `The connection closed after ${received} of ${total} bytes.`, {
        code: 'ECONNRESET',
      })
    }
    return received
  }

  return { name: 'node', transfer }
}

function getOnce(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
  idleTimeoutMs: number,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      reject(new TransferError('http', `Download links must be http or https, not ${url.protocol}`))
      return
    }
    const client = url.protocol === 'https:' ? https : http
    const request = client.get(url, { headers, signal }, resolve)
    request.setTimeout(idleTimeoutMs, () => {
      request.destroy(
        Object.assign(new Error(`No data for ${Math.round(idleTimeoutMs / 1000)} s.`), { code: 'ETIMEDOUT' }),
      )
    })
    request.once('error', (error) => reject(classify(error, signal, false)))
  })
}

/** Turns a thrown value into a TransferError; `fromDisk` marks errors raised by the file side. */
function classify(error: unknown, signal: AbortSignal, fromDisk: boolean): TransferError {
  if (error instanceof TransferError) return error
  if (signal.aborted) return new TransferError('aborted', 'The download was stopped.', { cause: error })
  const code = (error as NodeJS.ErrnoException | null)?.code
  const message = error instanceof Error ? error.message : String(error)
  if (fromDisk || (code !== undefined && isDiskErrorCode(code) && code !== 'EPERM')) {
    return new TransferError('disk', message, { code: code ?? 'EIO', cause: error })
  }
  return new TransferError('network', message, { ...(code === undefined ? {} : { code }), cause: error })
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null
  return Array.isArray(value) ? (value[0] ?? null) : value
}

/** Parses `bytes start-end/total`; null when absent or malformed. */
export function parseContentRange(value: string | null): { start: number; end: number; total: number } | null {
  const match = value === null ? null : /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value.trim())
  if (!match) return null
  return { start: Number(match[1]), end: Number(match[2]), total: Number(match[3]) }
}

function parseUnsatisfiedRange(value: string | null): number | null {
  const match = value === null ? null : /^bytes \*\/(\d+)$/.exec(value.trim())
  return match ? Number(match[1]) : null
}
