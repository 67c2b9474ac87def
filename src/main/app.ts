/**
 * The main process's services, independent of Electron: the context, the
 * connections (with the embedded platform), downloads, workflow tracking, the
 * restore/undo/clone/import jobs, staged imports, the code history with its
 * roll back, the deploys, the handlers and the router. Electron's bootstrap
 * (index.ts) and browser mode's host (web/cli.ts) both start exactly this.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { AppMode } from '../shared/app'
import type { ImportFormat } from '../shared/imports'
import { startPlatform } from '../platform'
import { HealthMonitor } from './connections/health'
import { ConnectionManager, EMBEDDED_ID, type EmbeddedPlatformHandle } from './connections/manager'
import { createFileSecretStore, type SecretStore } from './connections/secrets'
import { createAppContext, type AppContext } from './context'
import { DownloadManager } from './downloads/manager'
import { createNodeTransport } from './downloads/node-transport'
import type { DownloadTransport } from './downloads/transport'
import { AppError, scrubSystemText, withPageSafeError } from './errors'
import { DeployService } from './deploys/service'
import { HistoryService } from './git/history-service'
import { LocalCloneStore } from './git/local-clones'
import { RollbackService } from './git/rollback-service'
import { GitWorkerHost } from './git/worker-host'
import type { ArchiveTools } from './imports/archive-tools'
import { defaultArchiveTools } from './imports/default-tools'
import { ImportInspector } from './imports/inspect'
import { ImportService } from './imports/service'
import { StagingStore } from './imports/staging'
import { createUploadStepRunner } from './imports/upload-step'
import { createHandlers, type DesktopShell } from './ipc/handlers'
import { createIpcRouter, type IpcRouter } from './ipc/router'
import { JobStore } from './restores/job-store'
import { JobRunner, type JobRunnerOptions } from './restores/runner'
import { RestoreService } from './restores/service'
import { acquireDataLock } from './settings/data-lock'
import { defaultDownloadsRoot } from './settings/paths'
import { WorkflowTracker } from './workflows/tracker'

export interface MainServices {
  readonly context: AppContext
  readonly router: IpcRouter
  readonly connections: ConnectionManager
  readonly downloads: DownloadManager
  readonly jobs: JobRunner
  readonly imports: ImportService
  readonly history: HistoryService
  close(): Promise<void>
}

export interface EmbeddedPlatformOptions {
  /** Signed link lifetime (default: the platform's 15 minutes). */
  readonly linkTtlSeconds?: number
  /** Demo seed size; 'small' keeps tests quick (default 'full'). */
  readonly seedScale?: 'small' | 'full'
  /** The formats its imports read (default all); narrowed, as Pantheon's, uploads are converted (tests). */
  readonly importFormats?: readonly ImportFormat[]
  /** Replaces the in-process platform (tests). */
  readonly start?: () => Promise<EmbeddedPlatformHandle>
}

export interface MainServicesOptions {
  readonly mode: AppMode
  readonly dataDir: string
  readonly log?: (line: string) => void
  /** Where tokens go; browser mode's 0600 files by default. */
  readonly secrets?: SecretStore
  readonly downloadsRoot?: string
  readonly transport?: DownloadTransport
  /** Bandwidth limit per download for the default transport, bytes per second. */
  readonly downloadLimitBytesPerSecond?: number
  readonly desktop?: DesktopShell
  readonly embedded?: EmbeddedPlatformOptions
  /** How jobs poll their workflows (tests); the defaults suit people. */
  readonly jobWatch?: JobRunnerOptions['watch']
  /** The inspection and conversion of imports (tests hand in fakes); the library's by default. */
  readonly archiveTools?: ArchiveTools
  /** How often the active platform is asked whether it answers, ms (default 12 s; tests go faster). */
  readonly healthIntervalMs?: number
}

