/**
 * The platform requests behind a job's steps: starting a step's workflow, finding the workflow
 * a start made when its answer was lost (the app stopped mid-request), and finding the backup
 * folder a safety `do_export` made. Matching goes by type, environment and time, with a few
 * seconds' slack for clocks and for folders named by the second.
 */
import type { Job } from '../../shared/jobs'
import type { Backup, Workflow } from '../../shared/platform-types'
import type { PlatformClient } from '../api/client'
import type { StepStart, StoredJob } from './job-store'
import type { StepRequest } from './plan'
import type { Clock } from './wording'

/** The part of the API client jobs use. */
export type JobClient = Pick<
  PlatformClient,
  'startWorkflow' | 'getWorkflow' | 'listWorkflows' | 'backupCatalog' | 'getBackupDownloadUrl' | 'createUpload'
>

/** Slack around a workflow's times when matching it to a backup folder or a start in flight. */
export const SLACK_MS = 5000
/** An uploaded archive's link this close to its expiry is not handed to a new workflow. */
export const LINK_MARGIN_MS = 60_000

type ImportRequest = Extract<StepRequest, { type: 'do_import' }>

/**
 * The link an import step hands the platform now: a fresh signed link to another environment's
 * backup part, the link of the archive the job uploaded, or the URL the person gave. Null when
 * the uploaded archive's link is missing or (nearly) expired: the upload must run again.
 */
export async function importLink(
  client: JobClient,
  stored: StoredJob,
  request: ImportRequest,
  now: number,
  signal: AbortSignal,
): Promise<string | null> {
  if ('url' in request) return request.url
  if ('uploadStep' in request) {
    const uploaded =
      stored.uploaded && Object.hasOwn(stored.uploaded, request.uploadStep)
        ? stored.uploaded[request.uploadStep]!
        : null
    if (!uploaded || (uploaded.expiresAt !== null && uploaded.expiresAt - LINK_MARGIN_MS <= now)) return null
    return uploaded.downloadUrl
  }
  return client.getBackupDownloadUrl(stored.job.siteId, request.sourceEnv, request.folder, request.element, { signal })
}

/** Asks the platform to start a step's workflow (`url`: an import's signed link). */
export function startStepWorkflow(
  client: JobClient,
  job: Job,
  request: StepRequest,
  url: string | null,
  signal: AbortSignal,
): Promise<Workflow> {
  const options = { signal }
  switch (request.type) {
    case 'upload':
      throw new Error('An upload step starts no workflow.')
    case 'do_import': {
      if (url === null) throw new Error('An import starts only with a signed link.')
      const params = request.element === 'database' ? { database: 1 as const, url } : { files: 1 as const, url }
      return client.startWorkflow(job.siteId, job.env, 'do_import', params, options)
    }
    case 'do_export':
      return client.startWorkflow(job.siteId, job.env, 'do_export', request.params, options)
    case 'clone_files':
      return client.startWorkflow(job.siteId, job.env, 'clone_files', request.params, options)
    case 'clone_database':
      return client.startWorkflow(job.siteId, job.env, 'clone_database', request.params, options)
    default:
      return client.startWorkflow(job.siteId, job.env, request.type, request.params, options)
  }
}

/**
 * The workflow a start that was asked but never answered made: the oldest in the platform's
 * list of the same type on the same environment, created from {@link SLACK_MS} before the ask,
 * not already a step's, and (for an import) fetching the same link. Null when there is none, so
 * the start never reached the platform.
 */
export async function findStartedWorkflow(
  client: JobClient,
  stored: StoredJob,
  request: StepRequest,
  inFlight: StepStart,
  signal: AbortSignal,
): Promise<Workflow | null> {
  const { job } = stored
  const taken = new Set(job.steps.map((s) => s.workflowId).filter((id) => id !== null))
  const candidates = (await client.listWorkflows(job.siteId, { signal }))
    .filter(
      (w) =>
        w.type === request.type &&
        w.environment === job.env &&
        !taken.has(w.id) &&
        (w.createdAt ?? 0) >= inFlight.at - SLACK_MS &&
        (inFlight.url === null || w.params.url === undefined || w.params.url === inFlight.url),
    )
    .sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0))
  return candidates[0] ?? null
}

/**
 * The manual backup a safety `do_export` made: started between the workflow's creation and its
 * end (with slack), holding every part of the job; the closest to its start when several are.
 */
export async function findSafetyBackup(
  client: JobClient,
  job: Job,
  workflow: Workflow,
  clock: Clock,
): Promise<Backup | null> {
  const from = (workflow.createdAt ?? workflow.startedAt ?? 0) - SLACK_MS
  const to = (workflow.finishedAt ?? clock.now()) + SLACK_MS
  const started = workflow.startedAt ?? workflow.createdAt ?? from
  const candidates = (await client.backupCatalog(job.siteId, job.env)).filter(
    (b) =>
      b.kind === 'manual' && b.startedAt >= from && b.startedAt <= to && job.parts.every((p) => b.parts[p]?.finished),
  )
  candidates.sort((a, b) => Math.abs(a.startedAt - started) - Math.abs(b.startedAt - started))
  return candidates[0] ?? null
}
