/**
 * A job's summary: where the environment stands, in full sentences, from the states of its
 * steps (pure). A finished job says what was replaced; a failed one says which parts were
 * replaced, which one failed and why (in the platform's words), which were left as they were,
 * and whether its undo can put back what changed.
 */
import type { Job, JobKind, JobStep } from '../../shared/jobs'
import type { BackupElement } from '../../shared/platform-types'
import { asSentence, capitalized, formatWhen, joinWords, thePart, wasOrWere, type Clock } from './wording'

interface KindWords {
  /** "Restored", "Put back", "Cloned". */
  readonly done: string
  /** "restored", "put back", "cloned". */
  readonly doneLower: string
  /** "restore", "undo", "clone". */
  readonly noun: string
}

const WORDS: Readonly<Record<JobKind, KindWords>> = {
  restore: { done: 'Restored', doneLower: 'restored', noun: 'restore' },
  undo: { done: 'Put back', doneLower: 'put back', noun: 'undo' },
  clone: { done: 'Cloned', doneLower: 'cloned', noun: 'clone' },
  import: { done: 'Imported', doneLower: 'imported', noun: 'import' },
}

/** The button that undoes a job of this kind. */
export function undoLabel(kind: JobKind): string {
  return kind === 'clone'
    ? 'Undo clone'
    : kind === 'import'
      ? 'Undo import'
      : kind === 'undo'
        ? 'Undo the undo'
        : 'Undo restore'
}

/** When a backup folder (`1795363200_backup`) was started, in epoch ms; null when not one. */
export function folderTime(folder: string): number | null {
  const match = /^(\d+)_[a-z]+$/i.exec(folder)
  return match ? Number(match[1]) * 1000 : null
}

/** "on dev from the backup of 30 Nov 02:00", "from live to test". */
function whereFrom(job: Job, clock: Clock): string {
  if (job.kind === 'clone') return `from ${job.source.env} to ${job.env}`
  const when = job.source.backupAt === null ? 'an unknown time' : formatWhen(job.source.backupAt, clock)
  if (job.kind === 'undo') return `on ${job.env} from the safety backup of ${when}`
  if (job.source.env === job.env) return `on ${job.env} from the backup of ${when}`
  return `on ${job.env} from ${job.source.env}'s backup of ${when}`
}

/** "on dev", "from live to test": where, without the backup's time. */
function whereShort(job: Job): string {
  return job.kind === 'clone' ? `from ${job.source.env} to ${job.env}` : `on ${job.env}`
}

/** The parts whose content-changing step (not an upload) is in `state`. */
function partsIn(steps: readonly JobStep[], state: JobStep['state']): BackupElement[] {
  return steps
    .filter((s) => s.part !== null && s.kind !== 'upload' && s.state === state)
    .map((s) => s.part as BackupElement)
}

/** What the safety backup allows afterwards, as one sentence. */
export function undoSentence(job: Job, clock: Clock, afterFailure: boolean): string {
  if (job.safety.folder) {
    if (afterFailure) return `${undoLabel(job.kind)} puts back what changed.`
    const at = folderTime(job.safety.folder)
    const when = at === null ? job.safety.folder : formatWhen(at, clock)
    return `${undoLabel(job.kind)} puts back what it replaced (the safety backup of ${when}, kept ${job.safety.keepForDays} days).`
  }
  return afterFailure
    ? 'No safety backup was taken, so Restore Desk cannot put back what changed.'
    : `No safety backup was taken, so Restore Desk cannot undo this ${WORDS[job.kind].noun}.`
}

function runningSummary(job: Job): string {
  const index = Math.max(
    0,
    job.steps.findIndex((s) => s.state === 'running' || s.state === 'pending'),
  )
  const step = job.steps[index]
  const what = `${capitalized(WORDS[job.kind].noun)} ${whereShort(job)}`
  if (!step) return `${what} is finishing.`
  return `${what} in progress, step ${index + 1} of ${job.steps.length}: ${step.label}.`
}

