/**
 * Moves an HTTP response body into the part file and the download check in one pass.
 *
 * Each chunk from the socket (up to 64 KiB) goes to the check at once (a hash on this thread,
 * zlib in the threadpool) and is copied into one of a few big reusable buffers; a full buffer is
 * written to the disk in one go and comes back when the write is done (on a slow line a buffer
 * goes out after a second, full or not). So the disk gets few large writes, nothing is awaited
 * chunk by chunk, and the socket is paused only while the check is full or every buffer is being
 * written: a slow disk or check slows the download instead of filling memory. The socket's chunks
 * live only until the check has read them, so they die young and cost the garbage collector
 * little (held in a write queue, a gigabyte of them would be promoted and swept again and again).
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
}

/** How the body ended. Every byte received was handed to the sink, also after a failure. */
export interface PumpResult {
  /** Bytes in the part file now, counting `offset`. */
  readonly receivedBytes: number
  /** The connection failed or was stopped (null when the body ended normally). */
  readonly readError: unknown
  /** Writing failed (the body was stopped at once). */
  readonly sinkError: unknown
}

const bufferBytes = 2 * 1024 * 1024
const bufferCount = 4
/** On a slow line a buffer is written before it is full, so a crash loses at most about this much time. */
const flushAfterMs = 1000

/** Pumps `body` into `sink` (which it ends) and `observer`; see the module header. */
export async function pumpBody(
  body: Readable,
  sink: Writable,
  observer: TransferObserver | undefined,
  options: PumpOptions,
): Promise<PumpResult> {
  const free: Buffer[] = []
  let made = 0
  let current: Buffer | null = null
  let used = 0
  /** When the current buffer got its first byte. */
  let currentSince = 0
  /** Part of a chunk that found no free buffer; placed when a write returns one. */
  let carry: Buffer | null = null
  let writing = 0
  let settled: (() => void) | null = null
  let sinkError: unknown = null
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

  function nextBuffer(): Buffer | null {
    const reused = free.pop()
    if (reused !== undefined) return reused
    if (made === bufferCount) return null
    made += 1
    return Buffer.allocUnsafeSlow(bufferBytes)
  }

  /** Writes the current buffer; it returns to the pool when the write is done. */
  function flush(): void {
    if (current === null || used === 0) return
    const buffer = current
    current = null
    writing += 1
    sink.write(buffer.subarray(0, used), (error) => {
      if (error) sinkError ??= error
      writing -= 1
      free.push(buffer)
      if (carry !== null) {
        const rest = carry
        carry = null
        place(rest)
        release()
      }
      settled?.()
    })
    used = 0
  }

  /** Copies `chunk` into the buffers; keeps what finds no room in `carry` and holds the socket. */
  function place(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      current ??= nextBuffer()
      if (current === null) {
        carry = chunk.subarray(at)
        hold()
        return
      }
      if (used === 0) currentSince = Date.now()
      const copied = chunk.copy(current, used, at)
      used += copied
      at += copied
      if (used === current.length) flush()
    }
    if (used > 0 && Date.now() - currentSince >= flushAfterMs) flush()
  }

  const onData = (chunk: Buffer): void => {
    if (sinkError !== null) return
    received += chunk.length
    options.onProgress(received, options.total)
    if (observer !== undefined && !observer.write(chunk)) {
      hold()
      void observer.drained().then(release)
    }
    place(chunk)
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
    readError = error
  } finally {
    body.off('data', onData)
    if (timer !== null) clearTimeout(timer)
  }

  // Whatever was received reaches the disk, also when the connection failed or the download was
  // stopped: those bytes are where a resume continues (and what the check has seen).
  const written = (): Promise<void> =>
    new Promise((resolve) => {
      settled = resolve
    })
  while (carry !== null) await written()
  flush()
  while (writing > 0) await written()
  settled = null
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
  return { receivedBytes: received, readError, sinkError }
}
