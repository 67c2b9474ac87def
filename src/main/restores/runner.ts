/**
 * Carries out jobs: one platform workflow per step, one step after another, each started,
 * followed to its end and recorded (progress, state, the platform's reason) in the job store,
 * with the whole job pushed to every page as `jobs:changed` after each change. The first step
 * that fails stops the job; the steps after it are skipped.
 *
 * What makes it safe to rely on:
 * - One at a time: a job starts only when the platform's workflow list, asked fresh, shows
 *   nothing replacing content or code on the environment, and this app runs no job there
 *   (rules.ts); two starts racing inside this process are kept apart by a reservation.
 * - Restarts: every change is on disk before the next request goes out. A job that was running
 *   when the app stopped is resumed by {@link JobRunner.resume}: a step with a workflow id is
 *   followed again; a step whose start was asked but not answered looks for its workflow in the
 *   platform's list (same type and environment, created from 5 s before the ask) before
 *   starting one, so nothing runs twice.
 * - The safety backup's folder is read back from the catalog before anything changes; without
 *   it the job stops there, having changed nothing.
 * - Imports fetch their signed link right before each start and start again (at most twice
 *   more) when the platform says the link had expired; an import of an uploaded archive whose
 *   link expired uploads it again first.
 * - Upload steps (imports of staged files) send the file through ./imports/upload-step; each
 *   run asks for a new link, so one cut short by a restart is simply run again. They report
 *   bytes, rate and time left (kept in memory, not written to disk every time), and
 *   {@link JobRunner.cancel} stops one: the job fails there, nothing of that file is imported.
 */
import type { Job } from '../../shared/jobs'
import type { WatchWorkflowOptions } from '../api/workflows'
import { AppError } from '../errors'
import type { EventHub } from '../events'
import type { UploadStepRunner } from '../imports/upload-step'
import { JobRecords } from './job-records'
import type { JobStore, StoredJob } from './job-store'
import type { PlannedJob } from './plan'
import { busyReason, undoParts } from './rules'
import { AGAIN, messageOf, StepRunner } from './step-runner'
import type { JobClient } from './step-workflows'
import { endTitle, jobSummary } from './summary'
import { systemClock, type Clock } from './wording'

export type { JobClient } from './step-workflows'
export { isExpiredLinkFailure, MAX_IMPORT_ATTEMPTS } from './step-runner'

export interface JobRunnerOptions {
  readonly store: JobStore
  readonly clientFor: (connectionId: string) => Promise<JobClient>
  readonly events: EventHub
  /** Told when a job ends (the desktop shows an OS notification when no window is focused). */
  readonly notify?: (title: string, body: string) => void
  readonly log?: (line: string) => void
  readonly clock?: Clock
  /** Poll options (tests); the defaults suit people. */
  readonly watch?: Pick<WatchWorkflowOptions, 'intervalMs' | 'stallAfterMs' | 'now' | 'sleep'>
  /** Carries out upload steps (imports of staged files). */
  readonly uploads?: UploadStepRunner
  /** Told when a job has ended (imports remove their staged files). */
  readonly onEnd?: (stored: StoredJob) => void
}

/** Why an import asked to stop while its safety backup ran ends before its next step. */
const CANCELLED_BEFORE = 'the import was cancelled before this step began'

/** Starts, follows and records jobs; resumes them after a restart. */
export class JobRunner {
  readonly #options: JobRunnerOptions
  readonly #clock: Clock
  readonly #controller = new AbortController()
  readonly #runs = new Map<string, Promise<void>>()
  readonly #reserved = new Set<string>()
  readonly #records: JobRecords
  readonly #steps: StepRunner
  /** Imports asked to stop before their next step. */
  readonly #cancelled = new Set<string>()

