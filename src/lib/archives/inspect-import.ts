/**
 * The one entry point the app and the platform use to inspect an import before a byte is sent
 * or imported: what the file is by content (sniff.ts), then a full streaming read in constant
 * memory that refuses up front whatever the import would refuse, and describes what passes: a
 * dump's tables and size, or a files archive's counts, total, top folder and largest files.
 *
 * It never throws for a bad file: a refusal is a result. It throws only when aborted (the
 * signal's reason) or for an unexpected I/O error.
 */
import { stat } from 'node:fs/promises'
import type { DatabaseInspection, FilesInspection, ImportFormat, ImportRefusal } from '../../shared/imports'
import { formatBytes } from '../format-bytes'
import { checkFile, GzipCheck, PlainContentCheck, type FeedOptions } from './check'
import { LargestFiles } from './entries'
import { asRefusal, ImportRefusalError } from './refusal'
import { sniffFile, type SniffResult } from './sniff'
import { DumpStage, type DumpSummary } from './sql-dump'
import { inspectTar } from './tar'
import { listZip, readZip } from './zip'

/** Every format an import can come in, as the embedded platform's upload limits list them. */
export const IMPORT_FORMATS = [
  'sql',
  'sql.gz',
  'sql.zip',
  'tar.gz',
  'tar',
  'zip',
] as const satisfies readonly ImportFormat[]

/** Whether `value` names an import format. */
export function isImportFormat(value: unknown): value is ImportFormat {
  return typeof value === 'string' && (IMPORT_FORMATS as readonly string[]).includes(value)
}

export interface InspectImportOptions {
  /** The upload limit (the file's own size). */
  readonly maxBytes: number
  /** The zip-bomb / gzip-bomb limit (e.g. 16 x maxBytes). */
  readonly maxUncompressedBytes: number
  readonly onProgress?: (bytesRead: number, total: number) => void
  readonly signal?: AbortSignal
}

export type InspectImportResult =
  | { readonly ok: true; readonly detail: DatabaseInspection | FilesInspection }
  | { readonly ok: false; readonly refusal: ImportRefusal }

/** The format a sniff result stands for, where the sniff alone can tell (not for a zip). */
export function formatOf(sniffed: SniffResult): Exclude<ImportFormat, 'sql.zip' | 'zip'> | null {
  if (sniffed.kind === 'gzip') return sniffed.inner === 'sql' ? 'sql.gz' : 'tar.gz'
  return sniffed.kind === 'zip' ? null : sniffed.kind
}

function databaseDetail(
  format: DatabaseInspection['format'],
  dump: DumpSummary,
  innerName: string | null,
): DatabaseInspection {
  return {
    kind: 'database',
    format,
    tool: dump.tool,
    serverVersion: dump.serverVersion,
    tables: dump.tables,
    uncompressedBytes: dump.bytes,
    innerName,
  }
}

async function inspectDump(file: string, gzipped: boolean, options: InspectImportOptions): Promise<DumpSummary> {
  const feed: FeedOptions = { onProgress: options.onProgress, signal: options.signal }
  const check = gzipped
    ? new GzipCheck<DumpSummary>('gz', 'sql', options.maxUncompressedBytes, new DumpStage('gzip'))
    : new PlainContentCheck<DumpSummary>(new DumpStage('file'))
  return (await checkFile(file, check, () => check.finishContent(), feed)).content!
}

async function inspectTarFiles(
  file: string,
  format: 'tar' | 'tar.gz',
  options: InspectImportOptions,
): Promise<FilesInspection> {
  const largest = new LargestFiles()
  const { summary, oneTopFolder } = await inspectTar(file, format, {
    maxUncompressedBytes: options.maxUncompressedBytes,
    onEntry: (path, kind, size) => {
      if (kind === 'file') largest.add(path, size)
    },
    onProgress: options.onProgress,
    signal: options.signal,
  })
  return {
    kind: 'files',
    format,
    fileCount: summary.files,
    dirCount: summary.dirs,
    totalBytes: summary.totalSize,
    topFolder: oneTopFolder ? `${summary.topFolders[0]}/` : null,
    largest: largest.list(),
  }
}

