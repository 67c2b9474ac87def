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
 *   more) when the platform says the link had expired.
 */
import type { Job, JobStep } from '../../shared/jobs'
import type { Workflow } from '../../shared/platform-types'
import { watchWorkflow, type WatchWorkflowOptions } from '../api/workflows'
import { AppError, scrubSystemText } from '../errors'
import type { EventHub } from '../events'
import type { JobStore, StoredJob } from './job-store'
import type { PlannedJob, StepRequest } from './plan'
import { busyReason, undoParts } from './rules'
import { findSafetyBackup, findStartedWorkflow, startStepWorkflow, type JobClient } from './step-workflows'
import { endTitle, jobSummary } from './summary'
import { joinWords, systemClock, type Clock } from './wording'

export type { JobClient } from './step-workflows'

/** How many workflows an import step may start (the first and at most two after expired links). */
export const MAX_IMPORT_ATTEMPTS = 3

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
}

/** A step ended: null when it succeeded, else the reason it failed. */
type StepOutcome = string | null

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The platform's reason for a failed import reads like an expired or refused link. */
export function isExpiredLinkFailure(reason: string): boolean {
  return /expired|\b403\b/i.test(reason)
}

/** Starts, follows and records jobs; resumes them after a restart. */
export class JobRunner {
  readonly #options: JobRunnerOptions
  readonly #clock: Clock
  readonly #controller = new AbortController()
  readonly #runs = new Map<string, Promise<void>>()
  readonly #reserved = new Set<string>()

  constructor(options: JobRunnerOptions) {
    this.#options = options
    this.#clock = options.clock ?? systemClock
  }

  /** This connection's jobs on a site, newest first. */
  jobsOf(connectionId: string, siteId: string): Job[] {
    return this.#options.store
      .all()
      .map((s) => s.job)
      .filter((job) => job.connectionId === connectionId && job.siteId === siteId)
      .reverse()
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
        `Another restore, undo or clone of ${env} is being started from Restore Desk right now. Wait for it, then try again.`,
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
      if (undone) await this.#update(undone.job.id, (s) => ({ ...s, job: { ...s.job, undoneBy: stored.job.id } }))
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

  #stored(id: string): StoredJob {
    const stored = this.#options.store.get(id)
    if (!stored) throw new Error(`The job ${id} is no longer in the job list.`)
    return stored
  }

