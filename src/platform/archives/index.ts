/**
 * Archive checks and creation for the embedded platform: whole-file gzip checks, SQL dump
 * recognition, tar.gz inspection/creation/safe extraction and atomic file writes. Every refusal
 * is an `ArchiveError` whose message tells a person what is wrong and what to do.
 */
export { ArchiveError, formatBytes, type ArchiveErrorCode } from './errors'
export { commitTempFile, fsyncDir, tempPathFor, writeFileAtomic, writeStreamAtomic } from './atomic'
export { checkGzipWhole, checkSqlGz, gunzipChunks, gzipFile, looksLikeSqlDump } from './gzip'
export { createTarGz, extractTarGzSafe, inspectTarGz, safeSegments, type TarSummary } from './tar'
export { readTar, type TarEntry, type TarEntryType } from './tar-reader'
