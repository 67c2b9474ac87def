/**
 * What `do_import` does with the archive it downloaded: inspect it by content with the same
 * inspection the app runs before sending (src/lib/archives), refuse it with that reason, or
 * with the platform's own when it is the other kind than asked or a format this platform was
 * told not to take (`importFormats`), and otherwise install it: a dump of any form gzipped (or
 * renamed, or unzipped) into the database slot, a files archive of any form extracted safely
 * into a new files folder. Both are built in scratch space and swapped in at the end, so a
 * refusal or a failure leaves the environment as it was.
 */
import { rename } from 'node:fs/promises'
import { join } from 'node:path'
import {
  asRefusal,
  extractTarSafe,
  extractZipSafe,
  gzipFormOf,
  gzipInto,
  inspectImport,
  zipSqlToSqlGz,
  type DatabaseInspection,
  type FilesInspection,
  type ImportFormat,
} from '../../lib/archives'
import { removeQuietly } from '../../lib/atomic'
import { WorkflowFailure, type WorkflowRun } from './queue'

type Detail = DatabaseInspection | FilesInspection

/** How a format is written for people: `.sql.gz`, a `.zip` holding one `.sql`. */
export function formatName(format: ImportFormat): string {
  return format === 'sql.zip' ? 'a .zip holding one .sql' : `.${format}`
}

/** The sentence naming the formats a list holds: ".sql.gz and .tar.gz". */
function formatList(formats: readonly ImportFormat[]): string {
  const names = formats.map(formatName)
  return names.length <= 1 ? (names[0] ?? 'no') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}

/** The failure for a refusal of `error`, or `error` itself when it is not a refusal. */
export function refusalFailure(what: string, error: unknown): unknown {
  const refusal = asRefusal(error)
  return refusal === null ? error : new WorkflowFailure(`The ${what} was refused: ${refusal.problem} ${refusal.todo}`)
}

/**
 * Inspects a downloaded import and returns what it holds; throws a WorkflowFailure with the
 * reason when the platform would not import it as `kind`.
 */
export async function inspectDownloadedImport(
  run: WorkflowRun,
  file: string,
  kind: 'database' | 'files',
): Promise<Detail> {
  const { options } = run.platform
  const what = `${kind === 'files' ? 'files' : 'database'} archive`
  const result = await inspectImport(file, {
    maxBytes: options.uploadLimitBytes,
    maxUncompressedBytes: options.uploadLimitBytes * 16,
    signal: run.signal,
  })
  if (!result.ok) throw new WorkflowFailure(`The ${what} was refused: ${result.refusal.problem} ${result.refusal.todo}`)
  const detail = result.detail
  if (detail.kind !== kind) {
    throw new WorkflowFailure(
      detail.kind === 'files'
        ? `The database archive was refused: it is a files archive (${formatName(detail.format)} of ${detail.fileCount} files), not a SQL dump. Import it as the files (params.files = 1), or choose a .sql, .sql.gz or a .zip holding one .sql.`
        : `The files archive was refused: it is a database dump (${formatName(detail.format)}), not an archive of files. Import it as the database (params.database = 1), or choose a .tar.gz, .tar or .zip of the files.`,
    )
  }
  if (!options.importFormats.includes(detail.format)) {
    throw new WorkflowFailure(
      `The ${what} was refused: this platform imports only ${formatList(options.importFormats)}, and the archive is ${formatName(detail.format)}. Convert it to ${formatName(gzipFormOf(detail.format))} first (Restore Desk does so itself when it knows the platform's formats from GET .../uploads/limits) and import that.`,
    )
  }
  return detail
}

/** Puts an inspected dump, in whichever form, into the database slot as a `.sql.gz`. */
export async function installImportedDatabase(
  run: WorkflowRun,
  file: string,
  detail: DatabaseInspection,
): Promise<void> {
  const { workflow, platform } = run
  const scratch = platform.content.scratchPath(workflow.site_id, workflow.environment, 'db')
  try {
    if (detail.format === 'sql.gz') await rename(file, scratch)
    else if (detail.format === 'sql') await gzipInto(file, scratch, run.signal)
    else await zipSqlToSqlGz(file, detail.innerName ?? '', scratch, { ...unpackLimit(run), signal: run.signal })
    await platform.content.swapDatabase(workflow.site_id, workflow.environment, scratch)
  } catch (error) {
    throw refusalFailure('database archive', error)
  } finally {
    await removeQuietly(scratch)
  }
}

/**
 * Extracts an inspected files archive, in whichever form, into a new files folder and swaps it
 * in; the contents of a single top folder (like `files_live/`) become the files themselves.
 */
export async function installImportedFiles(run: WorkflowRun, file: string, detail: FilesInspection): Promise<void> {
  const { workflow, platform } = run
  const dir = join(
    platform.layout.envDir(workflow.site_id, workflow.environment),
    `files-new-${workflow.id.slice(0, 8)}-${Date.now().toString(36)}`,
  )
  const options = { ...unpackLimit(run), stripTopFolder: detail.topFolder !== null }
  try {
    if (detail.format === 'zip') await extractZipSafe(file, dir, options)
    else await extractTarSafe(file, detail.format, dir, options)
    await platform.content.swapFiles(workflow.site_id, workflow.environment, dir)
  } catch (error) {
    await removeQuietly(dir)
    throw refusalFailure('files archive', error)
  }
}

/** Archives may unpack to 16 times the upload limit, as the inspection allows. */
function unpackLimit(run: WorkflowRun): { maxUncompressedBytes: number } {
  return { maxUncompressedBytes: run.platform.options.uploadLimitBytes * 16 }
}
