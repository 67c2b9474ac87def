/**
 * Checking an archive as its bytes arrive: a download (or a file being read) is written to the
 * check piece by piece and judged in the same pass, so nothing is read twice. A `.gz` is inflated
 * to its end (its trailer carries the CRC and length); a `.tar.gz` also has its whole listing read
 * by node-tar and every entry checked by the project's rules. The file-based checks
 * (`inspectTarGz`, `checkGzipWhole`) are this same check fed from a file.
 */
import type { ExpectedContent } from './describe'
import type { EntryKind, TarSummary } from './entries'
import { asBuffer, GunzipStage, openArchive, type InflatedSink } from './gunzip'
import { TarStage, type EntryConsumer } from './tar-listing'

/** What the bytes should be: a gzipped tar, any gzip stream, or anything (only counted). */
export type ArchiveKind = 'tar.gz' | 'gz' | 'none'

export interface ArchiveCheckOptions {
  readonly kind: ArchiveKind
  /** Refuse (`too_large`) once the inflated bytes pass this; inflating stops there. */
  readonly maxUncompressedBytes?: number | undefined
  /** Refuse (`too_large`) a tar listing with more files and folders (default 1,000,000). */
  readonly maxEntries?: number | undefined
}

/** What a passed check found. */
export interface ArchiveCheckSummary {
  readonly kind: ArchiveKind
  /** Bytes written to the check (the file's size). */
  readonly bytes: number
  /** Bytes after inflating (equal to `bytes` for kind 'none'). */
  readonly uncompressedBytes: number
  /** The tar listing's counts, for kind 'tar.gz'; null otherwise. */
  readonly tar: TarSummary | null
}

/**
 * A check being fed. Use it like a Writable: `write` each piece in order, wait for `drained()`
 * when `write` returned false, then `finish()`.
 */
export interface ArchiveCheck {
  /**
   * Feeds the next bytes. Returns false when enough is buffered: await `drained()` before the
   * next write (memory stays constant either way only if you do). Never throws; the bytes are
   * not copied, so do not change the buffer afterwards.
   */
  write(chunk: Uint8Array): boolean
  /** Resolves when the check can take more bytes (at once if it is not full). */
  drained(): Promise<void>
  /**
   * True once the outcome can no longer change (a refusal more bytes cannot undo, such as
   * `not_gzip` or `too_large`); further bytes are ignored and a caller may stop reading.
   */
  readonly settled: boolean
  /**
   * Ends the input. Resolves with the summary, or rejects with the first problem as an
   * `ArchiveError`: `empty`, `not_gzip` (with a guess of what the file is, or damaged data,
   * including garbage after the gzip stream), `truncated_gzip`, `too_large`, and for 'tar.gz'
   * `bad_tar` (not a tar, a damaged or cut-short listing, unsupported entry types, a file and a
   * folder of one name), `unsafe_entry` (absolute, `..`, links, devices, FIFOs; `entry` names
   * it) or `empty` (no files or folders). A problem in the tar listing is only reported once
   * the gzip stream has been read whole, so such a rejection also proves the gzip intact; a
   * broken gzip stream wins over it. Calling it again gives the same answer.
   */
  finish(): Promise<ArchiveCheckSummary>
  /** Gives up early and frees zlib; a later `finish()` rejects with what was found, if anything. */
  abort(): void
}

/** What reads the inflated bytes: the tar listing, the SQL sniffing; `end` gives its result. */
export interface ContentStage<T> extends InflatedSink {
  readonly failure: unknown
  fail(error: unknown): void
  end(): Promise<T | undefined>
}

/** A check of a gzip stream and of what it holds, once the whole stream is read. */
export class GzipCheck<T, S extends ContentStage<T> = ContentStage<T>> implements ArchiveCheck {
  private readonly gunzip: GunzipStage
  private aborted = false
  private finishing: Promise<{ bytes: number; uncompressedBytes: number; content: T | undefined }> | null = null

  constructor(
    private readonly kind: 'tar.gz' | 'gz',
    expected: ExpectedContent,
    maxUncompressedBytes: number | undefined,
    /** Null for a plain gzip: the inflated bytes are only counted. */
    readonly content: S | null,
  ) {
    this.gunzip = new GunzipStage({ expected, maxUncompressedBytes, sink: content ?? { write: () => true } })
  }

