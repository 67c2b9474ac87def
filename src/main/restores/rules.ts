/**
 * Two rules over the platform's workflow list and this app's jobs (pure):
 *
 * - One at a time: an environment is busy while the platform lists an unfinished workflow on it
 *   that replaces content or code (`restore_*`, `do_import`, `clone_*`, `deploy`), or while this
 *   app runs a job on it. The platform's list is asked fresh each time rather than remembered,
 *   so the rule holds after a restart and for work started elsewhere (Terminus, the dashboard,
 *   another person).
 * - Undo: an environment offers to undo its latest finished job that touched a part, when that
 *   job took a safety backup (still kept) and was not undone yet; the undo puts back the parts
 *   the job replaced or tried to (a step that failed may have been cut off half-way), not the
 *   skipped ones. A job that stopped at its safety backup changed nothing and is passed over.
 */
import type { Job, UndoOffer } from '../../shared/jobs'
import type { BackupElement, Workflow } from '../../shared/platform-types'
import { folderTime, undoLabel } from './summary'
import { formatWhen, type Clock } from './wording'

/** Workflow types that change an environment's code or content. */
export function isBusyType(type: string): boolean {
  return type.startsWith('restore_') || type.startsWith('clone_') || type === 'do_import' || type === 'deploy'
}

/** The ids of the workflows this app's jobs started. */
function workflowIdsOf(jobs: readonly Job[]): Set<string> {
  return new Set(jobs.flatMap((job) => job.steps.map((s) => s.workflowId).filter((id): id is string => id !== null)))
}

function workflowReason(workflow: Workflow, startedHere: boolean, clock: Clock): string {
  const queued = workflow.phase === 'created' || workflow.startedAt === null
  const since = queued ? workflow.createdAt : (workflow.startedAt ?? workflow.createdAt)
  const when = since === null ? '' : ` since ${formatWhen(since, clock)}`
  const where = startedHere
    ? 'started from Restore Desk'
    : 'started elsewhere (the dashboard, Terminus or another person)'
  return (
    `${workflow.description} is ${queued ? 'queued' : 'running'} on ${workflow.environment}${when}, ${where}. ` +
    'Wait until it has finished, then try again.'
  )
}

function jobReason(job: Job, clock: Clock): string {
  const index = job.steps.findIndex((s) => s.state === 'running' || s.state === 'pending')
  const step = index >= 0 ? `, step ${index + 1} of ${job.steps.length}: ${job.steps[index]!.label}` : ''
  return (
    `${job.kind === 'import' || job.kind === 'undo' ? 'An' : 'A'} ${job.kind} of ${job.env} started from Restore Desk at ${formatWhen(job.createdAt, clock)} is still running${step}. ` +
    'Wait until it has finished, then try again.'
  )
}

/**
 * Every busy environment of a site with its reason: `workflows` is the platform's list for the
 * site, `jobs` this app's jobs on it (running or not).
 */
export function busyEnvironments(
  workflows: readonly Workflow[],
  jobs: readonly Job[],
  clock: Clock,
): Record<string, string> {
  const busy: Record<string, string> = {}
  const ours = workflowIdsOf(jobs)
  // Oldest first, so that the one running (rather than one queued behind it) names the reason.
  const unfinished = workflows
    .filter((w) => !w.finished && w.environment !== null && isBusyType(w.type))
    .sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0))
  for (const workflow of unfinished) {
    const env = workflow.environment as string
    if (!Object.hasOwn(busy, env)) busy[env] = workflowReason(workflow, ours.has(workflow.id), clock)
  }
  for (const job of jobs) {
    if (job.state === 'running' && !Object.hasOwn(busy, job.env)) busy[job.env] = jobReason(job, clock)
  }
  return busy
}

/** Why `env` is busy, or null when a restore, import or clone may start there. */
export function busyReason(env: string, workflows: readonly Workflow[], jobs: readonly Job[], clock: Clock) {
  const busy = busyEnvironments(workflows, jobs, clock)
  return Object.hasOwn(busy, env) ? busy[env]! : null
}

/**
 * The parts an undo of `job` puts back: those whose step succeeded or failed. An upload changes
 * nothing on the environment (only the import after it does), so it does not count.
 */
export function undoParts(job: Job): BackupElement[] {
  return job.steps
    .filter((s) => s.part !== null && s.kind !== 'upload' && (s.state === 'succeeded' || s.state === 'failed'))
    .map((s) => s.part as BackupElement)
}

/** What `env` offers to undo, from this app's jobs on the site; null when nothing. */
export function undoOffer(env: string, jobs: readonly Job[], clock: Clock): UndoOffer | null {
  const onEnv = jobs.filter((job) => job.env === env)
  if (onEnv.some((job) => job.state === 'running')) return null
  // A job that stopped before touching any part (its safety backup failed) changed nothing.
  const latest = onEnv
    .filter((job) => undoParts(job).length > 0)
    .reduce<Job | null>((newest, job) => (newest === null || job.createdAt > newest.createdAt ? job : newest), null)
  if (!latest || latest.undoneBy !== null || !latest.safety.folder) return null
  const backupAt = folderTime(latest.safety.folder)
  if (backupAt === null || backupAt + latest.safety.keepForDays * 86_400_000 <= clock.now()) return null
  const parts = undoParts(latest)
  if (parts.length === 0) return null
  return {
    jobId: latest.id,
    kind: latest.kind,
    label: undoLabel(latest.kind),
    env,
    folder: latest.safety.folder,
    backupAt,
    parts,
  }
}

/** Every environment's undo offer. */
export function undoOffers(jobs: readonly Job[], clock: Clock): Record<string, UndoOffer> {
  const offers: Record<string, UndoOffer> = {}
  for (const env of new Set(jobs.map((job) => job.env))) {
    const offer = undoOffer(env, jobs, clock)
    if (offer) offers[env] = offer
  }
  return offers
}
