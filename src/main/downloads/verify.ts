/**
 * The checks a downloaded backup part must pass before it gets its final name, made in the same
 * pass as the transfer: every byte the transport writes to the part file is also fed to a
 * {@link DownloadCheck}, which hashes it (SHA-256, shown in the downloads list), counts it
 * against the catalog's size, decompresses a `.gz` to its end (the gzip trailer carries the CRC
 * and length, so nothing less proves the file whole) and, for a `.tar.gz`, reads the tar listing
 * with the project's entry checks. The archive checks are the platform's own (src/lib/archives),
 * so the app and the platform judge archives the same way; only the wording is re-done here,
 * since their advice is written for someone uploading an archive, not downloading one.
 *
 * Resuming. A hash or a decompressor cannot be saved to disk halfway, so a check lives as long as
 * one run of a download (across its retries and fresh links, which continue where it stopped).
 * A run that starts on a part file already holding bytes (after a pause, a failure or a restart)
 * first reads that prefix once through the check, then the transfer appends to it: only the
 * resumed prefix is read back, never the whole file.
 *
 * Electron. electron-dl has Chromium write a fresh download itself, so those bytes never pass
 * through this process; for them the check reads the finished part file once (the manager's
 * final {@link DownloadCheck.syncTo}), the one case with a second read. Resumes in Electron go
 * through the Node transport and are single-pass like browser mode.
 */
import { createHash } from 'node:crypto'
import type { Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { ArchiveError } from '../../lib/archives'
import { formatBytes } from '../../lib/format-bytes'
import type { TransferObserver } from './transport'
import { archiveCheckFor } from './archive-check'
import type { ArchiveCheck } from './archive-check'

/** A downloaded file that is not the backup it should be. */
export class VerificationError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'VerificationError'
    this.code = code
  }
}

/** What a passed verification found. */
export interface VerifyResult {
  /** The file's SHA-256, 64 lowercase hex digits. */
  readonly sha256: string
  /** Something worth telling the user about a file that passed, or null. */
  readonly note: string | null
}

/** Checks one part file's bytes as they are written; see the module header. */
export interface DownloadCheck extends TransferObserver {
  /** Bytes of the part file seen so far. */
  readonly position: number
  /**
   * Bytes this check read back from the part file itself rather than being handed them as they
   * were written: a resumed prefix, or the whole file after electron-dl. 0 for a download the Node
   * transport made in one go.
   */
  readonly readBackBytes: number
  /**
   * Judges everything seen: throws {@link VerificationError} when the bytes are not the backup.
   * Call it once, after {@link syncTo} with the part file's final size.
   */
  finish(): Promise<VerifyResult>
  /** Releases the decompressor; the check cannot be used afterwards. */
  destroy(): void
}

const retryAdvice = 'The bad copy was deleted; press Retry to download it again.'
const readBufferBytes = 1024 * 1024

/** A check for the part file of `filename`, which the catalog says is `expectedSize` bytes. */
export function createDownloadCheck(partPath: string, expectedSize: number, filename: string): DownloadCheck {
  let hash: Hash = createHash('sha256')
  let archive: ArchiveCheck = archiveCheckFor(filename)
  let position = 0
  let readBackBytes = 0
  let finished = false

  function restart(): void {
    archive.destroy()
    hash = createHash('sha256')
    archive = archiveCheckFor(filename)
    position = 0
  }

  function write(chunk: Buffer): boolean {
    position += chunk.length
    hash.update(chunk)
    return archive.write(chunk)
  }

  async function syncTo(offset: number, signal?: AbortSignal): Promise<void> {
    if (finished) throw new Error('This download check has already finished.')
    if (offset === position) return
    // Bytes before our position were rewritten (the transfer started over): see them again.
    if (offset < position) restart()
    if (offset === 0) return
    const from = position
    const source = createReadStream(partPath, { start: from, end: offset - 1, highWaterMark: readBufferBytes })
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        signal?.throwIfAborted()
        readBackBytes += chunk.length
        if (!write(chunk)) await archive.drained()
      }
    } finally {
      source.destroy()
    }
    if (position !== offset) {
      const error = new Error(
        `The partly downloaded ${filename} changed while it was being read (${position} of ${offset} bytes). Press Retry.`,
      )
      throw Object.assign(error, { code: 'EIO' })
    }
  }

  async function finish(): Promise<VerifyResult> {
    if (finished) throw new Error('This download check has already finished.')
    finished = true
    const sha256 = hash.digest('hex')
    let archiveError: unknown = null
    let note: string | null = null
    try {
      note = (await archive.finish()).note
    } catch (error) {
      archiveError = error
    }
    if (position !== expectedSize) {
      throw new VerificationError(
        'size_mismatch',
        `The downloaded ${filename} is ${position.toLocaleString('en-US')} bytes but the backup catalog lists ${expectedSize.toLocaleString('en-US')} bytes, so it is not the complete backup. ${retryAdvice}`,
      )
    }
    if (archiveError !== null) throw describe(archiveError, filename, position)
    return { sha256, note }
  }

  return {
    get position() {
      return position
    },
    get readBackBytes() {
      return readBackBytes
    },
    syncTo,
    write,
    drained: () => archive.drained(),
    finish,
    destroy: () => archive.destroy(),
  }
}

function describe(error: unknown, filename: string, size: number): unknown {
  if (!(error instanceof ArchiveError)) return error
  switch (error.code) {
    case 'not_gzip':
      return new VerificationError(
        'not_gzip',
        `The downloaded ${filename} is not a valid gzip file, so it is not the backup (the server may have sent an error page or a damaged copy). ${retryAdvice}`,
        { cause: error },
      )
    case 'truncated_gzip':
      return new VerificationError(
        'truncated_gzip',
        `The downloaded ${filename} is cut short: its gzip stream ends early after ${formatBytes(size)}, so the backup is incomplete even though its size matches the catalog. ${retryAdvice} If it fails the same way again, the backup on the platform is damaged; make a new one.`,
        { cause: error },
      )
    case 'bad_tar':
    case 'empty':
      return new VerificationError(
        error.code,
        `The downloaded ${filename} decompresses, but its tar listing cannot be read: ${firstSentence(error.message)} ${retryAdvice} If it fails the same way again, the backup on the platform is damaged; make a new one.`,
        { cause: error },
      )
    default:
      return new VerificationError(error.code, `The downloaded ${filename} failed its check: ${error.message}`, {
        cause: error,
      })
  }
}

/** The diagnosis without the archive module's advice, which is written for uploads. */
function firstSentence(text: string): string {
  const match = /^.*?[.!?](?=\s|$)/.exec(text)
  return match ? match[0] : text
}
