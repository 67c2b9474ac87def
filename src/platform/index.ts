/**
 * The embedded platform: a local server that implements the platform API for real, on
 * disk (see docs/platform-api.md). `startPlatform` opens (or creates) a data folder,
 * cleans up what an interrupted run left behind, resumes queued workflows and listens on
 * 127.0.0.1. The app uses it as its default connection and every end-to-end test stands on it.
 */
import { chmod, mkdir, readdir, stat } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { IMPORT_FORMATS, isImportFormat, type ImportFormat } from '../lib/archives'
import type { DamagedFile } from '../lib/saved-state'
import { PlatformContext, STANDARD_ENVIRONMENTS } from './core'
import { listBackups } from './backups/backup-store'
import { resolveCommit } from './git/repo'
import { createPlatformServer } from './server'
import type { SeedScale } from './seed'
import { removeQuietly } from '../lib/atomic'
import { EnvContent } from './storage/env-content'
import { lockDataDir, type DataDirLock } from '../lib/lock'
import { Layout } from './storage/layout'
import { StateStore } from './storage/state'
import { WorkflowQueue } from './workflows/queue'
import { BACKUP_HOUR, WORKFLOW_TYPES } from './workflows/types'

/** Options of startPlatform (the CLI flags map onto these). */
export interface PlatformOptions {
  readonly dataDir: string
  /** 0 (default) = any free port. */
  readonly port?: number
  /** Sets (and stores) the machine token; otherwise the stored one, or a new one, is used. */
  readonly machineToken?: string
  /** 'demo' seeds an empty data folder with two demo sites; a seeded folder is left alone. */
  readonly seed?: 'demo' | 'none'
  /** Seed size; 'small' (fewer commits and backups) keeps tests quick. Default 'full'. */
  readonly seedScale?: SeedScale
  /** Lifetime of signed links; default 900 s. */
  readonly linkTtlSeconds?: number
  /** Largest upload/import download; default 2 GiB (archives may unpack to 16 times that). */
  readonly uploadLimitBytes?: number
  /**
   * The import formats `do_import` takes and `GET .../uploads/limits` lists; default all of
   * them. Narrowed (e.g. `['sql.gz', 'tar.gz']`, as Pantheon) it refuses the others with a
   * reason, so that a client's conversion path can be tried against a real platform.
   */
  readonly importFormats?: readonly ImportFormat[]
  /** Lifetime of login sessions; default 30 days. */
  readonly sessionTtlSeconds?: number
  /** Run scheduled automated backups (the CLI turns this on); default off. */
  readonly automatedBackups?: boolean
  /** The clock scheduled backups go by (tests set it); default the real time. */
  readonly clock?: () => Date
  /** Pause before each workflow step, in ms (tests use it to interrupt a workflow); default 0. */
  readonly workflowStepDelayMs?: number
  readonly log?: (line: string) => void
}

/** A running platform. */
export interface RunningPlatform {
  /** `http://127.0.0.1:N` */
  readonly url: string
  /** `url + '/api'` */
  readonly apiBase: string
  readonly machineToken: string
  readonly tokenWasGenerated: boolean
  /** Saved files found damaged at this start and set aside (each also logged). */
  readonly damaged: readonly DamagedFile[]
  readonly dataDir: string
  /**
   * Stops accepting requests and closes the server. A running workflow stops at its next
   * step boundary (or is given up after 10 s) and runs again on the next start. Then the
   * data folder's lock is released.
   */
  close(): Promise<void>
}

const GIB = 1024 ** 3

/** The `importFormats` option checked, in the canonical order; all formats when not given. */
function importFormatsOption(formats: readonly ImportFormat[] | undefined): readonly ImportFormat[] {
  if (formats === undefined) return IMPORT_FORMATS
  const unknown = formats.filter((format) => !isImportFormat(format))
  if (unknown.length > 0 || formats.length === 0) {
    throw new Error(
      `importFormats must name one or more of ${IMPORT_FORMATS.join(', ')}${unknown.length > 0 ? `, not ${unknown.join(', ')}` : ''}.`,
    )
  }
  return IMPORT_FORMATS.filter((format) => formats.includes(format))
}

