/**
 * Durable file steps for the app and the embedded platform alike: write a sibling temp file,
 * fsync it, rename it over the target and fsync the directory, so a crash leaves either the
 * old file or the complete new one, never a partial file under the final name. Renames retry
 * briefly on Windows, and directories that cannot be fsynced there are skipped.
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { open, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

/** A unique temp path next to `file` (same directory, so rename is atomic). */
export function tempPathFor(file: string): string {
  const dir = path.dirname(file)
  return path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
}

/** Flushes a directory entry change (a rename) to disk; silently skipped where unsupported. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch (error) {
    // Some platforms (Windows) and file systems refuse to open or fsync directories.
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw error
  } finally {
    await handle?.close()
  }
}

/**
 * Renames, retrying briefly on Windows, where a virus scanner or indexer holding the target
 * open makes a rename fail with EPERM/EACCES/EBUSY for a moment.
 */
async function renameOver(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await rename(from, to)
      return
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const transient = code === 'EPERM' || code === 'EACCES' || code === 'EBUSY'
      if (process.platform !== 'win32' || !transient || attempt >= 8) throw error
      await new Promise((resolve) => setTimeout(resolve, 15 * 2 ** attempt))
    }
  }
}

/** Flushes one file's content to disk (opened for writing: Windows cannot flush a read-only handle). */
export async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r+')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Renames `from` over `to` (atomic on one file system) and flushes the target's directory. */
export async function renameDurable(from: string, to: string): Promise<void> {
  await renameOver(from, to)
  await fsyncDir(path.dirname(to))
}

/** Moves a finished temp file into place durably (fsync file, rename, fsync directory). */
export async function commitTempFile(tmp: string, file: string): Promise<void> {
  await fsyncFile(tmp)
  await renameDurable(tmp, file)
}

/**
 * Writes `data` to `file` atomically: temp file + fsync + rename + fsync of the directory.
 * `mode` (default 0o644, less the umask) is the file's from its creation, so a secret is
 * never readable by others, not even for a moment.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  opts?: { readonly mode?: number },
): Promise<void> {
  const tmp = tempPathFor(file)
  try {
    const handle = await open(tmp, 'wx', opts?.mode ?? 0o644)
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await renameOver(tmp, file)
    await fsyncDir(path.dirname(file))
  } catch (error) {
    await rm(tmp, { force: true })
    throw error
  }
}

/**
 * Streams `source` (through optional transforms) into `file` atomically.
 * The temp file is removed if anything fails, and `file` is left untouched.
 */
export async function writeStreamAtomic(
  file: string,
  source: Readable,
  ...transforms: NodeJS.ReadWriteStream[]
): Promise<void> {
  const tmp = tempPathFor(file)
  try {
    await pipeline([source, ...transforms, createWriteStream(tmp, { flags: 'wx', mode: 0o644 })])
    await commitTempFile(tmp, file)
  } catch (error) {
    await rm(tmp, { force: true })
    throw error
  }
}

/** Removes a file or folder tree; a missing path is not an error. */
export async function removeQuietly(target: string): Promise<void> {
  await rm(target, { recursive: true, force: true })
}

/** True when `target` exists (file, folder or link target). */
export async function exists(target: string): Promise<boolean> {
  try {
    await stat(target)
    return true
  } catch {
    return false
  }
}
