/**
 * The local clones a person opened for a site's history (Pantheon's git is SSH-only, so the app
 * reads a clone they made in a terminal), remembered per connection and site in
 * `<data>/local-clones.json` so the history opens on it again after a restart. The file is
 * checked against its schema when read; a damaged one is set aside and reported, and the app
 * starts with no local clones remembered.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from '../../lib/atomic'
import { readSavedState, type DamagedFile } from '../../lib/saved-state'

/** A local clone the person chose for one site of one connection. */
export interface LocalCloneRecord {
  readonly connectionId: string
  readonly siteId: string
  /** The folder as the person named it (absolute). */
  readonly path: string
  /** Epoch ms. */
  readonly openedAt: number
}

const recordSchema = z
  .object({
    connectionId: z.string().min(1).max(64),
    siteId: z.string().min(1).max(128),
    path: z.string().min(1).max(1000).refine(path.isAbsolute, 'not an absolute path'),
    openedAt: z.number().int().nonnegative(),
  })
  .strict()

const fileSchema = z
  .object({ version: z.literal(1), clones: z.array(recordSchema) })
  .strict()
  .refine(
    (file) => new Set(file.clones.map((c) => `${c.connectionId}/${c.siteId}`)).size === file.clones.length,
    'two entries name the same site',
  )

export interface LocalCloneStoreOptions {
  /** `<data>/local-clones.json` */
  readonly file: string
  readonly onDamaged: (damage: DamagedFile) => void
}

const keyOf = (connectionId: string, siteId: string): string => `${connectionId}\u0000${siteId}`

/** Which local clone each site uses, per connection. */
export class LocalCloneStore {
  readonly #options: LocalCloneStoreOptions
  readonly #records = new Map<string, LocalCloneRecord>()
  #loading: Promise<void> | null = null
  #saving: Promise<void> = Promise.resolve()

  constructor(options: LocalCloneStoreOptions) {
    this.#options = options
  }

  /** Reads the file once (later calls wait for the same read). */
  load(): Promise<void> {
    this.#loading ??= (async () => {
      const saved = await readSavedState(this.#options.file, fileSchema, {
        what: 'The local clones chosen for the code history',
        startsWith: 'the history asks for each site’s local clone again',
        report: this.#options.onDamaged,
      })
      for (const record of saved?.clones ?? []) this.#records.set(keyOf(record.connectionId, record.siteId), record)
    })()
    return this.#loading
  }

  /** The site's local clone on this connection, or null. */
  async get(connectionId: string, siteId: string): Promise<LocalCloneRecord | null> {
    await this.load()
    return this.#records.get(keyOf(connectionId, siteId)) ?? null
  }

  /** Remembers (or replaces) the site's local clone. */
  async set(record: LocalCloneRecord): Promise<void> {
    await this.load()
    this.#records.set(keyOf(record.connectionId, record.siteId), record)
    await this.#save()
  }

  /** Forgets the site's local clone; false when none was remembered. */
  async remove(connectionId: string, siteId: string): Promise<boolean> {
    await this.load()
    if (!this.#records.delete(keyOf(connectionId, siteId))) return false
    await this.#save()
    return true
  }

  /** Saves one after another, so an older list never lands after a newer one. */
  #save(): Promise<void> {
    const text = JSON.stringify({ version: 1, clones: [...this.#records.values()] }, null, 2)
    const next = this.#saving.then(async () => {
      await mkdir(path.dirname(this.#options.file), { recursive: true })
      await writeFileAtomic(this.#options.file, text)
    })
    this.#saving = next.catch(() => undefined)
    return next
  }
}
