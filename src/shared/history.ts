/**
 * What the code history shows: the site's git history with where dev, test and live stand,
 * paged through a cursor, searchable, and one commit's changes with their diff. Main reads it
 * from a clone in the app's data folder (or a local clone the person opened) in a git worker;
 * these are the shapes that cross to the page.
 */

/** How far a clone, fetch or long search has come. */
export interface GitProgress {
  /** What git is doing, in the library's words ("Receiving objects", "Resolving deltas", "Searching"). */
  readonly phase: string
  /** Objects (or commits, for a search) done so far in this phase. */
  readonly loaded: number
  /** Objects in this phase, when known. */
  readonly total: number | null
  /** Bytes received from the remote so far (0 for work that reads only local data). */
  readonly bytes: number
}

/** Where the history's repository comes from. */
export type RepoSource =
  /** The app cloned the site's dev repository (connection-info's `git_url`) into its data folder. */
  | 'app-clone'
  /** The person pointed the app at a clone of their own (a Pantheon site, whose git is SSH-only). */
  | 'local-clone'

export type RepoState =
  /** No repository yet, and the app cannot clone one itself: the person must open a local clone. */
  | 'needs-local-clone'
  | 'cloning'
  | 'fetching'
  | 'ready'
  /** The last clone or fetch failed; `error` says why. A clone that failed left nothing behind. */
  | 'failed'

export interface RepoStatus {
  readonly siteId: string
  readonly state: RepoState
  readonly source: RepoSource | null
  /** The local clone's folder (only for `local-clone`: the app's own clone stays private). */
  readonly localPath: string | null
  /** Why the app cannot clone or push by itself (Pantheon: git over SSH), in words for the page. */
  readonly transportNote: string | null
  /** Whether the app can push to the site's repository (issue 11's roll back needs it). */
  readonly canPush: boolean
  /** When the history was last fetched from the platform (epoch ms), null for never. */
  readonly fetchedAt: number | null
  /** Set while cloning or fetching. */
  readonly progress: GitProgress | null
  readonly error: { readonly code: string; readonly message: string } | null
}

/** One commit as a row of the history. */
export interface HistoryCommit {
  readonly oid: string
  readonly parents: readonly string[]
  /** The message's first line. */
  readonly subject: string
  readonly authorName: string
  readonly authorEmail: string
  /** Author time, epoch ms. */
  readonly authoredAt: number
  /** Committer time, epoch ms (what the walk orders by). */
  readonly committedAt: number
  /** Environments whose code is exactly this commit ("dev", "test", "live"). */
  readonly envsAt: readonly string[]
  /** Environments whose code contains this commit (a superset of `envsAt`). */
  readonly envsContaining: readonly string[]
  /** Deploy tags on this commit, short names (`pantheon_test_4`), newest first. */
  readonly tags: readonly string[]
}

export interface HistoryPage {
  readonly commits: readonly HistoryCommit[]
  /** Where this page starts in the whole walk (0 for the newest commit). */
  readonly offset: number
  /** Pass back for the next page; null when this page ends at the first commit. */
  readonly cursor: string | null
}

export interface HistorySearchPage {
  readonly query: string
  readonly commits: readonly HistoryCommit[]
  /** Commits looked at so far, over all pages of this search. */
  readonly scanned: number
  /** Pass back for more matches; null when the whole history has been searched. */
  readonly cursor: string | null
}

/** Where one environment's code stands. */
export interface EnvPosition {
  readonly env: string
  /** Null for an environment never deployed to. */
  readonly oid: string | null
  /** The ref the platform reports (`refs/heads/master`, `refs/tags/pantheon_test_4`). */
  readonly ref: string | null
  readonly subject: string | null
  readonly committedAt: number | null
  /** False when the platform names a commit this clone does not have (fetch, or the clone is stale). */
  readonly inClone: boolean
}

/** What one environment lacks of another: the commits a deploy from `from` to `to` would bring. */
export interface EnvGap {
  readonly from: string
  readonly to: string
  /** Commits in `from` and not in `to`. */
  readonly count: number
  /** The newest of them, newest first (at most 50). */
  readonly commits: readonly HistoryCommit[]
  /** Commits in `to` and not in `from` (after a reset of `from`, `to` may hold commits it no longer has). */
  readonly reverseCount: number
  readonly reverseCommits: readonly HistoryCommit[]
}

/** What the history view opens with. */
export interface HistoryOverview {
  readonly repo: RepoStatus
  /** dev, test, live (and nothing else), in that order; empty until the repository is ready. */
  readonly positions: readonly EnvPosition[]
  /** dev → test and test → live. */
  readonly gaps: readonly EnvGap[]
  /** Commits in the whole history (reachable from dev, test or live); null until counted. */
  readonly totalCommits: number | null
}

export type FileStatus = 'added' | 'modified' | 'deleted' | 'renamed'

/** One line of a hunk. */
export interface DiffLine {
  /** `+` added, `-` removed, ` ` context. */
  readonly kind: '+' | '-' | ' '
  readonly text: string
  readonly oldNumber: number | null
  readonly newNumber: number | null
  /** This line has no newline at its end in its file ("\ No newline at end of file"). */
  readonly noNewline?: boolean
}

export interface DiffHunk {
  readonly oldStart: number
  readonly oldLines: number
  readonly newStart: number
  readonly newLines: number
  readonly lines: readonly DiffLine[]
}

/** One file a commit changed, against its first parent. */
export interface FileChange {
  readonly path: string
  /** The path before, for a rename. */
  readonly oldPath: string | null
  readonly status: FileStatus
  /** Rename similarity in percent (100 for an exact rename). */
  readonly similarity: number | null
  /** Git's modes (`100644`, `100755`, `120000` for a link), null where the side is absent. */
  readonly oldMode: string | null
  readonly newMode: string | null
  /** Git's rule: a NUL byte in the first 8,000 bytes of either side. */
  readonly binary: boolean
  /** Lines added and removed, as `git diff --numstat -M`; null for a binary file. */
  readonly added: number | null
  readonly removed: number | null
  /**
   * The hunks, or the first of them when `cut`; null for a binary file, or when the commit's
   * diff was too large and this file's was left out (then `cut` is true).
   */
  readonly hunks: readonly DiffHunk[] | null
  /** Some of this file's diff was left out: "Show all" asks `history:file-diff` for the whole. */
  readonly cut: boolean
}

/** A commit's detail: message, people, parents and what it changed. */
export interface CommitDetail {
  readonly commit: HistoryCommit
  /** The whole message. */
  readonly message: string
  readonly committerName: string
  readonly committerEmail: string
  /** The parent the files and diff are compared with (the first), null for the first commit. */
  readonly comparedWith: string | null
  readonly files: readonly FileChange[]
  readonly totals: { readonly files: number; readonly added: number; readonly removed: number }
}

/** One file's whole diff, for "Show all". */
export interface FileDiff {
  readonly oid: string
  readonly change: FileChange
}
