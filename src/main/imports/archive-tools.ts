/**
 * The two archive operations imports use, as functions the import service is given: the
 * inspection by content (src/lib/archives/inspect-import.ts) and the streaming conversion to
 * `.sql.gz`/`.tar.gz` (src/lib/archives/convert.ts). Tests hand in fakes; the app hands in the
 * library's.
 */
import type { DatabaseInspection, FilesInspection, ImportRefusal } from '../../shared/imports'

export interface InspectImportOptions {
  readonly maxBytes: number
  readonly maxUncompressedBytes: number
  readonly onProgress?: (bytesRead: number, total: number) => void
  readonly signal?: AbortSignal
}

export type InspectImportResult =
  | { readonly ok: true; readonly detail: DatabaseInspection | FilesInspection }
  | { readonly ok: false; readonly refusal: ImportRefusal }

export type InspectImport = (file: string, options: InspectImportOptions) => Promise<InspectImportResult>

/** Writes `detail`'s gzip form of `file` into `out` (atomically); answers which form it wrote. */
export type ConvertForUpload = (
  file: string,
  detail: DatabaseInspection | FilesInspection,
  out: string,
  options: { readonly maxUncompressedBytes: number; readonly signal?: AbortSignal },
) => Promise<'sql.gz' | 'tar.gz'>

export interface ArchiveTools {
  readonly inspect: InspectImport
  readonly convert: ConvertForUpload
}
