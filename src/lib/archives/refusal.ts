/**
 * Import refusals: what is wrong with a file someone wants to import and what to do about it,
 * as the app shows them (`ImportRefusal`). Problems found while sniffing, reading a dump or a
 * zip are thrown as `ImportRefusalError`s; problems the archive checks find arrive as
 * `ArchiveError`s and are turned into refusals here, so every caller gets one shape.
 */
import type { ImportRefusal } from '../../shared/imports'
import { ArchiveError, type ArchiveErrorCode } from './errors'

/** A refusal thrown where it is found; `message` is the problem and the advice in one. */
export class ImportRefusalError extends Error implements ImportRefusal {
  constructor(
    readonly code: string,
    readonly problem: string,
    readonly todo: string,
    options?: { cause?: unknown },
  ) {
    super(`${problem} ${todo}`, options)
    this.name = 'ImportRefusalError'
  }

  /** The plain data, as it crosses IPC. */
  toRefusal(): ImportRefusal {
    return { code: this.code, problem: this.problem, todo: this.todo }
  }
}

const CODES: Readonly<Record<ArchiveErrorCode, string>> = {
  // Only a gzip stream that starts right and then breaks gets here: the sniff saw the signature.
  not_gzip: 'corrupt',
  truncated_gzip: 'truncated',
  not_sql: 'not_sql',
  unsafe_entry: 'unsafe_path',
  too_large: 'too_large',
  bad_tar: 'corrupt',
  empty: 'empty',
  not_found: 'not_found',
}

const FALLBACK_TODO: Readonly<Record<string, string>> = {
  corrupt: 'Make the archive again, or download it again if it was downloaded, and import the new file.',
  truncated: 'Get the whole file again (compare its size with the original) and import it again.',
  not_sql: 'Export the database again with `mysqldump` (or `mariadb-dump`) and import the .sql or .sql.gz file.',
  empty: 'Choose the file again; if it was just made or downloaded, make or download it again.',
  not_found: 'Choose the file again.',
}

/** The refusal an archive check's error amounts to. */
export function refusalFromArchiveError(error: ArchiveError): ImportRefusal {
  const code = error.refusal ?? CODES[error.code]
  const todo = error.todo || (FALLBACK_TODO[code] ?? 'Make the archive again and import the new file.')
  return { code, problem: error.problem, todo }
}

/** The refusal `error` is, or null when it is not a refusal at all (an I/O error, a bug). */
export function asRefusal(error: unknown): ImportRefusal | null {
  if (error instanceof ImportRefusalError) return error.toRefusal()
  if (error instanceof ArchiveError) return refusalFromArchiveError(error)
  return null
}
