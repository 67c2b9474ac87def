/**
 * Follows a workflow until it finishes.
 *
 * Platform jobs can legitimately take hours (a large files backup), so there
 * is no overall time-out. Instead a job whose visible progress (step, phase,
 * active description, log messages) has not changed for `stallAfterMs` is
 * reported as stalled, and the person decides what to do. Polls are at least
 * a second apart, as the contract asks. A poll that fails for a transient
 * reason (network, 5xx, rate limit — already retried by the request core)
 * does not end the watch; anything else (401, 404, ...) does.
 */
import { setTimeout as delay } from 'node:timers/promises'
import type { Workflow } from '../../shared/platform-types'
import { PlatformApiError } from './api-error'
import type { Sleep } from './http'

/** The least time between two polls, per the contract. */
export const MIN_POLL_INTERVAL_MS = 1000
/** Default stall threshold: ten minutes without visible progress. */
export const DEFAULT_STALL_AFTER_MS = 10 * 60_000

/** What each poll reports. */
export interface WorkflowUpdate {
  readonly workflow: Workflow
  /** No change in step, phase, description or messages for `stallAfterMs`. */
  readonly stalled: boolean
  /** Time since the last visible change. */
  readonly quietForMs: number
  /** The last poll failed transiently (the watch goes on); null when it succeeded. */
  readonly pollError: PlatformApiError | null
}

/** Options of {@link watchWorkflow}. */
export interface WatchWorkflowOptions {
  readonly onUpdate?: (update: WorkflowUpdate) => void
  readonly signal?: AbortSignal
  /** Time between polls in ms; never below {@link MIN_POLL_INTERVAL_MS} (default 2 s). */
  readonly intervalMs?: number
  readonly stallAfterMs?: number
  readonly now?: () => number
  readonly sleep?: Sleep
}

/** The part of the client the watcher needs. */
export interface WorkflowSource {
  getWorkflow(siteId: string, workflowId: string, options?: { readonly signal?: AbortSignal }): Promise<Workflow>
}

const TRANSIENT = new Set(['network', 'server', 'rate_limited'])

/** Visible progress: what a person would notice changing. */
function progressKey(w: Workflow): string {
  const last = w.messages.at(-1)
  return JSON.stringify([w.step, w.phase, w.activeDescription, w.messages.length, last?.at, last?.message])
}

/**
 * Polls a workflow until `result` is set and resolves with it (whether it
 * succeeded or not: check `succeeded` / `failureReason`). Rejects with the
 * signal's reason when aborted, or with a non-transient PlatformApiError.
 */
export async function watchWorkflow(
  client: WorkflowSource,
  siteId: string,
  workflowId: string,
  options: WatchWorkflowOptions = {},
): Promise<Workflow> {
  const { onUpdate, signal } = options
  const now = options.now ?? Date.now
  const sleep: Sleep =
    options.sleep ?? (async (ms, s) => void (await delay(ms, undefined, s ? { signal: s } : undefined)))
  const asked = options.intervalMs ?? 2000
  // NaN would reach setTimeout as ~1 ms; the once-a-second floor must hold whatever the caller passes.
  const intervalMs = Number.isFinite(asked) ? Math.max(MIN_POLL_INTERVAL_MS, asked) : MIN_POLL_INTERVAL_MS
  const stallAfterMs = options.stallAfterMs ?? DEFAULT_STALL_AFTER_MS

  let latest: Workflow | null = null
  let lastKey: string | null = null
  let lastChangeAt = now()

  for (;;) {
    signal?.throwIfAborted()
    let pollError: PlatformApiError | null = null
    try {
      const workflow = await client.getWorkflow(siteId, workflowId, signal ? { signal } : {})
      const key = progressKey(workflow)
      if (key !== lastKey) {
        lastKey = key
        lastChangeAt = now()
      }
      latest = workflow
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      if (!(error instanceof PlatformApiError) || !TRANSIENT.has(error.code)) throw error
      pollError = error
    }
    if (latest) {
      const quietForMs = Math.max(0, now() - lastChangeAt)
      onUpdate?.({ workflow: latest, stalled: !latest.finished && quietForMs >= stallAfterMs, quietForMs, pollError })
      if (latest.finished && pollError === null) return latest
    }
    await sleep(intervalMs, signal)
  }
}
