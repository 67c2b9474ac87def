/**
 * One Restore Desk per data folder. The desktop app and browser mode share a data folder on
 * purpose, but two of them at once would run the same downloads into the same part files and
 * two embedded platforms over the same sites. The lock is a file holding the owner's pid; a lock
 * left by a process that no longer runs (a crash, kill -9) is taken over.
 */
import { open, readFile, unlink } from 'node:fs/promises'
import path from 'node:path'
import { AppError } from '../errors'

export interface DataLock {
  release(): Promise<void>
}

const LOCK_NAME = 'restore-desk.lock'

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else, which still means "running".
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Takes the data folder's lock or fails with a message that names the other process. */
export async function acquireDataLock(dataDir: string): Promise<DataLock> {
  const file = path.join(dataDir, LOCK_NAME)
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(file, 'wx', 0o600)
      await handle.writeFile(String(process.pid))
      await handle.close()
      let released = false
      return {
        async release() {
          if (released) return
          released = true
          await unlink(file).catch(() => {})
        },
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim())
      if (owner !== process.pid && isRunning(owner)) {
        throw new AppError(
          'already_running',
          `Restore Desk is already running with the data folder ${dataDir} (process ${owner}). Use that window, or start this one with another --data folder.`,
        )
      }
      // Left behind by a process that is gone: take it over.
      await unlink(file).catch(() => {})
    }
  }
  throw new AppError('already_running', `Restore Desk could not take the lock on ${dataDir}. Try again.`)
}
