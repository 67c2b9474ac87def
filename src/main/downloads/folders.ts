/** Making download folders. */
import { mkdir, stat } from 'node:fs/promises'
import path from 'node:path'

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir spins forever on
 * some special file systems (a folder under /proc, for one) instead of failing.
 * The path is normalised first: walking up `a/b/../c` by its text would make the
 * stray folder `a/b` on the way to `a/c`.
 */
export async function ensureFolder(dir: string): Promise<void> {
  await makeLevels(path.resolve(dir))
}

async function makeLevels(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => null)
  if (info?.isDirectory()) return
  if (info) throw Object.assign(new Error(`${dir} is a file, not a folder`), { code: 'ENOTDIR' })
  const parent = path.dirname(dir)
  if (parent !== dir) await makeLevels(parent)
  try {
    await mkdir(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
}
