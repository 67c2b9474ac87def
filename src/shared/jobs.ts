/**
 * Jobs: the destructive changes the app carries out on an environment (restore from a backup,
 * undo of a restore, clone content from another environment) as one ordered list of platform
 * workflows: a safety backup first (when asked), then code, files, database. The main process
 * keeps each job in a file, so a job goes on after a restart of the app and its undo stays
 * offered. Also the previews shown before a job starts, and a site's activity.
 *
 * Pure data, as it crosses IPC. Times are epoch milliseconds (UTC).
 */
import type { BackupElement, Workflow } from './platform-types'

/** What a job does. */
export type JobKind = 'restore' | 'undo' | 'clone' | 'import'

/** What one step of a job does through the platform. */
export type JobStepKind =
  /** `do_export` of the target before anything changes. */
  | 'safety-backup'
  /** `restore_<part>` from a backup of the target itself. */
  | 'restore'
  /** `do_import` of another environment's backup part through a signed link. */
  | 'import'
  /** `clone_database` / `clone_files` from another environment. */
  | 'clone'
  /** An archive sent to the platform's upload link (the import step that follows fetches it). */
  | 'upload'

/** pending → running → succeeded | failed; `skipped` when an earlier step failed. */
export type JobStepState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped'

/** Live progress of a step's workflow, as the platform reports it. */
export interface JobStepProgress {
  readonly step: number | null
  readonly of: number | null
  /** What the platform says it is doing now. */
  readonly activity: string
  /** Upload steps: bytes sent of the total, the rate (bytes/s) and the time left (s), when known. */
  readonly transfer?: {
    readonly sent: number
    readonly total: number
    readonly bytesPerSecond: number | null
    readonly secondsLeft: number | null
  }
}

/** One step of a job: one platform workflow (started again when a signed link expired first). */
export interface JobStep {
  /** Unique in the job: `safety`, `code`, `files`, `database`. */
  readonly id: string
  readonly kind: JobStepKind
  /** The part this step replaces; null for the safety backup (it covers all the job's parts). */
  readonly part: BackupElement | null
  /** For people: "Restore the database from 30 Nov 02:00", "Safety backup of dev". */
  readonly label: string
  readonly state: JobStepState
  readonly workflowId: string | null
  readonly workflowType: string | null
  readonly progress: JobStepProgress | null
  readonly startedAt: number | null
  readonly finishedAt: number | null
  /** Why it failed, in the platform's words; null otherwise. */
  readonly error: string | null
  /** How many workflows this step started (a second one after a link expired). */
  readonly attempts: number
}

/** running until every step ended; failed when one failed (the rest are skipped). */
export type JobState = 'running' | 'succeeded' | 'failed'

/** Where a job's content comes from. */
export interface JobSource {
  /** The environment whose backup (restore, undo) or content (clone) is used. */
  readonly env: string
  /** The backup folder (`1795363200_automated`); null for a clone. */
  readonly folder: string | null
  /** When that backup was taken; null for a clone. */
  readonly backupAt: number | null
}

/** The safety backup a job takes of its target before changing it. */
export interface JobSafety {
  readonly requested: boolean
  /** The backup folder it made, once it succeeded; the undo restores it. */
  readonly folder: string | null
  readonly keepForDays: number
}

/** Options of a clone. */
export interface CloneOptions {
  /** Drupal: run update.php's pending updates after the database arrives. */
  readonly updatedb: boolean
  /** Drupal: clear the caches after the database arrives. */
  readonly clearCache: boolean
  /** WordPress: replace the source's URL with the target's in the copied database. */
  readonly replaceUrl: { readonly from: string; readonly to: string } | null
}

/** One archive an import brings in. */
export interface ImportedArchive {
  /** The file's name, or the URL for an import by URL. */
  readonly name: string
  readonly size: number | null
  readonly fromUrl: boolean
  /** What it holds, for the summary: "12 tables, 38.0 MiB uncompressed". */
  readonly description: string | null
}

/** A restore, undo, clone or import as the app carries it out. */
export interface Job {
  readonly id: string
  readonly connectionId: string
  readonly siteId: string
  readonly siteName: string
  /** The environment the job changes. */
  readonly env: string
  readonly kind: JobKind
  readonly source: JobSource
  /** The parts it replaces, in the order it replaces them (code, files, database). */
  readonly parts: readonly BackupElement[]
  readonly clone: CloneOptions | null
  /** For an import: the archives it brings in (file name or URL, size when known). */
  readonly imports: { readonly [K in 'database' | 'files']?: ImportedArchive } | null
  readonly safety: JobSafety
  readonly steps: readonly JobStep[]
  readonly state: JobState
  /**
   * Where the environment stands, in full sentences: which parts were replaced and which not,
   * and what to do next (for a failed job: that its undo puts back what changed).
   */
  readonly summary: string
  readonly createdAt: number
  readonly finishedAt: number | null
  /** For an undo: the job it undoes. */
  readonly undoes: string | null
  /** The undo that was started for this job, if any. */
  readonly undoneBy: string | null
}

