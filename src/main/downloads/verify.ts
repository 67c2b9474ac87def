/**
 * The checks a downloaded backup part must pass before it gets its final name: its size equals
 * the catalog's, a `.gz` decompresses to its end (the gzip trailer carries the CRC and length, so
 * nothing less proves the file whole), and a `.tar.gz` also has a readable tar listing. The
 * archive readers are the platform's own (src/lib/archives), so the app and the platform
 * judge archives the same way; only the wording is re-done here, since their advice is written
 * for someone uploading an archive, not downloading one.
 */
import { stat } from 'node:fs/promises'
import { ArchiveError, checkGzipWhole, inspectTarGz } from '../../lib/archives'
import { formatBytes } from '../../lib/format-bytes'

/** A downloaded file that is not the backup it should be. */
export class VerificationError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'VerificationError'
    this.code = code
  }
}

/** What a passed verification found worth telling the user. */
export interface VerifyResult {
  readonly note: string | null
}

const retryAdvice = 'The bad copy was deleted; press Retry to download it again.'

/** Checks a finished part file against the catalog; throws {@link VerificationError}. */
export async function verifyDownload(file: string, expectedSize: number, filename: string): Promise<VerifyResult> {
  const { size } = await stat(file)
  if (size !== expectedSize) {
    throw new VerificationError(
      'size_mismatch',
      `The downloaded ${filename} is ${size.toLocaleString('en-US')} bytes but the backup catalog lists ${expectedSize.toLocaleString('en-US')} bytes, so it is not the complete backup. ${retryAdvice}`,
    )
  }
  const lower = filename.toLowerCase()
  try {
    if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) {
      try {
        await inspectTarGz(file)
      } catch (error) {
        if (!(error instanceof ArchiveError) || error.code !== 'unsafe_entry') throw error
        // The listing is readable; an entry this app would not import (a link, say) is no
        // reason to reject a download, but the rest of the stream still has to be checked.
        await checkGzipWhole(file)
        return {
          note: `The archive is complete, but it holds ${error.entry ?? 'an entry'} (a link or special file), which Restore Desk will not import from this archive.`,
        }
      }
    } else if (lower.endsWith('.gz')) {
      await checkGzipWhole(file)
    }
  } catch (error) {
    throw describe(error, filename, size)
  }
  return { note: null }
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
