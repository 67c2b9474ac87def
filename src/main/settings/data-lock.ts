/**
 * One Restore Desk per data folder. The desktop app and browser mode share a data folder on
 * purpose, but two of them at once would run the same downloads into the same part files and
 * two embedded platforms over the same sites. Same pid lock as the platform's, under its own name.
 */
import { lockDataDir, type DataDirLock } from '../../lib/lock'
import { AppError } from '../errors'

/** Takes the data folder's lock or fails with a message that names the other process. */
export function acquireDataLock(dataDir: string): Promise<DataDirLock> {
  return lockDataDir(dataDir, {
    fileName: 'restore-desk.lock',
    busy: (dir, owner) =>
      new AppError(
        'already_running',
        `Restore Desk is already running with the data folder ${dir} (process ${owner}). Use that window, or start this one with another --data folder.`,
      ),
  })
}
