/**
 * The durable workflow queue. Each workflow is a JSON file rewritten atomically at every
 * change. Workflows on one environment run one at a time in start order; the others wait
 * as `created`. On start the queue reloads every file: finished workflows keep their
 * result, and one that was running when the platform stopped is run again from the start
 * (every workflow type is written to be idempotent).
 */
import { randomUUID } from 'node:crypto'
import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../../lib/atomic'
import { readSavedState } from '../../lib/saved-state'
import type { PlatformContext } from '../core'
import { workflowRecordSchema, type WorkflowMessage, type WorkflowRecord } from './record'

/** A failure with a reason a person can act on; ends the workflow as `failed`. */
export class WorkflowFailure extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'WorkflowFailure'
  }
}

/** Thrown at a step boundary when the platform is closing; the workflow reruns on the next start. */
class WorkflowInterrupted extends Error {}

/** What a workflow type's `run` gets. */
export interface WorkflowRun {
  readonly workflow: WorkflowRecord
  readonly platform: PlatformContext
  /** Aborted when the platform closes; pass it to long transfers. */
  readonly signal: AbortSignal
  /** Marks the start of step `step` (1-based) with a description of what happens now. */
  progress(step: number, activeDescription: string): Promise<void>
  /** Stores a decision so that a rerun after a restart makes the same one. */
  remember(key: string, value: string | number): Promise<void>
  /** Adds a line to the workflow's log. */
  message(text: string, level?: WorkflowMessage['level']): Promise<void>
}

/** One workflow type. */
export interface WorkflowType {
  /** Number of steps (`number_of_tasks`). */
  tasks(params: Readonly<Record<string, unknown>>): number
  /** The workflow's description, e.g. `Deploy code to "test"`. */
  describe(env: string, params: Readonly<Record<string, unknown>>): string
  /** Refuses a start that can never work (becomes an HTTP 400/404, no workflow). */
  validateStart?(
    platform: PlatformContext,
    siteId: string,
    env: string,
    params: Readonly<Record<string, unknown>>,
  ): void | Promise<void>
  /** Does the work; returns the final active description. Throws WorkflowFailure on bad input. */
  run(run: WorkflowRun): Promise<string>
}

/** A request to start a workflow. */
export interface StartWorkflow {
  readonly type: string
  readonly siteId: string
  readonly env: string
  readonly params: Readonly<Record<string, unknown>>
  readonly userId: string | null
}

/** The queue of one platform. */
export class WorkflowQueue {
  private readonly workflows = new Map<string, WorkflowRecord>()
  private readonly running = new Map<string, Promise<void>>()
  private seq = 0
  private closing = false
  /** Nothing runs before `resume()`: start-up first settles what the queue must hold. */
  private resumed = false
  private readonly stopping = new AbortController()

  constructor(
    private readonly platform: PlatformContext,
    private readonly types: Readonly<Record<string, WorkflowType>>,
  ) {}

  private file(id: string): string {
    return join(this.platform.layout.workflowsDir(), `${id}.json`)
  }

  private async save(record: WorkflowRecord): Promise<void> {
    await writeFileAtomic(this.file(record.id), JSON.stringify(record) + '\n')
  }

  /** Loads every stored workflow; a workflow that was running becomes `created` again. Call `resume()` next. */
  async load(): Promise<void> {
    const dir = this.platform.layout.workflowsDir()
    await mkdir(dir, { recursive: true })
    for (const entry of await readdir(dir)) {
      if (!entry.endsWith('.json')) continue
      const id = entry.slice(0, -'.json'.length)
      // The id must match the file name, or saving the record would write a second file.
      const schema = workflowRecordSchema.refine((record) => record.id === id, {
        message: `the id does not match the file name ${entry}`,
        path: ['id'],
      })
      const record = await readSavedState(join(dir, entry), schema, {
        what: 'A stored workflow',
        startsWith: 'it is left out of the workflow list (it does not run again)',
        report: (damage) => this.platform.log(damage.message),
      })
      if (!record) continue
      this.workflows.set(record.id, record)
      this.seq = Math.max(this.seq, record.seq)
      if (record.phase === 'started') {
        record.phase = 'created'
        record.step = 1
        record.active_description = record.description
        record.messages[new Date().toISOString()] = {
          message: 'The platform stopped while this workflow was running; it runs again from the start.',
          level: 'warning',
        }
        await this.save(record)
      }
    }
  }

  /** Starts running the queued workflows (those loaded and those started since). */
  resume(): void {
    this.resumed = true
    for (const key of new Set([...this.workflows.values()].filter((w) => w.phase === 'created').map(envKey)))
      this.kick(key)
  }

  /** True when `type` is a known workflow type. */
  has(type: string): boolean {
    return Object.hasOwn(this.types, type)
  }

