/**
 * The one IPC contract between the page and the main process.
 *
 * Every invoke channel maps a request schema (checked at runtime in the main
 * process, whatever transport carried it) to a response type; every event
 * channel names the payload main pushes to the page. Adding a channel is one
 * entry here plus one handler in src/main/ipc/handlers.ts.
 */
import { z } from 'zod'
import type { AppCommandEvent, AppInfo, AppNotice, AppStatus, ConnectionSummary } from './app'
import type { Backup, CodeLogEntry, Site, SiteDetails, Workflow, WorkflowProgress } from './platform-types'
import type { DownloadChange, DownloadItem } from './downloads'
import type { ClonePreview, Job, RestorePreview, SiteActivity } from './jobs'
import type { ImportCapabilities, ImportInspection, ImportProgress, StagedFile } from './imports'
import type { CommitDetail, FileDiff, HistoryOverview, HistoryPage, HistorySearchPage, RepoStatus } from './history'
import type { CodeMoveResult, DeployPreview, ResetPreview, ResetUndo, RevertPreview } from './rollback'
import {
  backupElement,
  backupFolder,
  backupRefName,
  commitId,
  deployTarget,
  downloadRef,
  historyCursor,
  jobId,
  noPayload,
  platformId,
  repoPath,
  restoreSource,
  revertMode,
  siteEnv,
  stagedToken,
  typedConfirmation,
  urlText,
} from './ipc-fields'
import { themeChoiceSchema } from './theme'

/** A channel's runtime request schema, tagged with its (compile-time) response type. */
export interface InvokeSpec<Req extends z.ZodType, Res> {
  readonly request: Req
  /** Never set at runtime: carries the response type only. */
  readonly response?: Res
}

function invoke<Res>() {
  return <Req extends z.ZodType>(request: Req): InvokeSpec<Req, Res> => ({ request })
}

