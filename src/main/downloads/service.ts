/**
 * What the IPC handlers call for downloads: turns "these parts of that
 * backup" into verified download requests. Sizes and file names come from the
 * platform's catalog, never from the page, so verification checks against the
 * platform's own word.
 */
import path from 'node:path'
import type { DownloadItem, DownloadRequest } from '../../shared/downloads'
import type { BackupElement } from '../../shared/platform-types'
import type { PlatformClient } from '../api/client'
import { AppError } from '../errors'
import { ensureFolder } from './folders'
import type { DownloadManager } from './manager'

export interface StartDownloadsInput {
  readonly siteId: string
  readonly env: string
  readonly folder: string
  readonly elements: readonly BackupElement[]
  readonly destDir?: string | undefined
}

/** Characters no file system likes in a folder name. */
function safeSegment(name: string): string {
  const cleaned = [...name]
    .map((ch) => (ch.charCodeAt(0) < 0x20 || '<>:"/\\|?*'.includes(ch) ? '_' : ch))
    .join('')
    .trim()
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? '_' : cleaned
}

/** Downloads/Restore Desk/<site>/<env>/ */
export function defaultDownloadFolder(root: string, siteName: string, env: string): string {
  return path.join(root, safeSegment(siteName), safeSegment(env))
}

/** Builds the requests for the chosen parts and queues them. */
export async function startBackupDownloads(
  manager: DownloadManager,
  client: PlatformClient,
  connectionId: string,
  downloadsRoot: string,
  input: StartDownloadsInput,
): Promise<DownloadItem[]> {
  const [site, backups] = await Promise.all([
    client.getSite(input.siteId),
    client.backupCatalog(input.siteId, input.env),
  ])
  const backup = backups.find((b) => b.folder === input.folder)
  if (!backup) {
    throw new AppError(
      'not_found',
      `That backup is no longer in ${input.env}'s catalog (it may have expired). Reload the timeline.`,
    )
  }
  const chosen = input.destDir ?? defaultDownloadFolder(downloadsRoot, site.name, input.env)
  if (!path.isAbsolute(chosen)) throw new AppError('bad_request', `Choose a full folder path (got "${chosen}").`)
  // `a/b/../c` is the folder a/c: the requests, the folder made and the list all name it so.
  const destDir = path.resolve(chosen)
  const requests: DownloadRequest[] = []
  for (const element of new Set(input.elements)) {
    const part = backup.parts[element]
    if (!part) throw new AppError('not_found', `This backup has no ${element} part.`)
    if (!part.finished || part.size <= 0)
      throw new AppError(
        'not_ready',
        `The ${element} part is still being made. Try again when the backup has finished.`,
      )
    requests.push({
      connectionId,
      siteId: input.siteId,
      siteName: site.name,
      env: input.env,
      folder: backup.folder,
      element,
      filename: part.filename,
      expectedSize: part.size,
      destDir,
    })
  }
  try {
    await ensureFolder(destDir)
  } catch (error) {
    throw new AppError(
      'folder_unavailable',
      `Restore Desk cannot create ${destDir} (${(error as NodeJS.ErrnoException).code ?? String(error)}). Choose another folder.`,
    )
  }
  return manager.enqueueMany(requests)
}
