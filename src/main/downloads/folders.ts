/** Making download folders. */
import { mkdir, stat } from 'node:fs/promises'
import path from 'node:path'

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir spins forever on
 * some special file systems (a folder under /proc, for one) instead of failing.
 */
export async function ensureFolder(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => null)
  if (info?.isDirectory()) return
  if (info) throw Object.assign(new Error(`${dir} is a file, not a folder`), { code: 'ENOTDIR' })
  const parent = path.dirname(dir)
  if (parent !== dir) await ensureFolder(parent)
  try {
    await mkdir(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
}