function failedSummary(job: Job, clock: Clock, failed: JobStep): string {
  const words = WORDS[job.kind]
  const reason = asSentence(failed.error ?? 'The platform gave no reason.')
  if (failed.part === null) {
    return (
      `Nothing was changed on ${job.env}: the safety backup did not succeed. ${reason} ` +
      `Start the ${words.noun} again, or start it without a safety backup.`
    )
  }
  const done = partsIn(job.steps, 'succeeded')
  const skipped = partsIn(job.steps, 'skipped')
  const sentences = [
    done.length > 0
      ? `${words.done} ${joinWords(done)} ${whereShort(job)}.`
      : `Nothing was ${words.doneLower} ${whereShort(job)}.`,
    `${capitalized(thePart(failed.part))} ${wasOrWere([failed.part])} not ${words.doneLower}: ${reason}`,
  ]
  if (skipped.length > 0) {
    sentences.push(
      `${capitalized(joinWords(skipped.map(thePart)))} ${wasOrWere(skipped)} not ${words.doneLower} either (skipped after that failure).`,
    )
  }
  sentences.push(undoSentence(job, clock, true))
  return sentences.join(' ')
}

/** The archive an import step brings in, by name ("wp-dump.sql.gz"), or the part's name. */
function archiveName(job: Job, part: 'database' | 'files'): string {
  return job.imports?.[part]?.name ?? `the ${part} archive`
}

/** "Imported wp-dump.sql.gz (12 tables, 38.0 MiB uncompressed) into dev's database." */
function importedSentence(job: Job, part: 'database' | 'files'): string {
  const archive = job.imports?.[part]
  const about = archive?.description ? ` (${archive.description})` : ''
  return `Imported ${archiveName(job, part)}${about} into ${job.env}'s ${part}.`
}

/**
 * An import's summary: each archive imported, the one that failed (nothing imported from a file
 * whose upload failed or was cancelled; not imported when the platform refused it), the ones
 * skipped, and what the safety backup allows.
 */
function importSummary(job: Job, clock: Clock): string {
  const failed = job.steps.find((s) => s.state === 'failed')
  const done = partsIn(job.steps, 'succeeded') as ('database' | 'files')[]
  if (job.state === 'succeeded' || !failed) {
    return [...done.map((part) => importedSentence(job, part)), undoSentence(job, clock, false)].join(' ')
  }
  if (failed.part === null) return failedSummary(job, clock, failed)
  const part = failed.part as 'database' | 'files'
  const reason = asSentence(failed.error ?? 'The platform gave no reason.')
  const sentences = done.map((p) => importedSentence(job, p))
  sentences.push(
    failed.kind === 'upload'
      ? `Nothing was imported from ${archiveName(job, part)}: ${reason}`
      : `${archiveName(job, part)} was not imported into ${job.env}'s ${part}: ${reason}`,
  )
  const skipped = (partsIn(job.steps, 'skipped') as ('database' | 'files')[]).filter((p) => p !== part)
  for (const p of skipped)
    sentences.push(`${archiveName(job, p)} was not imported either (skipped after that failure).`)
  const changed = done.length > 0 || failed.kind !== 'upload'
  sentences.push(
    changed
      ? undoSentence(job, clock, true)
      : `Nothing on ${job.env} was changed${job.safety.folder ? '; its safety backup stays in its backups' : ''}.`,
  )
  return sentences.join(' ')
}

/** The job's summary from its steps' states. */
export function jobSummary(job: Job, clock: Clock): string {
  if (job.state === 'running') return runningSummary(job)
  if (job.kind === 'import') return importSummary(job, clock)
  const failed = job.steps.find((s) => s.state === 'failed')
  if (job.state === 'failed' && failed) return failedSummary(job, clock, failed)
  if (job.state === 'failed') return `The ${WORDS[job.kind].noun} ${whereShort(job)} stopped before it began.`
  return `${WORDS[job.kind].done} ${joinWords(job.parts)} ${whereFrom(job, clock)}. ${undoSentence(job, clock, false)}`
}

/** The OS notification's title when a job ends. */
export function endTitle(job: Job): string {
  const noun = capitalized(WORDS[job.kind].noun)
  return job.state === 'succeeded' ? `${noun} of ${job.env} finished` : `${noun} of ${job.env} stopped`
}
