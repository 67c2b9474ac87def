/**
 * The archive half of a download check: which archive check a part file gets by its name, and
 * the note a passed check may carry. The checking itself is src/lib/archives' streaming check
 * (the same one the platform uses): a `.gz` is inflated to its end as the bytes arrive (zlib in
 * the threadpool), a `.tar.gz` also has its whole listing read with the project's entry checks.
 */
import { ArchiveError, createArchiveCheck } from '../../lib/archives'
import type { ArchiveKind } from '../../lib/archives'

/** Archive bytes in, a verdict at the end; throws `ArchiveError`s like the file-based checks. */
export interface ArchiveCheck {
  /**
   * The next bytes of the file; false asks the caller to await {@link drained}. The bytes are
   * kept, not copied, until the check has read them: the caller must not change them afterwards.
   */
  write(chunk: Buffer): boolean
  drained(): Promise<void>
  /** The verdict once every byte was written; a passed check may carry a note for the user. */
  finish(): Promise<{ readonly note: string | null }>
  /** Gives up and frees zlib. */
  destroy(): void
}

function kindOf(filename: string): ArchiveKind {
  const lower = filename.toLowerCase()
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) return 'tar.gz'
  if (lower.endsWith('.gz')) return 'gz'
  return 'none'
}

/** The check for a part file named `filename`. */
export function archiveCheckFor(filename: string): ArchiveCheck {
  const check = createArchiveCheck({ kind: kindOf(filename) })
  return {
    write: (chunk) => check.write(chunk),
    drained: () => check.drained(),
    async finish() {
      try {
        await check.finish()
      } catch (error) {
        // A refused entry is reported only after the whole gzip stream was read, so the file is
        // complete: an entry this app would not import (a link, say) is no reason to reject a
        // download, only something to say.
        if (!(error instanceof ArchiveError) || error.code !== 'unsafe_entry') throw error
        return {
          note: `The archive is complete, but it holds ${error.entry ?? 'an entry'} (a link or special file), which Restore Desk will not import from this archive.`,
        }
      }
      return { note: null }
    },
    destroy() {
      check.abort()
    },
  }
}