/** Invoke channels: page → main, answered once. */
export const invokeChannels = {
  'app:info': invoke<AppInfo>()(noPayload),
  /** Removes a notice for every page; an unknown id is not an error (another page was first). */
  'app:dismiss-notice': invoke<void>()(z.object({ id: z.string().min(1).max(64) }).strict()),
  /** The page's theme choice, for the desktop shell's native parts; browser mode has none. */
  'app:set-theme': invoke<void>()(z.object({ theme: themeChoiceSchema }).strict()),

  'connections:list': invoke<ConnectionSummary[]>()(noPayload),
  'connections:add': invoke<ConnectionSummary>()(
    z
      .object({
        kind: z.enum(['pantheon', 'remote-embedded']),
        label: z.string().trim().min(1).max(80),
        /** Required for remote-embedded; Pantheon's is fixed. */
        baseUrl: z
          .url({ protocol: /^https?$/ })
          .max(500)
          .optional(),
        machineToken: z.string().trim().min(8).max(512),
      })
      .strict(),
  ),
  'connections:remove': invoke<ConnectionSummary[]>()(z.object({ id: platformId }).strict()),
  'connections:activate': invoke<ConnectionSummary>()(z.object({ id: platformId }).strict()),

  'sites:list': invoke<Site[]>()(noPayload),
  'sites:open': invoke<SiteDetails>()(z.object({ siteId: platformId }).strict()),
  'code:log': invoke<CodeLogEntry[]>()(siteEnv),

  'backups:list': invoke<Backup[]>()(siteEnv),
  'backups:create': invoke<Workflow>()(
    z
      .object({
        siteId: platformId,
        env: platformId,
        parts: z
          .object({ code: z.boolean(), database: z.boolean(), files: z.boolean() })
          .strict()
          .refine((p) => p.code || p.database || p.files, 'choose at least one part to back up'),
        keepForDays: z.number().int().min(1).max(365),
      })
      .strict(),
  ),

  /** Workflows this app started and is still following (a page that reloads picks them up again). */
  'workflows:active': invoke<WorkflowProgress[]>()(noPayload),

  /** What restoring `env` from `sourceEnv`'s backup `folder` would change (nothing happens yet). */
  'restore:preview': invoke<RestorePreview>()(restoreSource.strict()),
  /** Starts the restore job; refused while another restore, import or clone of `env` runs. */
  'restore:start': invoke<Job>()(
    restoreSource
      .extend({
        parts: z
          .array(backupElement)
          .min(1, 'choose at least one part to restore')
          .max(3)
          .refine((parts) => new Set(parts).size === parts.length, 'name each part once'),
        safetyBackup: z.boolean(),
        /** Must equal `env`. */
        confirm: typedConfirmation,
      })
      .strict(),
  ),
  /** What undoing a job (restoring its safety backup) would change. */
  'restore:undo-preview': invoke<RestorePreview>()(z.object({ jobId }).strict()),
  /** Restores the job's safety backup over the parts it replaced; `confirm` must equal its env. */
  'restore:undo': invoke<Job>()(z.object({ jobId, safetyBackup: z.boolean(), confirm: typedConfirmation }).strict()),
  /** What cloning content from `from` to `to` would change. */
  'clone:preview': invoke<ClonePreview>()(z.object({ siteId: platformId, from: platformId, to: platformId }).strict()),
  /** Starts the clone job (files, then database); `confirm` must equal `to` when `to` is live. */
  'clone:start': invoke<Job>()(
    z
      .object({
        siteId: platformId,
        from: platformId,
        to: platformId,
        database: z.boolean(),
        files: z.boolean(),
        updatedb: z.boolean(),
        clearCache: z.boolean(),
        replaceUrl: z.object({ from: urlText, to: urlText }).strict().nullable(),
        safetyBackup: z.boolean(),
        confirm: typedConfirmation,
      })
      .strict()
      .refine((input) => input.database || input.files, 'choose the database, the files, or both')
      .refine((input) => input.from !== input.to, 'clone from another environment'),
  ),
  /**
   * Electron only (the preload calls it with `webUtils.getPathForFile` of a dropped or picked
   * file; the page never sees the path): stages a regular file, or packs a folder into a
   * `.tar.gz`. Browser mode stages by streaming the file to the host instead (see the bridge).
   */
  'imports:stage-path': invoke<StagedFile>()(z.object({ path: z.string().min(1).max(4096) }).strict()),
  /** Inspects a staged file by content, streaming; `imports:progress` events report long ones. */
  'imports:inspect': invoke<ImportInspection>()(z.object({ token: stagedToken }).strict()),
  /** Forgets a staged file (the dialog was cancelled); an unknown token is not an error. */
  'imports:discard': invoke<null>()(z.object({ token: stagedToken }).strict()),
  /**
   * What the active connection lets an import into `env` do (uploads from disk, limits): the
   * limits are the environment's (`uploads/limits`), so the page asks for the one it shows.
   */
  'imports:capabilities': invoke<ImportCapabilities>()(z.object({ siteId: platformId, env: platformId }).strict()),
  /**
   * Imports inspected staged files into `env` as one job: files, then database (at most one of
   * each); `confirm` must equal `env` when it is live.
   */
  'imports:start': invoke<Job>()(
    z
      .object({
        siteId: platformId,
        env: platformId,
        database: stagedToken.nullable(),
        files: stagedToken.nullable(),
        safetyBackup: z.boolean(),
        confirm: typedConfirmation,
      })
      .strict()
      .refine((input) => input.database !== null || input.files !== null, 'choose a file to import'),
  ),
  /** Imports an archive the platform fetches from a URL (Pantheon's only way: up to 500 MB). */
  'imports:start-url': invoke<Job>()(
    z
      .object({
        siteId: platformId,
        env: platformId,
        kind: z.enum(['database', 'files']),
        url: z.url({ protocol: /^https?$/ }).max(2000),
        safetyBackup: z.boolean(),
        confirm: typedConfirmation,
      })
      .strict(),
  ),
  /** Stops a running import's upload; the job fails as cancelled and nothing is imported. */
  'imports:cancel': invoke<Job>()(z.object({ jobId }).strict()),
  /** The site's workflows (the platform's list), this app's jobs, which envs are busy, what can be undone. */
  'activity:site': invoke<SiteActivity>()(z.object({ siteId: platformId }).strict()),

  /**
   * Opens the site's code history: clones the dev repository on first use (or fetches, when
   * `refresh` or when the last fetch is old), with `history:progress` events, and answers with
   * where dev, test and live stand. On a platform whose git the app cannot speak (Pantheon: SSH)
   * and with no local clone opened, it answers with `repo.state` "needs-local-clone".
   */
  'history:open': invoke<HistoryOverview>()(z.object({ siteId: platformId, refresh: z.boolean().optional() }).strict()),
  /** Uses a clone of the site the person already has (a folder with `.git`, or a bare repository). */
  'history:open-local': invoke<HistoryOverview>()(
    z.object({ siteId: platformId, path: z.string().min(1).max(1000) }).strict(),
  ),
  /** Forgets the opened local clone (the folder itself is left alone). */
  'history:close-local': invoke<RepoStatus>()(z.object({ siteId: platformId }).strict()),
  /** A folder picker for a local clone (Electron); null when cancelled or in browser mode (type a path instead). */
  'history:choose-local': invoke<string | null>()(z.object({ siteId: platformId }).strict()),
  /** Stops the site's clone, fetch or search; a cancelled clone leaves nothing behind. */
  'history:cancel': invoke<void>()(z.object({ siteId: platformId }).strict()),
  /** A page of 100 commits, newest first (git's order), from the newest or after `cursor`. */
  'history:page': invoke<HistoryPage>()(z.object({ siteId: platformId, cursor: historyCursor.nullable() }).strict()),
  /** Commits whose message, author name or e-mail contains the words, or whose id starts with them. */
  'history:search': invoke<HistorySearchPage>()(
    z
      .object({ siteId: platformId, query: z.string().trim().min(1).max(200), cursor: historyCursor.nullable() })
      .strict(),
  ),
  /** A commit's message, parents, files changed and diff (large diffs cut). */
  'history:commit': invoke<CommitDetail>()(z.object({ siteId: platformId, oid: commitId }).strict()),
  /** One file's whole diff in a commit ("Show all"). */
  'history:file-diff': invoke<FileDiff>()(z.object({ siteId: platformId, oid: commitId, path: repoPath }).strict()),

  /**
   * What reverting a commit (`revert`) or rolling dev back to it (`roll-back`) would do, on a
   * fresh fetch of dev: the change against dev's commit, the conflicts, the message. Nothing moves.
   */
  'rollback:revert-preview': invoke<RevertPreview>()(
    z.object({ siteId: platformId, oid: commitId, mode: revertMode }).strict(),
  ),
  /**
   * Makes the revert or roll back commit on `head` (the preview's) and pushes it to dev; refused
   * when dev moved since the preview (nothing written then), or on a conflict.
   */
  'rollback:revert': invoke<CodeMoveResult>()(
    z.object({ siteId: platformId, oid: commitId, mode: revertMode, head: commitId }).strict(),
  ),
  /** What resetting dev to a commit would discard, and which of those test or live hold. Nothing moves. */
  'rollback:reset-preview': invoke<ResetPreview>()(z.object({ siteId: platformId, oid: commitId }).strict()),
  /**
   * Saves a backup ref of dev's commit, then force-pushes dev to `oid` with a lease on `head`
   * (refused if dev moved since the preview); `confirm` must be "dev".
   */
  'rollback:reset': invoke<CodeMoveResult>()(
    z.object({ siteId: platformId, oid: commitId, head: commitId, confirm: typedConfirmation }).strict(),
  ),
  /** The last reset of dev that can be undone, or null. */
  'rollback:reset-undo-info': invoke<ResetUndo | null>()(z.object({ siteId: platformId }).strict()),
  /** Puts dev back where the reset found it (force push with a lease on where the reset left it); `confirm` must be "dev". */
  'rollback:undo-reset': invoke<CodeMoveResult>()(
    z.object({ siteId: platformId, backupRef: backupRefName, confirm: typedConfirmation }).strict(),
  ),
  /** What deploying to test (from dev) or live (from test) would bring. */
  'deploy:preview': invoke<DeployPreview>()(z.object({ siteId: platformId, to: deployTarget }).strict()),
  /** Starts the platform's deploy workflow; `confirm` must be "live" for live. Tracked like any workflow. */
  'deploy:start': invoke<Workflow>()(
    z
      .object({
        siteId: platformId,
        to: deployTarget,
        annotation: z.string().trim().max(500),
        updatedb: z.boolean(),
        clearCache: z.boolean(),
        /** Test only: copy live's database and files into test with the deploy. */
        syncContent: z.boolean(),
        confirm: typedConfirmation,
      })
      .strict(),
  ),

  'downloads:list': invoke<DownloadItem[]>()(noPayload),
  'downloads:start': invoke<DownloadItem[]>()(
    z
      .object({
        siteId: platformId,
        env: platformId,
        folder: backupFolder,
        elements: z.array(backupElement).min(1).max(3),
        /** Absolute folder; the default is Downloads/Restore Desk/<site>/<env>. */
        destDir: z.string().min(1).max(1000).optional(),
      })
      .strict(),
  ),
  'downloads:pause': invoke<DownloadItem>()(downloadRef),
  'downloads:resume': invoke<DownloadItem>()(downloadRef),
  'downloads:cancel': invoke<DownloadItem>()(downloadRef),
  'downloads:retry': invoke<DownloadItem>()(downloadRef),
  'downloads:remove': invoke<null>()(downloadRef),
  /** Shows the file in the OS file manager (Electron); browser mode answers with the path only. */
  'downloads:reveal': invoke<{ readonly path: string; readonly shown: boolean }>()(downloadRef),
  'downloads:default-folder': invoke<string>()(siteEnv),
  /** Opens a folder picker (Electron); null when cancelled or in browser mode (type a path instead). */
  'downloads:choose-folder': invoke<string | null>()(z.object({ defaultPath: z.string().max(1000) }).strict()),
} as const

