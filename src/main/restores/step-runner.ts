/**
 * One step of a job, carried out: its workflow started (or adopted after a restart, or started
 * again after an expired link) and followed to its end, or, for an upload step, the staged file
 * sent (./imports/upload-step). The runner (./runner) decides which step runs; this module does
 * it and records each change through {@link JobRecords}.
 */
import type { Workflow } from '../../shared/platform-types'
import { watchWorkflow, type WatchWorkflowOptions } from '../api/workflows'
import type { UploadStepRunner } from '../imports/upload-step'
import { AppError } from '../errors'
import { withoutKey, type JobRecords } from './job-records'
import type { StepRequest, UploadRequest } from './plan'
import { findSafetyBackup, findStartedWorkflow, importLink, startStepWorkflow, type JobClient } from './step-workflows'
import { joinWords, type Clock } from './wording'

/** How many workflows an import step may start (the first and at most two after expired links). */
export const MAX_IMPORT_ATTEMPTS = 3

/** Go back to the step before (an uploaded archive's link expired: upload again). */
export const AGAIN = Symbol('again')

/** A step ended: null when it succeeded, else the reason it failed, or {@link AGAIN}. */
export type StepOutcome = string | null | typeof AGAIN

/** Why a cancelled upload stopped, as its step's error. */
export const CANCELLED = 'the upload was cancelled'

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The platform's reason for a failed import reads like an expired or refused link. */
export function isExpiredLinkFailure(reason: string): boolean {
  return /expired|\b403\b/i.test(reason)
}

export interface StepRunnerOptions {
  readonly records: JobRecords
  readonly clock: Clock
  readonly watch?: Pick<WatchWorkflowOptions, 'intervalMs' | 'stallAfterMs' | 'now' | 'sleep'>
  readonly uploads?: UploadStepRunner
  readonly log?: (line: string) => void
}

/** Carries out steps; one per runner. */
export class StepRunner {
  readonly #options: StepRunnerOptions
  readonly #records: JobRecords
  readonly #clock: Clock
  /** The running upload of each job, to cancel it. */
  readonly #uploads = new Map<string, AbortController>()

  constructor(options: StepRunnerOptions) {
    this.#options = options
    this.#records = options.records
    this.#clock = options.clock
  }

  /** Stops the job's running upload; false when none runs. */
  cancelUpload(jobId: string): boolean {
    const upload = this.#uploads.get(jobId)
    if (!upload) return false
    upload.abort(new AppError('cancelled', CANCELLED))
    return true
  }

