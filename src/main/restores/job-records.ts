/**
 * The runner's bookkeeping of jobs: every change to a job rewrites its summary, is saved
 * (waiting for the disk, which the runner relies on before it asks the platform for anything)
 * and is pushed to every page as `jobs:changed`. Upload progress, several times a second, is
 * pushed but kept in memory only: the next saved change carries it.
 */
import type { Job, JobStep, JobStepProgress } from '../../shared/jobs'
import { scrubSystemText } from '../errors'
import type { EventHub } from '../events'
import type { JobStore, StoredJob } from './job-store'
import { jobSummary } from './summary'
import type { Clock } from './wording'

export class JobRecords {
  constructor(
    private readonly store: JobStore,
    private readonly events: EventHub,
    private readonly clock: Clock,
  ) {}

  stored(id: string): StoredJob {
    const stored = this.store.get(id)
    if (!stored) throw new Error(`The job ${id} is no longer in the job list.`)
    return stored
  }

  job(id: string): Job {
    return this.stored(id).job
  }

  step(id: string, stepId: string): JobStep {
    return this.job(id).steps.find((s) => s.id === stepId)!
  }

  /** Applies a change, rewrites the summary, saves (waiting for the disk) and tells every page. */
  async update(id: string, change: (stored: StoredJob) => StoredJob): Promise<StoredJob> {
    const changed = change(this.stored(id))
    const next = { ...changed, job: { ...changed.job, summary: jobSummary(changed.job, this.clock) } }
    const saved = this.store.put(next)
    this.events.emit('jobs:changed', next.job)
    await saved
    return next
  }

  updateStep(id: string, stepId: string, patch: (step: JobStep) => Partial<JobStep>): Promise<StoredJob> {
    return this.update(id, (s) => ({ ...s, job: withStep(s.job, stepId, patch) }))
  }

  /** A step's live progress, told to every page and kept in memory until the next save. */
  progress(id: string, stepId: string, progress: JobStepProgress): void {
    const stored = this.store.get(id)
    if (!stored) return
    const next = { ...stored, job: withStep(stored.job, stepId, () => ({ progress })) }
    this.store.setInMemory(next)
    this.events.emit('jobs:changed', next.job)
  }

  /** Marks `stepId` failed with `reason`, the steps after it skipped, and the job failed. */
  async failFrom(id: string, stepId: string, reason: string): Promise<void> {
    const now = this.clock.now()
    await this.update(id, (s) => {
      let after = false
      const steps = s.job.steps.map((step): JobStep => {
        if (step.id === stepId) {
          after = true
          return {
            ...step,
            state: 'failed',
            error: scrubSystemText(reason),
            finishedAt: now,
            startedAt: step.startedAt ?? now,
          }
        }
        return after && (step.state === 'pending' || step.state === 'running') ? { ...step, state: 'skipped' } : step
      })
      return { ...s, job: { ...s.job, steps, state: 'failed' } }
    })
  }
}

function withStep(job: Job, stepId: string, patch: (step: JobStep) => Partial<JobStep>): Job {
  return { ...job, steps: job.steps.map((step) => (step.id === stepId ? { ...step, ...patch(step) } : step)) }
}

/** The record without one key. */
export function withoutKey<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => k !== key))
}
