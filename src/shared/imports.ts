/**
 * Imports: a database dump or a files archive from the person's disk (dropped, picked) or from a
 * URL, staged in the main process, inspected there before a byte is sent, then uploaded and
 * imported as a job (see ./jobs). The page holds only tokens for staged files, never their paths.
 *
 * Pure data, as it crosses IPC. Sizes in bytes, times in epoch milliseconds.
 */

/** What an archive replaces. */
export type ImportKind = 'database' | 'files'

/**
 * The format found by content (magic bytes and a SQL sniff), not by name: a database as `.sql`,
 * `.sql.gz` or a `.zip` holding one `.sql`; files as `.tar.gz`, `.tar` or `.zip`.
 */
export type ImportFormat = 'sql' | 'sql.gz' | 'sql.zip' | 'tar.gz' | 'tar' | 'zip'

/** A file the main process holds for an import, named by a token. */
export interface StagedFile {
  readonly token: string
  /** The file's own name (no folders), as shown to the person. */
  readonly name: string
  readonly size: number
  /** A folder that was packed into a `.tar.gz` when it was staged (Electron). */
  readonly packedFolder: boolean
  readonly stagedAt: number
}

/** A table of a dump. */
export interface DumpTable {
  readonly name: string
  /** Rows in its INSERT statements, counted while reading. */
  readonly rows: number
}

/** What a database dump holds. */
export interface DatabaseInspection {
  readonly kind: 'database'
  readonly format: 'sql' | 'sql.gz' | 'sql.zip'
  /** `mysqldump`, `mariadb-dump` or null when the dump does not say. */
  readonly tool: string | null
  readonly serverVersion: string | null
  readonly tables: readonly DumpTable[]
  readonly uncompressedBytes: number
  /** The `.sql` inside a zip. */
  readonly innerName: string | null
}

/** One of a files archive's largest files. */
export interface ArchiveFileSize {
  readonly path: string
  readonly size: number
}

/** What a files archive holds. */
export interface FilesInspection {
  readonly kind: 'files'
  readonly format: 'tar.gz' | 'tar' | 'zip'
  readonly fileCount: number
  readonly dirCount: number
  readonly totalBytes: number
  /** The one folder everything is in (`files_dev/`), or null. */
  readonly topFolder: string | null
  /** The five largest, largest first. */
  readonly largest: readonly ArchiveFileSize[]
}

/** Why a file cannot be imported: what is wrong and what to do, in full sentences. */
export interface ImportRefusal {
  /** `not_sql`, `postgres_dump`, `sqlite`, `html`, `truncated`, `corrupt`, `unsafe_path`, `link`,
   * `device`, `zip_bomb`, `too_large`, `several_sql`, `unknown_kind`, `folder`, `duplicate_kind`, ... */
  readonly code: string
  readonly problem: string
  readonly todo: string
}

/** The result of inspecting one staged file. */
export type ImportInspection =
  | {
      readonly token: string
      readonly name: string
      readonly size: number
      readonly ok: true
      readonly detail: DatabaseInspection | FilesInspection
      /** The active platform takes only `.sql.gz`/`.tar.gz` (Pantheon): converted in a stream on upload. */
      readonly convertForUpload: boolean
    }
  | {
      readonly token: string
      readonly name: string
      readonly size: number
      readonly ok: false
      readonly refusal: ImportRefusal
    }

/** Progress of a long inspection or staging, as the `imports:progress` event reports it. */
export interface ImportProgress {
  readonly token: string
  readonly phase: 'staging' | 'packing' | 'inspecting'
  readonly bytes: number
  readonly total: number | null
}

/** What the active connection lets an import do. */
export interface ImportCapabilities {
  /** Uploads from disk (the embedded platform's upload links); false on Pantheon. */
  readonly upload: boolean
  /** Why not, for the drop zone, when `upload` is false. */
  readonly uploadNote: string | null
  /** The largest upload, in bytes. */
  readonly maxUploadBytes: number | null
  /** The largest archive an import by URL may name (Pantheon: 500 MB), or null. */
  readonly maxUrlBytes: number | null
}
