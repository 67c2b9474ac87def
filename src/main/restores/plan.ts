/**
 * What a job will ask the platform for, step by step, decided before anything starts (pure).
 *
 * The order is fixed: the safety backup first (when asked: a `do_export` of exactly the parts
 * being replaced, kept {@link SAFETY_KEEP_DAYS} days), then code, files, database. Code goes
 * first because a site whose code moved back but whose database did not is the state people
 * recover from most easily; the database goes last because it is the part most often written
 * to while a restore runs. A restore from the environment's own backup uses `restore_<part>`
 * with the key Terminus sends; from another environment's backup only the database and the
 * files move, through `do_import` of a signed link (fetched when the step starts, see
 * runner.ts); a clone is `clone_files`, then `clone_database` with Pantheon's options.
 *
 * Each step's platform request is kept beside the job ({@link PlannedJob.requests}), so a job
 * resumed after a restart asks for exactly what was planned.
 */
import type { DatabaseInspection, FilesInspection } from '../../shared/imports'
import type { CloneOptions, Job, JobKind, JobStep } from '../../shared/jobs'
import type { Backup, BackupElement, WorkflowParamsByType } from '../../shared/platform-types'
import { AppError } from '../errors'
import { formatWhen, joinWords, type Clock } from './wording'

/** How long a safety backup is kept. */
export const SAFETY_KEEP_DAYS = 30
/** The bucket Terminus names in restore keys; the embedded platform ignores it. */
export const BACKUP_BUCKET = 'pantheon-backups'
/** The order parts are replaced in. */
export const PART_ORDER: readonly BackupElement[] = ['code', 'files', 'database']

export type RestoreWorkflowType = 'restore_code' | 'restore_database' | 'restore_files'

/** The platform request behind one step. */
export type StepRequest =
  | { readonly type: 'do_export'; readonly params: WorkflowParamsByType['do_export'] }
  | { readonly type: RestoreWorkflowType; readonly params: WorkflowParamsByType['restore_code'] }
  /** The signed link is fetched right before each start, so only where it comes from is planned. */
  | {
      readonly type: 'do_import'
      readonly element: 'database' | 'files'
      readonly sourceEnv: string
      readonly folder: string
    }
  /** An import of what an earlier upload step sent (its `download_url`, kept beside the job). */
  | { readonly type: 'do_import'; readonly element: 'database' | 'files'; readonly uploadStep: string }
  /** An import by URL: the platform fetches the archive itself. */
  | { readonly type: 'do_import'; readonly element: 'database' | 'files'; readonly url: string }
  /** A staged file sent to a new upload link (./plan-import). */
  | UploadRequest
  | { readonly type: 'clone_files'; readonly params: WorkflowParamsByType['clone_files'] }
  | { readonly type: 'clone_database'; readonly params: WorkflowParamsByType['clone_database'] }

/** A staged file to upload: by its token (the staging record knows where its bytes are). */
export interface UploadRequest {
  readonly type: 'upload'
  readonly element: 'database' | 'files'
  readonly token: string
  readonly name: string
  readonly size: number
  /**
   * The inspection, when the platform reads only `.sql.gz`/`.tar.gz` and this file is not one:
   * it is converted in a stream before the upload. Null to send it as it is.
   */
  readonly convert: DatabaseInspection | FilesInspection | null
  /** How far a conversion may unpack (the platform's own limit: 16 times the upload limit). */
  readonly maxUncompressedBytes: number
}

/** A job with the request of each of its steps, by step id. */
export interface PlannedJob {
  readonly job: Job
  readonly requests: Readonly<Record<string, StepRequest>>
}

/** Which environment of which site a job changes. */
export interface JobTarget {
  readonly connectionId: string
  readonly siteId: string
  readonly siteName: string
  readonly env: string
}

/** A restore (or the undo of a job) from one backup. */
export interface RestorePlanInput extends JobTarget {
  readonly kind: 'restore' | 'undo'
  readonly sourceEnv: string
  /** The backup, as the source environment's catalog lists it. */
  readonly backup: Backup
  readonly parts: readonly BackupElement[]
  readonly safetyBackup: boolean
  /** For an undo: the job it undoes. */
  readonly undoes?: string | null
}

