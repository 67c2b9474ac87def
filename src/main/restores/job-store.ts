/**
 * Every job of every connection in `<data>/jobs.json`, so a job goes on after a restart and its
 * undo stays offered. The file is replaced atomically and checked against a schema when read; a
 * damaged one is set aside (and the caller told, to show an app notice) and the list starts
 * empty. Writes are coalesced: while one is in flight, further changes fold into the next, and
 * {@link JobStore.put} resolves once a write holding the change is on disk, which the runner
 * relies on before it asks the platform for anything.
 *
 * Finished jobs are kept as history, the newest {@link KEEP_FINISHED_PER_SITE} per site.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from '../../lib/atomic'
import { readSavedState, type DamagedFile } from '../../lib/saved-state'
import type { Job } from '../../shared/jobs'
import { inspectionDetailSchema } from '../imports/schemas'
import type { StepRequest } from './plan'

/** How many finished jobs of one site are kept. */
export const KEEP_FINISHED_PER_SITE = 50

/** A step's workflow start as it was about to be asked (saved before the request goes out). */
export interface StepStart {
  readonly at: number
  /** An import's signed link, which tells its workflow apart from an earlier attempt's. */
  readonly url: string | null
}

/** What an upload step sent: the link the import step that follows hands the platform. */
export interface UploadedArchive {
  readonly downloadUrl: string
  /** When the link stops working (epoch ms), if the platform said. */
  readonly expiresAt: number | null
}

/** A job as kept: the job, each step's platform request, and each step's start in flight. */
export interface StoredJob {
  readonly job: Job
  readonly requests: Readonly<Record<string, StepRequest>>
  /**
   * After a crash between a start request and its answer, the platform's workflow list is
   * searched for the workflow from then on, instead of starting a second one.
   */
  readonly starting: Readonly<Record<string, StepStart>>
  /** Upload steps that finished, by step id (absent in jobs saved before imports). */
  readonly uploaded?: Readonly<Record<string, UploadedArchive>>
}

const element = z.enum(['code', 'database', 'files'])
const nullableTime = z.number().nullable()

const stepSchema = z.object({
  id: z.string().min(1),
  kind: z.enum(['safety-backup', 'restore', 'import', 'clone', 'upload']),
  part: element.nullable(),
  label: z.string(),
  state: z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped']),
  workflowId: z.string().nullable(),
  workflowType: z.string().nullable(),
  progress: z
    .object({
      step: z.number().nullable(),
      of: z.number().nullable(),
      activity: z.string(),
      transfer: z
        .object({
          sent: z.number().nonnegative(),
          total: z.number().nonnegative(),
          bytesPerSecond: z.number().nonnegative().nullable(),
          secondsLeft: z.number().nonnegative().nullable(),
        })
        .optional(),
    })
    .nullable(),
  startedAt: nullableTime,
  finishedAt: nullableTime,
  error: z.string().nullable(),
  attempts: z.number().int().nonnegative(),
})

const importedArchive = z.object({
  name: z.string().min(1),
  size: z.number().int().nonnegative().nullable(),
  fromUrl: z.boolean(),
  description: z.string().nullable(),
})

const jobSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
  connectionId: z.string().min(1),
  siteId: z.string().min(1),
  siteName: z.string(),
  env: z.string().min(1),
  kind: z.enum(['restore', 'undo', 'clone', 'import']),
  source: z.object({ env: z.string().min(1), folder: z.string().nullable(), backupAt: nullableTime }),
  parts: z.array(element),
  clone: z
    .object({
      updatedb: z.boolean(),
      clearCache: z.boolean(),
      replaceUrl: z.object({ from: z.string(), to: z.string() }).nullable(),
    })
    .nullable(),
  // Jobs saved before imports have none.
  imports: z
    .object({ database: importedArchive.optional(), files: importedArchive.optional() })
    .nullable()
    .default(null),
  safety: z.object({ requested: z.boolean(), folder: z.string().nullable(), keepForDays: z.number().int().positive() }),
  steps: z.array(stepSchema).min(1),
  state: z.enum(['running', 'succeeded', 'failed']),
  summary: z.string(),
  createdAt: z.number(),
  finishedAt: nullableTime,
  undoes: z.string().nullable(),
  undoneBy: z.string().nullable(),
})

const restoreParams = z.object({ key: z.string().min(1), bucket: z.string() })

const importElement = z.enum(['database', 'files'])

