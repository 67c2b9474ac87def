/**
 * An environment's database and files, replaced only by atomic swaps. The database is one
 * gzipped dump renamed over the old one. The files live in `files-<id>/` folders and the
 * `files` symlink names the current one; a swap creates a new symlink and renames it over
 * the old link, so a reader sees the old folder or the new one, never a mix. Folders the
 * link no longer names are garbage from an interrupted swap and are removed on start.
 */
import { randomBytes } from 'node:crypto'
import { cp, lstat, mkdir, opendir, readdir, readlink, stat, symlink, copyFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { Layout } from './layout'
import { fsyncDir, removeQuietly, renameDurable, fsyncFile } from '../../lib/atomic'

/** A fresh unique suffix for scratch names. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
}

/** What an environment holds now: its dump's size and time, its files' count, total and newest time. */
export interface ContentSummary {
  /** `size` of the gzipped dump; times in epoch seconds; null when there is none. */
  readonly database: { readonly size: number | null; readonly modified: number | null }
  readonly files: { readonly count: number; readonly size: number; readonly modified: number | null }
}

/** Environment content operations over one data folder. */
export class EnvContent {
  constructor(private readonly layout: Layout) {}

  /** Creates the environment's folders and (if missing) an empty files folder. */
  async ensure(siteId: string, env: string): Promise<void> {
    await mkdir(this.layout.envTmpDir(siteId, env), { recursive: true })
    await mkdir(this.layout.backupsDir(siteId, env), { recursive: true })
    try {
      await readlink(this.layout.filesLink(siteId, env))
    } catch {
      const dir = await this.newFilesDir(siteId, env)
      await this.swapFiles(siteId, env, dir)
    }
  }

  /** A new scratch path inside the environment (same file system as its content). */
  scratchPath(siteId: string, env: string, label: string): string {
    return join(this.layout.envTmpDir(siteId, env), `${label}-${uniqueSuffix()}`)
  }

  /** Creates an empty `files-<id>` folder to build new files content in. */
  async newFilesDir(siteId: string, env: string): Promise<string> {
    const dir = join(this.layout.envDir(siteId, env), `files-${uniqueSuffix()}`)
    await mkdir(dir, { recursive: true })
    return dir
  }

  /** The folder the environment's files currently live in. */
  async currentFilesDir(siteId: string, env: string): Promise<string> {
    const target = await readlink(this.layout.filesLink(siteId, env))
    return join(this.layout.envDir(siteId, env), target)
  }

  /** Sizes and times of the environment's database and files, read from disk (a walk of the files). */
  async summary(siteId: string, env: string): Promise<ContentSummary> {
    const db = await stat(this.layout.databaseFile(siteId, env)).catch(() => null)
    let count = 0
    let size = 0
    let newest = 0
    const walk = async (dir: string): Promise<void> => {
      for await (const entry of await opendir(dir)) {
        const full = join(dir, entry.name)
        if (entry.isDirectory()) await walk(full)
        else if (entry.isFile()) {
          const info = await lstat(full)
          count += 1
          size += info.size
          newest = Math.max(newest, info.mtimeMs)
        }
      }
    }
    await walk(await this.currentFilesDir(siteId, env)).catch(() => undefined)
    return {
      database: { size: db?.size ?? null, modified: db ? Math.floor(db.mtimeMs / 1000) : null },
      files: { count, size, modified: count > 0 ? Math.floor(newest / 1000) : null },
    }
  }

  /** Moves a complete, checked dump file into place as the environment's database. */
  async swapDatabase(siteId: string, env: string, readyFile: string): Promise<void> {
    await fsyncFile(readyFile)
    await renameDurable(readyFile, this.layout.databaseFile(siteId, env))
  }

  /** Copies another file into place as the environment's database (through a scratch copy). */
  async replaceDatabaseWithCopy(siteId: string, env: string, sourceFile: string): Promise<void> {
    const scratch = this.scratchPath(siteId, env, 'db')
    try {
      await copyFile(sourceFile, scratch)
      await this.swapDatabase(siteId, env, scratch)
    } finally {
      await removeQuietly(scratch)
    }
  }

  /** Makes a complete `files-<id>` folder (from newFilesDir) the environment's files. */
  async swapFiles(siteId: string, env: string, readyDir: string): Promise<void> {
    const envDir = this.layout.envDir(siteId, env)
    const link = this.layout.filesLink(siteId, env)
    let previous: string | undefined
    try {
      previous = await readlink(link)
    } catch {
      previous = undefined
    }
    await fsyncDir(readyDir)
    const tempLink = join(envDir, `files.swap-${uniqueSuffix()}`)
    await symlink(basename(readyDir), tempLink)
    await renameDurable(tempLink, link)
    if (previous && previous !== basename(readyDir)) await removeQuietly(join(envDir, previous))
  }

  /** Copies another folder into a new files folder and swaps it in. */
  async replaceFilesWithCopy(siteId: string, env: string, sourceDir: string): Promise<void> {
    const dir = await this.newFilesDir(siteId, env)
    try {
      await cp(sourceDir, dir, { recursive: true, verbatimSymlinks: true })
      await this.swapFiles(siteId, env, dir)
    } catch (error) {
      await removeQuietly(dir)
      throw error
    }
  }

  /** Removes leftovers of interrupted work: scratch files and unlinked files folders. */
  async collectGarbage(siteId: string, env: string): Promise<void> {
    const envDir = this.layout.envDir(siteId, env)
    await removeQuietly(this.layout.envTmpDir(siteId, env))
    await mkdir(this.layout.envTmpDir(siteId, env), { recursive: true })
    let current: string | undefined
    try {
      current = await readlink(this.layout.filesLink(siteId, env))
    } catch {
      current = undefined
    }
    for (const entry of await readdir(envDir)) {
      if ((entry.startsWith('files-') && entry !== current) || entry.startsWith('files.swap-')) {
        await removeQuietly(join(envDir, entry))
      }
    }
    const backups = this.layout.backupsDir(siteId, env)
    for (const entry of await readdir(backups).catch(() => [] as string[])) {
      if (entry.startsWith('.')) await removeQuietly(join(backups, entry))
    }
  }
}
