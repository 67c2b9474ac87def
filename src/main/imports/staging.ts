/**
 * Files held for an import, each named by a token the page gets instead of a path.
 *
 * Every staged file has a folder `<data>/imports/<token>/` with its record (`staged.json`,
 * checked against a schema when read) and, when the bytes are the app's own copy, `data`:
 *
 * - a file the person dropped in Electron is read in place (copying gigabytes would double the
 *   disk it needs); its size, modification time and inode are recorded when it is staged, and
 *   every later read ({@link StagingStore.verify}) refuses a file that has changed since, so what
 *   was inspected is what is uploaded. A symbolic link is refused, never followed;
 * - a dropped folder is packed into `data` as a `.tar.gz` (./pack-folder), with `packing`
 *   progress events;
 * - browser mode streams the file into `data` (temp file, then rename), capped at the upload
 *   limit: a body over it, or over what it declared, is refused and nothing is kept.
 *
 * Staged files go when the page discards them, when the job that used them ends, and at start
 * when they are older than a day (unless a running job still needs them). Records survive a
 * restart, so a job that was uploading when the app stopped uploads again from the same file.
 */
import { randomBytes } from 'node:crypto'
import type { Stats } from 'node:fs'
import { lstat, mkdir, readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { z } from 'zod'
import { removeQuietly, writeFileAtomic, writeStreamAtomic } from '../../lib/atomic'
import { formatBytes } from '../../lib/format-bytes'
import type { ImportProgress, StagedFile } from '../../shared/imports'
import { AppError } from '../errors'
import type { EventHub } from '../events'
import { packFolder } from './pack-folder'

/** How long a staged file is kept when nothing uses it. */
export const STAGED_MAX_AGE_MS = 24 * 3_600_000
/** Progress events per staged file are at most this often. */
const PROGRESS_EVERY_MS = 250

const RECORD = 'staged.json'
const DATA = 'data'

/** A staged file as the main process keeps it: where its bytes are and what they were. */
export interface StagedRecord {
  readonly staged: StagedFile
  /** The bytes: `data` in the token's folder (owned), or the person's own file read in place. */
  readonly file: string
  readonly owned: boolean
  readonly mtimeMs: number
  readonly ino: number
}

const recordSchema = z.object({
  version: z.literal(1),
  staged: z.object({
    token: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
    name: z.string().min(1).max(255),
    size: z.number().int().nonnegative(),
    packedFolder: z.boolean(),
    stagedAt: z.number(),
  }),
  file: z.string().min(1),
  owned: z.boolean(),
  mtimeMs: z.number(),
  ino: z.number(),
})

/** A new token: 24 random bytes, base64url (32 characters). */
export function newToken(): string {
  return randomBytes(24).toString('base64url')
}

/**
 * A file name as the page sent it, made safe to show and to send on: its last path segment,
 * without control characters, at most 200 characters; "upload" when nothing is left.
 */
export function cleanFileName(name: string): string {
  const last = name.split(/[/\\]/).pop() ?? ''
  // eslint-disable-next-line no-control-regex
  const cleaned = last.replace(/[\u0000-\u001f\u007f]/g, '').trim()
  const short = cleaned.length > 200 ? cleaned.slice(cleaned.length - 200) : cleaned
  return short === '' || short === '.' || short === '..' ? 'upload' : short
}

/** Refuses more than `cap` bytes, or more than `declared`; counts for progress. */
class CappedCount extends Transform {
  bytes = 0
  constructor(
    private readonly declared: number,
    private readonly onBytes: (bytes: number) => void,
  ) {
    super()
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length
    if (this.bytes > this.declared) {
      done(
        new AppError(
          'too_large',
          `The file sent is longer than the ${formatBytes(this.declared)} it declared, so it was refused and nothing was kept.`,
        ),
      )
      return
    }
    this.onBytes(this.bytes)
    done(null, chunk)
  }
}

export interface StagingStoreOptions {
  /** `<data>/imports`. */
  readonly root: string
  readonly events: EventHub
  readonly now?: () => number
  readonly log?: (line: string) => void
}

/** The staged files of this data folder. */
export class StagingStore {
  readonly #options: StagingStoreOptions
  readonly #now: () => number
  readonly #records = new Map<string, StagedRecord>()

  constructor(options: StagingStoreOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  /**
   * Reads the staged files left from before, removing those older than a day (except `keep`:
   * the tokens running jobs still need) and any folder whose record cannot be read.
   */
  async load(keep: ReadonlySet<string>): Promise<void> {
    this.#records.clear()
    await mkdir(this.#options.root, { recursive: true, mode: 0o700 })
    for (const entry of await readdir(this.#options.root, { withFileTypes: true })) {
      const dir = path.join(this.#options.root, entry.name)
      const record = entry.isDirectory() ? await this.#readRecord(dir, entry.name) : null
      const old = record !== null && record.staged.stagedAt + STAGED_MAX_AGE_MS <= this.#now()
      if (record && (!old || keep.has(record.staged.token))) {
        this.#records.set(record.staged.token, record)
      } else {
        await removeQuietly(dir)
      }
    }
  }

  async #readRecord(dir: string, token: string): Promise<StagedRecord | null> {
    try {
      const parsed = recordSchema.safeParse(JSON.parse(await readFile(path.join(dir, RECORD), 'utf8')))
      if (!parsed.success || parsed.data.staged.token !== token) return null
      const { version: _version, ...record } = parsed.data
      if (record.owned && record.file !== path.join(dir, DATA)) return null
      return record
    } catch {
      return null
    }
  }

  /** The record of a token, or undefined. */
  get(token: string): StagedRecord | undefined {
    return this.#records.get(token)
  }

  /** The token's folder, for files made from the staged one (a conversion before upload). */
  folderOf(token: string): string {
    return path.join(this.#options.root, token)
  }

  /**
   * Stages a file or folder by its path (Electron: the preload's `webUtils.getPathForFile`): a
   * regular file is read in place, a folder is packed into a `.tar.gz`; a link or anything else
   * is refused.
   */
  async stagePath(filePath: string): Promise<StagedFile> {
    if (!path.isAbsolute(filePath)) {
      throw new AppError('bad_request', 'The dropped file has no full path on this computer. Drop it again.')
    }
    const name = path.basename(filePath)
    let info: Stats
    try {
      info = await lstat(filePath)
    } catch (error) {
      throw new AppError('not_found', `${name} cannot be read any more (it was moved or deleted). Drop it again.`, {
        cause: error,
      })
    }
    if (info.isSymbolicLink()) {
      throw new AppError(
        'link',
        `${name} is a symbolic link, which Restore Desk does not follow. Drop the file it points to instead.`,
      )
    }
    if (info.isDirectory()) return this.#packFolder(filePath)
    if (!info.isFile()) {
      throw new AppError('not_regular', `${name} is not a regular file (it is a device, socket or pipe). Drop a file.`)
    }
    const token = newToken()
    return this.#keep(token, { name, size: info.size, packedFolder: false }, filePath, false, info)
  }

  async #packFolder(folder: string): Promise<StagedFile> {
    const token = newToken()
    const dir = this.folderOf(token)
    const name = `${path.basename(folder)}.tar.gz`
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const progress = this.#progress(token, 'packing')
    try {
      await packFolder(folder, path.join(dir, DATA), { onProgress: progress })
      progress.flush()
      const info = await stat(path.join(dir, DATA))
      return await this.#keep(token, { name, size: info.size, packedFolder: true }, path.join(dir, DATA), true, info)
    } catch (error) {
      await removeQuietly(dir)
      throw error
    }
  }

  /**
   * Stages a file streamed from the page (browser mode): `declared` bytes, at most `cap`, written
   * to a temp file and renamed into place; a shorter or longer body is refused and nothing kept.
   */
  async stageStream(fileName: string, declared: number, body: Readable, cap: number): Promise<StagedFile> {
    const name = cleanFileName(fileName)
    if (declared > cap) {
      body.resume()
      throw new AppError(
        'too_large',
        `${name} is ${formatBytes(declared)}, over the ${formatBytes(cap)} upload limit. Make it smaller (for example leave out caches), then try again.`,
      )
    }
    const token = newToken()
    const dir = this.folderOf(token)
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const progress = this.#progress(token, 'staging', declared)
    const counter = new CappedCount(declared, progress)
    try {
      await writeStreamAtomic(path.join(dir, DATA), body, counter)
      if (counter.bytes !== declared) {
        throw new AppError(
          'incomplete',
          `Only ${formatBytes(counter.bytes)} of ${name}'s ${formatBytes(declared)} arrived, so nothing was kept. Try again.`,
        )
      }
      progress.flush()
      const info = await stat(path.join(dir, DATA))
      return await this.#keep(token, { name, size: info.size, packedFolder: false }, path.join(dir, DATA), true, info)
    } catch (error) {
      await removeQuietly(dir)
      if (!(error instanceof AppError) && body.readableAborted) {
        throw new AppError(
          'incomplete',
          `${name} did not arrive whole (the browser stopped sending), so nothing was kept.`,
          {
            cause: error,
          },
        )
      }
      throw error
    }
  }

  async #keep(
    token: string,
    fields: Pick<StagedFile, 'name' | 'size' | 'packedFolder'>,
    file: string,
    owned: boolean,
    info: Stats,
  ): Promise<StagedFile> {
    const staged: StagedFile = { token, ...fields, stagedAt: this.#now() }
    const record: StagedRecord = { staged, file, owned, mtimeMs: info.mtimeMs, ino: info.ino }
    const dir = this.folderOf(token)
    await mkdir(dir, { recursive: true, mode: 0o700 })
    await writeFileAtomic(path.join(dir, RECORD), JSON.stringify({ version: 1, ...record }), { mode: 0o600 })
    this.#records.set(token, record)
    return staged
  }

  /**
   * The record of `token` after checking its file is still what was staged (same size,
   * modification time and inode, still a regular file). Refuses an unknown token, a file gone or
   * changed.
   */
  async verify(token: string): Promise<StagedRecord> {
    const record = this.#records.get(token)
    if (!record) {
      throw new AppError(
        'not_found',
        'That file is no longer staged (it was discarded, imported, or kept more than a day). Drop it again.',
      )
    }
    const name = record.staged.name
    let info: Stats
    try {
      info = await lstat(record.file)
    } catch (error) {
      throw new AppError('gone', `${name} is no longer on disk (it was moved or deleted). Drop it again.`, {
        cause: error,
      })
    }
    if (
      !info.isFile() ||
      info.size !== record.staged.size ||
      info.mtimeMs !== record.mtimeMs ||
      info.ino !== record.ino
    ) {
      throw new AppError(
        'changed',
        `${name} changed after it was staged (its size or modification time is not what it was), so it was not used. ` +
          'Drop it again, so that what is inspected is what is uploaded.',
      )
    }
    return record
  }

  /** Forgets a staged file and removes what the app holds of it (never the person's own file). */
  async discard(token: string): Promise<void> {
    if (!this.#records.delete(token) && !/^[A-Za-z0-9_-]{16,64}$/.test(token)) return
    await removeQuietly(this.folderOf(token))
  }

  /** Progress events for one staged file, at most four a second (`flush` sends the last one). */
  #progress(token: string, phase: ImportProgress['phase'], fixedTotal?: number) {
    let last = 0
    let pending: ImportProgress | null = null
    const send = (): void => {
      if (pending) this.#options.events.emit('imports:progress', pending)
      pending = null
      last = this.#now()
    }
    const report = (bytes: number, total?: number): void => {
      pending = { token, phase, bytes, total: fixedTotal ?? total ?? null }
      if (this.#now() - last >= PROGRESS_EVERY_MS) send()
    }
    return Object.assign(report, { flush: send })
  }
}
