/**
 * The main process's side of the git worker: starts the worker thread on first use, sends it
 * typed requests and resolves each with the worker's answer. A request's AbortSignal cancels it
 * in the worker; a worker that has not answered 5 s after a cancel is taken to hang, and one
 * that exits (a crash) has failed: either way it is terminated, every request still waiting
 * fails with `git_worker` in words that say so, and the next request starts a new worker.
 *
 * Where the worker's code is: the built app has it as its own entry, `out/main/git-worker.js`,
 * beside the main bundle. Run from source (browser mode under tsx, and vitest), this file is
 * TypeScript and so is the worker's entry; Node 20 does not pass `--import tsx` on to a worker
 * thread's loader, so a two-line module registers tsx's loader in the worker and then imports
 * the entry.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { GitProgress } from '../../shared/history'
import { GitError } from './git-error'
import {
  cancelledError,
  fromWireError,
  isWorkerMessage,
  type GitOpArgs,
  type GitOpName,
  type GitOpResult,
  type HostMessage,
} from './worker-protocol'

/** How long a cancelled request may take to stop before the worker is taken to hang. */
export const CANCEL_GRACE_MS = 5000

/** Starts the git worker from wherever this build keeps it. */
export function startGitWorker(): Worker {
  const here = fileURLToPath(import.meta.url)
  if (here.endsWith('.ts')) {
    const entry = new URL('./worker.ts', import.meta.url).href
    const tsx = import.meta.resolve('tsx/esm/api')
    const boot = `import { register } from ${JSON.stringify(tsx)}\nregister()\nawait import(${JSON.stringify(entry)})\n`
    return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { name: 'git' })
  }
  const dir = path.dirname(here)
  // The main bundle's code may sit in a chunk one folder down from the entries.
  for (const candidate of [path.join(dir, 'git-worker.js'), path.join(path.dirname(dir), 'git-worker.js')])
    if (existsSync(candidate)) return new Worker(candidate, { name: 'git' })
  throw new GitError(
    'git_worker',
    `The git worker (git-worker.js) is missing beside ${here}, so the code history cannot open. Reinstall Restore Desk.`,
  )
}

export interface GitWorkerHostOptions {
  /** Starts a worker (tests hand in their own); default {@link startGitWorker}. */
  readonly createWorker?: () => Worker
  readonly cancelGraceMs?: number
  readonly log?: (line: string) => void
}

export interface RunOptions {
  readonly signal?: AbortSignal
  readonly onProgress?: (progress: GitProgress) => void
}

interface Pending {
  readonly op: GitOpName
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
  readonly onProgress: ((progress: GitProgress) => void) | undefined
  readonly detach: () => void
  cancelTimer: NodeJS.Timeout | null
}

/** Runs git operations in one worker thread, restarting it when it crashes or hangs. */
export class GitWorkerHost {
  readonly #createWorker: () => Worker
  readonly #graceMs: number
  readonly #log: (line: string) => void
  readonly #pending = new Map<number, Pending>()
  #worker: Worker | null = null
  #nextId = 1
  #closed = false
  /** Workers started so far (a restart makes a new one). */
  #starts = 0

  constructor(options: GitWorkerHostOptions = {}) {
    this.#createWorker = options.createWorker ?? startGitWorker
    this.#graceMs = options.cancelGraceMs ?? CANCEL_GRACE_MS
    this.#log = options.log ?? (() => {})
  }

  /** How many workers this host has started (1 until a crash or hang made it restart). */
  get starts(): number {
    return this.#starts
  }

  /** Runs one operation in the worker. */
  run<O extends GitOpName>(op: O, args: GitOpArgs<O>, options: RunOptions = {}): Promise<GitOpResult<O>> {
    if (this.#closed)
      return Promise.reject(new GitError('git_worker', 'Restore Desk is closing; the git worker has stopped.'))
    const { signal } = options
    if (signal?.aborted) return Promise.reject(cancelledError(op))
    let worker: Worker
    try {
      worker = this.#ensureWorker()
    } catch (error) {
      return Promise.reject(error)
    }
    const id = this.#nextId++
    return new Promise<GitOpResult<O>>((resolve, reject) => {
      const onAbort = (): void => this.#cancel(id)
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#pending.set(id, {
        op,
        resolve: resolve as (value: unknown) => void,
        reject,
        onProgress: options.onProgress,
        detach: () => signal?.removeEventListener('abort', onAbort),
        cancelTimer: null,
      })
      worker.postMessage({ kind: 'run', id, op, args } satisfies HostMessage)
    })
  }

  /** Stops the worker; requests still waiting fail. */
  async close(): Promise<void> {
    this.#closed = true
    const worker = this.#worker
    this.#worker = null
    this.#failAll('Restore Desk is closing; the git operation was stopped.')
    await worker?.terminate()
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker
    const worker = this.#createWorker()
    this.#starts += 1
    worker.on('message', (message: unknown) => {
      if (worker === this.#worker) this.#onMessage(message)
    })
    worker.on('error', (error) => {
      this.#log(`[git] the worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    })
    worker.on('exit', (code) => {
      if (worker !== this.#worker) return
      this.#worker = null
      this.#log(`[git] the worker exited with code ${code}`)
      this.#failAll(
        `The git worker stopped unexpectedly (exit code ${code}), so the operation did not finish. Try again; a new worker starts with the next request.`,
      )
    })
    this.#worker = worker
    return worker
  }

  #onMessage(message: unknown): void {
    if (!isWorkerMessage(message)) return
    const pending = this.#pending.get(message.id)
    if (!pending) return
    if (message.kind === 'progress') {
      pending.onProgress?.(message.progress)
      return
    }
    this.#settle(message.id)
    if (message.kind === 'done') pending.resolve(message.value)
    else pending.reject(fromWireError(message.error))
  }

  #cancel(id: number): void {
    const pending = this.#pending.get(id)
    if (!pending || pending.cancelTimer || !this.#worker) return
    this.#worker.postMessage({ kind: 'cancel', id } satisfies HostMessage)
    pending.cancelTimer = setTimeout(() => this.#hung(id), this.#graceMs)
  }

  /** A cancelled request the worker did not stop in time: the worker is stuck, start over. */
  #hung(id: number): void {
    const pending = this.#pending.get(id)
    if (!pending) return
    this.#settle(id)
    pending.reject(
      new GitError(
        'git_cancelled',
        `The ${pending.op} was stopped. The git worker did not stop in time, so Restore Desk restarted it.`,
      ),
    )
    this.#log(`[git] the worker did not stop a cancelled ${pending.op} within ${this.#graceMs} ms; restarting it`)
    const worker = this.#worker
    this.#worker = null
    this.#failAll(
      `The git worker stopped answering (a cancelled ${pending.op} did not stop) and was restarted, so this operation did not finish. Try again.`,
    )
    void worker?.terminate()
  }

  #settle(id: number): void {
    const pending = this.#pending.get(id)
    if (!pending) return
    this.#pending.delete(id)
    pending.detach()
    if (pending.cancelTimer) clearTimeout(pending.cancelTimer)
  }

  #failAll(message: string): void {
    for (const [id, pending] of [...this.#pending]) {
      this.#settle(id)
      pending.reject(new GitError('git_worker', message))
    }
  }
}
