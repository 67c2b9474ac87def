/**
 * One platform per data folder. Two platforms over one folder would run the same workflows
 * twice and overwrite each other's state, so `startPlatform` takes `platform.lock` (created
 * exclusively, holding its pid) and removes it on close. A lock left by a process that no
 * longer runs (kill -9, power cut) is stale and taken over.
 */
import { open, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'

/** A held data folder lock. */
export interface DataDirLock {
  readonly file: string
  /** Removes the lock file (only while it is still this process's). */
  release(): Promise<void>
}

/** Which lock to take, and how to say it is taken. */
export interface LockOptions {
  /** Default `platform.lock`; the app takes `restore-desk.lock` in its own data folder. */
  readonly fileName?: string
  /** The error to throw when a running process holds the lock. */
  readonly busy?: (dataDir: string, owner: number) => Error
}

const platformBusy = (dataDir: string, owner: number): Error =>
  new Error(`Another platform is already using ${dataDir} (pid ${owner}). Stop it or choose another --data folder.`)

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function readOwner(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '')
  const pid = Number(text.trim())
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

/** Takes the lock of `dataDir`, or throws when a running process holds it. */
export async function lockDataDir(dataDir: string, options: LockOptions = {}): Promise<DataDirLock> {
  const file = join(dataDir, options.fileName ?? 'platform.lock')
  for (let attempt = 0; ; attempt += 1) {
    try {
      const handle = await open(file, 'wx', 0o600)
      try {
        await handle.writeFile(`${process.pid}\n`)
      } finally {
        await handle.close()
      }
      return {
        file,
        async release() {
          if ((await readOwner(file)) === process.pid) await rm(file, { force: true })
        },
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 20) throw error
    }
    const owner = await readOwner(file)
    if (owner !== undefined && isAlive(owner)) throw (options.busy ?? platformBusy)(dataDir, owner)
    if (owner === undefined) {
      // An empty lock may be one another process has just created and not yet written to.
      const info = await stat(file).catch(() => undefined)
      if (info && Date.now() - info.mtimeMs < 2000) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        continue
      }
    }
    // Stale: its process is gone. Read again right before removing, in case it was just taken over.
    if ((await readOwner(file)) === owner) await rm(file, { force: true })
  }
}
