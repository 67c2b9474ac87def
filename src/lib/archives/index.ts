/**
 * Archive checks and creation shared by the app and the embedded platform: a streaming check of
 * .gz and .tar.gz bytes as they arrive, whole-file gzip checks, SQL dump recognition, tar.gz
 * inspection/creation/safe extraction, and for imports the inspection of every format by
 * content (`inspectImport`), conversion to gzip forms and safe zip extraction. Every refusal is an `ArchiveError` whose message tells a
 * person what is wrong and what to do.
 */
export { ArchiveError, type ArchiveErrorCode } from './errors'
export {
  createArchiveCheck,
  type ArchiveCheck,
  type ArchiveCheckOptions,
  type ArchiveCheckSummary,
  type ArchiveKind,
} from './check'
export { DEFAULT_MAX_ENTRIES, safeSegments, type TarSummary } from './entries'
export { checkGzipWhole, checkSqlGz, gzipFile, looksLikeSqlDump } from './gzip'
export { extractTarGzSafe, extractTarSafe, inspectTar, inspectTarGz, type TarCheckOptions, type TarFormat } from './tar'
export { createTarGz } from './tar-create'
export { sniffFile, startsLikeDump, type SniffResult } from './sniff'
export { ImportRefusalError, asRefusal, refusalFromArchiveError } from './refusal'
export {
  IMPORT_FORMATS,
  inspectImport,
  isImportFormat,
  type InspectImportOptions,
  type InspectImportResult,
} from './inspect-import'
export type { DatabaseInspection, FilesInspection, ImportFormat, ImportRefusal } from '../../shared/imports'
export { convertToGzipForm, gzipFormOf, gzipInto, zipSqlToSqlGz, zipToTarGz, type ConvertOptions } from './convert'
export { extractZipSafe, zipEntries, type ZipMember } from './zip'
