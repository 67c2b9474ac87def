/**
 * Models of what the hosting platform knows: sites, environments, commits,
 * backups and workflows, as the app uses them after the main process has
 * parsed the platform's wire format (see docs/platform-api.md).
 *
 * Pure data: these cross IPC to the page unchanged, so they hold no secrets,
 * no class instances and no functions. Times are epoch milliseconds (UTC).
 */

/** Who the machine token belongs to. */
export interface PlatformUser {
  readonly id: string
  readonly email: string
  readonly fullName: string | null
}

/** A site the user can see. */
export interface Site {
  readonly id: string
  readonly name: string
  /** Human label; falls back to the name when the platform has none. */
  readonly label: string
  /** `drupal8`, `wordpress`, ... as the platform names it. */
  readonly framework: string
  readonly createdAt: number | null
  readonly owner: string | null
  readonly planName: string | null
  readonly frozen: boolean
  /** The user's role on the site when it came from the memberships list, else null. */
  readonly role: string | null
}

/** The three standard environments; anything else is a multidev. */
export type EnvironmentKind = 'dev' | 'test' | 'live' | 'multidev'

/** One environment of a site (dev, test, live or a multidev). */
export interface Environment {
  readonly name: string
  readonly kind: EnvironmentKind
  /** The production environment; the UI marks it and asks twice before changing it. */
  readonly isLive: boolean
  /** `refs/heads/master`, `refs/tags/pantheon_test_3`, or null if never deployed to. */
  readonly targetRef: string | null
  readonly targetCommit: string | null
  /** The branch for dev and multidevs (`master`), else null. */
  readonly branch: string | null
  /** The deploy tag for test/live (`pantheon_live_13`), else null. */
  readonly deployTag: string | null
  /** N of `pantheon_<env>_N`, else null. */
  readonly deployNumber: number | null
  /** False for an environment that was never deployed to (no code yet). */
  readonly initialized: boolean
  readonly createdAt: number | null
  readonly onServerDevelopment: boolean
  readonly locked: boolean
  readonly lockUsername: string | null
  readonly dnsZone: string | null
}

/** One domain of an environment, as `GET .../domains` lists it. */
export interface EnvironmentDomain {
  /** The host name, e.g. `dev-demo-wordpress.pantheonsite.io`. */
  readonly id: string
  /** `platform` for the environment's own domain; Pantheon also lists `custom` ones. */
  readonly type: string
}

/** An environment's current database and files, as the embedded platform's [ext] content-summary says. */
export interface EnvironmentContent {
  readonly database: {
    /** The gzipped dump's bytes; null when there is no database. */
    readonly size: number | null
    readonly modifiedAt: number | null
  }
  readonly files: {
    readonly count: number
    /** Total bytes of every file. */
    readonly size: number
    /** The newest file's modification time; null when there is no file. */
    readonly modifiedAt: number | null
  }
}

/** How to reach an environment's git repository (embedded platform only). */
export interface ConnectionInfo {
  readonly gitUrl: string
  readonly gitProtocol: string
}

/** One commit in an environment's code log. */
export interface CodeLogEntry {
  readonly hash: string
  readonly parents: readonly string[]
  readonly author: string
  readonly email: string
  /** Commit time; the platform sends UTC without a zone. */
  readonly committedAt: number
  readonly message: string
  /** Environments whose code contains this commit. */
  readonly labels: readonly string[]
}

/** The three archive parts of a backup. */
export type BackupElement = 'code' | 'database' | 'files'

/** All archive parts, in the order the UI lists them. */
export const BACKUP_ELEMENTS: readonly BackupElement[] = ['code', 'database', 'files']

/** One archive of a backup. */
export interface BackupPart {
  readonly element: BackupElement
  readonly filename: string
  /** Bytes; 0 while the archive is still being made. */
  readonly size: number
  readonly finished: boolean
  readonly startedAt: number | null
  readonly finishedAt: number | null
  /** Finish + ttl; null until finished. */
  readonly expiresAt: number | null
  /** Code only: the commit the archive holds, where the platform says (the embedded one does). */
  readonly commit?: string
}

/** What the backup's files archive holds, from the catalog's manifest entry. */
export interface BackupManifest {
  readonly totalFiles: number
  readonly totalDirs: number
  readonly totalSize: number
}

/** One backup: a catalog folder with its parts. */
export interface Backup {
  /** The folder, e.g. `1471562156_backup`; unique within an environment. */
  readonly id: string
  readonly folder: string
  readonly kind: 'scheduled' | 'manual'
  /** A scheduled backup's place in the schedule, told by how long it is kept; absent for manual ones. */
  readonly cadence?: 'daily' | 'weekly'
  /** When the backup was started (the folder's epoch). */
  readonly startedAt: number
  /** When the last part finished; null while any part is unfinished. */
  readonly finishedAt: number | null
  /** When the first part leaves the catalog; null while unfinished. */
  readonly expiresAt: number | null
  /** Every part present is finished. */
  readonly finished: boolean
  readonly parts: { readonly [E in BackupElement]?: BackupPart }
  /** Sum of the finished parts' sizes in bytes. */
  readonly totalSize: number
  readonly manifest?: BackupManifest
}