  /** Validates and queues a workflow; returns it as created. */
  async start(request: StartWorkflow): Promise<WorkflowRecord> {
    const type = this.has(request.type) ? this.types[request.type] : undefined
    if (!type) throw new Error(`Unknown workflow type ${request.type}`)
    await type.validateStart?.(this.platform, request.siteId, request.env, request.params)
    const now = Date.now() / 1000
    const description = type.describe(request.env, request.params)
    const record: WorkflowRecord = {
      id: randomUUID(),
      seq: ++this.seq,
      type: request.type,
      site_id: request.siteId,
      environment: request.env,
      params: request.params,
      description,
      user_id: request.userId,
      created_at: now,
      active_description: description,
      phase: 'created',
      result: null,
      step: 1,
      number_of_tasks: type.tasks(request.params),
      started_at: null,
      finished_at: null,
      reason: '',
      messages: {},
      runs: 0,
      internal: {},
    }
    await this.save(record)
    this.workflows.set(record.id, record)
    const asCreated = { ...record, messages: {}, internal: {} }
    this.kick(envKey(record))
    return asCreated
  }

  /** A workflow of a site by id. */
  get(siteId: string, id: string): WorkflowRecord | undefined {
    const record = this.workflows.get(id)
    return record && record.site_id === siteId ? record : undefined
  }

  /** The site's workflows, newest first. */
  list(siteId: string): WorkflowRecord[] {
    return [...this.workflows.values()].filter((w) => w.site_id === siteId).sort((a, b) => b.seq - a.seq)
  }

  /**
   * Stops the queue: nothing new starts, and a running workflow stops at its next step
   * boundary (every step ends with an atomic swap, so that is a safe place) or is given up
   * after `graceMs`. Either way it is still `started` on disk and runs again on the next start.
   */
  async close(graceMs = 10_000): Promise<void> {
    this.closing = true
    this.stopping.abort()
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref())
    await Promise.race([Promise.allSettled([...this.running.values()]), grace])
  }

  private kick(key: string): void {
    if (this.running.has(key) || this.closing || !this.resumed) return
    const loop = (async () => {
      for (;;) {
        if (this.closing) return
        const next = [...this.workflows.values()]
          .filter((w) => w.phase === 'created' && envKey(w) === key)
          .sort((a, b) => a.seq - b.seq)[0]
        if (!next) return
        await this.runOne(next)
      }
    })()
    this.running.set(key, loop)
    void loop.finally(() => {
      this.running.delete(key)
      // A workflow queued while the loop was winding down would otherwise wait forever.
      if (!this.closing && [...this.workflows.values()].some((w) => w.phase === 'created' && envKey(w) === key))
        this.kick(key)
    })
  }

  private async runOne(record: WorkflowRecord): Promise<void> {
    // A stored record's type is data read back from disk: an own property or none.
    const type = this.has(record.type) ? this.types[record.type] : undefined
    record.phase = 'started'
    record.started_at = Date.now() / 1000
    record.runs += 1
    record.step = 1
    await this.save(record)
    const run: WorkflowRun = {
      workflow: record,
      platform: this.platform,
      signal: this.stopping.signal,
      progress: async (step, activeDescription) => {
        if (this.platform.options.stepDelayMs > 0)
          await new Promise((resolve) => setTimeout(resolve, this.platform.options.stepDelayMs))
        if (this.stopping.signal.aborted) throw new WorkflowInterrupted('The platform is stopping.')
        record.step = Math.min(step, record.number_of_tasks)
        record.active_description = activeDescription
        await this.save(record)
      },
      remember: async (key, value) => {
        record.internal[key] = value
        await this.save(record)
      },
      message: async (text, level = 'info') => {
        record.messages[uniqueTime(record)] = { message: text, level }
        await this.save(record)
      },
    }
    try {
      if (!type) throw new WorkflowFailure(`This platform does not know the workflow type "${record.type}".`)
      const done = await type.run(run)
      record.result = 'succeeded'
      record.active_description = done
      record.step = record.number_of_tasks
      record.messages[uniqueTime(record)] = { message: done, level: 'info' }
    } catch (error) {
      if (this.stopping.signal.aborted) {
        // Left as `started` on disk: the next start runs it again from the beginning.
        this.platform.log(`workflow ${record.id} (${record.type}) interrupted by close; it reruns on the next start`)
        return
      }
      record.result = 'failed'
      record.reason =
        error instanceof WorkflowFailure
          ? error.message
          : `The platform hit an internal error: ${(error as Error).message}. The environment was left as it was; try again.`
      if (!(error instanceof WorkflowFailure))
        this.platform.log(`workflow ${record.id} (${record.type}) crashed: ${(error as Error).stack ?? String(error)}`)
      record.active_description = `Failed: ${record.description}`
      record.messages[uniqueTime(record)] = { message: record.reason, level: 'error' }
    }
    record.phase = 'finished'
    record.finished_at = Date.now() / 1000
    await this.save(record)
  }
}

function envKey(record: WorkflowRecord): string {
  return `${record.site_id}/${record.environment}`
}

function uniqueTime(record: WorkflowRecord): string {
  let time = Date.now()
  while (Object.hasOwn(record.messages, new Date(time).toISOString())) time += 1
  return new Date(time).toISOString()
}