/** Starts everything the handlers need. */
export async function startMainServices(options: MainServicesOptions): Promise<MainServices> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 })
  const lock = await acquireDataLock(options.dataDir)
  const context = await createAppContext({ mode: options.mode, dataDir: options.dataDir })
  const log = options.log ?? ((line: string) => console.error(line))

  const embeddedDir = path.join(options.dataDir, 'platform')
  const secrets = options.secrets ?? createFileSecretStore(path.join(options.dataDir, 'secrets'))
  // Git's Basic auth needs the machine token itself, which the API client keeps to itself.
  let embeddedToken: string | null = null
  // Whether the active platform answers; it reads the manager lazily (built just below).
  const health = new HealthMonitor({
    active: () => connections.active(),
    probe: async (id) => {
      const client = await connections.clientFor(id)
      return (signal) => client.currentUser({ signal })
    },
    // What reaches the page (app:info, app:status) never quotes Node's error text word for word.
    publish: (info) => context.setPlatform(info.error ? { ...info, error: scrubSystemText(info.error) } : info),
    addNotice: (message) => context.addNotice(message),
    dismissNotice: (id) => context.dismissNotice(id),
    ...(options.healthIntervalMs ? { intervalMs: options.healthIntervalMs } : {}),
    log,
  })
  const connections = new ConnectionManager({
    dataDir: options.dataDir,
    secrets,
    startEmbedded: async () => {
      const handle = await startEmbedded()
      embeddedToken = handle.machineToken
      return handle
    },
    onActiveChange: (info) => health.announce(info),
    log,
  })
  async function startEmbedded(): Promise<EmbeddedPlatformHandle> {
    if (options.embedded?.start) return options.embedded.start()
    const platform = await startPlatform({
      dataDir: embeddedDir,
      port: 0,
      seed: 'demo',
      seedScale: options.embedded?.seedScale ?? 'full',
      // Like a real host, the embedded platform makes its scheduled backups while the app runs.
      automatedBackups: true,
      ...(options.embedded?.linkTtlSeconds ? { linkTtlSeconds: options.embedded.linkTtlSeconds } : {}),
      ...(options.embedded?.importFormats ? { importFormats: options.embedded.importFormats } : {}),
      log: (line) => log(`[platform] ${line}`),
    })
    for (const damage of platform.damaged) context.addNotice(`The embedded platform: ${damage.message}`)
    return platform
  }
  async function machineToken(connectionId: string): Promise<string> {
    if (connectionId === EMBEDDED_ID) {
      await connections.clientFor(EMBEDDED_ID)
      if (embeddedToken !== null) return embeddedToken
    } else {
      const token = await secrets.load(connectionId)
      if (token) return token
    }
    throw new AppError(
      'token_missing',
      `The machine token of this connection is not here, so git cannot log in. ${secrets.missingHint} Otherwise remove the connection and add it again.`,
    )
  }

  const downloads = new DownloadManager({
    stateFile: path.join(options.dataDir, 'downloads.json'),
    transport:
      options.transport ??
      createNodeTransport(
        options.downloadLimitBytesPerSecond ? { maxBytesPerSecond: options.downloadLimitBytesPerSecond } : {},
      ),
    getLink: async (request) => {
      const client = await connections.clientFor(request.connectionId)
      return client.getBackupDownloadUrl(request.siteId, request.env, request.folder, request.element)
    },
    onChange: (change) => context.events.emit('downloads:changed', { ...change, item: withPageSafeError(change.item) }),
    onDamaged: (damage) => {
      log(`[downloads] ${damage.message}`)
      context.addNotice(damage.message)
    },
  })
  const workflows = new WorkflowTracker({ events: context.events, log })
  const jobStore = new JobStore({
    file: path.join(options.dataDir, 'jobs.json'),
    onDamaged: (damage) => {
      log(`[jobs] ${damage.message}`)
      context.addNotice(damage.message)
    },
  })
  const desktop = options.desktop ?? null
  const tools = options.archiveTools ?? defaultArchiveTools
  const staging = new StagingStore({ root: path.join(options.dataDir, 'imports'), events: context.events, log })
  let imports: ImportService | null = null
  const jobs = new JobRunner({
    store: jobStore,
    clientFor: (id) => connections.clientFor(id),
    events: context.events,
    notify: (title, body) => desktop?.notify?.(title, body),
    log,
    ...(options.jobWatch ? { watch: options.jobWatch } : {}),
    uploads: createUploadStepRunner({ staging, convert: tools.convert }),
    onEnd: (stored) => {
      imports
        ?.jobEnded(stored)
        .catch((error: unknown) =>
          log(`[imports] could not remove the staged files of job ${stored.job.id}: ${String(error)}`),
        )
    },
  })
  imports = new ImportService({
    mode: options.mode,
    staging,
    inspector: new ImportInspector({ staging, inspect: tools.inspect, events: context.events }),
    runner: jobs,
    active: async () => ({
      client: await connections.client(),
      connectionId: connections.activeId,
      kind: connections.active().kind,
    }),
  })
  const restores = new RestoreService({
    runner: jobs,
    active: async () => {
      const client = await connections.client()
      return { client, connectionId: connections.activeId }
    },
  })

  const gitWorker = new GitWorkerHost({ log })
  // Asked at every request, so switching connection reads the other connection's clones and pushes there.
  const gitConnection = async () => {
    const connectionId = connections.activeId
    return {
      connectionId,
      kind: connections.active().kind,
      client: await connections.clientFor(connectionId),
      token: () => machineToken(connectionId),
    }
  }
  const history = new HistoryService({
    dataDir: options.dataDir,
    worker: gitWorker,
    localClones: new LocalCloneStore({
      file: path.join(options.dataDir, 'local-clones.json'),
      onDamaged: (damage) => {
        log(`[history] ${damage.message}`)
        context.addNotice(damage.message)
      },
    }),
    events: context.events,
    active: gitConnection,
    chooseFolder: desktop ? (defaultPath) => desktop.chooseFolder(defaultPath) : null,
  })
  // The restores' one-at-a-time rule, asked of the platform at each request.
  const busyReason = async (siteId: string, env: string) =>
    jobs.busyReason(await connections.client(), connections.activeId, siteId, env)
  const rollback = new RollbackService({
    worker: gitWorker,
    history,
    workflows,
    busyReason,
    log,
    active: gitConnection,
  })
  const deploys = new DeployService({
    history,
    workflows,
    busyReason,
    active: async () => ({ client: await connections.client(), connectionId: connections.activeId }),
  })

  const router = createIpcRouter(
    createHandlers({
      context,
      connections,
      downloads,
      workflows,
      restores,
      jobs,
      imports,
      history,
      rollback,
      deploys,
      downloadsRoot: options.downloadsRoot ?? defaultDownloadsRoot(),
      desktop,
    }),
    (channel, error) =>
      log(`[ipc] ${channel} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
    (_channel, error) => health.reportFailure(error),
  )

  try {
    for (const damage of await connections.init()) context.addNotice(damage.message)
    await downloads.restore()
    await jobStore.load()
    // Staged files older than a day go, unless a job that was running still uploads from them.
    await staging.load(imports.tokensInUse())
    // Jobs that were running when the app stopped go on, in the background (asking the platform).
    jobs.resume(connections.activeId)
    health.start()
  } catch (error) {
    // A start that fails leaves nothing running, and the data folder free for the next one.
    health.close()
    await jobs.close()
    workflows.close()
    await history.close()
    await downloads.close().catch(() => undefined)
    await connections.close().catch(() => undefined)
    await lock.release()
    throw error
  }

  return {
    context,
    router,
    connections,
    downloads,
    jobs,
    imports,
    history,
    async close() {
      // A start that asks meanwhile waits for this one instead of failing.
      lock.markExiting()
      health.close()
      // Jobs stop following before the platform goes; they stay running on disk and resume next time.
      await jobs.close()
      workflows.close()
      // Stops the git worker (a clone under way is stopped; its hidden folder goes at the next open).
      await history.close()
      await downloads.close()
      await connections.close()
      await lock.release()
    },
  }
}
