/**
 * Archive checks and creation shared by the app and the embedded platform: whole-file gzip
 * checks, SQL dump recognition, tar.gz inspection/creation/safe extraction. Every refusal
 * is an `ArchiveError` whose message tells a person what is wrong and what to do.
 */
export { ArchiveError, type ArchiveErrorCode } from './errors'
export { checkGzipWhole, checkSqlGz, gunzipChunks, gzipFile, looksLikeSqlDump } from './gzip'
export { createTarGz, extractTarGzSafe, inspectTarGz, safeSegments, type TarSummary } from './tar'
export { readTar, type TarEntry, type TarEntryType } from './tar-reader'