  /** The sink could not take more and now can again (for content stages that pause). */
  resume(): void {
    this.gunzip.resume()
  }

  write(chunk: Uint8Array): boolean {
    return this.gunzip.write(chunk)
  }

  drained(): Promise<void> {
    return this.gunzip.drained()
  }

  get settled(): boolean {
    return this.gunzip.failure !== undefined
  }

  /** Like `finish()`, but gives the content stage's own result; a second call gets the same answer. */
  finishContent(): Promise<{ bytes: number; uncompressedBytes: number; content: T | undefined }> {
    this.finishing ??= this.settle()
    return this.finishing
  }

  private async settle(): Promise<{ bytes: number; uncompressedBytes: number; content: T | undefined }> {
    await this.gunzip.end()
    if (this.gunzip.failure !== undefined) {
      const found = this.aborted ? this.content?.failure : undefined
      this.content?.fail(this.gunzip.failure)
      throw found ?? this.gunzip.failure
    }
    const content = this.content ? await this.content.end() : undefined
    if (this.content?.failure !== undefined) throw this.content.failure
    return { bytes: this.gunzip.compressedBytes, uncompressedBytes: this.gunzip.uncompressedBytes, content }
  }

  async finish(): Promise<ArchiveCheckSummary> {
    const { bytes, uncompressedBytes, content } = await this.finishContent()
    const tar = this.kind === 'tar.gz' ? ((content as TarSummary | undefined) ?? null) : null
    return { kind: this.kind, bytes, uncompressedBytes, tar }
  }

  abort(): void {
    if (this.gunzip.failure !== undefined) return
    this.aborted = true
    this.gunzip.fail(new Error('The archive check was stopped before the whole file was read.'))
  }
}

class PlainCheck implements ArchiveCheck {
  readonly settled = false
  private bytes = 0
  write(chunk: Uint8Array): boolean {
    this.bytes += chunk.byteLength
    return true
  }
  drained(): Promise<void> {
    return Promise.resolve()
  }
  finish(): Promise<ArchiveCheckSummary> {
    return Promise.resolve({ kind: 'none', bytes: this.bytes, uncompressedBytes: this.bytes, tar: null })
  }
  abort(): void {}
}

/** What a tar check may be given beside its limits. */
export interface TarCheckExtras {
  /** Accepted entries and their bodies flow to it (extraction). */
  readonly consume?: EntryConsumer
  /** Sees each accepted file and folder. */
  readonly onEntry?: (path: string, kind: EntryKind, size: number) => void
}

/**
 * A check that hands a file's bytes as they are to a content stage (a plain .sql to the dump
 * reader), for a stage that never asks to wait.
 */
export class PlainContentCheck<T> implements ArchiveCheck {
  private bytes = 0

  constructor(readonly content: ContentStage<T>) {}

  get settled(): boolean {
    return this.content.failure !== undefined
  }

  write(chunk: Uint8Array): boolean {
    this.bytes += chunk.byteLength
    this.content.write(asBuffer(chunk))
    return true
  }

  drained(): Promise<void> {
    return Promise.resolve()
  }

  /** The stage's result; rejects with its first problem. */
  async finishContent(): Promise<{ bytes: number; uncompressedBytes: number; content: T | undefined }> {
    const content = this.content.failure === undefined ? await this.content.end() : undefined
    if (this.content.failure !== undefined) throw this.content.failure
    return { bytes: this.bytes, uncompressedBytes: this.bytes, content }
  }

  async finish(): Promise<ArchiveCheckSummary> {
    await this.finishContent()
    return { kind: 'none', bytes: this.bytes, uncompressedBytes: this.bytes, tar: null }
  }

  abort(): void {
    this.content.fail(new Error('The check was stopped before the whole file was read.'))
  }
}

/** A tar.gz check; with `consume`, accepted entries and their bodies flow to it (extraction). */
export function createTarGzCheck(
  options: Omit<ArchiveCheckOptions, 'kind'> & TarCheckExtras,
): GzipCheck<TarSummary, TarStage> {
  let check: GzipCheck<TarSummary, TarStage> | null = null
  const stage = new TarStage({
    maxEntries: options.maxEntries,
    consume: options.consume,
    onEntry: options.onEntry,
    onDrain: () => check?.resume(),
  })
  check = new GzipCheck('tar.gz', 'tar', options.maxUncompressedBytes, stage)
  return check
}

