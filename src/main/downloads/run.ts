/**
 * One run of one download: from the bytes on disk (if any) through fresh links, retries and the
 * transfer, checked as the bytes arrive, to the verified file under its final name. The manager
 * owns the queue and the list; a run owns the rules for a single file — when to fetch a new link,
 * when to back off, what a failure tells the user — and stops touching the item as soon as
 * `ctx.alive()` says the manager has moved on (pause, cancel, shutdown).
 */
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { formatBytes } from '../../lib/format-bytes'
import type { DownloadItem, DownloadState } from '../../shared/downloads'
import { DownloadFailure, errnoError, isDirectory, isPermanentApiError, messageOf, sizeOf } from './failures'
import { ensureFolder } from './folders'
import { commitFinal } from './naming'
import type { RateMeter } from './rate'
import { TransferError } from './transport'
import type { DownloadTransport } from './transport'
import { VerificationError, createDownloadCheck } from './verify'
import type { DownloadCheck, VerifyResult } from './verify'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** Retry limits of a run (the manager's RetryOptions with defaults filled in). */
export interface RunRetry {
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  readonly maxLinkRefreshes: number
}

/** The download a run works on: the manager's entry, which the run updates in place. */
export interface RunEntry {
  readonly item: Mutable<DownloadItem>
  etag: string | null
  readonly meter: RateMeter
}

/** What a run needs from its manager. */
export interface RunContext {
  readonly transport: DownloadTransport
  /** A FRESH signed URL for this download. */
  getLink(): Promise<string>
  readonly retry: RunRetry
  /** How often a running transfer checks that its part file still exists. */
  readonly watchIntervalMs: number
  now(): number
  /** False once the manager has stopped this run; the run then returns without touching the item. */
  alive(): boolean
  /** Bytes received so far and the full size (0 if unknown), as the transport reports them. */
  progress(receivedBytes: number, totalBytes: number): void
  setState(state: DownloadState): void
  /** Asks for the download list to be saved soon. */
  saveSoon(): void
}

/** One download from start (or resume) to its final name; returns early once `ctx.alive()` is false. */
export async function runDownload(ctx: RunContext, entry: RunEntry, signal: AbortSignal): Promise<void> {
  const item = entry.item
  const alive = ctx.alive
  const hadBytes = item.receivedBytes > 0 || (await sizeOf(item.partPath)) !== null
  if (!(await isDirectory(item.destDir))) {
    // A new download may create its folder (the default Downloads/Restore Desk/<site>/<env>);
    // one with bytes already saved must not silently start over somewhere else.
    if (hadBytes) throw errnoError('ENOENT', item.destDir)
    await ensureFolder(item.destDir)
  }
  if (!alive()) return

  let offset = (await sizeOf(item.partPath)) ?? 0
  if (offset > item.expectedSize) {
    // Longer than the backup: not a prefix of it, so keep nothing.
    await rm(item.partPath, { force: true })
    offset = 0
  }
  item.receivedBytes = offset
  item.totalBytes = item.expectedSize
  entry.meter.reset(offset, ctx.now())

  // Checks the bytes as they are written; it lives as long as this run (see verify.ts).
  const check = createDownloadCheck(item.partPath, item.expectedSize, item.filename)
  try {
    const transferred = await transfer(ctx, entry, signal, check, offset)
    if (transferred === null || !alive()) return
    await verifyAndCommit(ctx, entry, signal, check, transferred)
  } finally {
    check.destroy()
  }
}

/** Moves the bytes into the part file, with fresh links and retries; null when stopped. */
async function transfer(
  ctx: RunContext,
  entry: RunEntry,
  signal: AbortSignal,
  check: DownloadCheck,
  startOffset: number,
): Promise<number | null> {
  const item = entry.item
  const alive = ctx.alive
  let offset = startOffset
  let failures = 0
  let linkRefreshes = 0
  while (offset < item.expectedSize) {
    if (!alive()) return null
    // A resumed part file is read once through the check before new bytes are appended to it
    // (before the link is fetched, so a long read cannot outlast the link).
    await check.syncTo(offset, signal)
    if (!alive()) return null
    let url: string
    try {
      url = await ctx.getLink()
    } catch (error) {
      if (!alive()) return null
      failures += 1
      // A 4xx answer (the backup expired, access was withdrawn) will not change by waiting.
      if (failures > ctx.retry.maxAttempts || isPermanentApiError(error)) {
        throw new DownloadFailure(
          'link_failed',
          `Restore Desk could not get a download link from the platform: ${messageOf(error)} Check the connection and press Retry; the ${formatBytes(offset)} already downloaded are kept.`,
        )
      }
      await sleep(backoff(ctx.retry, failures), signal)
      continue
    }
    if (!alive()) return null

    const attempt = new AbortController()
    const onAbort = (): void => attempt.abort(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    let vanished = false
    const watch = setInterval(() => {
      void sizeOf(item.partPath).then(
        (size) => {
          if (size === null && !attempt.signal.aborted) {
            vanished = true
            attempt.abort('vanished')
          }
        },
        () => undefined, // unreadable for a moment is not gone; the transfer reports real failures
      )
    }, ctx.watchIntervalMs)
    const before = offset
    try {
      const result = await ctx.transport.transfer({
        url,
        partPath: item.partPath,
        offset,
        etag: entry.etag,
        signal: attempt.signal,
        observer: check,
        maxBytes: item.expectedSize,
        onStart: (info) => {
          if (!alive()) return
          entry.etag = info.etag
          entry.meter.reset(info.offset, ctx.now())
          ctx.saveSoon()
        },
        onProgress: ctx.progress,
      })
      entry.etag = result.etag
      offset = result.receivedBytes
      break
    } catch (error) {
      if (!alive()) return null
      const failure =
        error instanceof TransferError ? error : new TransferError('network', messageOf(error), { cause: error })
      const onDisk = await sizeOf(item.partPath)
      if (vanished || (onDisk === null && before > 0)) {
        if (!(await isDirectory(item.destDir))) throw errnoError('ENOENT', item.destDir)
        // Only the part file was deleted (by the user or a cleaner): start it again.
      }
      offset = onDisk ?? 0
      item.receivedBytes = offset
      if (offset > before) {
        failures = 0
        linkRefreshes = 0
      }
      if (failure.kind === 'disk') throw errnoError(failure.code ?? 'EIO', item.destDir, failure)
      if (failure.kind === 'http') {
        throw new DownloadFailure(
          failure.status === 404 ? 'not_found' : 'http_error',
          failure.status === 404
            ? `The platform no longer has ${item.filename} (HTTP 404); the backup may have expired. Refresh the backups list.`
            : `The platform refused the download: ${failure.message} Press Retry; if it keeps failing, make a new backup.`,
        )
      }
      if (failure.kind === 'link_rejected') {
        linkRefreshes += 1
        if (linkRefreshes > ctx.retry.maxLinkRefreshes) {
          throw new DownloadFailure(
            'link_rejected',
            `The platform kept refusing the download link (HTTP ${failure.status ?? 403}), even a fresh one. Check that the connection still has access to ${item.siteName} and press Retry; the ${formatBytes(offset)} already downloaded are kept.`,
          )
        }
        continue // a fresh link right away
      }
      // network, server, or an abort we did not ask for
      failures += 1
      if (failures > ctx.retry.maxAttempts) {
        throw new DownloadFailure(
          'network',
          `The download kept failing (${failure.message}). Check your network and press Retry; the ${formatBytes(offset)} already downloaded are kept.`,
        )
      }
      await sleep(backoff(ctx.retry, failures), signal)
    } finally {
      clearInterval(watch)
      signal.removeEventListener('abort', onAbort)
    }
  }
  return offset
}

/** Checks the transferred part file and gives it its final name. */
async function verifyAndCommit(
  ctx: RunContext,
  entry: RunEntry,
  signal: AbortSignal,
  check: DownloadCheck,
  offset: number,
): Promise<void> {
  const item = entry.item
  const alive = ctx.alive
  const onDisk = await sizeOf(item.partPath)
  if (onDisk === null) {
    // The bytes went into a file that is no longer here: its folder went away (an unplugged
    // drive keeps them; reconnecting and Retry verifies them), or the file alone was deleted.
    if (!(await isDirectory(item.destDir))) throw errnoError('ENOENT', item.destDir)
    throw new DownloadFailure(
      'part_missing',
      `The partly downloaded ${item.filename} was deleted from ${item.destDir} before it could be checked. Press Retry to download it again.`,
    )
  }
  item.receivedBytes = offset
  item.bytesPerSecond = 0
  item.etaSeconds = null
  ctx.setState('verifying')
  let verified: VerifyResult
  try {
    // Nothing left to read after the Node transport; the whole file after electron-dl's.
    await check.syncTo(onDisk, signal)
    verified = await check.finish()
  } catch (error) {
    if (!alive()) return
    if (error instanceof VerificationError) {
      // The bytes are not the backup, so they are useless for resuming and would only fill the
      // disk under a hidden name; the message keeps the diagnosis, and Retry starts clean.
      await rm(item.partPath, { force: true })
      entry.etag = null
      item.receivedBytes = 0
      throw new DownloadFailure(error.code, error.message)
    }
    throw error
  }
  if (!alive()) return
  const { finalPath, numbered } = await commitFinal(item.partPath, item.destDir, item.filename)
  if (!alive()) {
    // Cancelled while the name was being claimed: honour the cancel.
    await rm(finalPath, { force: true })
    return
  }
  const notes = [
    numbered
      ? `Saved as "${path.basename(finalPath)}" because "${item.filename}" already exists in ${item.destDir}.`
      : null,
    verified.note,
  ].filter((n): n is string => n !== null)
  item.finalPath = finalPath
  item.sha256 = verified.sha256
  item.note = notes.length > 0 ? notes.join(' ') : null
  item.finishedAt = ctx.now()
  ctx.setState('done')
}

function backoff(retry: RunRetry, failures: number): number {
  return Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (failures - 1))
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve()
      return
    }
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
