/**
 * One progress figure for the taskbar button (Windows), the dock icon (macOS) and the launcher
 * (Linux, where the desktop shows one), over everything long the app is doing: downloads, and
 * restore, clone and import jobs with their uploads. It follows the main services' events
 * (`downloads:changed`, `jobs:changed`) and is cleared as soon as nothing runs.
 *
 * Bytes and workflow steps have no common unit, so each running download and each running job is
 * one share: downloads are pooled by bytes (a large file weighs more than a small one), a job
 * counts its finished steps plus the part of its current step that is known (an upload's bytes,
 * the workflow's step of its steps). What is not known counts as not done, so the figure never
 * runs ahead of the work, and it stays below full while anything still runs (a download that
 * has every byte is still being checked). When nothing can be measured it is indeterminate.
 */
import type { DownloadChange, DownloadItem } from '../../shared/downloads'
import type { EventPayload } from '../../shared/ipc'
import type { Job, JobStep } from '../../shared/jobs'
import type { EventHub } from '../events'

/** What the taskbar shows (Electron's `setProgressBar` modes). */
export type TaskbarProgress =
  | { readonly mode: 'none' }
  | { readonly mode: 'indeterminate' }
  /** `paused`: everything that has not finished is a paused download. */
  | { readonly mode: 'normal' | 'paused'; readonly fraction: number }

const ACTIVE_DOWNLOAD_STATES: ReadonlySet<DownloadItem['state']> = new Set([
  'queued',
  'downloading',
  'paused',
  'verifying',
])

/** The highest fraction shown while something still runs. */
const BELOW_FULL = 0.99

/** How far the current step of a job is, 0..1, or null when the platform has not said. */
function stepFraction(step: JobStep): number | null {
  const progress = step.progress
  if (!progress) return null
  if (progress.transfer && progress.transfer.total > 0)
    return Math.min(1, progress.transfer.sent / progress.transfer.total)
  // The platform's step is 1-based and names the one under way: steps before it are done.
  if (progress.step !== null && progress.of !== null && progress.of > 0)
    return Math.min(1, Math.max(0, (progress.step - 1) / progress.of))
  return null
}

/** How far a running job is, 0..1, or null when nothing about it can be measured yet. */
export function jobFraction(job: Job): number | null {
  if (job.steps.length === 0) return null
  const done = job.steps.filter((step) => step.state === 'succeeded').length
  const running = job.steps.find((step) => step.state === 'running')
  const current = running ? stepFraction(running) : null
  if (done === 0 && current === null) return null
  return (done + (current ?? 0)) / job.steps.length
}

/** The taskbar's figure for these downloads and jobs (any state; only running ones count). */
export function taskbarProgress(downloads: Iterable<DownloadItem>, jobs: Iterable<Job>): TaskbarProgress {
  const active = [...downloads].filter((item) => ACTIVE_DOWNLOAD_STATES.has(item.state))
  const running = [...jobs].filter((job) => job.state === 'running')
  const shares = active.length + running.length
  if (shares === 0) return { mode: 'none' }

  let known = false
  let sum = 0
  if (active.length > 0) {
    const total = active.reduce((bytes, item) => bytes + (item.totalBytes || item.expectedSize), 0)
    const received = active.reduce(
      (bytes, item) => bytes + Math.min(item.receivedBytes, item.totalBytes || item.expectedSize),
      0,
    )
    if (total > 0) {
      known = true
      sum += active.length * (received / total)
    }
  }
  for (const job of running) {
    const fraction = jobFraction(job)
    if (fraction === null) continue
    known = true
    sum += fraction
  }
  if (!known) return { mode: 'indeterminate' }
  // Rounded down to whole percents: nothing finer shows, and fewer updates reach the window.
  const fraction = Math.min(BELOW_FULL, Math.floor((sum / shares) * 100) / 100)
  const paused = running.length === 0 && active.every((item) => item.state === 'paused')
  return { mode: paused ? 'paused' : 'normal', fraction }
}

function sameProgress(a: TaskbarProgress, b: TaskbarProgress): boolean {
  if (a.mode !== b.mode) return false
  return !('fraction' in a) || !('fraction' in b) || a.fraction === b.fraction
}

/** Keeps the running downloads and jobs and tells `onChange` whenever the figure changes. */
export class TaskbarProgressTracker {
  readonly #downloads = new Map<string, DownloadItem>()
  readonly #jobs = new Map<string, Job>()
  readonly #onChange: (progress: TaskbarProgress) => void
  #shown: TaskbarProgress = { mode: 'none' }

  constructor(onChange: (progress: TaskbarProgress) => void) {
    this.#onChange = onChange
  }

  /** What is running already when the tracker starts (downloads restored, jobs resumed). */
  seed(downloads: Iterable<DownloadItem>, jobs: Iterable<Job>): void {
    for (const item of downloads) this.#downloads.set(item.id, item)
    for (const job of jobs) this.#jobs.set(job.id, job)
    this.#update()
  }

  downloadChanged(change: DownloadChange): void {
    if (change.type === 'removed' || !ACTIVE_DOWNLOAD_STATES.has(change.item.state)) this.#downloads.delete(change.id)
    else this.#downloads.set(change.id, change.item)
    this.#update()
  }

  jobChanged(job: Job): void {
    if (job.state === 'running') this.#jobs.set(job.id, job)
    else this.#jobs.delete(job.id)
    this.#update()
  }

  /** The figure shown now. */
  get current(): TaskbarProgress {
    return this.#shown
  }

  #update(): void {
    const next = taskbarProgress(this.#downloads.values(), this.#jobs.values())
    if (sameProgress(next, this.#shown)) return
    this.#shown = next
    this.#onChange(next)
  }
}

/** Feeds the tracker from the main services' event hub; returns the unsubscribe function. */
export function followTaskbarProgress(events: EventHub, tracker: TaskbarProgressTracker): () => void {
  return events.subscribe((channel, payload) => {
    if (channel === 'downloads:changed') tracker.downloadChanged(payload as EventPayload<'downloads:changed'>)
    else if (channel === 'jobs:changed') tracker.jobChanged(payload as EventPayload<'jobs:changed'>)
  })
}