async function inspectZip(
  file: string,
  size: number,
  options: InspectImportOptions,
): Promise<DatabaseInspection | FilesInspection> {
  const limits = { maxUncompressedBytes: options.maxUncompressedBytes }
  const feed = { onProgress: options.onProgress, signal: options.signal }
  const listing = await listZip(file, limits, options.signal)
  const sql = listing.sqlOnly
  if (sql !== null && sql.length > 1) {
    const names = sql.slice(0, 3).join(', ')
    throw new ImportRefusalError(
      'several_sql',
      `The zip archive holds ${sql.length} SQL files (${names}${sql.length > 3 ? ', …' : ''}); a database import takes one dump.`,
      'Import one dump at a time: a .sql, a .sql.gz, or a zip holding just that .sql.',
    )
  }
  if (sql !== null) {
    const innerName = sql[0]!
    const stage = new DumpStage('file')
    await readZip(file, size, limits, feed, {
      wants: (path) => path === innerName,
      read: async (_path, body) => {
        for await (const chunk of body) {
          stage.write(chunk)
          if (stage.failure !== undefined) throw stage.failure
        }
      },
    })
    const dump = await stage.end()
    if (stage.failure !== undefined) throw stage.failure
    return databaseDetail('sql.zip', dump!, innerName)
  }
  await readZip(file, size, limits, feed)
  const { summary } = listing
  return {
    kind: 'files',
    format: 'zip',
    fileCount: summary.files,
    dirCount: summary.dirs,
    totalBytes: summary.totalSize,
    topFolder: listing.oneTopFolder ? `${summary.topFolders[0]}/` : null,
    largest: listing.largest,
  }
}

async function inspect(file: string, options: InspectImportOptions): Promise<DatabaseInspection | FilesInspection> {
  let info
  try {
    info = await stat(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    throw new ImportRefusalError('not_found', 'The file is no longer there.', 'Choose the file again.')
  }
  if (info.isDirectory()) {
    throw new ImportRefusalError(
      'folder',
      'This is a folder, not a file.',
      'Pack it first (`tar czf files.tar.gz -C <folder> .`, or a .zip) and import the archive.',
    )
  }
  if (!info.isFile()) {
    throw new ImportRefusalError(
      'unknown_kind',
      'This is not a regular file (a device, socket or pipe).',
      'Choose a dump or an archive file.',
    )
  }
  if (info.size > options.maxBytes) {
    throw new ImportRefusalError(
      'too_large',
      `The file is ${formatBytes(info.size)}, over the upload limit of ${formatBytes(options.maxBytes)}.`,
      'Make it smaller (for a files archive, leave out caches and backups; split a large site into several imports) and try again.',
    )
  }
  const sniffed = await sniffFile(file)
  options.signal?.throwIfAborted()
  switch (sniffed.kind) {
    case 'sql':
      return databaseDetail('sql', await inspectDump(file, false, options), null)
    case 'gzip':
      return sniffed.inner === 'sql'
        ? databaseDetail('sql.gz', await inspectDump(file, true, options), null)
        : inspectTarFiles(file, 'tar.gz', options)
    case 'tar':
      return inspectTarFiles(file, 'tar', options)
    case 'zip':
      return inspectZip(file, info.size, options)
  }
}

/**
 * Inspects a file someone wants to import, by content and in constant memory: `{ok: true,
 * detail}` for a dump (`.sql`, `.sql.gz`, a `.zip` holding one `.sql`) or a files archive
 * (`.tar.gz`, `.tar`, `.zip`), `{ok: false, refusal}` for anything the import would refuse.
 * Rejects only when `signal` aborts (with its reason) or on an unexpected I/O error.
 */
export async function inspectImport(file: string, options: InspectImportOptions): Promise<InspectImportResult> {
  try {
    options.signal?.throwIfAborted()
    return { ok: true, detail: await inspect(file, options) }
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason
    const refusal = asRefusal(error)
    if (refusal === null) throw error
    return { ok: false, refusal }
  }
}
