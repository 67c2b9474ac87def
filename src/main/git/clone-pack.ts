/**
 * A clone's pack, downloaded (upload-pack.ts) and indexed (index-pack.ts) at once: the indexer
 * reads the file while the download writes it, as git's fetch-pack feeds the pack to
 * `index-pack --stdin`. The two overlap in time; and the indexer's steady work keeps the garbage
 * collector running while the pack arrives, where a download alone left every chunk of the
 * response (Node's socket reads and its HTTP parser's copies) in memory until V8 next looked,
 * 30 MiB later on a 22 MiB pack.
 */
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import type { HttpClient } from 'isomorphic-git'
import { indexPack } from './index-pack'
import type { PackBytes } from './pack-scan'
import type { LibraryProgress } from './transport'
import { downloadPack } from './upload-pack'

/** The pack file's bytes as the download writes them, for the indexer to wait on. */
class ArrivingPack implements PackBytes {
  readable = 0
  complete = false
  #failure: { readonly error: unknown } | null = null
  #waiting: { readonly bytes: number; resolve(): void; reject(error: unknown): void }[] = []

  wait(bytes: number): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure.error)
    if (this.complete || this.readable >= bytes) return Promise.resolve()
    return new Promise((resolve, reject) => {
      this.#waiting.push({ bytes, resolve, reject })
    })
  }

  grew(bytes: number): void {
    this.readable = bytes
    const ready = this.#waiting.filter((waiter) => waiter.bytes <= bytes)
    if (ready.length === 0) return
    this.#waiting = this.#waiting.filter((waiter) => waiter.bytes > bytes)
    for (const waiter of ready) waiter.resolve()
  }

  finish(): void {
    this.complete = true
    for (const waiter of this.#take()) waiter.resolve()
  }

  fail(error: unknown): void {
    this.#failure = { error }
    for (const waiter of this.#take()) waiter.reject(error)
  }

  #take(): { resolve(): void; reject(error: unknown): void }[] {
    const waiting = this.#waiting
    this.#waiting = []
    return waiting
  }
}

export interface ClonePackOptions {
  readonly http: HttpClient
  readonly url: string
  readonly headers: Record<string, string>
  readonly wants: readonly string[]
  /** The repository's `objects/pack`. */
  readonly packDir: string
  readonly signal: AbortSignal
  readonly onProgress: (event: LibraryProgress) => void
}

/** Fetches the pack of `wants` into `packDir` with its `.idx`; resolves with the pack's name. */
export async function clonePack(
  options: ClonePackOptions,
): Promise<{ readonly sha: string; readonly objects: number }> {
  const file = path.join(options.packDir, `tmp_pack_${randomBytes(6).toString('hex')}`)
  const arriving = new ArrivingPack()
  const stop = new AbortController()
  const download = downloadPack(options.http, options.url, options.headers, options.wants, {
    file,
    onProgress: options.onProgress,
    onWritten: (bytes) => arriving.grew(bytes),
    stop: stop.signal,
  }).then(
    () => arriving.finish(),
    (error: unknown) => {
      arriving.fail(error)
      throw error
    },
  )
  // Its failure is the indexer's to report (it waits on the file); this only keeps an early
  // failure from counting as unhandled while the indexer has not yet looked.
  download.catch(() => undefined)
  try {
    const indexed = await indexPack(file, { signal: options.signal, onProgress: options.onProgress, arriving })
    await download
    return indexed
  } catch (error) {
    // The download stops (if it has not failed itself) and has let go of the file before the
    // caller removes the folder.
    stop.abort(error)
    await download.catch(() => undefined)
    throw error
  }
}
