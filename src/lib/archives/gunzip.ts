/**
 * The gzip half of every archive check: bytes go in as they arrive, zlib (in Node's thread pool)
 * inflates them, and the inflated bytes go on to whatever reads the content (the tar listing, the
 * SQL sniffing, or nothing but a count). A gzip file can only be trusted once its last byte has
 * been read (the CRC and length sit in the trailer), so the stage runs to the end and turns zlib's
 * terse errors into reasons a person can act on: not gzip at all (with a guess of what it is),
 * cut short, damaged, or unpacking to more than the limit.
 */
import type { FileHandle } from 'node:fs/promises'
import { open } from 'node:fs/promises'
import path from 'node:path'
import type { TransformOptions } from 'node:stream'
import { createGunzip, type Gunzip, type ZlibOptions } from 'node:zlib'
import { formatBytes } from '../format-bytes'
import { drainedOrClosed } from '../streams'
import { adviceFor, describeNonGzip, type ExpectedContent } from './describe'
import { ArchiveError } from './errors'

/** How many first bytes of a file that is not gzip are kept to say what it is instead. */
const SNIFF_BYTES = 512

/** zlib hands out inflated bytes in pieces this large (fewer, larger pieces: less per-piece work). */
const INFLATE_CHUNK = 64 * 1024

/** Compressed bytes zlib may hold before a writer is asked to wait (a few network reads' worth). */
const INPUT_BUFFER = 1024 * 1024

/** Where the inflated bytes go; `write` returns false to make the stage pause until `resume()`. */
export interface InflatedSink {
  write(chunk: Buffer): boolean
}

export interface GunzipStageOptions {
  readonly expected: ExpectedContent
  readonly maxUncompressedBytes?: number | undefined
  readonly sink: InflatedSink
}

/** A view of the caller's bytes as a Buffer, without copying them. */
export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
}

/** The message for a file that is not there; only its base name, since full paths are internals. */
export function notFound(file: string, cause: unknown): ArchiveError {
  return new ArchiveError('not_found', `The file ${path.basename(file)} does not exist.`, {
    cause,
    todo: 'Check the path, or upload or download it again.',
  })
}

/** Opens a file for reading, turning a missing file into `not_found`. */
export async function openArchive(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(file, error)
    throw error
  }
}

/** The refusal for more inflated bytes than `limit`. */
export function tooLarge(limit: number): ArchiveError {
  return new ArchiveError('too_large', `The archive unpacks to more than ${formatBytes(limit)}, the limit here.`, {
    todo: 'Split the content or make a smaller archive, and try again.',
    refusal: 'zip_bomb',
  })
}

/** Turns a zlib failure into a reason a person can act on. */
export function mapZlibError(error: unknown, compressedBytes: number, expected: ExpectedContent): unknown {
  if (error instanceof ArchiveError) return error
  const err = error as NodeJS.ErrnoException
  if (err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message ?? '')) {
    return new ArchiveError(
      'truncated_gzip',
      `The gzip file is cut short: it ends unexpectedly after ${formatBytes(compressedBytes)}, so the download or upload was incomplete.`,
      {
        cause: error,
        todo: `Get the whole file again (compare its size with the original) and retry. ${adviceFor(expected)}`,
        refusal: 'truncated',
      },
    )
  }
  if (err.code === 'Z_DATA_ERROR' || err.code === 'Z_NEED_DICT' || err.code === 'Z_STREAM_ERROR') {
    const detail = err.message ? ` (zlib: ${err.message})` : ''
    return new ArchiveError('not_gzip', `The file starts like gzip but its compressed data is damaged${detail}.`, {
      cause: error,
      todo: `It was probably corrupted in transfer or on disk; make or download it again. ${adviceFor(expected)}`,
      refusal: 'corrupt',
    })
  }
  return error
}

/**
 * Inflates a gzip stream written to it piece by piece, in constant memory. `write` never throws:
 * the first problem is kept in `failure`, later input is ignored, and `end()` settles once the
 * stream has been read to its end (or given up on).
 */
