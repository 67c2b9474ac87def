/**
 * The download list on disk, so downloads survive a restart. One JSON file, replaced atomically
 * (temp file, fsync, rename) so a crash leaves the old list or the new one, never half of one.
 * Writes are coalesced: while one is in flight, further changes are folded into a single next write.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from '../../lib/atomic'
import { readSavedState, type DamagedFile } from '../../lib/saved-state'
import type { DownloadItem } from '../../shared/downloads'
import { downloadRequestSchema } from '../../shared/downloads'
import { partPathFor } from './naming'

/** One download as stored: the item plus what resuming needs. */
export interface StoredDownload {
  readonly item: DownloadItem
  /** ETag of the bytes in the part file; a different one on resume means start over. */
  readonly etag: string | null
}

const itemSchema = downloadRequestSchema
  .extend({
    id: z.string().min(1),
    state: z.enum(['queued', 'downloading', 'paused', 'verifying', 'done', 'failed', 'cancelled']),
    receivedBytes: z.number().nonnegative(),
    totalBytes: z.number().nonnegative(),
    bytesPerSecond: z.number().nonnegative(),
    etaSeconds: z.number().nullable(),
    partPath: z.string(),
    finalPath: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    note: z.string().nullable(),
    // Lists saved before digests were kept have none; their files were verified all the same.
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .nullable()
      .default(null),
    createdAt: z.number(),
    finishedAt: z.number().nullable(),
    revision: z.number().int().nonnegative().default(0),
  })
  // The app deletes and renames these paths: a list edited by hand (or damaged) must not point
  // them anywhere but the download's own hidden part file and a file in its own folder.
  .refine((item) => path.isAbsolute(item.destDir), { message: 'the folder is not an absolute path', path: ['destDir'] })
  .refine((item) => item.partPath === partPathFor(item.destDir, item.id), {
    message: "the part file is not this download's part file in its folder",
    path: ['partPath'],
  })
  .refine((item) => item.finalPath === null || path.dirname(item.finalPath) === item.destDir, {
    message: 'the finished file is not in the download folder',
    path: ['finalPath'],
  })

const fileSchema = z.object({
  version: z.literal(1),
  downloads: z.array(z.object({ item: itemSchema, etag: z.string().nullable() })),
})

/**
 * Reads the stored list; a missing file is an empty list. A damaged one (not JSON, or not in
 * this shape) is moved aside, `report` is told (default: a console warning), and the list starts
 * empty, so the next save does not overwrite what might still be recovered.
 */
export async function readStateFile(
  file: string,
  report: (damage: DamagedFile) => void = (damage) => console.warn(`[downloads] ${damage.message}`),
): Promise<StoredDownload[]> {
  const saved = await readSavedState(file, fileSchema, {
    what: 'The saved download list',
    startsWith: 'the list starts empty (part files already downloaded stay in their folders)',
    report,
  })
  return saved?.downloads ?? []
}

/** Coalescing atomic writer for the state file. */
export class StateFileWriter {
  readonly #file: string
  readonly #snapshot: () => readonly StoredDownload[]
  #writing: Promise<void> | null = null
  #dirty = false
  #lastError: unknown = null

  constructor(file: string, snapshot: () => readonly StoredDownload[]) {
    this.#file = file
    this.#snapshot = snapshot
  }

  /** Asks for a write soon; returns at once. */
  schedule(): void {
    this.#dirty = true
    if (this.#writing === null) this.#writing = this.#drain()
  }

  /** Waits until every scheduled change is on disk; rethrows the last write failure. */
  async flush(): Promise<void> {
    while (this.#writing !== null) await this.#writing
    if (this.#lastError !== null) {
      const error = this.#lastError
      this.#lastError = null
      throw error
    }
  }

  async #drain(): Promise<void> {
    try {
      while (this.#dirty) {
        this.#dirty = false
        const body = JSON.stringify({ version: 1, downloads: this.#snapshot() }, null, 1)
        try {
          await mkdir(path.dirname(this.#file), { recursive: true })
          await writeFileAtomic(this.#file, body)
          this.#lastError = null
        } catch (error) {
          // A failed save must not break downloads; the next change tries again and flush() reports it.
          this.#lastError = error
        }
      }
    } finally {
      this.#writing = null
    }
  }
}
