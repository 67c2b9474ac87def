/**
 * The messages between the main process and the git worker thread, and the table of operations
 * the worker answers. The host posts `run` (a request id, an operation's name, its arguments) and
 * `cancel`; the worker answers each run with `progress` messages and then one `done` or
 * `failed`. Errors cannot cross a thread as themselves (structured clone keeps only `message`),
 * so they travel as `{ code, message }` and are rebuilt on the host: a GitError for the git
 * module's codes, an error carrying Node's errno code (ENOSPC, EACCES) for a system failure, so
 * the page gets the app's usual sentence for it, and a plain error for anything unexpected.
 */
import type {
  CommitDetail,
  EnvGap,
  EnvPosition,
  FileDiff,
  GitProgress,
  HistoryPage,
  HistorySearchPage,
} from '../../shared/history'
import type { ResetPreview, RevertMode, RevertPreview } from '../../shared/rollback'
import { GitError, type GitErrorCode } from './git-error'
import type { ObjectReader } from './objects'

/** Where the platform says an environment's code stands (what the host hands the worker). */
export interface EnvTarget {
  readonly env: string
  /** Null for an environment never deployed to. */
  readonly oid: string | null
  readonly ref: string | null
}

/** A repository and the environments whose commits are the tips of its history. */
export interface HistoryView {
  readonly gitdir: string
  /** dev, test, live as the platform reports them; those whose commit the clone lacks are left out of the walk. */
  readonly envs: readonly EnvTarget[]
}

export interface CloneArgs {
  readonly url: string
  /** The machine token, the Basic auth password; never logged, never part of an error. */
  readonly token: string
  /** The clone's final folder; it must not exist yet. The clone is made beside it and renamed. */
  readonly folder: string
}

export interface FetchArgs {
  readonly gitdir: string
  readonly url: string
  readonly token: string
}

/** What the worker found at a folder the person named. */
export interface RepositoryInfo {
  /** The git directory: `<folder>/.git`, where a `.git` file points, or the folder itself (bare). */
  readonly gitdir: string
  readonly bare: boolean
  /** `remote.origin.url`, null when the repository has no origin. */
  readonly originUrl: string | null
}

/** The overview's git half: the host adds the repository's status. */
export interface OverviewResult {
  readonly positions: readonly EnvPosition[]
  readonly gaps: readonly EnvGap[]
  readonly totalCommits: number
}

/**
 * Every operation the worker answers: its arguments and its result (both structured-clone data).
 * The worker dispatches through one table of this shape (worker.ts), so an operation is added or
 * replaced in one place.
 */
export interface GitOperations {
  /** Clones into a temporary folder beside `folder` and renames it when whole; progress as it goes. */
  readonly clone: { readonly args: CloneArgs; readonly result: { readonly gitdir: string } }
  /** Fetches every branch and tag (tags that moved or went are updated); drops the repository's session. */
  readonly fetch: { readonly args: FetchArgs; readonly result: null }
  /** Checks that a folder is a git repository and reads its origin. */
  readonly inspect: { readonly args: { readonly path: string }; readonly result: RepositoryInfo }
  /** Forgets the repository's session (its object cache and walks). */
  readonly close: { readonly args: { readonly gitdir: string }; readonly result: null }
  readonly overview: { readonly args: HistoryView; readonly result: OverviewResult }
  readonly page: { readonly args: HistoryView & { readonly cursor: string | null }; readonly result: HistoryPage }
  readonly search: {
    readonly args: HistoryView & { readonly query: string; readonly cursor: string | null }
    readonly result: HistorySearchPage
  }
  readonly commit: { readonly args: HistoryView & { readonly oid: string }; readonly result: CommitDetail }
  readonly fileDiff: {
    readonly args: HistoryView & { readonly oid: string; readonly path: string }
    readonly result: FileDiff
  }
  /**
   * What a revert or roll back of `oid` on dev's `head` would do. Writes nothing into the
   * repository (no object, no ref): merged blobs and trees go to a scratch store.
   */
  readonly revertPreview: {
    readonly args: HistoryView & { readonly oid: string; readonly mode: RevertMode; readonly head: string }
    readonly result: RevertPreview
  }
  /**
   * Makes the revert or roll back commit on `head`. With `remote`, pushes it to the remote's
   * master with a lease on `head` (refused with `git_lease` if the remote's master is elsewhere)
   * and moves the clone's refs only after the push succeeded. Without (a local clone the app
   * cannot push from), moves the local clone's checked-out branch and updates its working tree,
   * refused with `git_dirty` when the working tree has changes; the person pushes from a terminal.
   */
  readonly revert: {
    readonly args: HistoryView & {
      readonly remote: RemoteArgs | null
      readonly oid: string
      readonly mode: RevertMode
      readonly head: string
      readonly author: CommitAuthor
      /** Seconds since the epoch (tests fix it to compare commit ids with native git's). */
      readonly time?: number
    }
    readonly result: MoveResult
  }
  /** What resetting dev from `head` to `oid` would discard. */
  readonly resetPreview: {
    readonly args: HistoryView & { readonly oid: string; readonly head: string }
    readonly result: ResetPreview
  }
  /**
   * Saves `refs/restore-desk/reset-backups/<time>` at `head` in the clone, then force-pushes the
   * remote's master to `oid` with a lease on `head`.
   */
  readonly reset: {
    readonly args: HistoryView & RemoteArgs & { readonly oid: string; readonly head: string }
    readonly result: MoveResult
  }
  /** The clone's reset backup refs, newest first, with where each reset went (recorded in the ref's reflog-free note). */
  readonly resetBackups: {
    readonly args: { readonly gitdir: string }
    readonly result: readonly ResetBackup[]
  }
  /** Force-pushes master back to the backup ref's commit with a lease on where the reset left it, then deletes the ref. */
  readonly undoReset: {
    readonly args: HistoryView & RemoteArgs & { readonly backupRef: string }
    readonly result: MoveResult
  }
}