/** Event channels: main → page. The value is only a type carrier. */
export const eventChannels = {
  'app:status': null as unknown as AppStatus,
  /** The notices changed: the whole list, oldest first. */
  'app:notices': null as unknown as readonly AppNotice[],
  /** A menu command of the desktop app for the page (Electron only; sent to its window alone). */
  'app:command': null as unknown as AppCommandEvent,
  'downloads:changed': null as unknown as DownloadChange,
  'workflows:progress': null as unknown as WorkflowProgress,
  /** A job changed (a step moved on, it ended): the whole job. */
  'jobs:changed': null as unknown as Job,
  /** A long staging or inspection moved on. */
  'imports:progress': null as unknown as ImportProgress,
  /** A site's repository changed state or a clone, fetch or search moved on. */
  'history:progress': null as unknown as RepoStatus,
} as const

export type InvokeChannel = keyof typeof invokeChannels
export type EventChannel = keyof typeof eventChannels

/** What the page passes for a channel (before parsing). */
export type InvokeRequest<C extends InvokeChannel> = z.input<(typeof invokeChannels)[C]['request']>
/** What the handler receives (after parsing). */
export type InvokeParsed<C extends InvokeChannel> = z.output<(typeof invokeChannels)[C]['request']>
export type InvokeResponse<C extends InvokeChannel> = Exclude<(typeof invokeChannels)[C]['response'], undefined>
export type EventPayload<E extends EventChannel> = (typeof eventChannels)[E]