/** A clone of content from another environment. */
export interface ClonePlanInput extends JobTarget {
  readonly from: string
  readonly database: boolean
  readonly files: boolean
  readonly options: CloneOptions
  readonly safetyBackup: boolean
}

/** How a new job gets its id and creation time. */
export interface PlanContext {
  readonly id: string
  readonly clock: Clock
}

/** The parts in the order they are replaced, each once. */
export function orderParts(parts: Iterable<BackupElement>): BackupElement[] {
  const wanted = new Set(parts)
  return PART_ORDER.filter((part) => wanted.has(part))
}

/** The finished parts a backup has, in replacement order. */
export function finishedParts(backup: Backup): BackupElement[] {
  return orderParts(PART_ORDER.filter((part) => backup.parts[part]?.finished))
}

/** A URL as Pantheon's WordPress URL replacement takes it: a bare host becomes `://host`. */
export function replacementUrl(text: string): string {
  const trimmed = text.trim()
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) || trimmed.startsWith('://') ? trimmed : `://${trimmed}`
}

/** `clone_database`'s params: Pantheon's `updatedb` is a number, `clear_cache` a boolean (as Terminus sends them). */
export function cloneDatabaseParams(from: string, options: CloneOptions): WorkflowParamsByType['clone_database'] {
  return {
    from_environment: from,
    updatedb: options.updatedb ? 1 : 0,
    clear_cache: options.clearCache,
    ...(options.replaceUrl
      ? {
          wp_replace_siteurl: {
            from_url: replacementUrl(options.replaceUrl.from),
            to_url: replacementUrl(options.replaceUrl.to),
          },
        }
      : {}),
  }
}

export function pendingStep(
  id: string,
  kind: JobStep['kind'],
  part: BackupElement | null,
  label: string,
  type: string | null,
) {
  const step: JobStep = {
    id,
    kind,
    part,
    label,
    state: 'pending',
    workflowId: null,
    workflowType: type,
    progress: null,
    startedAt: null,
    finishedAt: null,
    error: null,
    attempts: 0,
  }
  return step
}

export function safetyStep(env: string, parts: readonly BackupElement[]): { step: JobStep; request: StepRequest } {
  return {
    step: pendingStep('safety', 'safety-backup', null, `Safety backup of ${env} (${joinWords(parts)})`, 'do_export'),
    request: {
      type: 'do_export',
      params: {
        code: parts.includes('code'),
        database: parts.includes('database'),
        files: parts.includes('files'),
        entry_type: 'backup',
        ttl: SAFETY_KEEP_DAYS * 86_400,
      },
    },
  }
}

export function newJob(
  input: JobTarget,
  context: PlanContext,
  fields: Pick<Job, 'kind' | 'source' | 'parts' | 'clone' | 'undoes'> & Partial<Pick<Job, 'imports'>>,
  safety: boolean,
  steps: readonly { step: JobStep; request: StepRequest }[],
): PlannedJob {
  const job: Job = {
    id: context.id,
    connectionId: input.connectionId,
    siteId: input.siteId,
    siteName: input.siteName,
    env: input.env,
    imports: null,
    ...fields,
    safety: { requested: safety, folder: null, keepForDays: SAFETY_KEEP_DAYS },
    steps: steps.map((s) => s.step),
    state: 'running',
    summary: '',
    createdAt: context.clock.now(),
    finishedAt: null,
    undoneBy: null,
  }
  return { job, requests: Object.fromEntries(steps.map((s) => [s.step.id, s.request])) }
}

/**
 * Plans a restore (or an undo) of `env` from `sourceEnv`'s backup. Refuses a part the backup
 * does not have finished, and code from another environment's backup (code moves between
 * environments by deploys, not restores).
 */
