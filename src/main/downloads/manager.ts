/**
 * The download manager: a persistent queue of backup-part downloads, at most `concurrency` at a
 * time, each written to a hidden part file, verified, and only then given its final name.
 *
 * Every attempt asks `getLink` for a fresh signed URL (they expire in minutes and cost one API
 * call), so a link that expires mid-download, a dropped connection or an app restart all end the
 * same way: a new link and a `Range` request from the bytes already on disk. The transport moves
 * bytes; this module owns the rules — retries with back-off, what a failure tells the user, what
 * happens to the partial file — and the list the downloads panel shows.
 *
 * State on disk (the JSON state file plus the part files) is the truth after a restart: restore()
 * re-reads the list and takes each partial file's size as the resume point.
 */
import { randomUUID } from 'node:crypto'
import { rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { formatBytes } from '../../lib/format-bytes'
import { downloadRequestSchema } from '../../shared/downloads'
import type { DownloadChange, DownloadItem, DownloadRequest, DownloadState } from '../../shared/downloads'
import { AppError } from '../errors'
import { ensureFolder } from './folders'
import { commitFinal, partPathFor } from './naming'
import { RateMeter } from './rate'
import { StateFileWriter, readStateFile } from './state-file'
import { TransferError } from './transport'
import type { DownloadTransport } from './transport'
import { VerificationError, verifyDownload } from './verify'

/** Retry rules; the defaults suit a person waiting at the screen. */
export interface RetryOptions {
  /** Network/server failures in a row (without new bytes) before giving up (default 5). */
  readonly maxAttempts?: number
  /** First back-off; doubles each time (default 1000 ms). */
  readonly baseDelayMs?: number
  /** Back-off ceiling (default 30 s). */
  readonly maxDelayMs?: number
  /** Refused links (401/403) in a row, each followed by a fresh link, before giving up (default 3). */
  readonly maxLinkRefreshes?: number
}

/** Options for {@link DownloadManager}. */
export interface DownloadManagerOptions {
  /** JSON file holding the download list (created on first change). */
  readonly stateFile: string
  readonly transport: DownloadTransport
  /** Fetches a FRESH signed URL for the request (the catalog's s3token call). */
  readonly getLink: (request: DownloadRequest) => Promise<string>
  /** Downloads running at once (default 2). */
  readonly concurrency?: number
  /** Clock in epoch milliseconds (tests). */
  readonly now?: () => number
  /** Called for every change, like a {@link DownloadManager.subscribe} listener. */
  readonly onChange?: (change: DownloadChange) => void
  readonly retry?: RetryOptions
  /** Least time between two progress events of one download (default 250 ms; state changes are never held back). */
  readonly progressIntervalMs?: number
  /** How often a running download checks that its part file and folder still exist (default 2 s). */
  readonly watchIntervalMs?: number
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
type StopReason = 'pause' | 'cancel' | 'remove' | 'shutdown'

interface Entry {
  item: Mutable<DownloadItem>
  etag: string | null
  /** Identifies the live runner; a runner whose token is no longer here must not touch the item. */
  run: symbol | null
  controller: AbortController | null
  running: Promise<void> | null
  lastEmit: number
  meter: RateMeter
}

const activeStates: ReadonlySet<DownloadState> = new Set(['queued', 'downloading', 'paused', 'verifying'])

/** Runs, persists and reports backup-part downloads. */
export class DownloadManager {
  readonly #options: DownloadManagerOptions
  readonly #entries = new Map<string, Entry>()
  readonly #listeners = new Set<(change: DownloadChange) => void>()
  readonly #writer: StateFileWriter
  readonly #now: () => number
  readonly #concurrency: number
  readonly #retry: Required<RetryOptions>
  readonly #progressIntervalMs: number
  readonly #watchIntervalMs: number
  #closed = false

  constructor(options: DownloadManagerOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
    this.#concurrency = Math.max(1, options.concurrency ?? 2)
    this.#retry = {
      maxAttempts: options.retry?.maxAttempts ?? 5,
      baseDelayMs: options.retry?.baseDelayMs ?? 1000,
      maxDelayMs: options.retry?.maxDelayMs ?? 30_000,
      maxLinkRefreshes: options.retry?.maxLinkRefreshes ?? 3,
    }
    this.#progressIntervalMs = options.progressIntervalMs ?? 250
    this.#watchIntervalMs = options.watchIntervalMs ?? 2000
    this.#writer = new StateFileWriter(options.stateFile, () =>
      [...this.#entries.values()].map((entry) => ({ item: { ...entry.item }, etag: entry.etag })),
    )
  }

  /**
   * Loads the saved list (call once at start-up, before enqueueing). Downloads that were running
   * or queued go back in the queue and continue from their part file's size.
   */
  async restore(): Promise<readonly DownloadItem[]> {
    this.#assertOpen()
    const stored = await readStateFile(this.#options.stateFile)
    for (const { item, etag } of stored) {
      if (this.#entries.has(item.id)) continue
      const entry: Entry = {
        item: { ...item },
        etag,
        run: null,
        controller: null,
        running: null,
        lastEmit: 0,
        meter: new RateMeter(),
      }
      if (item.state !== 'done' && item.state !== 'cancelled') {
        const onDisk = await sizeOf(item.partPath).catch(() => null)
        // A part file whose whole folder is gone (an unplugged drive) keeps its byte count, so the
        // download fails with "folder missing" instead of silently starting over in a new folder.
        const folderGone = onDisk === null && item.receivedBytes > 0 && !(await isDirectory(item.destDir))
        entry.item.receivedBytes = folderGone ? item.receivedBytes : (onDisk ?? 0)
        entry.item.bytesPerSecond = 0
        entry.item.etaSeconds = null
        if (item.state === 'downloading' || item.state === 'verifying') entry.item.state = 'queued'
      }
      this.#entries.set(item.id, entry)
      this.#emit(entry)
    }
    this.#writer.schedule()
    this.#pump()
    return this.list()
  }

  /** Adds a download to the queue; an identical one still queued or running is returned instead. */
  enqueue(request: DownloadRequest): DownloadItem {
    this.#assertOpen()
    const parsed = downloadRequestSchema.safeParse(request)
    if (!parsed.success) {
      throw new AppError(
        'invalid_download',
        `This download cannot be started: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
      )
    }
    if (!path.isAbsolute(request.destDir)) {
      throw new AppError(
        'invalid_download',
        `The download folder must be a full path, not "${request.destDir}". Choose the folder again.`,
      )
    }
    const req = parsed.data
    for (const entry of this.#entries.values()) {
      const it = entry.item
      if (
        activeStates.has(it.state) &&
        it.connectionId === req.connectionId &&
        it.siteId === req.siteId &&
        it.env === req.env &&
        it.folder === req.folder &&
        it.element === req.element &&
        it.filename === req.filename &&
        path.resolve(it.destDir) === path.resolve(req.destDir)
      ) {
        return snapshot(entry)
      }
    }
    const id = randomUUID()
    const destDir = path.resolve(req.destDir)
    const entry: Entry = {
      item: {
        ...req,
        destDir,
        id,
        state: 'queued',
        receivedBytes: 0,
        totalBytes: req.expectedSize,
        bytesPerSecond: 0,
        etaSeconds: null,
        partPath: partPathFor(destDir, id),
        finalPath: null,
        error: null,
        note: null,
        createdAt: this.#now(),
        finishedAt: null,
        revision: 0,
      },
      etag: null,
      run: null,
      controller: null,
      running: null,
      lastEmit: 0,
      meter: new RateMeter(),
    }
    this.#entries.set(id, entry)
    this.#changed(entry)
    this.#pump()
    return snapshot(entry)
  }

  /** Queues several parts at once (e.g. all parts of a backup), in order. */
  enqueueMany(requests: readonly DownloadRequest[]): DownloadItem[] {
    return requests.map((request) => this.enqueue(request))
  }

  /** Pauses a queued or running download; its bytes stay on disk for resume(). */
  pause(id: string): DownloadItem {
    const entry = this.#get(id)
    const { state } = entry.item
    if (state === 'queued' || state === 'downloading') {
      this.#stop(entry, 'pause')
      this.#setState(entry, 'paused')
    }
    return snapshot(entry)
  }

  /** Puts a paused download back in the queue; it continues from the bytes on disk. */
  resume(id: string): DownloadItem {
    const entry = this.#get(id)
    if (entry.item.state === 'paused') {
      this.#setState(entry, 'queued')
      this.#pump()
    }
    return snapshot(entry)
  }

  /** Stops a download for good and deletes its partial file. Finished downloads are left alone. */
  async cancel(id: string): Promise<DownloadItem> {
    const entry = this.#get(id)
    if (entry.item.state === 'done' || entry.item.state === 'cancelled') return snapshot(entry)
    this.#stop(entry, 'cancel')
    entry.item.finishedAt = this.#now()
    this.#setState(entry, 'cancelled')
    await this.#discardPart(entry)
    return snapshot(entry)
  }

  /** Starts a failed or cancelled download again (from the bytes kept on disk, if any). */
  retry(id: string): DownloadItem {
    const entry = this.#get(id)
    if (entry.item.state === 'failed' || entry.item.state === 'cancelled') {
      entry.item.error = null
      entry.item.note = null
      entry.item.finishedAt = null
      this.#setState(entry, 'queued')
      this.#pump()
    }
    return snapshot(entry)
  }

  /** Drops a download from the list; an unfinished one is cancelled first (a finished file is kept). */
  async remove(id: string): Promise<void> {
    const entry = this.#get(id)
    if (entry.item.state !== 'done') {
      this.#stop(entry, 'remove')
      await this.#discardPart(entry)
    }
    this.#entries.delete(id)
    this.#writer.schedule()
    const change: DownloadChange = { type: 'removed', id, item: snapshot(entry) }
    this.#notify(change)
  }

  /** Every download, oldest first. */
  list(): DownloadItem[] {
    return [...this.#entries.values()].map(snapshot)
  }

  /** One download, or undefined. */
  get(id: string): DownloadItem | undefined {
    const entry = this.#entries.get(id)
    return entry ? snapshot(entry) : undefined
  }

  /** Listens to every change (state changes at once, progress at most ~4 times a second per download). */
  subscribe(listener: (change: DownloadChange) => void): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  /**
   * Stops every transfer without changing its state, saves the list and releases the transport;
   * running downloads continue after the next restore().
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const running: Promise<void>[] = []
    for (const entry of this.#entries.values()) {
      const runner = entry.running
      // Verification cannot be interrupted and may take seconds on a big file; it is simply
      // done again after restore(), so quitting does not wait for it (the rename is skipped).
      const verifying = entry.item.state === 'verifying'
      this.#stop(entry, 'shutdown')
      if (runner && !verifying) running.push(runner)
    }
    await Promise.allSettled(running)
    await this.#options.transport.dispose?.()
    this.#writer.schedule()
    await this.#writer.flush()
  }

  // ── the queue ────────────────────────────────────────────────────────────────

  #pump(): void {
    if (this.#closed) return
    let active = 0
    for (const entry of this.#entries.values()) if (entry.running !== null) active += 1
    for (const entry of this.#entries.values()) {
      if (active >= this.#concurrency) break
      if (entry.item.state === 'queued' && entry.running === null) {
        this.#start(entry)
        active += 1
      }
    }
  }

  #start(entry: Entry): void {
    const token = Symbol(entry.item.id)
    const controller = new AbortController()
    entry.run = token
    entry.controller = controller
    entry.item.error = null
    entry.item.bytesPerSecond = 0
    entry.item.etaSeconds = null
    this.#setState(entry, 'downloading')
    const runner = this.#run(entry, token, controller.signal)
      .catch((error: unknown) => {
        if (entry.run !== token) return
        const { code, message } = this.#describeUnexpected(entry, error)
        this.#fail(entry, code, message)
      })
      .finally(async () => {
        entry.running = null
        if (entry.run === token) {
          entry.run = null
          entry.controller = null
        } else if (entry.item.state === 'paused') {
          // Progress counts bytes handed to the disk; what resume will use is what landed there.
          const onDisk = await sizeOf(entry.item.partPath).catch(() => null)
          if (onDisk !== null && entry.item.state === 'paused' && entry.item.receivedBytes !== onDisk) {
            entry.item.receivedBytes = onDisk
            this.#emit(entry)
          }
        }
        this.#pump()
      })
    entry.running = runner
  }

  #stop(entry: Entry, reason: StopReason): void {
    entry.run = null
    entry.controller?.abort(reason)
    entry.controller = null
  }

  /** One download from start (or resume) to its final name. */
  async #run(entry: Entry, token: symbol, signal: AbortSignal): Promise<void> {
    const item = entry.item
    const alive = (): boolean => entry.run === token
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
    entry.meter.reset(offset, this.#now())

    let failures = 0
    let linkRefreshes = 0
    while (offset < item.expectedSize) {
      if (!alive()) return
      let url: string
      try {
        url = await this.#options.getLink(snapshot(entry))
      } catch (error) {
        if (!alive()) return
        failures += 1
        // A 4xx answer (the backup expired, access was withdrawn) will not change by waiting.
        if (failures > this.#retry.maxAttempts || isPermanentApiError(error)) {
          throw new DownloadFailure(
            'link_failed',
            `Restore Desk could not get a download link from the platform: ${messageOf(error)} Check the connection and press Retry; the ${formatBytes(offset)} already downloaded are kept.`,
          )
        }
        await sleep(this.#backoff(failures), signal)
        continue
      }
      if (!alive()) return

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
      }, this.#watchIntervalMs)
      const before = offset
      try {
        const result = await this.#options.transport.transfer({
          url,
          partPath: item.partPath,
          offset,
          etag: entry.etag,
          signal: attempt.signal,
          onStart: (info) => {
            if (!alive()) return
            entry.etag = info.etag
            entry.meter.reset(info.offset, this.#now())
            this.#writer.schedule()
          },
          onProgress: (received, total) => this.#progress(entry, token, received, total),
        })
        entry.etag = result.etag
        offset = result.receivedBytes
        break
      } catch (error) {
        if (!alive()) return
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
          if (linkRefreshes > this.#retry.maxLinkRefreshes) {
            throw new DownloadFailure(
              'link_rejected',
              `The platform kept refusing the download link (HTTP ${failure.status ?? 403}), even a fresh one. Check that the connection still has access to ${item.siteName} and press Retry; the ${formatBytes(offset)} already downloaded are kept.`,
            )
          }
          continue // a fresh link right away
        }
        // network, server, or an abort we did not ask for
        failures += 1
        if (failures > this.#retry.maxAttempts) {
          throw new DownloadFailure(
            'network',
            `The download kept failing (${failure.message}). Check your network and press Retry; the ${formatBytes(offset)} already downloaded are kept.`,
          )
        }
        await sleep(this.#backoff(failures), signal)
      } finally {
        clearInterval(watch)
        signal.removeEventListener('abort', onAbort)
      }
    }
    if (!alive()) return

    if ((await sizeOf(item.partPath)) === null) {
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
    this.#setState(entry, 'verifying')
    let note: string | null
    try {
      note = (await verifyDownload(item.partPath, item.expectedSize, item.filename)).note
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
      note,
    ].filter((n): n is string => n !== null)
    item.finalPath = finalPath
    item.note = notes.length > 0 ? notes.join(' ') : null
    item.finishedAt = this.#now()
    this.#setState(entry, 'done')
  }

  #backoff(failures: number): number {
    return Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (failures - 1))
  }

  #describeUnexpected(entry: Entry, error: unknown): { code: string; message: string } {
    if (error instanceof DownloadFailure) return { code: error.code, message: error.message }
    const item = entry.item
    const code = (error as NodeJS.ErrnoException | null)?.code
    const kept = formatBytes(item.receivedBytes)
    switch (code) {
      case 'ENOSPC':
      case 'EDQUOT':
      case 'EFBIG':
        return {
          code: 'disk_full',
          message: `The disk is full: free at least ${formatBytes(Math.max(0, item.expectedSize - item.receivedBytes))} on the drive that holds ${item.destDir} and press Retry; the ${kept} already downloaded are kept.`,
        }
      case 'ENOENT':
      case 'ENOTDIR':
        return {
          code: 'folder_missing',
          message: `The folder ${item.destDir} is gone (deleted, renamed, or on a drive that was disconnected). Put it back or reconnect the drive and press Retry to continue from the ${kept} already downloaded, or remove this download and choose another folder.`,
        }
      case 'EACCES':
      case 'EPERM':
      case 'EROFS':
        return {
          code: 'folder_not_writable',
          message: `Restore Desk is not allowed to write to ${item.destDir} (${code}). Fix the folder's permissions and press Retry, or remove this download and choose another folder.`,
        }
      default:
        if (code !== undefined) {
          return {
            code: 'disk_error',
            message: `Writing to ${item.destDir} failed (${code}: ${messageOf(error)}). Check the drive and press Retry; the ${kept} already downloaded are kept.`,
          }
        }
        return { code: 'internal', message: `The download stopped unexpectedly: ${messageOf(error)} Press Retry.` }
    }
  }

  // ── state and events ─────────────────────────────────────────────────────────

  #progress(entry: Entry, token: symbol, received: number, total: number): void {
    if (entry.run !== token) return
    const now = this.#now()
    const item = entry.item
    item.receivedBytes = received
    if (total > 0) item.totalBytes = total
    entry.meter.sample(received, now)
    item.bytesPerSecond = entry.meter.bytesPerSecond
    item.etaSeconds =
      item.bytesPerSecond > 0 ? Math.max(0, Math.ceil((item.totalBytes - received) / item.bytesPerSecond)) : null
    if (now - entry.lastEmit >= this.#progressIntervalMs) this.#emit(entry)
  }

  #fail(entry: Entry, code: string, message: string): void {
    entry.item.error = { code, message }
    entry.item.finishedAt = this.#now()
    this.#setState(entry, 'failed')
  }

  #setState(entry: Entry, state: DownloadState): void {
    entry.item.state = state
    if (state !== 'downloading') {
      entry.item.bytesPerSecond = 0
      entry.item.etaSeconds = null
    }
    this.#changed(entry)
  }

  #changed(entry: Entry): void {
    this.#writer.schedule()
    this.#emit(entry)
  }

  #emit(entry: Entry): void {
    entry.lastEmit = this.#now()
    entry.item.revision += 1
    this.#notify({ type: 'updated', id: entry.item.id, item: snapshot(entry) })
  }

  #notify(change: DownloadChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change)
      } catch {
        // A broken listener must not stop downloads or the other listeners.
      }
    }
    try {
      this.#options.onChange?.(change)
    } catch {
      // Same as above.
    }
  }

  async #discardPart(entry: Entry): Promise<void> {
    const runner = entry.running
    if (runner) await runner
    entry.etag = null
    entry.item.receivedBytes = 0
    await rm(entry.item.partPath, { force: true })
    this.#writer.schedule()
  }

  #get(id: string): Entry {
    this.#assertOpen()
    const entry = this.#entries.get(id)
    if (!entry)
      throw new AppError('download_not_found', 'That download is no longer in the list. Refresh the downloads panel.')
    return entry
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new AppError('downloads_closed', 'The download manager has shut down; restart Restore Desk.')
  }
}

/** A failure already worded for the user. */
class DownloadFailure extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.name = 'DownloadFailure'
    this.code = code
  }
}

function snapshot(entry: Entry): DownloadItem {
  return Object.freeze({ ...entry.item, error: entry.item.error === null ? null : { ...entry.item.error } })
}

/** Link failures that no retry can mend: the connection or its token is gone. */
const PERMANENT_APP_ERRORS = new Set(['not_found', 'token_missing', 'keychain_unavailable'])

function isPermanentApiError(error: unknown): boolean {
  if (error instanceof AppError && PERMANENT_APP_ERRORS.has(error.code)) return true
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429
}

function errnoError(code: string, target: string, cause?: unknown): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${target}`, cause === undefined ? undefined : { cause }), { code })
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return /[.!?]$/.test(text) ? text : `${text}.`
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
      return null
    throw error
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory()
  } catch {
    return false
  }
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