/**
 * Channels only the preload itself calls, never the page: `imports:stage-path` takes a path on
 * disk, which the preload gets from a real dropped or picked `File`. Exposed to the page it would
 * let a script stage any file the user can read; so the preload's `invoke` leaves it out and
 * browser mode's host refuses it.
 */
export const PRELOAD_ONLY_CHANNELS = ['imports:stage-path'] as const
export type PreloadOnlyChannel = (typeof PRELOAD_ONLY_CHANNELS)[number]
/** Channels the page may invoke. */
export type PageChannel = Exclude<InvokeChannel, PreloadOnlyChannel>

/** Whether the page may invoke a channel (false for preload-only ones). */
export function isPageChannel(name: InvokeChannel): name is PageChannel {
  return !(PRELOAD_ONLY_CHANNELS as readonly string[]).includes(name)
}

export const invokeChannelNames = Object.keys(invokeChannels) as InvokeChannel[]
/** The channels the page's bridge offers. */
export const pageChannelNames = invokeChannelNames.filter(isPageChannel)
export const eventChannelNames = Object.keys(eventChannels) as EventChannel[]

/** Whether a string names a known invoke channel. */
export function isInvokeChannel(name: unknown): name is InvokeChannel {
  return typeof name === 'string' && Object.hasOwn(invokeChannels, name)
}

/** Whether a string names a known event channel. */
export function isEventChannel(name: unknown): name is EventChannel {
  return typeof name === 'string' && Object.hasOwn(eventChannels, name)
}

/** A failure as it crosses the process boundary. */
export interface IpcErrorShape {
  readonly code: string
  readonly message: string
}

/** Every invoke answers with this envelope; errors never throw across IPC. */
export type IpcResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: IpcErrorShape }

/** The error the page sees, rebuilt from an {@link IpcErrorShape}. */
export class IpcError extends Error {
  readonly code: string
  constructor(shape: IpcErrorShape) {
    super(shape.message)
    this.name = 'IpcError'
    this.code = shape.code
  }
}

/**
 * What the preload exposes as `window.restoreDesk` and what browser mode's
 * bridge implements: one named function per channel, nothing else.
 */
export interface RestoreDeskBridge {
  /**
   * Stages a file the person dropped or picked, for `imports:inspect` and `imports:start`:
   * Electron's preload hands main its path (`webUtils.getPathForFile`); browser mode streams it
   * to the host's upload route with progress. Either way the page gets a token, never a path.
   */
  readonly stageFile: (file: File, onProgress?: (sent: number, total: number) => void) => Promise<IpcResult<StagedFile>>
  readonly invoke: {
    readonly [C in PageChannel]: (payload: InvokeRequest<C>) => Promise<IpcResult<InvokeResponse<C>>>
  }
  readonly subscribe: { readonly [E in EventChannel]: (listener: (payload: EventPayload<E>) => void) => () => void }
}
