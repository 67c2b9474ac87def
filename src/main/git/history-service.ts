/**
 * The code history as the handlers see it: for each site of the active connection, which
 * repository is read (the app's clone of the dev repository, or a local clone the person opened),
 * its state (cloning, fetching, ready, failed, or waiting for a local clone on Pantheon, whose git
 * is SSH-only), and every history request sent to the git worker with where dev, test and live
 * stand. Every change of a site's state goes to the page as `history:progress`.
 *
 * A site's clone is cloned on first open, fetched on open when the last fetch is over a minute
 * old (or on Refresh), and read without the network for pages, search and diffs. Requests for a
 * site wait for its clone or fetch under way instead of starting another.
 */
import os from 'node:os'
import path from 'node:path'
import type { PlatformClient } from '../api/client'
import { pantheonGitUrl } from '../api/client'
import { removeQuietly } from '../../lib/atomic'
import type {
  CommitDetail,
  FileDiff,
  HistoryOverview,
  HistoryPage,
  HistorySearchPage,
  RepoStatus,
} from '../../shared/history'
import { toErrorShape } from '../errors'
import type { EventHub } from '../events'
import { GitError } from './git-error'
import { initialStatus, localCloneNote, unclonableNote } from './history-notes'
import type { LocalCloneStore } from './local-clones'
import { appCloneExists, appClonePath, removePartialClones } from './repositories'
import { isSshUrl } from './transport'
import type { GitWorkerHost } from './worker-host'
import type { EnvTarget, HistoryView } from './worker-protocol'

/** The active connection as the history needs it. */
export interface HistoryConnection {
  readonly connectionId: string
  readonly kind: 'embedded' | 'pantheon' | 'remote-embedded'
  readonly client: Pick<PlatformClient, 'listEnvironments' | 'getConnectionInfo' | 'getSite'>
  /** The machine token, git's Basic auth password (asked only for a clone or fetch). */
  token(): Promise<string>
}

export interface HistoryServiceOptions {
  readonly dataDir: string
  readonly worker: GitWorkerHost
  readonly localClones: LocalCloneStore
  readonly events: EventHub
  readonly active: () => Promise<HistoryConnection>
  /** A folder picker (Electron); null in browser mode. */
  readonly chooseFolder: ((defaultPath: string) => Promise<string | null>) | null
  /** Fetch on open when the last fetch is older than this (ms); default 60 s. */
  readonly fetchAfterMs?: number
  readonly now?: () => number
}

const ENVIRONMENTS = ['dev', 'test', 'live'] as const

interface SiteRepo {
  readonly key: string
  status: RepoStatus
  gitdir: string | null
  envs: readonly EnvTarget[]
  /** The clone, fetch or local open under way; later requests wait for it. */
  busy: Promise<HistoryOverview> | null
  controller: AbortController | null
  readonly searches: Set<AbortController>
}

/** Keeps each site's repository and answers the history channels. */
export class HistoryService {
  readonly #options: HistoryServiceOptions
  readonly #repos = new Map<string, SiteRepo>()
  readonly #now: () => number
  #closed = false