/** Where to push, for the operations that move the remote's master. */
export interface RemoteArgs {
  readonly url: string
  /** The machine token (Basic auth password); never logged. */
  readonly token: string
}

/** Who a new commit is by (the platform user; the committer is the same). */
export interface CommitAuthor {
  readonly name: string
  readonly email: string
}

/** What moved: master from `previousHead` to `newHead` on the remote (and in the clone). */
export interface MoveResult {
  readonly previousHead: string
  readonly newHead: string
  readonly backupRef: string | null
}

/** A saved reset: the ref keeps `savedHead` (where dev was) reachable; the reset moved dev to `resetTo`. */
export interface ResetBackup {
  readonly ref: string
  readonly savedHead: string
  readonly resetTo: string
  /** When the reset was made, epoch ms. */
  readonly at: number
}

export type GitOpName = keyof GitOperations
export type GitOpArgs<O extends GitOpName> = GitOperations[O]['args']
export type GitOpResult<O extends GitOpName> = GitOperations[O]['result']

/** What the worker keeps for one repository between requests, until `close` or a fetch. */
export interface RepoSession {
  readonly gitdir: string
  /** isomorphic-git's cache object: pass it to every library call on this repository. */
  readonly cache: object
  readonly reader: ObjectReader
  /** What operations keep between requests (a walk, the tags, counts), by a key of their own. */
  readonly memo: Map<string, unknown>
}

/** What an operation gets besides its arguments. */
export interface OpContext {
  /** Aborted when the host cancels this request: check it in long loops. */
  readonly signal: AbortSignal
  /** Sends progress to the host (throttle it: the host forwards every message to the page). */
  progress(progress: GitProgress): void
  /** The repository's long-lived session, made on first use. */
  session(gitdir: string): RepoSession
  /** Forgets a repository's session (after a fetch replaced its packs, or on `close`). */
  dropSession(gitdir: string): void
}

/** The worker's dispatch table: one function per operation. */
export type GitOperationTable = {
  readonly [O in GitOpName]: (args: GitOpArgs<O>, context: OpContext) => Promise<GitOpResult<O>>
}

/** Host → worker. */
export type HostMessage =
  | { readonly kind: 'run'; readonly id: number; readonly op: GitOpName; readonly args: unknown }
  | { readonly kind: 'cancel'; readonly id: number }

/** An error as it crosses the thread boundary. */
export interface WireError {
  /** A GitError's code, or `system` (with `errno`) or `internal`. */
  readonly code: GitErrorCode | 'system' | 'internal'
  readonly message: string
  /** Node's code for a system error (`ENOSPC`). */
  readonly errno?: string
}

/** Worker → host. */
export type WorkerMessage =
  | { readonly kind: 'progress'; readonly id: number; readonly progress: GitProgress }
  | { readonly kind: 'done'; readonly id: number; readonly value: unknown }
  | { readonly kind: 'failed'; readonly id: number; readonly error: WireError }

/** The error for an operation that was stopped, worded for what was stopped. */
export function cancelledError(op: GitOpName): GitError {
  const message =
    op === 'clone'
      ? 'The clone was stopped and nothing was kept. Open the history again to start over.'
      : op === 'fetch'
        ? 'The fetch was stopped; the history shows what was fetched before. Refresh to fetch again.'
        : op === 'search'
          ? 'The search was stopped.'
          : 'The operation was stopped.'
  return new GitError('git_cancelled', message)
}

const SYSTEM_CODE = /^E[A-Z0-9]{2,}$/

/** An error thrown in the worker, as it is posted to the host. */
export function toWireError(error: unknown): WireError {
  if (error instanceof GitError) return { code: error.code, message: error.message }
  const errno = (error as { code?: unknown } | null)?.code
  const message = error instanceof Error ? error.message : String(error)
  if (typeof errno === 'string' && SYSTEM_CODE.test(errno)) return { code: 'system', message, errno }
  return { code: 'internal', message }
}

/** The error the host throws for a worker's answer. */
export function fromWireError(wire: WireError): Error {
  if (wire.code === 'system') {
    const error = new Error(wire.message) as Error & { code?: string }
    if (wire.errno !== undefined) error.code = wire.errno
    return error
  }
  if (wire.code === 'internal') return new Error(wire.message)
  return new GitError(wire.code, wire.message)
}

/** Whether a value is one of the worker's messages (the host checks what arrives before trusting it). */
export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (typeof value !== 'object' || value === null) return false
  const message = value as { kind?: unknown; id?: unknown }
  return (
    typeof message.id === 'number' &&
    (message.kind === 'progress' || message.kind === 'done' || message.kind === 'failed')
  )
}