export function planRestore(input: RestorePlanInput, context: PlanContext): PlannedJob {
  const parts = orderParts(input.parts)
  if (parts.length === 0) throw new AppError('bad_request', 'Choose at least one part to restore.')
  const available = finishedParts(input.backup)
  const missing = parts.filter((part) => !available.includes(part))
  const when = formatWhen(input.backup.startedAt, context.clock)
  if (missing.length > 0) {
    throw new AppError(
      'bad_request',
      `The backup of ${when} has no finished ${joinWords(missing)}; choose from what it has (${joinWords(available) || 'nothing'}).`,
    )
  }
  const sameEnv = input.sourceEnv === input.env
  if (!sameEnv && parts.includes('code')) {
    throw new AppError(
      'bad_request',
      `Code does not move from ${input.sourceEnv}'s backup into ${input.env}: restore ${input.env}'s code from one of its own backups, or deploy. Choose the database and the files only.`,
    )
  }
  const steps: { step: JobStep; request: StepRequest }[] = []
  if (input.safetyBackup) steps.push(safetyStep(input.env, parts))
  const from = sameEnv ? when : `${input.sourceEnv}'s backup of ${when}`
  const verb = input.kind === 'undo' ? 'Put back' : sameEnv ? 'Restore' : 'Import'
  for (const part of parts) {
    const label = `${verb} the ${part} from ${input.kind === 'undo' ? `the safety backup of ${when}` : from}`
    if (sameEnv) {
      const filename = input.backup.parts[part]!.filename
      const type: RestoreWorkflowType = `restore_${part}`
      steps.push({
        step: pendingStep(part, 'restore', part, label, type),
        request: {
          type,
          params: {
            key: `${input.siteId}/${input.sourceEnv}/${input.backup.folder}/${filename}`,
            bucket: BACKUP_BUCKET,
          },
        },
      })
    } else {
      const element = part as 'database' | 'files'
      steps.push({
        step: pendingStep(part, 'import', part, label, 'do_import'),
        request: { type: 'do_import', element, sourceEnv: input.sourceEnv, folder: input.backup.folder },
      })
    }
  }
  return newJob(
    input,
    context,
    {
      kind: input.kind,
      source: { env: input.sourceEnv, folder: input.backup.folder, backupAt: input.backup.startedAt },
      parts,
      clone: null,
      undoes: input.undoes ?? null,
    },
    input.safetyBackup,
    steps,
  )
}

/** Plans a clone of the database and/or files from `from` into `env`: files first, then the database. */
export function planClone(input: ClonePlanInput, context: PlanContext): PlannedJob {
  if (input.from === input.env) throw new AppError('bad_request', 'Clone from another environment than the target.')
  const parts = orderParts([
    ...(input.files ? ['files' as const] : []),
    ...(input.database ? ['database' as const] : []),
  ])
  if (parts.length === 0) throw new AppError('bad_request', 'Choose the database, the files, or both to clone.')
  const steps: { step: JobStep; request: StepRequest }[] = []
  if (input.safetyBackup) steps.push(safetyStep(input.env, parts))
  for (const part of parts) {
    const label = `Clone the ${part} from ${input.from}`
    steps.push(
      part === 'files'
        ? {
            step: pendingStep(part, 'clone', part, label, 'clone_files'),
            request: { type: 'clone_files', params: { from_environment: input.from } },
          }
        : {
            step: pendingStep(part, 'clone', part, label, 'clone_database'),
            request: { type: 'clone_database', params: cloneDatabaseParams(input.from, input.options) },
          },
    )
  }
  return newJob(
    input,
    context,
    {
      kind: 'clone',
      source: { env: input.from, folder: null, backupAt: null },
      parts,
      clone: input.options,
      undoes: null,
    },
    input.safetyBackup,
    steps,
  )
}

/** The typed confirmation a job needs: the env's name, for a clone or an import only when the target is live. */
export function checkConfirmation(kind: JobKind, env: string, isLive: boolean, typed: string): void {
  if ((kind === 'clone' || kind === 'import') && !isLive) return
  if (typed === env) return
  const what =
    kind === 'clone'
      ? `the clone into ${env}`
      : kind === 'import'
        ? `the import into ${env}`
        : kind === 'undo'
          ? `the undo on ${env}`
          : `the restore of ${env}`
  throw new AppError('bad_request', `Type ${env} to confirm ${what}: the name must match exactly. Nothing was started.`)
}