/**
 * A check of a plain (uncompressed) tar: the same listing and entry rules as a tar.gz, fed the
 * file's bytes directly. `uncompressedBytes` is the file's size.
 */
export class PlainTarCheck implements ArchiveCheck {
  private bytes = 0
  private waiting: (() => void) | null = null
  readonly content: TarStage
  private finishing: Promise<{ bytes: number; uncompressedBytes: number; content: TarSummary | undefined }> | null =
    null

  constructor(options: Pick<ArchiveCheckOptions, 'maxEntries'> & TarCheckExtras) {
    this.content = new TarStage({
      maxEntries: options.maxEntries,
      consume: options.consume,
      onEntry: options.onEntry,
      gzipped: false,
      onDrain: () => this.wake(),
    })
    void this.content.whenFailed().then(() => this.wake())
  }

  get settled(): boolean {
    return this.content.failure !== undefined
  }

  write(chunk: Uint8Array): boolean {
    if (this.finishing !== null) return true
    this.bytes += chunk.byteLength
    return this.content.write(asBuffer(chunk))
  }

  drained(): Promise<void> {
    if (this.content.failure !== undefined) return Promise.resolve()
    return new Promise((resolve) => (this.waiting = resolve))
  }

  /** Like `finish()`, with the listing; a second call gets the same answer. */
  finishContent(): Promise<{ bytes: number; uncompressedBytes: number; content: TarSummary | undefined }> {
    this.finishing ??= (async () => {
      const content = await this.content.end()
      if (this.content.failure !== undefined) throw this.content.failure
      return { bytes: this.bytes, uncompressedBytes: this.bytes, content }
    })()
    return this.finishing
  }

  async finish(): Promise<ArchiveCheckSummary> {
    const { bytes, content } = await this.finishContent()
    return { kind: 'none', bytes, uncompressedBytes: bytes, tar: content ?? null }
  }

  abort(): void {
    this.content.fail(new Error('The archive check was stopped before the whole file was read.'))
  }

  private wake(): void {
    const waiting = this.waiting
    this.waiting = null
    waiting?.()
  }
}

/**
 * Starts checking an archive whose bytes will be written to it as they arrive (a download, say),
 * in constant memory: kind 'tar.gz' reads the tar listing and checks each entry, 'gz' inflates
 * the stream to its end, 'none' only counts. See {@link ArchiveCheck} for what it returns and
 * throws.
 */
export function createArchiveCheck(options: ArchiveCheckOptions): ArchiveCheck {
  switch (options.kind) {
    case 'tar.gz':
      return createTarGzCheck(options)
    case 'gz':
      return new GzipCheck<never>('gz', 'any', options.maxUncompressedBytes, null)
    case 'none':
      return new PlainCheck()
    default:
      throw new TypeError(`Unknown archive kind "${String(options.kind)}": use 'tar.gz', 'gz' or 'none'.`)
  }
}

/** How a file is fed to a check: progress as it is read, and a way to stop. */
export interface FeedOptions {
  /** Bytes of the file read so far, and its size, after each piece. */
  readonly onProgress?: ((bytesRead: number, total: number) => void) | undefined
  /** Stops reading; the check then rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined
}

/**
 * Feeds a whole file to a check and finishes it: constant memory, one read, and reading stops
 * as soon as the outcome is settled. A missing file is `not_found`.
 */
export async function checkFile<R>(
  file: string,
  check: ArchiveCheck,
  finish: () => Promise<R>,
  options: FeedOptions = {},
): Promise<R> {
  const { onProgress, signal } = options
  signal?.throwIfAborted()
  const handle = await openArchive(file)
  try {
    const total = onProgress ? (await handle.stat()).size : 0
    let read = 0
    for await (const chunk of handle.createReadStream({ autoClose: false, highWaterMark: 256 * 1024 })) {
      signal?.throwIfAborted()
      read += (chunk as Buffer).length
      if (!check.write(chunk as Buffer)) await check.drained()
      onProgress?.(read, total)
      if (check.settled) break
    }
    signal?.throwIfAborted()
    return await finish()
  } catch (error) {
    check.abort()
    throw error
  } finally {
    await handle.close()
  }
}
