/**
 * One Restore Desk per data folder. The desktop app and browser mode share a data folder on
 * purpose, but two of them at once would run the same downloads into the same part files and
 * two embedded platforms over the same sites. The same lock as the platform's (a local socket
 * the kernel releases when its holder dies, see src/lib/lock.ts), under its own name.
 */
import { lockDataDir, type DataDirLock } from '../../lib/lock'
import { AppError } from '../errors'

const who = (owner: number | undefined): string =>
  owner === undefined ? 'a process that does not answer' : `process ${owner}`

/** Takes the data folder's lock or fails with a message that names the other process. */
export function acquireDataLock(dataDir: string, options: { readonly waitMs?: number } = {}): Promise<DataDirLock> {
  return lockDataDir(dataDir, {
    fileName: 'restore-desk.lock',
    ...options,
    busy: (dir, owner) =>
      new AppError(
        'already_running',
        `Restore Desk is already running with the data folder ${dir} (${who(owner)}). Use that window, or start this one with another --data folder.`,
      ),
    stillExiting: (dir, owner, waitMs) =>
      new AppError(
        'already_running',
        `The Restore Desk that used the data folder ${dir} (${who(owner)}) is still closing after ${waitMs / 1000} s. Wait until it has closed, then start again.`,
      ),
  })
}
