/** Why an archive was refused; each value names a problem the person who made the archive can fix. */
export type ArchiveErrorCode =
  'not_gzip' | 'truncated_gzip' | 'not_sql' | 'unsafe_entry' | 'too_large' | 'bad_tar' | 'empty' | 'not_found'

export interface ArchiveErrorOptions {
  /** The offending archive member. */
  readonly entry?: string
  readonly cause?: unknown
  /**
   * What to do about it, when the message says it apart from what is wrong: the error's
   * `message` is then `problem + ' ' + todo`, and an import refusal can show the two apart.
   */
  readonly todo?: string
  /**
   * The import refusal code (`ImportRefusal.code`) when it is finer than `code`: `link` or
   * `device` for an `unsafe_entry`, `zip_bomb` for a `too_large` that unpacks too far, ...
   */
  readonly refusal?: string
}

/**
 * An archive that cannot be used, with a message a person can act on.
 *
 * `entry` names the offending archive member for `unsafe_entry` (and for `bad_tar` when known).
 */
export class ArchiveError extends Error {
  readonly code: ArchiveErrorCode
  readonly entry: string | undefined
  /** What is wrong (the whole message when no `todo` was given apart). */
  readonly problem: string
  /** What to do, or '' when the message says it inside `problem`. */
  readonly todo: string
  readonly refusal: string | undefined

  constructor(code: ArchiveErrorCode, problem: string, options?: ArchiveErrorOptions) {
    const todo = options?.todo ?? ''
    super(
      todo === '' ? problem : `${problem} ${todo}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    )
    this.name = 'ArchiveError'
    this.code = code
    this.entry = options?.entry
    this.problem = problem
    this.todo = todo
    this.refusal = options?.refusal
  }
}
