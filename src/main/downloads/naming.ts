/**
 * Where a download's bytes live and what the verified file is finally called. The part file is
 * hidden and named after the download id, so two downloads of the same backup never share one,
 * and a folder listing shows only finished, verified backups under their real names.
 */
import { link, rename, stat, unlink } from 'node:fs/promises'
import path from 'node:path'

/** The hidden part file a download writes into. */
export function partPathFor(destDir: string, id: string): string {
  return path.join(destDir, `.restore-desk-${id}.part`)
}

const compoundExtension = /(\.(tar|sql)\.gz|\.[^.]*)$/i

/** `name.sql.gz` → `name (n).sql.gz` (n ≥ 1); the whole compound extension stays at the end. */
export function numberedName(filename: string, n: number): string {
  if (n === 0) return filename
  const match = compoundExtension.exec(filename)
  const ext = match && match.index > 0 ? match[0] : ''
  return `${filename.slice(0, filename.length - ext.length)} (${n})${ext}`
}

/** Errors from `link` that mean "this file system has no hard links", not "the name is taken". */
const noHardLinks = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK'])

/**
 * Gives a verified part file its final name without ever replacing an existing file: the first
 * free name among `name`, `name (1)`, `name (2)`… A hard link claims the name atomically (it
 * fails if the name exists, even if another program created it a moment ago); on file systems
 * without hard links (FAT, exFAT, some network shares) it falls back to check-then-rename.
 */
export async function commitFinal(
  partPath: string,
  destDir: string,
  filename: string,
): Promise<{ finalPath: string; numbered: boolean }> {
  for (let n = 0; n < 10_000; n += 1) {
    const candidate = path.join(destDir, numberedName(filename, n))
    try {
      await link(partPath, candidate)
      await unlink(partPath)
      return { finalPath: candidate, numbered: n > 0 }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? ''
      if (code === 'EEXIST') continue
      if (!noHardLinks.has(code)) throw error
    }
    if (await exists(candidate)) continue
    await rename(partPath, candidate)
    return { finalPath: candidate, numbered: n > 0 }
  }
  throw new Error(
    `Every name from ${filename} to ${numberedName(filename, 9_999)} is taken in ${destDir}. Tidy the folder and press Retry.`,
  )
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}
