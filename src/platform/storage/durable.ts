/**
 * Durable file-system steps the platform builds every change from. A change is made by
 * writing new content beside the old one, flushing it, and renaming it into place, then
 * flushing the parent directory so the rename itself survives a power cut or `kill -9`.
 */
import { open, rename, rm, readFile, stat } from 'node:fs/promises'
import { dirname } from 'node:path'

/** Flushes a directory's entries (so a rename into it is on disk). */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Flushes one file's content to disk. */
export async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Renames `from` over `to` (atomic on one file system) and flushes the target's directory. */
export async function renameDurable(from: string, to: string): Promise<void> {
  await rename(from, to)
  await fsyncDir(dirname(to))
}

/** Removes a file or folder tree; a missing path is not an error. */
export async function removeQuietly(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true })
}

/** Reads and parses a JSON file, or returns `undefined` when it does not exist. */
export async function readJsonFile<T>(file: string): Promise<T | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  return JSON.parse(text) as T
}

/** True when `path` exists (file, folder or link target). */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}