/** What the environment shows as "Undo restore" (or "Undo clone"). */
export interface UndoOffer {
  readonly jobId: string
  readonly kind: JobKind
  /** The button's name: "Undo restore" or "Undo clone". */
  readonly label: string
  readonly env: string
  /** The safety backup the undo restores. */
  readonly folder: string
  readonly backupAt: number
  /** The parts the undo puts back: those the job replaced or tried to. */
  readonly parts: readonly BackupElement[]
}

/** One side of a part's comparison: a backup's or the environment's current content. */
export interface ContentSide {
  /** Bytes (a database as its gzipped dump, files as the archive, or their total when known). */
  readonly size: number | null
  /** Files only: how many. */
  readonly fileCount: number | null
  /** When it was taken or last changed; null when not known. */
  readonly at: number | null
  /** How the figure was found when not exact, e.g. "as of its newest backup, 30 Nov 02:00". */
  readonly note: string | null
}

/** A commit as a preview names it. */
export interface CommitRef {
  readonly hash: string
  readonly subject: string
  readonly author: string
  readonly committedAt: number
}

/** What a code restore changes. */
export interface CodeChangePreview {
  readonly currentCommit: string | null
  readonly backupCommit: string | null
  /**
   * `platform`: the platform says which commit the backup holds; `estimated`: the newest commit
   * older than the backup (Pantheon's catalog does not say); `unknown`: neither.
   */
  readonly backupCommitSource: 'platform' | 'estimated' | 'unknown'
  /** Commits in the current code that the backup's does not have, lost by the restore. */
  readonly lostCount: number | null
  /** The newest of them. */
  readonly newestLost: CommitRef | null
  /** Commits the backup has that the current code does not (put back by the restore). */
  readonly regainedCount: number | null
}

/** The comparison of one content part (database or files), backup beside current. */
export interface ContentChangePreview {
  readonly part: 'database' | 'files'
  readonly incoming: ContentSide
  readonly current: ContentSide
}

/** Everything the restore dialog shows before anything happens. */
export interface RestorePreview {
  readonly siteId: string
  /** The environment that would be changed. */
  readonly env: string
  readonly envIsLive: boolean
  /** The environment whose backup it is. */
  readonly sourceEnv: string
  readonly folder: string
  readonly backupAt: number
  /** The finished parts the backup has. */
  readonly backupParts: readonly BackupElement[]
  /** Those that can go into `env`: all for its own backup; database and files from another's. */
  readonly restorableParts: readonly BackupElement[]
  /** For a code restore into the backup's own environment; null otherwise. */
  readonly code: CodeChangePreview | null
  /** The commit the backup's code holds, when known (shown with a copy button for another env). */
  readonly backupCommit: string | null
  readonly content: readonly ContentChangePreview[]
  /** "You will lose 2 days of changes on dev." */
  readonly lossSentence: string
  /** Why a restore cannot start on `env` now (one runs), or null. */
  readonly busy: string | null
  /** How long the safety backup is kept. */
  readonly safetyKeepDays: number
}

/** Everything the clone dialog shows before anything happens. */
export interface ClonePreview {
  readonly siteId: string
  readonly from: string
  readonly to: string
  readonly toIsLive: boolean
  /** `drupal`, `wordpress` or `other`: which options apply. */
  readonly cms: 'drupal' | 'wordpress' | 'other'
  readonly content: readonly ContentChangePreview[]
  /** Each environment's platform domain, for the URL replacement (null when not known). */
  readonly fromDomain: string | null
  readonly toDomain: string | null
  readonly lossSentence: string
  readonly busy: string | null
  readonly safetyKeepDays: number
}

/** A site's activity: the platform's workflows, this app's jobs, and what each env allows. */
export interface SiteActivity {
  readonly siteId: string
  /** Every workflow the platform lists for the site, newest first, wherever it was started. */
  readonly workflows: readonly Workflow[]
  /** This app's jobs on the site, newest first. */
  readonly jobs: readonly Job[]
  /** Environments where a restore, import or clone is queued or running: env → why. */
  readonly busy: Readonly<Record<string, string>>
  /** Environments whose latest job can be undone: env → the offer. */
  readonly undo: Readonly<Record<string, UndoOffer>>
  readonly fetchedAt: number
}