export class GunzipStage {
  compressedBytes = 0
  uncompressedBytes = 0
  /** The first gzip-level problem (or an unexpected error from zlib); once set, input is ignored. */
  failure: unknown = undefined
  private gunzip: Gunzip | null = null
  /** The first bytes while they cannot yet tell whether this is gzip (fewer than two, or not gzip). */
  private pending: Buffer | null = null
  private closed: Promise<void> | null = null
  private ending = false
  private resumes = 0

  constructor(private readonly options: GunzipStageOptions) {}

  /** Feeds compressed bytes; false means zlib holds enough: wait for `drained()`. */
  write(chunk: Uint8Array): boolean {
    if (this.failure !== undefined || this.ending) return true
    this.compressedBytes += chunk.byteLength
    if (this.gunzip !== null) return this.gunzip.write(chunk)
    const bytes = this.pending === null ? asBuffer(chunk) : Buffer.concat([this.pending, chunk])
    this.pending = null
    if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return this.start().write(bytes)
    if (bytes.length >= SNIFF_BYTES) {
      this.fail(this.notGzip(bytes))
      return true
    }
    // Kept across writes, so copied: the caller's buffer is theirs once this returns.
    this.pending = Buffer.from(bytes)
    return true
  }

  /** Resolves when zlib wants more input (at once when it is not full, or after a failure). */
  drained(): Promise<void> {
    const gunzip = this.gunzip
    if (gunzip === null || this.failure !== undefined || !gunzip.writableNeedDrain) return Promise.resolve()
    return drainedOrClosed(gunzip)
  }

  /** The sink can take more inflated bytes again. */
  resume(): void {
    this.resumes += 1
    if (this.failure === undefined) this.gunzip?.resume()
  }

  /** No more input: resolves once the stream has been inflated to its end or has failed. */
  end(): Promise<void> {
    this.ending = true
    if (this.closed !== null) return this.closed
    if (this.gunzip === null) {
      if (this.failure === undefined) {
        this.fail(
          this.compressedBytes === 0
            ? new ArchiveError('empty', 'The file is empty (0 bytes).', {
                todo: 'The upload or download did not complete; try again.',
              })
            : this.notGzip(this.pending ?? Buffer.alloc(0)),
        )
      }
      this.closed = Promise.resolve()
      return this.closed
    }
    const gunzip = this.gunzip
    this.closed = gunzip.closed ? Promise.resolve() : new Promise((resolve) => gunzip.once('close', resolve))
    if (this.failure === undefined) gunzip.end()
    return this.closed
  }

  /** Stops inflating and records `error` as the outcome, unless an earlier problem already is. */
  fail(error: unknown): void {
    if (this.failure === undefined) this.failure = error
    this.pending = null
    this.gunzip?.destroy()
  }

  private start(): Gunzip {
    const zlibOptions: ZlibOptions & TransformOptions = {
      chunkSize: INFLATE_CHUNK,
      writableHighWaterMark: INPUT_BUFFER,
    }
    const gunzip = createGunzip(zlibOptions)
    const limit = this.options.maxUncompressedBytes
    gunzip.on('data', (chunk: Buffer) => {
      if (this.failure !== undefined) return
      this.uncompressedBytes += chunk.length
      if (limit !== undefined && this.uncompressedBytes > limit) this.fail(tooLarge(limit))
      else {
        // The sink may already have asked to resume while it took the chunk; then no pause.
        const resumes = this.resumes
        if (!this.options.sink.write(chunk) && resumes === this.resumes) gunzip.pause()
      }
    })
    gunzip.on('error', (error) => this.fail(mapZlibError(error, this.compressedBytes, this.options.expected)))
    this.gunzip = gunzip
    return gunzip
  }

  private notGzip(head: Buffer): ArchiveError {
    return new ArchiveError(
      'not_gzip',
      `The file is not gzip-compressed (${describeNonGzip(head, this.options.expected)}`,
    )
  }
}
