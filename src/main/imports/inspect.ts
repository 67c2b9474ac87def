/**
 * Inspection of staged files before anything is sent: by content, streaming, in constant memory
 * (the library's `inspectImport`), against the platform's limits (the upload limit, archives
 * unpacking to at most {@link UNCOMPRESSED_FACTOR} times it). A file over the limit is refused
 * without being read. The result is kept per token with the size and time the file had, so
 * `imports:start` does not read a large file twice; a file that changed is read again (and
 * refused by staging, which wants what was staged). Long reads send `inspecting` progress.
 */
import { formatBytes } from '../../lib/format-bytes'
import type { ImportInspection, ImportProgress } from '../../shared/imports'
import type { EventHub } from '../events'
import type { InspectImport } from './archive-tools'
import { needsConversion, UNCOMPRESSED_FACTOR, type ImportPolicy } from './capabilities'
import type { StagingStore } from './staging'

const PROGRESS_EVERY_MS = 250

export interface ImportInspectorOptions {
  readonly staging: StagingStore
  readonly inspect: InspectImport
  readonly events: EventHub
  readonly now?: () => number
}

interface CachedInspection {
  readonly result: ImportInspection
  /** The limit it was checked against (a lower one later means checking again). */
  readonly maxBytes: number
}

/** Inspects staged files and remembers the answers. */
export class ImportInspector {
  readonly #options: ImportInspectorOptions
  readonly #now: () => number
  readonly #cache = new Map<string, CachedInspection>()
  readonly #running = new Map<string, Promise<ImportInspection>>()

  constructor(options: ImportInspectorOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  /** Inspects `token`'s file for a platform with `policy` (the cached answer when it still holds). */
  async inspect(token: string, policy: ImportPolicy, signal?: AbortSignal): Promise<ImportInspection> {
    const record = await this.#options.staging.verify(token)
    const { name, size } = record.staged
    const capabilities = policy.capabilities
    if (!capabilities.upload || capabilities.maxUploadBytes === null) {
      return {
        token,
        name,
        size,
        ok: false,
        refusal: {
          code: 'no_upload',
          problem: capabilities.uploadNote ?? 'This platform takes no uploads.',
          todo: 'Put the file where the platform can fetch it (a signed link) and import it from that URL.',
        },
      }
    }
    const maxBytes = capabilities.maxUploadBytes
    if (size > maxBytes) {
      return {
        token,
        name,
        size,
        ok: false,
        refusal: {
          code: 'too_large',
          problem: `${name} is ${formatBytes(size)}, over the platform's upload limit of ${formatBytes(maxBytes)}.`,
          todo: 'Make it smaller (for a dump, leave out cache and log tables; for files, leave out caches), then drop it again.',
        },
      }
    }
    const cached = this.#cache.get(token)
    if (cached && cached.maxBytes >= maxBytes) return this.#withConversion(cached.result, policy)
    let running = this.#running.get(token)
    if (!running) {
      running = this.#read(token, record.file, name, size, maxBytes, signal).finally(() => this.#running.delete(token))
      this.#running.set(token, running)
    }
    const result = await running
    // Read in place: had the file changed during the read, the answer would be about other bytes.
    await this.#options.staging.verify(token)
    this.#cache.set(token, { result, maxBytes })
    return this.#withConversion(result, policy)
  }

  /** The cached answer for a token, if it was inspected. */
  cached(token: string): ImportInspection | undefined {
    return this.#cache.get(token)?.result
  }

  forget(token: string): void {
    this.#cache.delete(token)
  }

  #withConversion(result: ImportInspection, policy: ImportPolicy): ImportInspection {
    return result.ok ? { ...result, convertForUpload: needsConversion(policy, result.detail.format) } : result
  }

  async #read(
    token: string,
    file: string,
    name: string,
    size: number,
    maxBytes: number,
    signal: AbortSignal | undefined,
  ): Promise<ImportInspection> {
    let last = 0
    const send = (bytes: number, total: number): void => {
      const now = this.#now()
      if (now - last < PROGRESS_EVERY_MS && bytes < total) return
      last = now
      const progress: ImportProgress = { token, phase: 'inspecting', bytes, total }
      this.#options.events.emit('imports:progress', progress)
    }
    const answer = await this.#options.inspect(file, {
      maxBytes,
      maxUncompressedBytes: maxBytes * UNCOMPRESSED_FACTOR,
      onProgress: send,
      ...(signal ? { signal } : {}),
    })
    if (answer.ok) return { token, name, size, ok: true, detail: answer.detail, convertForUpload: false }
    return { token, name, size, ok: false, refusal: answer.refusal }
  }
}
