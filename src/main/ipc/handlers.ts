/** The contract's handlers: one plain function per channel, over the main services. */
import path from 'node:path'
import type { Environment } from '../../shared/platform-types'
import type { ThemeChoice } from '../../shared/theme'
import type { AppContext } from '../context'
import type { ConnectionManager } from '../connections/manager'
import type { DownloadManager } from '../downloads/manager'
import { defaultDownloadFolder, startBackupDownloads } from '../downloads/service'
import { AppError, withPageSafeError } from '../errors'
import type { DeployService } from '../deploys/service'
import type { HistoryService } from '../git/history-service'
import type { RollbackService } from '../git/rollback-service'
import type { ImportService } from '../imports/service'
import type { RestoreService } from '../restores/service'
import type { JobRunner } from '../restores/runner'
import type { WorkflowTracker } from '../workflows/tracker'
import type { IpcHandlers } from './router'

/** What only a desktop shell can do; browser mode has none of it. */
export interface DesktopShell {
  revealFile(filePath: string): void
  chooseFolder(defaultPath: string): Promise<string | null>
  /** An OS notification, shown only while no window of the app has the focus. */
  notify?(title: string, body: string): void
  /** Native menus, dialogs and the title bar follow the page's theme choice (Electron's nativeTheme.themeSource). */
  setTheme?(theme: ThemeChoice): void
}

export interface HandlerServices {
  readonly context: AppContext
  readonly connections: ConnectionManager
  readonly downloads: DownloadManager
  readonly workflows: WorkflowTracker
  readonly restores: RestoreService
  readonly jobs: JobRunner
  readonly imports: ImportService
  readonly history: HistoryService
  readonly rollback: RollbackService
  readonly deploys: DeployService
  readonly downloadsRoot: string
  readonly desktop: DesktopShell | null
}

const ENV_ORDER = ['dev', 'test', 'live']

function sortEnvironments(environments: readonly Environment[]): Environment[] {
  const rank = (name: string): number => (ENV_ORDER.includes(name) ? ENV_ORDER.indexOf(name) : ENV_ORDER.length)
  return [...environments].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name))
}

function requireDownload(downloads: DownloadManager, id: string) {
  const item = downloads.get(id)
  if (!item) throw new AppError('not_found', 'That download is no longer in the list. Reload the downloads panel.')
  return item
}

