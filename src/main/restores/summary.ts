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
}

/** The button that undoes a job of this kind. */
export function undoLabel(kind: JobKind): string {
  return kind === 'clone' ? 'Undo clone' : kind === 'undo' ? 'Undo the undo' : 'Undo restore'
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

function partsIn(steps: readonly JobStep[], state: JobStep['state']): BackupElement[] {
  return steps.filter((s) => s.part !== null && s.state === state).map((s) => s.part as BackupElement)
}

/** What the safety backup allows afterwards, as one sentence. */
function undoSentence(job: Job, clock: Clock, afterFailure: boolean): string {
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

/** The job's summary from its steps' states. */
export function jobSummary(job: Job, clock: Clock): string {
  if (job.state === 'running') return runningSummary(job)
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
