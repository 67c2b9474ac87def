/**
 * Follows the workflows the user started from this app and pushes their
 * progress to every page as `workflows:progress` events, until they finish.
 * Polling rules (≥ 1 s, no overall time-out, stalled after 10 minutes without
 * visible progress) live in api/workflows.ts.
 */
import type { Workflow, WorkflowProgress } from '../../shared/platform-types'
import type { EventHub } from '../events'
import { watchWorkflow, type WatchWorkflowOptions, type WorkflowSource } from '../api/workflows'

export interface WorkflowTrackerOptions {
  readonly events: EventHub
  readonly log?: (line: string) => void
  /** Poll options for tests (interval, clock); the defaults suit people. */
  readonly watch?: Pick<WatchWorkflowOptions, 'intervalMs' | 'stallAfterMs' | 'now' | 'sleep'>
}

/** Watches workflows in the background and reports them as events. */
export class WorkflowTracker {
  readonly #options: WorkflowTrackerOptions
  readonly #watches = new Map<string, AbortController>()
  /** The last progress of each workflow still being followed, for pages that (re)load mid-way. */
  readonly #latest = new Map<string, WorkflowProgress>()

  constructor(options: WorkflowTrackerOptions) {
    this.#options = options
  }

  /** Starts following a workflow (a second call for the same id is a no-op); resolves when it finishes. */
  track(source: WorkflowSource, workflow: Workflow): Promise<Workflow | null> {
    const key = `${workflow.siteId}/${workflow.id}`
    if (this.#watches.has(key)) return Promise.resolve(null)
    const controller = new AbortController()
    this.#watches.set(key, controller)
    const env = workflow.environment
    const report = (progress: WorkflowProgress): void => {
      this.#latest.set(key, progress)
      this.#options.events.emit('workflows:progress', progress)
    }
    report({ siteId: workflow.siteId, env, workflow, stalled: false })
    return watchWorkflow(source, workflow.siteId, workflow.id, {
      ...this.#options.watch,
      signal: controller.signal,
      onUpdate: (update) =>
        report({ siteId: workflow.siteId, env, workflow: update.workflow, stalled: update.stalled }),
    })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) {
          this.#options.log?.(
            `[workflows] stopped following ${workflow.type} ${workflow.id}: ${error instanceof Error ? error.message : String(error)}`,
          )
        }
        return null
      })
      .finally(() => {
        this.#watches.delete(key)
        this.#latest.delete(key)
      })
  }

  /** The workflows still being followed, with their last progress. */
  active(): WorkflowProgress[] {
    return [...this.#latest.values()]
  }

  /** Stops every watch (the workflows themselves go on on the platform). */
  close(): void {
    for (const controller of this.#watches.values()) controller.abort()
    this.#watches.clear()
    this.#latest.clear()
  }
}