/** Builds the full handler map; TypeScript refuses a map that misses a channel. */
export function createHandlers(services: HandlerServices): IpcHandlers {
  const { context, connections, downloads, workflows, restores, imports, history, rollback, deploys } = services
  const client = () => connections.client()

  return {
    'app:info': () => context.info(),
    'app:dismiss-notice': ({ id }) => {
      context.dismissNotice(id)
    },
    'app:set-theme': ({ theme }) => {
      services.desktop?.setTheme?.(theme)
    },

    'connections:list': () => connections.list(),
    'connections:add': (input) => connections.add(input),
    'connections:remove': ({ id }) => connections.remove(id),
    'connections:activate': async ({ id }) => {
      const summary = await connections.activate(id)
      // Jobs of this connection that were running when it was last active go on now.
      services.jobs.resume(summary.id)
      return summary
    },

    'sites:list': async () => {
      const sites = await (await client()).listSites()
      return sites.sort((a, b) => a.name.localeCompare(b.name))
    },
    'sites:open': async ({ siteId }) => {
      const api = await client()
      const [site, environments] = await Promise.all([api.getSite(siteId), api.listEnvironments(siteId)])
      return { site, environments: sortEnvironments(environments) }
    },
    'code:log': async ({ siteId, env }) => (await client()).codeLog(siteId, env),

    'backups:list': async ({ siteId, env }) => (await client()).backupCatalog(siteId, env),
    'backups:create': async ({ siteId, env, parts, keepForDays }) => {
      const api = await client()
      const workflow = await api.startWorkflow(siteId, env, 'do_export', {
        code: parts.code,
        database: parts.database,
        files: parts.files,
        entry_type: 'backup',
        ttl: keepForDays * 86_400,
      })
      void workflows.track(api, workflow)
      return workflow
    },

    'workflows:active': () => workflows.active(),

    'restore:preview': (input) => restores.restorePreview(input),
    'restore:start': (input) => restores.startRestore(input),
    'restore:undo-preview': ({ jobId }) => restores.undoPreview(jobId),
    'restore:undo': (input) => restores.undo(input),
    'clone:preview': (input) => restores.clonePreview(input),
    'clone:start': (input) => restores.startClone(input),
    'activity:site': ({ siteId }) => restores.activity(siteId),

    'imports:stage-path': ({ path: filePath }) => imports.stagePath(filePath),
    'imports:inspect': ({ token }) => imports.inspect(token),
    'imports:discard': async ({ token }) => {
      await imports.discard(token)
      return null
    },
    'imports:capabilities': ({ siteId, env }) => imports.capabilities(siteId, env),
    'imports:start': (input) => imports.start(input),
    'imports:start-url': (input) => imports.startUrl(input),
    'imports:cancel': ({ jobId }) => imports.cancel(jobId),

    'history:open': ({ siteId, refresh }) => history.open(siteId, refresh ?? false),
    'history:open-local': ({ siteId, path: folder }) => {
      if (!path.isAbsolute(folder))
        throw new AppError(
          'bad_request',
          `"${folder}" is not a full path. Give the whole path of the folder you cloned the site into.`,
        )
      return history.openLocal(siteId, path.resolve(folder))
    },
    'history:close-local': ({ siteId }) => history.closeLocal(siteId),
    'history:choose-local': async () => {
      const chosen = await history.chooseLocal()
      return chosen && path.isAbsolute(chosen) ? chosen : null
    },
    'history:cancel': ({ siteId }) => history.cancel(siteId),
    'history:page': ({ siteId, cursor }) => history.page(siteId, cursor),
    'history:search': ({ siteId, query, cursor }) => history.search(siteId, query, cursor),
    'history:commit': ({ siteId, oid }) => history.commit(siteId, oid),
    'history:file-diff': ({ siteId, oid, path: filePath }) => history.fileDiff(siteId, oid, filePath),

    'rollback:revert-preview': ({ siteId, oid, mode }) => rollback.revertPreview(siteId, oid, mode),
    'rollback:revert': (input) => rollback.revert(input),
    'rollback:reset-preview': ({ siteId, oid }) => rollback.resetPreview(siteId, oid),
    'rollback:reset': (input) => rollback.reset(input),
    'rollback:reset-undo-info': ({ siteId }) => rollback.resetUndoInfo(siteId),
    'rollback:undo-reset': (input) => rollback.undoReset(input),
    'deploy:preview': ({ siteId, to }) => deploys.preview(siteId, to),
    'deploy:start': (input) => deploys.start(input),

    'downloads:list': () => downloads.list().map(withPageSafeError),
    'downloads:start': async (input) => {
      const api = await client()
      const items = await startBackupDownloads(downloads, api, connections.activeId, services.downloadsRoot, input)
      return items.map(withPageSafeError)
    },
    'downloads:pause': async ({ id }) => withPageSafeError(await downloads.pause(requireDownload(downloads, id).id)),
    'downloads:resume': async ({ id }) => withPageSafeError(await downloads.resume(requireDownload(downloads, id).id)),
    'downloads:cancel': async ({ id }) => withPageSafeError(await downloads.cancel(requireDownload(downloads, id).id)),
    'downloads:retry': async ({ id }) => withPageSafeError(await downloads.retry(requireDownload(downloads, id).id)),
    'downloads:remove': async ({ id }) => {
      await downloads.remove(requireDownload(downloads, id).id)
      return null
    },
    'downloads:reveal': ({ id }) => {
      const item = requireDownload(downloads, id)
      const target = item.finalPath ?? item.partPath
      if (!services.desktop) return { path: target, shown: false }
      services.desktop.revealFile(target)
      return { path: target, shown: true }
    },
    'downloads:default-folder': async ({ siteId, env }) => {
      const site = await (await client()).getSite(siteId)
      return defaultDownloadFolder(services.downloadsRoot, site.name, env)
    },
    'downloads:choose-folder': async ({ defaultPath }) => {
      if (!services.desktop) return null
      const chosen = await services.desktop.chooseFolder(defaultPath)
      return chosen && path.isAbsolute(chosen) ? chosen : null
    },
  }
}