  constructor(options: JobRunnerOptions) {
    this.#options = options
    this.#clock = options.clock ?? systemClock
    this.#records = new JobRecords(options.store, options.events, this.#clock)
    this.#steps = new StepRunner({
      records: this.#records,
      clock: this.#clock,
      ...(options.watch ? { watch: options.watch } : {}),
      ...(options.uploads ? { uploads: options.uploads } : {}),
      ...(options.log ? { log: options.log } : {}),
    })
  }

  /** This connection's jobs on a site, newest first. */
  jobsOf(connectionId: string, siteId: string): Job[] {
    return this.#options.store
      .all()
      .map((s) => s.job)
      .filter((job) => job.connectionId === connectionId && job.siteId === siteId)
      .reverse()
  }

  /** Every job as kept, with its requests (imports look for the staged files they use). */
  storedJobs(): StoredJob[] {
    return this.#options.store.all()
  }

  get(jobId: string): Job | undefined {
    return this.#options.store.get(jobId)?.job
  }

  /** Why `env` cannot take a job now (asked fresh from the platform), or null. */
  async busyReason(client: JobClient, connectionId: string, siteId: string, env: string): Promise<string | null> {
    const workflows = await client.listWorkflows(siteId)
    return busyReason(env, workflows, this.jobsOf(connectionId, siteId), this.#clock)
  }

  /**
   * Starts a job on `env` once it is free: `plan` builds it (reading what it needs from the
   * platform) only after the busy check passed. Refuses with `AppError('busy', reason)`.
   */
  async start(
    client: JobClient,
    connectionId: string,
    siteId: string,
    env: string,
    plan: () => Promise<PlannedJob>,
  ): Promise<Job> {
    const key = `${connectionId}\n${siteId}\n${env}`
    if (this.#reserved.has(key)) {
      throw new AppError(
        'busy',
        `Another restore, undo, clone or import of ${env} is being started from Restore Desk right now. Wait for it, then try again.`,
      )
    }
    this.#reserved.add(key)
    try {
      const reason = await this.busyReason(client, connectionId, siteId, env)
      if (reason) throw new AppError('busy', reason)
      const planned = await plan()
      const stored: StoredJob = {
        job: { ...planned.job, summary: jobSummary(planned.job, this.#clock) },
        requests: planned.requests,
        starting: {},
      }
      try {
        await this.#options.store.put(stored)
      } catch (error) {
        // A job that is not on disk could not be resumed after a restart: better not to start it.
        this.#options.store.forget(stored.job.id)
        throw new AppError(
          'not_saved',
          `Restore Desk could not save the ${stored.job.kind} to its data folder, so nothing was started (${messageOf(error)}). Check the disk, then try again.`,
          { cause: error },
        )
      }
      this.#options.events.emit('jobs:changed', stored.job)
      const undone = planned.job.undoes ? this.#options.store.get(planned.job.undoes) : undefined
      if (undone) {
        await this.#records.update(undone.job.id, (s) => ({ ...s, job: { ...s.job, undoneBy: stored.job.id } }))
      }
      this.#launch(stored.job.id)
      return stored.job
    } finally {
      this.#reserved.delete(key)
    }
  }

  /** Resumes every running job of a connection that is not already being carried out. */
  resume(connectionId: string): void {
    for (const stored of this.#options.store.all()) {
      if (stored.job.state === 'running' && stored.job.connectionId === connectionId) this.#launch(stored.job.id)
    }
  }

  /**
   * Stops an import: its running upload at once (the job fails there; what was imported before
   * stays, and so does the safety backup), or, while its safety backup runs, before the upload.
   * An import the platform is carrying out cannot be stopped half-way.
   */
  async cancel(jobId: string): Promise<Job> {
    const job = this.get(jobId)
    if (!job) throw new AppError('not_found', 'That import is not in the job list any more. Reload the activity.')
    if (job.kind !== 'import') {
      throw new AppError('bad_request', `Only an import's upload can be cancelled; a ${job.kind} runs to its end.`)
    }
    if (job.state !== 'running') return job
    const step = job.steps.find((s) => s.state === 'running' || s.state === 'pending')
    if (this.#steps.cancelUpload(jobId)) {
      await this.settled(jobId)
      return this.get(jobId) ?? job
    }
    if (step && step.kind === 'import' && step.state === 'running') {
      throw new AppError(
        'busy',
        `The platform is importing into ${job.env} now, which cannot be stopped half-way. Wait until it has finished; the job then says what changed.`,
      )
    }
    this.#cancelled.add(jobId)
    return job
  }

  /** Resolves when the job's current run has stopped (tests, shutdown). */
  async settled(jobId: string): Promise<void> {
    await this.#runs.get(jobId)
  }

  /** Stops following every job (they stay `running` on disk and are resumed on the next start). */
  async close(): Promise<void> {
    this.#controller.abort(new AppError('closing', 'Restore Desk is closing.'))
    await Promise.allSettled([...this.#runs.values()])
    await this.#options.store.flush().catch(() => undefined)
  }

  #launch(id: string): void {
    if (this.#runs.has(id) || this.#controller.signal.aborted) return
    const run = this.#run(id).finally(() => this.#runs.delete(id))
    this.#runs.set(id, run)
  }

  async #run(id: string): Promise<void> {
    const signal = this.#controller.signal
    const records = this.#records
    try {
      const client = await this.#options.clientFor(records.job(id).connectionId)
      for (;;) {
        const step = records.job(id).steps.find((s) => s.state === 'pending' || s.state === 'running')
        if (!step) break
        if (this.#cancelled.has(id) && (step.state === 'pending' || step.kind === 'upload')) {
          await records.failFrom(id, step.id, CANCELLED_BEFORE)
          break
        }
        const outcome = await this.#steps.run(client, id, step.id, signal)
        if (outcome === AGAIN) continue
        if (outcome !== null) {
          await records.failFrom(id, step.id, outcome)
          break
        }
      }
      await this.#finish(id)
    } catch (error) {
      // Closing leaves the job running on disk, to be resumed on the next start.
      if (signal.aborted) return
      this.#options.log?.(`[jobs] job ${id} stopped: ${messageOf(error)}`)
      const step = this.#options.store.get(id)?.job.steps.find((s) => s.state === 'pending' || s.state === 'running')
      if (!step) return
      await records
        .failFrom(
          id,
          step.id,
          `Restore Desk stopped following this step: ${messageOf(error)} The site's activity shows how its workflow ended.`,
        )
        .catch(() => undefined)
      await this.#finish(id).catch(() => undefined)
    } finally {
      this.#cancelled.delete(id)
    }
  }

  async #finish(id: string): Promise<void> {
    const stored = await this.#records.update(id, (s) => {
      const failed = s.job.state === 'failed' || s.job.steps.some((step) => step.state === 'failed')
      return { ...s, job: { ...s.job, state: failed ? 'failed' : 'succeeded', finishedAt: this.#clock.now() } }
    })
    const undone = stored.job.undoes ? this.#options.store.get(stored.job.undoes) : undefined
    if (undone && undone.job.undoneBy === id && undoParts(stored.job).length === 0) {
      // An undo that changed nothing (its safety backup failed) leaves the job undoable again.
      await this.#records.update(undone.job.id, (s) => ({ ...s, job: { ...s.job, undoneBy: null } }))
    }
    this.#options.notify?.(endTitle(stored.job), stored.job.summary)
    this.#options.onEnd?.(stored)
  }
}
