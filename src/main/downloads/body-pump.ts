/**
 * Moves an HTTP response body into the part file and the download check in one pass.
 *
 * Each chunk from the socket (up to 64 KiB) goes to the check (a hash on this thread, zlib in the
 * threadpool) and to the file at once; nothing is awaited chunk by chunk. The socket is paused
 * only while the file's write buffer or the check is full, so a slow disk or check slows the
 * download instead of filling memory. The file stream writes what queued up while a write was
 * in flight in one writev, so a busy disk still gets large writes. Measured with the download
 * benchmark: a bigger write buffer, or copying chunks into a few large reusable buffers, costs
 * more system time (the bytes are no longer in the CPU cache when they are written), not less.
 */
import type { Readable, Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import type { TransferObserver } from './transport'

/** How a body is pumped. */
export interface PumpOptions {
  /** Bytes already in the part file before this body. */
  readonly offset: number
  /** The full file size (0 if unknown), for progress. */
  readonly total: number
  /** Called for every chunk received: bytes in the part file once this chunk lands, and the total. */
  readonly onProgress: (receivedBytes: number, totalBytes: number) => void
  /** Average rate to stay under, bytes per second (0 = no limit). */
  readonly maxBytesPerSecond: number
  /** Stop reading once the part file would hold more than this (0 = no cap). */
  readonly maxBytes?: number
}

/** How the body ended. Every byte received was handed to the sink, also after a failure. */
export interface PumpResult {
  /** Bytes in the part file now, counting `offset`. */
  readonly receivedBytes: number
  /** The connection failed or was stopped (null when the body ended normally). */
  readonly readError: unknown
  /** Writing failed (the body was stopped at once). */
  readonly sinkError: unknown
  /** The body went past `maxBytes` and was cut there (`receivedBytes` is then `maxBytes` + 1 or more). */
  readonly overflow: boolean
}

/** Pumps `body` into `sink` (which it ends) and `observer`; see the module header. */
export async function pumpBody(
  body: Readable,
  sink: Writable,
  observer: TransferObserver | undefined,
  options: PumpOptions,
): Promise<PumpResult> {
  let sinkError: unknown = null
  let overflow = false
  let received = options.offset
  let holds = 0
  let timer: NodeJS.Timeout | null = null
  const startedAt = Date.now()

  const hold = (): void => {
    holds += 1
    if (holds === 1) body.pause()
  }
  const release = (): void => {
    holds -= 1
    if (holds === 0 && !body.destroyed) body.resume()
  }

  sink.on('error', (error) => {
    sinkError ??= error
    body.destroy() // nothing more can be written: stop reading
  })

  const onData = (chunk: Buffer): void => {
    if (sinkError !== null || overflow) return
    const cap = options.maxBytes ?? 0
    if (cap > 0 && received + chunk.length > cap) {
      // More than the catalog's size: keep one byte past it, so the size check says so, then stop.
      overflow = true
      chunk = chunk.subarray(0, cap - received + 1)
      body.destroy()
    }
    received += chunk.length
    options.onProgress(received, options.total)
    if (observer !== undefined && !observer.write(chunk)) {
      hold()
      void observer.drained().then(release)
    }
    if (!sink.write(chunk)) {
      hold()
      sink.once('drain', release)
    }
    if (options.maxBytesPerSecond > 0 && timer === null) {
      // Hold the socket back so this transfer averages at most the limit.
      const ahead = ((received - options.offset) / options.maxBytesPerSecond) * 1000 - (Date.now() - startedAt)
      if (ahead > 0) {
        hold()
        timer = setTimeout(() => {
          timer = null
          release()
        }, ahead)
      }
    }
  }

  body.on('data', onData)
  let readError: unknown = null
  try {
    await finished(body)
  } catch (error) {
    if (!overflow) readError = error
  } finally {
    body.off('data', onData)
    if (timer !== null) clearTimeout(timer)
  }

  // Whatever was received reaches the disk, also when the connection failed or the download was
  // stopped: those bytes are where a resume continues (and what the check has seen).
  if (sinkError === null) {
    try {
      sink.end()
      await finished(sink)
    } catch (error) {
      sinkError ??= error
    }
  } else {
    sink.destroy()
  }
  return { receivedBytes: received, readError, sinkError, overflow }
}
