/**
 * Creating .tar.gz archives with node-tar's `Pack`. The folder is walked here first, sorted and
 * with `lstat`, so that symbolic links and special files are refused before anything is written
 * and the entries always come out in the same order; node-tar then writes them (ustar, with pax
 * headers for long or non-ASCII names). The archive is portable: no owner
 * ids or names, no access or change times, modes without group/other write, so the same tree
 * with the same modification times always gives the same bytes. Files that share an inode are
 * stored as plain files each, never as hard links, which the project's own checks would refuse.
 */
import type { Stats } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { createGzip } from 'node:zlib'
import { Pack, type ReadEntry, type WriteEntry } from 'tar'
import { writeStreamAtomic } from '../atomic'
import type { TarSummary } from './entries'
import { ArchiveError } from './errors'

/** A link cache that never remembers an inode, so node-tar writes no hard-link entries. */
class NoHardLinks extends Map<`${number}:${number}`, string> {
  override get(): undefined {
    return undefined
  }
}

function checkTopFolder(topFolder: string): string[] {
  const segments = topFolder.split('/').filter((s) => s !== '' && s !== '.')
  if (segments.length === 0 || segments.includes('..') || topFolder.startsWith('/')) {
    throw new Error(`The top folder name "${topFolder}" must be a relative folder name like "files_live".`)
  }
  return segments
}

function notPlain(relative: string, info: Stats): ArchiveError {
  const kind = info.isSymbolicLink() ? 'a symbolic link' : 'a special file (socket, FIFO or device)'
  return new ArchiveError(
    'unsafe_entry',
    `Cannot archive ${relative}: it is ${kind}, which archives here may not hold. Replace it with a regular file or remove it.`,
    { entry: relative },
  )
}

interface Walked {
  /** Paths relative to the source folder, in archive order. */
  readonly paths: string[]
  files: number
  dirs: number
  totalSize: number
}

async function walk(root: string, relative: string, into: Walked): Promise<void> {
  const absolute = path.join(root, relative)
  for (const child of (await readdir(absolute)).sort()) {
    const childRelative = relative === '.' ? child : `${relative}/${child}`
    const childAbsolute = path.join(root, childRelative)
    const info = await lstat(childAbsolute)
    if (!info.isDirectory() && !info.isFile()) throw notPlain(childRelative, info)
    into.paths.push(childRelative)
    if (info.isDirectory()) {
      into.dirs += 1
      await walk(root, childRelative, into)
    } else {
      into.files += 1
      into.totalSize += info.size
    }
  }
}

function describeWriteError(error: unknown): unknown {
  const err = error as NodeJS.ErrnoException & { path?: string }
  if (err?.code === 'EOF') {
    return new Error(
      `${err.path ?? 'A file'} got shorter while it was being archived. Try again when nothing is writing to it.`,
      { cause: error },
    )
  }
  return error
}

/**
 * Creates a tar.gz of `srcDir` whose entries all sit under `topFolder/`, written atomically
 * (temp file + fsync + rename). Symbolic links and special files are refused, not followed.
 */
export async function createTarGz(srcDir: string, outFile: string, topFolder: string): Promise<TarSummary> {
  const top = checkTopFolder(topFolder)
  const root = path.resolve(srcDir)
  const rootInfo = await lstat(root)
  if (!rootInfo.isDirectory()) throw new Error(`Cannot archive ${srcDir}: it is not a folder.`)
  const walked: Walked = { paths: ['.'], files: 0, dirs: 0, totalSize: 0 }
  await walk(root, '.', walked)

  const pack = new Pack({
    cwd: root,
    prefix: top.join('/'),
    portable: true,
    strict: true,
    noDirRecurse: true,
    linkCache: new NoHardLinks(),
    // node-tar stats each path again (given our stats, it stalls on hard links); should a path
    // have turned into a link or a special file since the walk, the archive fails.
    filter: (relative: string, info: Stats | ReadEntry) => {
      if (!('isFile' in info) || info.isFile() || info.isDirectory()) return true
      pack.emit('error', notPlain(relative, info))
      return false
    },
    // Portable mode leaves folders without a time (they change with their contents); a restored
    // site should keep them, as GNU tar does.
    onWriteEntry: (entry: WriteEntry) => {
      if (entry.type === 'Directory') entry.noMtime = false
    },
  })
  // Errors reach the pipeline below through the stream (node-tar's stream replays an error to a
  // listener that comes late); this one only keeps an early error from being thrown instead.
  pack.on('error', () => undefined)
  for (const relative of walked.paths) pack.add(relative)
  pack.end()
  try {
    await writeStreamAtomic(outFile, Readable.from(pack), createGzip())
  } catch (error) {
    throw describeWriteError(error)
  }
  return {
    files: walked.files,
    dirs: walked.dirs + top.length,
    totalSize: walked.totalSize,
    topFolders: [top[0]!],
  }
}
