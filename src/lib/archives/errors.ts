/** Why an archive was refused; each value names a problem the person who made the archive can fix. */
export type ArchiveErrorCode =
  'not_gzip' | 'truncated_gzip' | 'not_sql' | 'unsafe_entry' | 'too_large' | 'bad_tar' | 'empty' | 'not_found'

/**
 * An archive that cannot be used, with a message a person can act on.
 *
 * `entry` names the offending archive member for `unsafe_entry` (and for `bad_tar` when known).
 */
export class ArchiveError extends Error {
  readonly code: ArchiveErrorCode
  readonly entry: string | undefined

  constructor(code: ArchiveErrorCode, message: string, options?: { entry?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ArchiveError'
    this.code = code
    this.entry = options?.entry
  }
}
