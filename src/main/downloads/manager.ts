/**
 * The download manager: a persistent queue of backup-part downloads, at most `concurrency` at a
 * time, each written to a hidden part file, verified, and only then given its final name.
 *
 * Every attempt asks `getLink` for a fresh signed URL (they expire in minutes and cost one API
 * call), so a link that expires mid-download, a dropped connection or an app restart all end the
 * same way: a new link and a `Range` request from the bytes already on disk. The transport moves
 * bytes; one run of a download (./run) owns the rules for a file — retries with back-off, what a
 * failure tells the user, what happens to the partial file; this module owns the queue and the
 * list the downloads panel shows.
 *
 * State on disk (the JSON state file plus the part files) is the truth after a restart: restore()
 * re-reads the list and takes each partial file's size as the resume point.
 */
import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import type { DamagedFile } from '../../lib/saved-state'
import { downloadRequestSchema } from '../../shared/downloads'
import type { DownloadChange, DownloadItem, DownloadRequest, DownloadState } from '../../shared/downloads'
import { AppError } from '../errors'
import { describeFailure, isDirectory, sizeOf } from './failures'
import { partPathFor } from './naming'
import { RateMeter } from './rate'
import { runDownload } from './run'
import { StateFileWriter, readStateFile } from './state-file'
import type { DownloadTransport } from './transport'

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
  /** Told when the saved list was damaged and set aside at restore (default: a console warning). */
  readonly onDamaged?: (damage: DamagedFile) => void
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
    const stored = await readStateFile(this.#options.stateFile, this.#options.onDamaged)
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
        sha256: null,
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
      entry.item.sha256 = null
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
    const alive = (): boolean => entry.run === token
    const runner = runDownload(
      {
        transport: this.#options.transport,
        getLink: () => this.#options.getLink(snapshot(entry)),
        retry: this.#retry,
        watchIntervalMs: this.#watchIntervalMs,
        now: this.#now,
        alive,
        progress: (received, total) => this.#progress(entry, token, received, total),
        setState: (state) => this.#setState(entry, state),
        saveSoon: () => this.#writer.schedule(),
      },
      entry,
      controller.signal,
    )
      .catch((error: unknown) => {
        if (entry.run !== token) return
        const { code, message } = describeFailure(entry.item, error)
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

function snapshot(entry: Entry): DownloadItem {
  return Object.freeze({ ...entry.item, error: entry.item.error === null ? null : { ...entry.item.error } })
}
