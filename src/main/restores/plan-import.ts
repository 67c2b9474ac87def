/**
 * What an import job asks for, step by step (pure): the safety backup first (when asked), then
 * the files archive (its upload, then its `do_import`), then the database dump (the same two
 * steps). Files go before the database as in every job (plan.ts). An import by URL is one
 * `do_import` step: the platform fetches the archive itself.
 *
 * Each archive's description ("12 tables, 38.0 MiB uncompressed") is written here, from the
 * inspection, so the summary, the notification and the saved job say the same thing.
 */
import { formatBytes } from '../../lib/format-bytes'
import type { DatabaseInspection, FilesInspection, ImportKind } from '../../shared/imports'
import type { ImportedArchive, JobStep } from '../../shared/jobs'
import { AppError } from '../errors'
import {
  newJob,
  orderParts,
  pendingStep,
  safetyStep,
  type JobTarget,
  type PlanContext,
  type PlannedJob,
  type StepRequest,
} from './plan'
import { countOf } from './wording'

/** One inspected staged file to import. */
export interface StagedArchive {
  readonly token: string
  readonly name: string
  readonly size: number
  readonly detail: DatabaseInspection | FilesInspection
  /** The platform reads only `.sql.gz`/`.tar.gz` and this is neither: convert before upload. */
  readonly convert: boolean
  /** How far a conversion may unpack (16 times the platform's upload limit). */
  readonly maxUncompressedBytes: number
}

export interface ImportPlanInput extends JobTarget {
  readonly database: StagedArchive | null
  readonly files: StagedArchive | null
  readonly safetyBackup: boolean
}

export interface UrlImportPlanInput extends JobTarget {
  readonly kind: ImportKind
  readonly url: string
  readonly safetyBackup: boolean
}

/** "12 tables, 38.0 MiB uncompressed", "1,204 files in 37 folders, 310 MiB". */
export function describeInspection(detail: DatabaseInspection | FilesInspection): string {
  if (detail.kind === 'database') {
    return `${countOf(detail.tables.length, 'table')}, ${formatBytes(detail.uncompressedBytes)} uncompressed`
  }
  const files = countOf(detail.fileCount, 'file').replace(/^\d+/, (n) => Number(n).toLocaleString('en-US'))
  return `${files}, ${formatBytes(detail.totalBytes)}`
}

/**
 * A URL as a job names it: host and path, without the query (a signed link's signature is a
 * secret of sorts, and makes the name unreadable), at most 120 characters.
 */
export function urlName(url: string): string {
  const parsed = new URL(url)
  const shown = `${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`
  return shown.length > 120 ? `${shown.slice(0, 60)}…${shown.slice(-59)}` : shown
}

function uploadSteps(env: string, archive: StagedArchive, element: ImportKind) {
  const upload: { step: JobStep; request: StepRequest } = {
    step: pendingStep(
      `${element}-upload`,
      'upload',
      element,
      `Upload ${archive.name} (${formatBytes(archive.size)}${archive.convert ? `, converted to .${element === 'database' ? 'sql.gz' : 'tar.gz'}` : ''})`,
      null,
    ),
    request: {
      type: 'upload',
      element,
      token: archive.token,
      name: archive.name,
      size: archive.size,
      convert: archive.convert ? archive.detail : null,
      maxUncompressedBytes: archive.maxUncompressedBytes,
    },
  }
  const importing: { step: JobStep; request: StepRequest } = {
    step: pendingStep(element, 'import', element, `Import ${archive.name} into ${env}'s ${element}`, 'do_import'),
    request: { type: 'do_import', element, uploadStep: `${element}-upload` },
  }
  return [upload, importing]
}

function archiveOf(archive: StagedArchive): ImportedArchive {
  return { name: archive.name, size: archive.size, fromUrl: false, description: describeInspection(archive.detail) }
}

/** Plans an import of staged files: files, then database, each uploaded, then imported. */
export function planImport(input: ImportPlanInput, context: PlanContext): PlannedJob {
  if (!input.database && !input.files) throw new AppError('bad_request', 'Choose a file to import.')
  if (input.database && input.database.detail.kind !== 'database') {
    throw new AppError('bad_request', `${input.database.name} is a files archive, not a database dump.`)
  }
  if (input.files && input.files.detail.kind !== 'files') {
    throw new AppError('bad_request', `${input.files.name} is a database dump, not a files archive.`)
  }
  if (input.database && input.files && input.database.token === input.files.token) {
    throw new AppError('bad_request', 'The same file cannot be both the database and the files.')
  }
  const parts = orderParts([
    ...(input.files ? ['files' as const] : []),
    ...(input.database ? ['database' as const] : []),
  ])
  const steps: { step: JobStep; request: StepRequest }[] = []
  if (input.safetyBackup) steps.push(safetyStep(input.env, parts))
  if (input.files) steps.push(...uploadSteps(input.env, input.files, 'files'))
  if (input.database) steps.push(...uploadSteps(input.env, input.database, 'database'))
  return newJob(
    input,
    context,
    {
      kind: 'import',
      source: { env: input.env, folder: null, backupAt: null },
      parts,
      clone: null,
      undoes: null,
      imports: {
        ...(input.files ? { files: archiveOf(input.files) } : {}),
        ...(input.database ? { database: archiveOf(input.database) } : {}),
      },
    },
    input.safetyBackup,
    steps,
  )
}

/** Plans an import the platform fetches from a URL: one `do_import` step. */
export function planUrlImport(input: UrlImportPlanInput, context: PlanContext): PlannedJob {
  const name = urlName(input.url)
  const steps: { step: JobStep; request: StepRequest }[] = []
  if (input.safetyBackup) steps.push(safetyStep(input.env, [input.kind]))
  steps.push({
    step: pendingStep(
      input.kind,
      'import',
      input.kind,
      `Import ${name} into ${input.env}'s ${input.kind}`,
      'do_import',
    ),
    request: { type: 'do_import', element: input.kind, url: input.url },
  })
  return newJob(
    input,
    context,
    {
      kind: 'import',
      source: { env: input.env, folder: null, backupAt: null },
      parts: [input.kind],
      clone: null,
      undoes: null,
      imports: { [input.kind]: { name, size: null, fromUrl: true, description: null } },
    },
    input.safetyBackup,
    steps,
  )
}