async function ensureUser(store: StateStore, userId: string): Promise<void> {
  if (store.current.users.some((user) => user.id === userId)) return
  await store.update((state) => ({
    ...state,
    users: [
      ...state.users,
      {
        id: userId,
        email: 'owner@restore-desk.localhost',
        fullName: 'Site Owner',
        createdAt: Math.floor(Date.now() / 1000),
      },
    ],
  }))
}

async function cleanUploads(layout: Layout): Promise<void> {
  const dir = layout.uploadsDir()
  await mkdir(dir, { recursive: true })
  const dayAgo = Date.now() - 86400_000
  for (const entry of await readdir(dir)) {
    const path = join(dir, entry)
    const info = await stat(path).catch(() => undefined)
    if (!info || info.mtimeMs < dayAgo) {
      await removeQuietly(path)
      continue
    }
    for (const file of await readdir(path).catch(() => [] as string[]))
      if (file.endsWith('.part')) await removeQuietly(join(path, file))
  }
}

/** Removes site folders the state does not know (left by a seed or setup cut short). */
async function removeOrphanSites(layout: Layout, store: StateStore): Promise<void> {
  const known = new Set(store.current.sites.map((site) => site.id))
  const dir = join(layout.dataDir, 'sites')
  for (const entry of await readdir(dir).catch(() => [] as string[]))
    if (!known.has(entry)) await removeQuietly(join(dir, entry))
}

/**
 * Starts a platform on 127.0.0.1 over `opts.dataDir`. Fails when another running platform
 * holds the folder's lock.
 */
export async function startPlatform(opts: PlatformOptions): Promise<RunningPlatform> {
  const dataDir = resolve(opts.dataDir)
  // The folder holds the machine token, sessions and site data: the owner's alone. mkdir's
  // mode applies only to a folder it creates, so an existing one is narrowed as well.
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  await chmod(dataDir, 0o700)
  const lock = await lockDataDir(dataDir)
  try {
    return await startLocked(dataDir, opts, lock)
  } catch (error) {
    await lock.release()
    throw error
  }
}

