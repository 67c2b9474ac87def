/**
 * Rolling the code back and moving it forward: the two ways back for a commit chosen in the
 * code history (a revert, history kept; a reset, history rewritten with a force push), each
 * previewed before anything moves, the undo of a reset, and the deploys dev → test → live.
 * Main computes all of it in the git worker on the site's clone; these are the shapes that
 * cross to the page.
 */
import type { FileChange, HistoryCommit } from './history'
import type { Workflow } from './platform-types'

/**
 * How a revert goes back: `revert` undoes just the chosen commit (git revert <id>, a merge
 * against its first parent); `roll-back` makes one new commit whose tree equals the chosen
 * commit's (everything after it undone, history kept).
 */
export type RevertMode = 'revert' | 'roll-back'

/** What a revert or a roll back would do, computed without moving anything. */
export interface RevertPreview {
  readonly mode: RevertMode
  /** The chosen commit. */
  readonly target: HistoryCommit
  /** dev's commit the change is made on (the clone's, freshly fetched); the apply is refused if dev moved since. */
  readonly head: string
  /** The message the new commit gets, exactly as git writes it. */
  readonly message: string
  /** The change the new commit makes against `head`: files with status and +/- counts (hunks cut as in a commit's detail). */
  readonly files: readonly FileChange[]
  readonly totals: { readonly files: number; readonly added: number; readonly removed: number }
  /** Files that conflict (both sides changed them differently, or a binary changed on both): nothing can be applied. */
  readonly conflicts: readonly RevertConflict[]
  /** The new commit would change nothing (the chosen commit's changes are already undone). */
  readonly empty: boolean
  /** Why it cannot be applied from the app (no push on this connection, a conflict, nothing to do), or null. */
  readonly blocked: string | null
}

export interface RevertConflict {
  readonly path: string
  /** What clashed, in words: "changed on both sides", "deleted in dev, changed by the revert", "binary file changed on both sides". */
  readonly reason: string
}

/** The outcome of a revert, roll back, reset or undo: dev's code moved from `previousHead` to `newHead`. */
export interface CodeMoveResult {
  readonly previousHead: string
  readonly newHead: string
  /** The new commit (revert, roll back), or the commit dev was moved to (reset, undo). */
  readonly commit: HistoryCommit
  /** The platform's `sync_code` workflow that moves dev's environment to the new commit, when it reported one. */
  readonly workflow: Workflow | null
  /** The backup ref that keeps the commits a reset took off dev (`refs/restore-desk/reset-backups/<time>`). */
  readonly backupRef: string | null
}

/** What a reset of dev to a commit would do. */
export interface ResetPreview {
  readonly target: HistoryCommit
  readonly head: string
  /** Commits on dev that the reset takes off it (`git rev-list target..head`). */
  readonly discardedCount: number
  /** The newest of them (at most 500), newest first, each marked in the list. */
  readonly discarded: readonly HistoryCommit[]
  /** Of the discarded commits, those test or live already hold: after the reset they hold commits dev no longer has. */
  readonly heldBy: readonly { readonly env: string; readonly count: number }[]
  /** The commit is not in dev's history (a reset there would jump sideways): refused. */
  readonly notAncestor: boolean
  readonly blocked: string | null
}

/** The last reset of dev that can be undone, with what undoing it would do. */
export interface ResetUndo {
  readonly backupRef: string
  /** Where dev was before the reset (what undo puts back). */
  readonly restores: HistoryCommit
  /** Where the reset put dev (the undo is refused with a lease error if dev is elsewhere now). */
  readonly from: string
  readonly at: number
}

/** What a deploy to test or live would bring. */
export interface DeployPreview {
  readonly siteId: string
  /** "test" or "live". */
  readonly to: string
  /** "dev" for test, "test" for live. */
  readonly from: string
  readonly fromCommit: string | null
  readonly toCommit: string | null
  /** Commits in `from` and not in `to` (`git rev-list to..from`), newest first (at most 100) and their count. */
  readonly commits: readonly HistoryCommit[]
  readonly count: number
  /** Commits `to` holds that `from` no longer has (after a reset of dev): a deploy leaves them behind on `to`'s tag history. */
  readonly leftBehind: readonly HistoryCommit[]
  readonly leftBehindCount: number
  /** Why there is nothing to deploy, in words, or null when there is. */
  readonly nothingReason: string | null
  /** Whether this environment is busy (a workflow runs on it): the reason, or null. */
  readonly busy: string | null
}