/** One day's automatic backup. */
export interface BackupScheduleDay {
  /** 0 = Sunday. */
  readonly day: number
  readonly hour: number | null
  readonly ttlSeconds: number | null
}

/** When the platform makes scheduled backups and how long it keeps them. */
export interface BackupSchedule {
  readonly enabled: boolean
  readonly days: readonly BackupScheduleDay[]
  /** The daily backups' hour (UTC), if enabled. */
  readonly hour: number | null
  /** The day whose backup is kept longest (the weekly one), if any. */
  readonly weeklyDay: number | null
  readonly dailyTtlSeconds: number | null
  readonly weeklyTtlSeconds: number | null
}

/** Where to PUT an archive and the link the platform fetches it from afterwards. */
export interface UploadTarget {
  readonly url: string
  readonly downloadUrl: string
  /** When both links stop working (epoch ms); null when the platform does not say. */
  readonly expiresAt: number | null
}

/** What a platform's uploads take ([ext] `GET .../uploads/limits`). */
export interface UploadLimits {
  /** The largest upload, in bytes. */
  readonly maxBytes: number
  /** The formats its imports read (`sql`, `sql.gz`, `sql.zip`, `tar.gz`, `tar`, `zip`). */
  readonly formats: readonly string[]
}

/** How a finished workflow ended. */
export type WorkflowResult = 'succeeded' | 'failed' | 'aborted'

/** One line of a workflow's log. */
export interface WorkflowMessage {
  /** ISO time as the platform wrote it (UTC). */
  readonly at: string
  readonly message: string
  readonly level: string
}

/** A platform job (backup, restore, import, deploy, ...) and its progress. */
export interface Workflow {
  readonly id: string
  readonly type: string
  readonly siteId: string
  /** Null for site-wide workflows. */
  readonly environment: string | null
  readonly params: Readonly<Record<string, unknown>>
  readonly description: string
  readonly activeDescription: string
  /** `created`, `started`, `finished` (Pantheon adds others, e.g. `queued`). */
  readonly phase: string
  readonly result: WorkflowResult | null
  readonly step: number | null
  readonly numberOfTasks: number | null
  readonly createdAt: number | null
  readonly startedAt: number | null
  readonly finishedAt: number | null
  readonly messages: readonly WorkflowMessage[]
  /** `result` is set. */
  readonly finished: boolean
  readonly succeeded: boolean
  /** What went wrong, for a finished workflow that did not succeed; else null. */
  readonly failureReason: string | null
}

/** Parameters of the workflows the app starts, by type (the contract's table). */
export interface WorkflowParamsByType {
  readonly do_export: {
    readonly code: boolean
    readonly database: boolean
    readonly files: boolean
    readonly entry_type: 'backup'
    readonly ttl: number
  }
  readonly restore_code: { readonly key: string; readonly bucket: string }
  readonly restore_database: { readonly key: string; readonly bucket: string }
  readonly restore_files: { readonly key: string; readonly bucket: string }
  readonly do_import: { readonly database: 1; readonly url: string } | { readonly files: 1; readonly url: string }
  readonly clone_database: {
    readonly from_environment: string
    readonly updatedb?: boolean | number
    readonly clear_cache?: boolean | number
    /** WordPress: replace the source's site URL with the target's in the copied database. */
    readonly wp_replace_siteurl?: { readonly from_url: string; readonly to_url: string }
  }
  readonly clone_files: { readonly from_environment: string }
  readonly deploy: {
    readonly annotation: string
    readonly updatedb?: boolean | number
    readonly clear_cache?: boolean | number
    readonly clone_database?: { readonly from_environment: string }
    readonly clone_files?: { readonly from_environment: string }
  }
  readonly lock_environment: { readonly username: string; readonly password: string }
  readonly unlock_environment: Readonly<Record<string, never>>
}

/** A workflow type the app can start. */
export type StartableWorkflowType = keyof WorkflowParamsByType

/** A site with its environments, as the site view opens it. */
export interface SiteDetails {
  readonly site: Site
  /** dev, test, live first, then multidevs by name. */
  readonly environments: readonly Environment[]
}

/** A workflow the app is watching, as the `workflows:progress` event reports it. */
export interface WorkflowProgress {
  readonly siteId: string
  readonly env: string | null
  readonly workflow: Workflow
  /** No progress for 10 minutes: shown as stalled (it may still finish). */
  readonly stalled: boolean
}