// A plain union: the three `do_import` shapes share their type and differ by where the link comes from.
const requestSchema = z.union([
  z.object({
    type: z.literal('do_export'),
    params: z.object({
      code: z.boolean(),
      database: z.boolean(),
      files: z.boolean(),
      entry_type: z.literal('backup'),
      ttl: z.number().int().positive(),
    }),
  }),
  z.object({ type: z.literal('restore_code'), params: restoreParams }),
  z.object({ type: z.literal('restore_database'), params: restoreParams }),
  z.object({ type: z.literal('restore_files'), params: restoreParams }),
  z.object({
    type: z.literal('do_import'),
    element: importElement,
    sourceEnv: z.string().min(1),
    folder: z.string().min(1),
  }),
  z.object({ type: z.literal('do_import'), element: importElement, uploadStep: z.string().min(1) }),
  z.object({ type: z.literal('do_import'), element: importElement, url: z.url({ protocol: /^https?$/ }) }),
  z.object({
    type: z.literal('upload'),
    element: importElement,
    token: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
    name: z.string().min(1),
    size: z.number().int().nonnegative(),
    convert: inspectionDetailSchema.nullable(),
    maxUncompressedBytes: z.number().int().positive(),
  }),
  z.object({ type: z.literal('clone_files'), params: z.object({ from_environment: z.string().min(1) }) }),
  z.object({
    type: z.literal('clone_database'),
    params: z.object({
      from_environment: z.string().min(1),
      updatedb: z.union([z.boolean(), z.number()]).optional(),
      clear_cache: z.union([z.boolean(), z.number()]).optional(),
      wp_replace_siteurl: z.object({ from_url: z.string(), to_url: z.string() }).optional(),
    }),
  }),
])

const storedJobSchema = z
  .object({
    job: jobSchema,
    requests: z.record(z.string(), requestSchema),
    starting: z.record(z.string(), z.object({ at: z.number(), url: z.string().nullable() })),
    uploaded: z.record(z.string(), z.object({ downloadUrl: z.url(), expiresAt: z.number().nullable() })).optional(),
  })
  // A running job whose steps have no request could never be resumed.
  .refine((stored) => stored.job.steps.every((step) => Object.hasOwn(stored.requests, step.id)), {
    message: 'a step has no platform request',
    path: ['requests'],
  })

const fileSchema = z.object({
  version: z.literal(1),
  jobs: z
    .array(storedJobSchema)
    .refine((jobs) => new Set(jobs.map((s) => s.job.id)).size === jobs.length, 'two jobs share an id'),
})

/** Options of {@link JobStore}. */
export interface JobStoreOptions {
  readonly file: string
  /** Told when the saved file was damaged and set aside. */
  readonly onDamaged?: (damage: DamagedFile) => void
}

/** The saved jobs, in memory and on disk. */
export class JobStore {
  readonly #options: JobStoreOptions
  readonly #jobs = new Map<string, StoredJob>()
  #writing: Promise<void> | null = null
  #dirty = false
  #lastError: unknown = null

  constructor(options: JobStoreOptions) {
    this.#options = options
  }

  /** Reads the saved jobs (a missing file is none; a damaged one is set aside and reported). */
  async load(): Promise<void> {
    const saved = await readSavedState(this.#options.file, fileSchema, {
      what: 'The saved restores, undos, clones and imports',
      startsWith:
        'the list starts empty (the platform keeps the workflows and the safety backups; look at the site activity)',
      report: (damage) => this.#options.onDamaged?.(damage),
    })
    this.#jobs.clear()
    for (const stored of saved?.jobs ?? []) this.#jobs.set(stored.job.id, stored)
  }

  /** Every job, oldest first. */
  all(): StoredJob[] {
    return [...this.#jobs.values()].sort((a, b) => a.job.createdAt - b.job.createdAt)
  }

  get(id: string): StoredJob | undefined {
    return this.#jobs.get(id)
  }

  /** Adds or replaces a job; resolves once it is on disk (rejects when the write failed). */
  async put(stored: StoredJob): Promise<void> {
    this.#jobs.set(stored.job.id, stored)
    this.#prune(stored.job.connectionId, stored.job.siteId)
    this.#dirty = true
    this.#writing ??= this.#drain()
    await this.flush()
  }

  /**
   * Replaces a job in memory only (an upload's bytes and rate, several times a second): the
   * next {@link put} writes it with whatever else changed, so progress never costs a write.
   */
  setInMemory(stored: StoredJob): void {
    if (this.#jobs.has(stored.job.id)) this.#jobs.set(stored.job.id, stored)
  }

  /** Drops a job that was never carried out (its first save failed); the next write leaves it out. */
  forget(id: string): void {
    this.#jobs.delete(id)
  }

  /** Waits until every change is on disk; rethrows the last write failure. */
  async flush(): Promise<void> {
    while (this.#writing !== null) await this.#writing
    if (this.#lastError !== null) {
      const error = this.#lastError
      this.#lastError = null
      throw error
    }
  }

  #prune(connectionId: string, siteId: string): void {
    const finished = this.all()
      .filter((s) => s.job.connectionId === connectionId && s.job.siteId === siteId && s.job.state !== 'running')
      .reverse()
    for (const old of finished.slice(KEEP_FINISHED_PER_SITE)) this.#jobs.delete(old.job.id)
  }

  async #drain(): Promise<void> {
    try {
      while (this.#dirty) {
        this.#dirty = false
        const body = JSON.stringify({ version: 1, jobs: this.all() }, null, 1)
        try {
          await mkdir(path.dirname(this.#options.file), { recursive: true })
          await writeFileAtomic(this.#options.file, body)
          this.#lastError = null
        } catch (error) {
          this.#lastError = error
        }
      }
    } finally {
      this.#writing = null
    }
  }
}