async function startLocked(dataDir: string, opts: PlatformOptions, lock: DataDirLock): Promise<RunningPlatform> {
  const log = opts.log ?? (() => undefined)
  const { store, secrets, tokenWasGenerated, damaged } = await StateStore.open(dataDir, opts.machineToken, log)
  const layout = new Layout(dataDir)
  const content = new EnvContent(layout)
  const platform = new PlatformContext(
    layout,
    store,
    secrets,
    content,
    {
      linkTtlSeconds: opts.linkTtlSeconds ?? 900,
      uploadLimitBytes: opts.uploadLimitBytes ?? 2 * GIB,
      importFormats: importFormatsOption(opts.importFormats),
      sessionTtlSeconds: opts.sessionTtlSeconds ?? 30 * 86400,
      stepDelayMs: opts.workflowStepDelayMs ?? 0,
    },
    log,
  )
  await removeQuietly(layout.tmpDir())
  await mkdir(layout.tmpDir(), { recursive: true })
  await ensureUser(store, secrets.userId)
  if (opts.seed === 'demo' && store.current.sites.length === 0) {
    const started = Date.now()
    // Loaded only when seeding: the demo generators are not needed to serve.
    const { seedDemo } = await import('./seed')
    await seedDemo(platform, { scale: opts.seedScale ?? 'full' })
    log(`Seeded the demo sites in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  }
  await removeOrphanSites(layout, store)
  for (const site of store.current.sites) {
    for (const [env] of platform.environments(site.id)) {
      await content.ensure(site.id, env)
      await content.collectGarbage(site.id, env)
    }
  }
  await cleanUploads(layout)

  const queue = new WorkflowQueue(platform, WORKFLOW_TYPES)
  await queue.load()
  await queueMissedCodeSyncs(platform, queue)
  const server = createPlatformServer(platform, queue)
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolveListen())
  })
  const port = (server.address() as AddressInfo).port
  platform.baseUrl = `http://127.0.0.1:${port}`
  // Workflows run only once the base URL (which signed links are made from) is known.
  queue.resume()

  let timer: NodeJS.Timeout | undefined
  if (opts.automatedBackups) {
    const tick = (): Promise<void> =>
      scheduleAutomatedBackups(platform, queue, opts.clock?.() ?? new Date()).catch((error: unknown) =>
        log(`automated backups: ${(error as Error).message}`),
      )
    // The first check runs before start returns, so what is due is queued by then.
    await tick()
    timer = setInterval(() => void tick(), 60_000)
    timer.unref()
  }

  let closed: Promise<void> | undefined
  return {
    url: platform.baseUrl,
    apiBase: `${platform.baseUrl}/api`,
    machineToken: secrets.machineToken,
    tokenWasGenerated,
    damaged,
    dataDir,
    close() {
      closed ??= (async () => {
        // A start that asks meanwhile waits for this one instead of failing.
        lock.markExiting()
        if (timer) clearInterval(timer)
        const stopped = new Promise<void>((resolveClose) => server.close(() => resolveClose()))
        server.closeIdleConnections()
        await queue.close()
        server.closeAllConnections()
        await stopped
        await lock.release()
      })()
      return closed
    },
  }
}

/**
 * Queues the sync_code a push did not get: git moves master before the push's sync_code is
 * queued, so a platform stopped in between (kill -9) would leave dev behind master for good.
 */
async function queueMissedCodeSyncs(platform: PlatformContext, queue: WorkflowQueue): Promise<void> {
  for (const site of platform.store.current.sites) {
    const dev = platform.findEnvironment(site.id, 'dev')
    if (dev?.targetRef !== 'refs/heads/master') continue
    const master = await resolveCommit(platform.layout.repoDir(site.id), 'refs/heads/master')
    if (master === null || master === dev.targetCommit) continue
    if (queue.list(site.id).some((w) => w.type === 'sync_code' && w.environment === 'dev' && w.result === null))
      continue
    platform.log(`${site.name}: master is at ${master.slice(0, 7)} but dev is not; syncing dev`)
    await queue.start({
      type: 'sync_code',
      siteId: site.id,
      env: 'dev',
      params: { target_ref: 'refs/heads/master', target_commit: master, converge: true },
      userId: platform.secrets.userId,
    })
  }
}

/** Starts today's automated backup for every environment that has none yet (after the backup hour). */
async function scheduleAutomatedBackups(platform: PlatformContext, queue: WorkflowQueue, now: Date): Promise<void> {
  if (now.getUTCHours() < BACKUP_HOUR) return
  const today = now.toISOString().slice(0, 10)
  for (const site of platform.store.current.sites) {
    for (const env of STANDARD_ENVIRONMENTS) {
      if (!platform.findEnvironment(site.id, env)) continue
      const backups = await listBackups(platform.layout, site.id, env, undefined, platform.log)
      const done = backups.some(
        (b) => b.folder.endsWith('_automated') && new Date(b.epoch * 1000).toISOString().startsWith(today),
      )
      // A queued or running one counts too (its folder appears only when it is complete).
      const queued = queue
        .list(site.id)
        .some(
          (w) =>
            w.type === 'automated_backup' &&
            w.environment === env &&
            new Date(w.created_at * 1000).toISOString().startsWith(today),
        )
      if (!done && !queued)
        await queue.start({ type: 'automated_backup', siteId: site.id, env, params: {}, userId: null })
    }
  }
}