  /** Applies a change, rewrites the summary, saves (waiting for the disk) and tells every page. */
  async #update(id: string, change: (stored: StoredJob) => StoredJob): Promise<StoredJob> {
    const changed = change(this.#stored(id))
    const next = { ...changed, job: { ...changed.job, summary: jobSummary(changed.job, this.#clock) } }
    const saved = this.#options.store.put(next)
    this.#options.events.emit('jobs:changed', next.job)
    await saved
    return next
  }

  #updateStep(id: string, stepId: string, patch: (step: JobStep) => Partial<JobStep>): Promise<StoredJob> {
    return this.#update(id, (s) => ({
      ...s,
      job: { ...s.job, steps: s.job.steps.map((step) => (step.id === stepId ? { ...step, ...patch(step) } : step)) },
    }))
  }

  async #run(id: string): Promise<void> {
    const signal = this.#controller.signal
    try {
      const client = await this.#options.clientFor(this.#stored(id).job.connectionId)
      for (;;) {
        const step = this.#stored(id).job.steps.find((s) => s.state === 'pending' || s.state === 'running')
        if (!step) break
        const outcome = await this.#runStep(client, id, step.id, signal)
        if (outcome !== null) {
          await this.#failFrom(id, step.id, outcome)
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
      await this.#failFrom(
        id,
        step.id,
        `Restore Desk stopped following this step: ${messageOf(error)} The site's activity shows how its workflow ended.`,
      ).catch(() => undefined)
      await this.#finish(id).catch(() => undefined)
    }
  }

  async #runStep(client: JobClient, id: string, stepId: string, signal: AbortSignal): Promise<StepOutcome> {
    const request = this.#stored(id).requests[stepId]!
    for (;;) {
      const workflow = await this.#startOrAdopt(client, id, stepId, request, signal)
      if (typeof workflow === 'string') return workflow
      const final = await this.#follow(client, id, stepId, workflow.id, workflow.known, signal)
      if (!final.succeeded) {
        const reason = final.failureReason ?? 'The workflow failed.'
        const attempts = this.#step(id, stepId).attempts
        if (request.type === 'do_import' && isExpiredLinkFailure(reason) && attempts < MAX_IMPORT_ATTEMPTS) {
          // The link expired before the platform fetched it: a fresh link and a new start.
          await this.#update(id, (s) => ({ ...s, starting: withoutKey(s.starting, stepId) }))
          await this.#updateStep(id, stepId, () => ({ workflowId: null, error: reason, progress: null }))
          continue
        }
        return reason
      }
      if (request.type === 'do_export') {
        const folder = await findSafetyBackup(client, this.#stored(id).job, final, this.#clock)
        if (!folder) {
          const job = this.#stored(id).job
          return (
            `The safety backup of ${job.env} finished, but ${job.env}'s catalog lists no manual backup from that time ` +
            `with the ${joinWords(job.parts)}, so nothing was changed. Look at ${job.env}'s backups, then start again.`
          )
        }
        await this.#update(id, (s) => ({ ...s, job: { ...s.job, safety: { ...s.job.safety, folder: folder.folder } } }))
      }
      await this.#updateStep(id, stepId, () => ({
        state: 'succeeded',
        finishedAt: this.#clock.now(),
        error: null,
      }))
      return null
    }
  }

  #step(id: string, stepId: string): JobStep {
    return this.#stored(id).job.steps.find((s) => s.id === stepId)!
  }

  /**
   * The step's workflow: the one it has, the one a start cut short by a restart made, or a new
   * one (`known`: its state as the platform last answered, when there is one at hand). A string
   * is the reason the platform refused to start it.
   */
  async #startOrAdopt(
    client: JobClient,
    id: string,
    stepId: string,
    request: StepRequest,
    signal: AbortSignal,
  ): Promise<{ readonly id: string; readonly known: Workflow | null } | string> {
    const stored = this.#stored(id)
    const { job } = stored
    const step = this.#step(id, stepId)
    if (step.workflowId) return { id: step.workflowId, known: null }
    const inFlight = Object.hasOwn(stored.starting, stepId) ? stored.starting[stepId]! : null
    if (step.state === 'running' && inFlight) {
      const adopted = await findStartedWorkflow(client, stored, request, inFlight, signal)
      if (adopted) {
        await this.#updateStep(id, stepId, () => ({ workflowId: adopted.id }))
        return { id: adopted.id, known: adopted }
      }
    }
    const refused = (error: unknown): string => {
      if (signal.aborted) throw error
      return `The platform did not start it: ${messageOf(error)}`
    }
    let url: string | null = null
    if (request.type === 'do_import') {
      try {
        url = await client.getBackupDownloadUrl(job.siteId, request.sourceEnv, request.folder, request.element, {
          signal,
        })
      } catch (error) {
        return refused(error)
      }
    }
    // On disk before the request goes out: a restart in between looks for the workflow first.
    const at = this.#clock.now()
    await this.#update(id, (s) => ({
      ...s,
      starting: { ...s.starting, [stepId]: { at, url } },
      job: {
        ...s.job,
        steps: s.job.steps.map((current) =>
          current.id === stepId
            ? {
                ...current,
                state: 'running',
                startedAt: current.startedAt ?? at,
                attempts: current.attempts + 1,
                workflowId: null,
                progress: null,
              }
            : current,
        ),
      },
    }))
    let workflow: Workflow
    try {
      workflow = await startStepWorkflow(client, job, request, url, signal)
    } catch (error) {
      return refused(error)
    }
    await this.#updateStep(id, stepId, () => ({ workflowId: workflow.id, workflowType: workflow.type }))
    return { id: workflow.id, known: workflow }
  }

  /** Follows a workflow to its end, recording its progress on the step. */
  async #follow(
    client: JobClient,
    id: string,
    stepId: string,
    workflowId: string,
    known: Workflow | null,
    signal: AbortSignal,
  ): Promise<Workflow> {
    const record = (w: Workflow): void => {
      const progress = { step: w.step, of: w.numberOfTasks, activity: w.activeDescription }
      const current = this.#step(id, stepId).progress
      if (current && JSON.stringify(current) === JSON.stringify(progress)) return
      this.#updateStep(id, stepId, () => ({ progress })).catch((error: unknown) =>
        this.#options.log?.(`[jobs] could not save the progress of job ${id}: ${messageOf(error)}`),
      )
    }
    if (known) {
      record(known)
      if (known.finished) return known
    }
    // Polls survive network blips and 5xx (watchWorkflow); anything else ends the step.
    return watchWorkflow(client, this.#stored(id).job.siteId, workflowId, {
      ...this.#options.watch,
      signal,
      onUpdate: (update) => record(update.workflow),
    })
  }

  /** Marks `stepId` failed with `reason`, the steps after it skipped, and the job failed. */
  async #failFrom(id: string, stepId: string, reason: string): Promise<void> {
    const now = this.#clock.now()
    await this.#update(id, (s) => {
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

  async #finish(id: string): Promise<void> {
    const stored = await this.#update(id, (s) => {
      const failed = s.job.state === 'failed' || s.job.steps.some((step) => step.state === 'failed')
      return { ...s, job: { ...s.job, state: failed ? 'failed' : 'succeeded', finishedAt: this.#clock.now() } }
    })
    const undone = stored.job.undoes ? this.#options.store.get(stored.job.undoes) : undefined
    if (undone && undone.job.undoneBy === id && undoParts(stored.job).length === 0) {
      // An undo that changed nothing (its safety backup failed) leaves the job undoable again.
      await this.#update(undone.job.id, (s) => ({ ...s, job: { ...s.job, undoneBy: null } }))
    }
    this.#options.notify?.(endTitle(stored.job), stored.job.summary)
  }
}

function withoutKey<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => k !== key))
}