  /** Runs one step to its end: null when it succeeded, else why not, or {@link AGAIN}. */
  async run(client: JobClient, id: string, stepId: string, signal: AbortSignal): Promise<StepOutcome> {
    const records = this.#records
    const request = records.stored(id).requests[stepId]!
    if (request.type === 'upload') return this.#runUpload(client, id, stepId, request, signal)
    for (;;) {
      const workflow = await this.#startOrAdopt(client, id, stepId, request, signal)
      if (workflow === AGAIN) return this.#uploadAgain(id, stepId, request)
      if (typeof workflow === 'string') return workflow
      const final = await this.#follow(client, id, stepId, workflow.id, workflow.known, signal)
      if (!final.succeeded) {
        const reason = final.failureReason ?? 'The workflow failed.'
        const attempts = records.step(id, stepId).attempts
        if (request.type === 'do_import' && isExpiredLinkFailure(reason) && attempts < MAX_IMPORT_ATTEMPTS) {
          if ('url' in request) return reason
          if ('uploadStep' in request) return this.#uploadAgain(id, stepId, request, reason)
          // The link expired before the platform fetched it: a fresh link and a new start.
          await records.update(id, (s) => ({ ...s, starting: withoutKey(s.starting, stepId) }))
          await records.updateStep(id, stepId, () => ({ workflowId: null, error: reason, progress: null }))
          continue
        }
        return reason
      }
      if (request.type === 'do_export') {
        const folder = await findSafetyBackup(client, records.job(id), final, this.#clock)
        if (!folder) {
          const job = records.job(id)
          return (
            `The safety backup of ${job.env} finished, but ${job.env}'s catalog lists no manual backup from that time ` +
            `with the ${joinWords(job.parts)}, so nothing was changed. Look at ${job.env}'s backups, then start again.`
          )
        }
        await records.update(id, (s) => ({
          ...s,
          job: { ...s.job, safety: { ...s.job.safety, folder: folder.folder } },
        }))
      }
      await records.updateStep(id, stepId, () => ({ state: 'succeeded', finishedAt: this.#clock.now(), error: null }))
      return null
    }
  }

  /** Sends a staged file (a new link each run); cancel() or close() stop it. */
  async #runUpload(
    client: JobClient,
    id: string,
    stepId: string,
    request: UploadRequest,
    signal: AbortSignal,
  ): Promise<StepOutcome> {
    const records = this.#records
    if (!this.#options.uploads) return 'Restore Desk cannot upload files in this session. Restart it, then try again.'
    // Known before the first await, so that a cancel arriving meanwhile stops it.
    const cancel = new AbortController()
    this.#uploads.set(id, cancel)
    try {
      const at = this.#clock.now()
      await records.updateStep(id, stepId, (step) => ({
        state: 'running',
        startedAt: step.startedAt ?? at,
        attempts: step.attempts + 1,
        progress: { step: null, of: null, activity: `Preparing the upload of ${request.name}` },
      }))
      const job = records.job(id)
      const target = await this.#options.uploads.run({
        client,
        siteId: job.siteId,
        env: job.env,
        request,
        signal: AbortSignal.any([signal, cancel.signal]),
        onProgress: (progress) => records.progress(id, stepId, progress),
      })
      await records.update(id, (s) => ({
        ...s,
        uploaded: { ...s.uploaded, [stepId]: { downloadUrl: target.downloadUrl, expiresAt: target.expiresAt } },
      }))
      await records.updateStep(id, stepId, () => ({ state: 'succeeded', finishedAt: this.#clock.now(), error: null }))
      return null
    } catch (error) {
      // Closing: the step stays running on disk and uploads again on the next start.
      if (signal.aborted) throw error
      return cancel.signal.aborted ? CANCELLED : messageOf(error)
    } finally {
      this.#uploads.delete(id)
    }
  }

  /**
   * The uploaded archive's link expired before the platform fetched it: the upload step runs
   * again (a new link), then this step; at most {@link MAX_IMPORT_ATTEMPTS} uploads in all.
   */
  async #uploadAgain(
    id: string,
    stepId: string,
    request: StepRequest,
    reason = 'The link of the uploaded archive expired before the platform fetched it.',
  ): Promise<StepOutcome> {
    if (request.type !== 'do_import' || !('uploadStep' in request)) return reason
    const uploadStep = request.uploadStep
    if (this.#records.step(id, uploadStep).attempts >= MAX_IMPORT_ATTEMPTS) return reason
    await this.#records.update(id, (s) => ({
      ...s,
      starting: withoutKey(s.starting, stepId),
      uploaded: withoutKey(s.uploaded ?? {}, uploadStep),
      job: {
        ...s.job,
        steps: s.job.steps.map((step) =>
          step.id === uploadStep || step.id === stepId
            ? { ...step, state: 'pending', workflowId: null, progress: null, error: step.id === stepId ? reason : null }
            : step,
        ),
      },
    }))
    return AGAIN
  }

  /**
   * The step's workflow: the one it has, the one a start cut short by a restart made, or a new
   * one (`known`: its state as the platform last answered, when there is one at hand). A string
   * is the reason the platform refused to start it; {@link AGAIN}: upload again first.
   */
  async #startOrAdopt(
    client: JobClient,
    id: string,
    stepId: string,
    request: StepRequest,
    signal: AbortSignal,
  ): Promise<{ readonly id: string; readonly known: Workflow | null } | string | typeof AGAIN> {
    const records = this.#records
    const stored = records.stored(id)
    const { job } = stored
    const step = records.step(id, stepId)
    if (step.workflowId) return { id: step.workflowId, known: null }
    const inFlight = Object.hasOwn(stored.starting, stepId) ? stored.starting[stepId]! : null
    if (step.state === 'running' && inFlight) {
      const adopted = await findStartedWorkflow(client, stored, request, inFlight, signal)
      if (adopted) {
        await records.updateStep(id, stepId, () => ({ workflowId: adopted.id }))
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
        url = await importLink(client, stored, request, this.#clock.now(), signal)
      } catch (error) {
        return refused(error)
      }
      if (url === null) return AGAIN
    }
    // On disk before the request goes out: a restart in between looks for the workflow first.
    const at = this.#clock.now()
    await records.update(id, (s) => ({
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
    await records.updateStep(id, stepId, () => ({ workflowId: workflow.id, workflowType: workflow.type }))
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
      const current = this.#records.step(id, stepId).progress
      if (current && JSON.stringify(current) === JSON.stringify(progress)) return
      this.#records
        .updateStep(id, stepId, () => ({ progress }))
        .catch((error: unknown) =>
          this.#options.log?.(`[jobs] could not save the progress of job ${id}: ${messageOf(error)}`),
        )
    }
    if (known) {
      record(known)
      if (known.finished) return known
    }
    // Polls survive network blips and 5xx (watchWorkflow); anything else ends the step.
    return watchWorkflow(client, this.#records.job(id).siteId, workflowId, {
      ...this.#options.watch,
      signal,
      onUpdate: (update) => record(update.workflow),
    })
  }
}