  constructor(options: HistoryServiceOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  /** Opens the site's history: clones or fetches as needed, then where dev, test and live stand. */
  async open(siteId: string, refresh = false): Promise<HistoryOverview> {
    const connection = await this.#options.active()
    const repo = this.#repo(connection.connectionId, siteId)
    // A second open while one runs (a second window, a quick Refresh) joins it.
    if (repo.busy) return repo.busy
    const run = this.#open(connection, repo, siteId, refresh)
    repo.busy = run
    try {
      return await run
    } finally {
      if (repo.busy === run) repo.busy = null
    }
  }

  /** Uses a clone the person has at `folder` for the site's history, and remembers it. */
  async openLocal(siteId: string, folder: string): Promise<HistoryOverview> {
    const connection = await this.#options.active()
    const repo = this.#repo(connection.connectionId, siteId)
    await this.#stopRunning(repo)
    const envs = await this.#envTargets(connection, siteId)
    const overview = await this.#useLocal(connection, repo, siteId, folder, envs)
    await this.#options.localClones.set({
      connectionId: connection.connectionId,
      siteId,
      path: folder,
      openedAt: this.#now(),
    })
    return overview
  }

  /** Forgets the site's local clone (the folder stays); the history goes back to the app's own. */
  async closeLocal(siteId: string): Promise<RepoStatus> {
    const connection = await this.#options.active()
    const repo = this.#repo(connection.connectionId, siteId)
    await this.#options.localClones.remove(connection.connectionId, siteId)
    if (repo.status.source === 'local-clone') {
      await this.#stopRunning(repo)
      if (repo.gitdir) await this.#closeSession(repo.gitdir)
      repo.gitdir = null
      repo.envs = []
      this.#set(repo, initialStatus(siteId))
    }
    return (await this.open(siteId)).repo
  }

  /** A folder picker for a local clone; null when cancelled or where there is none (browser mode). */
  async chooseLocal(): Promise<string | null> {
    return this.#options.chooseFolder ? this.#options.chooseFolder(os.homedir()) : null
  }

  /** Stops the site's clone, fetch or searches. */
  async cancel(siteId: string): Promise<void> {
    const connection = await this.#options.active()
    const repo = this.#repos.get(`${connection.connectionId}/${siteId}`)
    if (!repo) return
    repo.controller?.abort()
    for (const search of repo.searches) search.abort()
  }

  async page(siteId: string, cursor: string | null): Promise<HistoryPage> {
    const { view } = await this.#ready(siteId)
    return this.#options.worker.run('page', { ...view, cursor })
  }

  async search(siteId: string, query: string, cursor: string | null): Promise<HistorySearchPage> {
    const { repo, view } = await this.#ready(siteId)
    const controller = new AbortController()
    repo.searches.add(controller)
    try {
      return await this.#options.worker.run(
        'search',
        { ...view, query, cursor },
        { signal: controller.signal, onProgress: (progress) => this.#set(repo, { progress }) },
      )
    } finally {
      repo.searches.delete(controller)
      if (repo.status.progress?.phase === 'Searching') this.#set(repo, { progress: null })
    }
  }

  async commit(siteId: string, oid: string): Promise<CommitDetail> {
    const { view } = await this.#ready(siteId)
    return this.#options.worker.run('commit', { ...view, oid })
  }

  async fileDiff(siteId: string, oid: string, filePath: string): Promise<FileDiff> {
    const { view } = await this.#ready(siteId)
    return this.#options.worker.run('fileDiff', { ...view, oid, path: filePath })
  }

  /**
   * The site's repository as the roll back and the deploys read it (issue 11): its status and
   * the view the worker takes, without the network (a clone or fetch under way is waited for).
   * GitError `git_no_repository` when the site has neither the app's clone nor a local clone.
   */
  async repository(siteId: string): Promise<{ readonly status: RepoStatus; readonly view: HistoryView }> {
    const { repo, view } = await this.#ready(siteId)
    return { status: repo.status, view }
  }

  /**
   * Dev's code moved (a revert, reset or undo pushed, or its sync_code finished): drops the worker's
   * session of the repository so the next read sees the new commits and refs, and tells the page.
   */
  async moved(siteId: string): Promise<void> {
    const connection = await this.#options.active()
    const repo = this.#repos.get(`${connection.connectionId}/${siteId}`)
    if (!repo?.gitdir) return
    await this.#closeSession(repo.gitdir)
    this.#set(repo, {})
  }

  /** Stops what runs and the worker. */
  async close(): Promise<void> {
    this.#closed = true
    for (const repo of this.#repos.values()) {
      repo.controller?.abort()
      for (const search of repo.searches) search.abort()
    }
    await this.#options.worker.close()
  }

  #repo(connectionId: string, siteId: string): SiteRepo {
    const key = `${connectionId}/${siteId}`
    let repo = this.#repos.get(key)
    if (!repo) {
      repo = {
        key,
        status: initialStatus(siteId),
        gitdir: null,
        envs: [],
        busy: null,
        controller: null,
        searches: new Set(),
      }
      this.#repos.set(key, repo)
    }
    return repo
  }

  #set(repo: SiteRepo, patch: Partial<RepoStatus>): void {
    repo.status = { ...repo.status, ...patch }
    this.#options.events.emit('history:progress', repo.status)
  }

  async #envTargets(connection: HistoryConnection, siteId: string): Promise<EnvTarget[]> {
    const environments = await connection.client.listEnvironments(siteId)
    return ENVIRONMENTS.flatMap((name) => {
      const env = environments.find((candidate) => candidate.name === name)
      return env ? [{ env: name, oid: env.targetCommit, ref: env.targetRef }] : []
    })
  }

  async #open(
    connection: HistoryConnection,
    repo: SiteRepo,
    siteId: string,
    refresh: boolean,
  ): Promise<HistoryOverview> {
    const envs = await this.#envTargets(connection, siteId)
    const local = await this.#options.localClones.get(connection.connectionId, siteId)
    // Re-read the folder each time: it may have moved or gone since it was chosen.
    if (local) return this.#useLocal(connection, repo, siteId, local.path, envs)
    const info = connection.kind === 'pantheon' ? null : await connection.client.getConnectionInfo(siteId, 'dev')
    const url = info?.gitUrl ?? (connection.kind === 'pantheon' ? pantheonGitUrl(siteId) : null)
    if (url === null || connection.kind === 'pantheon' || isSshUrl(url)) {
      this.#set(repo, {
        ...initialStatus(siteId),
        transportNote: unclonableNote(url),
      })
      return { repo: repo.status, positions: [], gaps: [], totalCommits: null }
    }
    const folder = appClonePath(this.#options.dataDir, connection.connectionId, siteId)
    const base = { source: 'app-clone' as const, localPath: null, transportNote: null, canPush: true }
    if (!(await appCloneExists(folder))) {
      await removePartialClones(folder)
      // Not a whole clone (only a finished one is ever renamed here): start over.
      await removeQuietly(folder)
      await this.#transfer(repo, { ...base, state: 'cloning', fetchedAt: null }, async (signal, onProgress) => {
        await this.#options.worker.run(
          'clone',
          { url, token: await connection.token(), folder },
          { signal, onProgress },
        )
      }).catch(async (error: unknown) => {
        // A worker that was stopped mid-clone could not clean up after itself.
        await removePartialClones(folder)
        throw error
      })
    } else {
      const stale = repo.status.fetchedAt === null || this.#now() - repo.status.fetchedAt > this.#fetchAfter
      repo.gitdir = path.join(folder, '.git')
      if (refresh || stale || repo.status.source !== 'app-clone') {
        const fetched = await this.#transfer(repo, { ...base, state: 'fetching' }, async (signal, onProgress) => {
          await this.#options.worker.run(
            'fetch',
            { gitdir: path.join(folder, '.git'), url, token: await connection.token() },
            { signal, onProgress },
          )
        }).then(
          () => true,
          () => false,
        )
        // A fetch that failed leaves the clone as it was: the history still reads it, the state says why.
        if (!fetched) {
          repo.envs = envs
          return this.#overview(repo)
        }
      }
    }
    repo.gitdir = path.join(folder, '.git')
    repo.envs = envs
    this.#set(repo, { ...base, state: 'ready', progress: null, error: null })
    return this.#overview(repo)
  }

  get #fetchAfter(): number {
    return this.#options.fetchAfterMs ?? 60_000
  }

  /** Runs a clone or fetch with the site's state, progress and cancel. */
  async #transfer(
    repo: SiteRepo,
    start: Partial<RepoStatus>,
    work: (signal: AbortSignal, onProgress: (progress: RepoStatus['progress']) => void) => Promise<void>,
  ): Promise<void> {
    if (this.#closed) throw new GitError('git_worker', 'Restore Desk is closing.')
    const controller = new AbortController()
    repo.controller = controller
    this.#set(repo, { ...start, progress: null, error: null })
    try {
      await work(controller.signal, (progress) => this.#set(repo, { progress }))
      this.#set(repo, { fetchedAt: this.#now(), progress: null })
    } catch (error) {
      this.#set(repo, { state: 'failed', progress: null, error: toErrorShape(error) })
      throw error
    } finally {
      if (repo.controller === controller) repo.controller = null
    }
  }

  /** Reads the site's history from a local clone (checked again each time). */
  async #useLocal(
    connection: HistoryConnection,
    repo: SiteRepo,
    siteId: string,
    folder: string,
    envs: readonly EnvTarget[],
  ): Promise<HistoryOverview> {
    const info = await this.#options.worker.run('inspect', { path: folder })
    const site = await connection.client.getSite(siteId)
    if (repo.gitdir && repo.gitdir !== info.gitdir) await this.#closeSession(repo.gitdir)
    repo.gitdir = info.gitdir
    repo.envs = envs
    this.#set(repo, {
      ...initialStatus(siteId),
      state: 'ready',
      source: 'local-clone',
      localPath: folder,
      transportNote: localCloneNote(connection.kind === 'pantheon', info.originUrl, siteId, site.name),
    })
    return this.#overview(repo)
  }

  async #overview(repo: SiteRepo): Promise<HistoryOverview> {
    const overview = await this.#options.worker.run('overview', this.#view(repo))
    return { repo: repo.status, ...overview }
  }

  #view(repo: SiteRepo): HistoryView {
    if (!repo.gitdir)
      throw new GitError('git_no_repository', 'The site has no repository to read yet. Open its code history first.')
    return { gitdir: repo.gitdir, envs: repo.envs }
  }

  /** The site's repository for a read: waits for a clone or fetch under way; opens it without the network after a restart. */
  async #ready(siteId: string): Promise<{ repo: SiteRepo; view: HistoryView }> {
    const connection = await this.#options.active()
    const repo = this.#repo(connection.connectionId, siteId)
    if (repo.busy) await repo.busy
    if (!repo.gitdir) {
      const local = await this.#options.localClones.get(connection.connectionId, siteId)
      if (local) await this.#useLocal(connection, repo, siteId, local.path, await this.#envTargets(connection, siteId))
      else {
        const folder = appClonePath(this.#options.dataDir, connection.connectionId, siteId)
        if (!(await appCloneExists(folder)))
          throw new GitError('git_no_repository', 'The site’s code history is not open yet. Open it first.')
        repo.envs = await this.#envTargets(connection, siteId)
        repo.gitdir = path.join(folder, '.git')
        this.#set(repo, { source: 'app-clone', state: 'ready', canPush: true, transportNote: null, localPath: null })
      }
    }
    return { repo, view: this.#view(repo) }
  }

  async #stopRunning(repo: SiteRepo): Promise<void> {
    repo.controller?.abort()
    await repo.busy?.catch(() => undefined)
  }

  async #closeSession(gitdir: string): Promise<void> {
    await this.#options.worker.run('close', { gitdir }).catch(() => undefined)
  }
}
