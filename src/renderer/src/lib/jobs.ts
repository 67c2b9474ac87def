/**
 * How the page words jobs (restores, undos, clones, imports) and the platform's workflows: titles, step
 * states, results, and the defaults of the clone dialog. Pure, so it is tested without a DOM.
 */
import type { ImportedArchive, Job, JobKind, JobStep, JobStepProgress } from '../../../shared/jobs'
import type { BackupElement, Workflow } from '../../../shared/platform-types'
import { formatBytes, formatDuration, formatMoment, formatRate } from './format'

/** A part's name as checkboxes and lists show it. */
export const PART_NAMES: Readonly<Record<BackupElement, string>> = {
  code: 'Code',
  database: 'Database',
  files: 'Files',
}

/** "code, database and files": parts in a sentence. */
export function partList(parts: readonly BackupElement[]): string {
  const names = parts.map((part) => PART_NAMES[part].toLowerCase())
  if (names.length <= 1) return names.join('')
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
}

/** Whether a job has ended, well or not. */
export function isJobEnded(job: Job): boolean {
  return job.state !== 'running'
}

const VERBS: Readonly<Record<JobKind, string>> = { restore: 'Restore', undo: 'Undo', clone: 'Clone', import: 'Import' }

/** An imported archive as a title names it: the file's name, or for a URL its last path segment (else its host). */
export function archiveLabel(archive: ImportedArchive): string {
  if (!archive.fromUrl) return archive.name
  try {
    const url = new URL(archive.name)
    const last = url.pathname.split('/').filter(Boolean).at(-1)
    return last ? decodeURIComponent(last) : url.hostname
  } catch {
    return archive.name
  }
}

/** The archives of an import in the order it brings them in (files, then database). */
function importedNames(job: Job): string {
  const archives = [job.imports?.files, job.imports?.database].filter((entry) => entry !== undefined)
  const names = archives.map(archiveLabel)
  return names.length ? names.join(' and ') : 'an archive'
}

/** The job as its card names it: "Restore dev from 30 Nov 02:00", "Clone content from live to dev". */
export function jobTitle(job: Job): string {
  const { env, source } = job
  const moment = source.backupAt === null ? 'a backup' : formatMoment(source.backupAt)
  switch (job.kind) {
    case 'restore':
      return source.env === env
        ? `Restore ${env} from ${moment}`
        : `Restore ${env} from ${source.env}’s backup of ${moment}`
    case 'undo':
      return `Undo on ${env}: back to the safety backup of ${moment}`
    case 'clone':
      return `Clone content from ${source.env} to ${env}`
    case 'import':
      return `Import ${importedNames(job)} into ${env}`
  }
}

/** The title of the browser notification when a job ends: "Restore finished on dev". */
export function notificationTitle(job: Job): string {
  return `${VERBS[job.kind]} ${job.state === 'failed' ? 'failed' : 'finished'} on ${job.env}`
}

/** A step's state in words, with its live progress while it runs and the platform's reason when it failed. */
export function stepStatus(step: JobStep): string {
  switch (step.state) {
    case 'pending':
      return 'Waiting'
    case 'running': {
      const progress = step.progress
      const activity = progress?.activity.trim() || 'Working…'
      // An upload's bytes, rate and time left show beside it (see transferText), not in this line.
      if (progress?.step != null && progress.of) return `Step ${progress.step} of ${progress.of}: ${activity}`
      return activity
    }
    case 'succeeded':
      return 'Done'
    case 'failed':
      return `Failed: ${step.error ?? 'the platform did not say why.'}`
    case 'skipped':
      return 'Skipped: an earlier step failed'
  }
}

/** An upload's progress: "12.0 MiB of 38.0 MiB · 4.2 MiB/s · 6 s left" (rate and time left when known). */
export function transferText(transfer: NonNullable<JobStepProgress['transfer']>): string {
  const parts = [`${formatBytes(transfer.sent)} of ${formatBytes(transfer.total)}`]
  if (transfer.bytesPerSecond !== null && transfer.bytesPerSecond > 0) parts.push(formatRate(transfer.bytesPerSecond))
  if (transfer.secondsLeft !== null) parts.push(`${formatDuration(transfer.secondsLeft)} left`)
  return parts.join(' · ')
}

/** What the activity list says of a workflow. */
export type WorkflowResultLabel = 'Succeeded' | 'Failed' | 'Running' | 'Queued'

export function workflowResult(workflow: Workflow): WorkflowResultLabel {
  if (workflow.finished) return workflow.succeeded ? 'Succeeded' : 'Failed'
  return workflow.phase === 'started' ? 'Running' : 'Queued'
}

/** A running workflow's progress, "step 2 of 3", or null when the platform gives none. */
export function workflowProgress(workflow: Workflow): string | null {
  if (workflow.finished || workflow.step === null || !workflow.numberOfTasks) return null
  return `step ${workflow.step} of ${workflow.numberOfTasks}`
}

/**
 * Where the clone dialog copies from at first: live's content for test and dev (real data to
 * test against), test's for live (what was checked there); another environment's otherwise.
 */
export function defaultCloneSource(target: string, envs: readonly string[]): string | null {
  const preferred = target === 'live' ? 'test' : target === 'test' || target === 'dev' ? 'live' : 'dev'
  const others = envs.filter((name) => name !== target)
  return others.includes(preferred) ? preferred : (others[0] ?? null)
}

/** The id of the line that says why an environment is busy; disabled buttons point at it. */
export function busyReasonId(env: string): string {
  return `env-busy-${env}`
}
