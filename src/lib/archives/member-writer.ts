/**
 * Writing an archive's checked members (files and folders) below a destination folder, for
 * tar and zip extraction alike. The writes are the project's own rather than a library's
 * extraction, which would keep owners when run as root, follow its own path and mode rules,
 * and could not be told to clean up after itself. Only members that passed the entry rules
 * (entries.ts) get here; the path is checked once more against the destination.
 */
import { mkdir, open, readdir, rm, utimes } from 'node:fs/promises'
import path from 'node:path'
import { pathConflict } from './entries'
import { ArchiveError } from './errors'

/** One member to write. */
export interface ArchiveMember {
  /** The name as the archive spells it, for messages. */
  readonly name: string
  readonly isDirectory: boolean
  /** Permission bits from the archive, or undefined for the default (0644). */
  readonly mode: number | undefined
  readonly mtime: Date | undefined
  /** The file's bytes (not read for a folder). */
  readonly body: AsyncIterable<Buffer> | null
}

/** Writes members below `root`, making the folders they need once each. */
export class MemberWriter {
  private readonly madeDirs: Set<string>

  constructor(
    private readonly root: string,
    private readonly remake: string,
  ) {
    this.madeDirs = new Set([root])
  }

  /** Writes one member at the relative path `parts`; a folder's body is not read. */
  async write(parts: readonly string[], member: ArchiveMember): Promise<void> {
    const target = path.join(this.root, ...parts)
    const relative = path.relative(this.root, target)
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new ArchiveError('unsafe_entry', `The archive entry "${member.name}" would land outside the destination.`, {
        entry: member.name,
        todo: this.remake,
        refusal: 'unsafe_path',
      })
    }
    try {
      if (member.isDirectory) {
        await this.ensureDir(target)
        return
      }
      await this.ensureDir(path.dirname(target))
      // Owner keeps read/write; execute bits survive (scripts in code archives), set-id bits never do.
      const handle = await open(target, 'w', ((member.mode ?? 0o644) & 0o755) | 0o644)
      try {
        if (member.body) for await (const chunk of member.body) await handle.write(chunk)
      } finally {
        await handle.close()
      }
      const mtime = member.mtime?.getTime() ?? 0
      if (mtime > 0) await utimes(target, member.mtime!, member.mtime!)
    } catch (error) {
      // The inspection refuses file/folder clashes; these remain where names differ only in
      // case on a case-insensitive disk, or the archive changed since it was inspected.
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST') throw pathConflict(member.name, parts.join('/'))
      throw error
    }
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return
    await mkdir(dir, { recursive: true, mode: 0o755 })
    this.madeDirs.add(dir)
  }
}

async function prepareDestination(destDir: string): Promise<boolean> {
  try {
    const existing = await readdir(destDir)
    if (existing.length > 0) {
      throw new Error(`Cannot extract into ${destDir}: the folder is not empty. Extract into a new or empty folder.`)
    }
    return false
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  await mkdir(destDir, { recursive: true })
  return true
}

/**
 * Runs `extract` on `destDir` (made if missing, else it must be empty); if it fails, whatever
 * it wrote is removed again (and the folder, when made here).
 */
export async function intoEmptyFolder(destDir: string, extract: (root: string) => Promise<void>): Promise<void> {
  const root = path.resolve(destDir)
  const created = await prepareDestination(root)
  try {
    await extract(root)
  } catch (error) {
    if (created) await rm(root, { recursive: true, force: true })
    else for (const child of await readdir(root)) await rm(path.join(root, child), { recursive: true, force: true })
    throw error
  }
}
