/**
 * A dropped folder packed into a `.tar.gz` on the fly, so it can be imported as a files archive.
 *
 * The folder is walked first with `lstat`: a symbolic link or a special file inside is refused
 * before anything is written (the platform would refuse the archive anyway, after the upload),
 * and the walk gives the total for the progress bar. node-tar's `c({portable})` then writes the
 * tar (no owner ids or names, no access times), which is gzipped into a temp file renamed into
 * place at the end (`writeStreamAtomic`). The archive's one top folder is the folder's own name,
 * which the platform drops on import as it does `files_dev/` of its own backups.
 */
import type { Stats } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import path from 'node:path'
import { Readable, Transform, type TransformCallback } from 'node:stream'
import { createGzip } from 'node:zlib'
import { c as createTar, type ReadEntry } from 'tar'
import { removeQuietly, writeStreamAtomic } from '../../lib/atomic'
import { AppError } from '../errors'

const BLOCK = 512

/**
 * A link cache that never remembers an inode, so files that share one are stored as plain files
 * each: the platform refuses hard-link entries.
 */
class NoHardLinks extends Map<`${number}:${number}`, string> {
  override get(): undefined {
    return undefined
  }
}

/** What the walk found: the tar's expected size (without pax headers) and the counts. */
export interface FolderWalk {
  readonly files: number
  readonly dirs: number
  readonly bytes: number
  /** The uncompressed tar's size as ustar writes it (pax headers for long names add a little). */
  readonly tarBytes: number
  /** Every entry, the folder's own name first, in archive order (sorted, depth first). */
  readonly paths: readonly string[]
}

function refusedEntry(relative: string, info: Stats | ReadEntry): AppError {
  const kind =
    'isSymbolicLink' in info && info.isSymbolicLink()
      ? 'a symbolic link'
      : 'type' in info && info.type === 'SymbolicLink'
        ? 'a symbolic link'
        : 'a special file (socket, FIFO or device)'
  return new AppError(
    'unsafe_entry',
    `The folder holds ${relative}, which is ${kind}: a files archive may hold only files and folders. ` +
      'Replace it with the file it points to, or remove it, then drop the folder again.',
  )
}

interface Totals {
  files: number
  dirs: number
  bytes: number
  tar: number
  readonly paths: string[]
}

async function walk(root: string, relative: string, totals: Totals): Promise<void> {
  for (const child of (await readdir(path.join(root, relative))).sort()) {
    const childRelative = relative === '' ? child : `${relative}/${child}`
    const info = await lstat(path.join(root, childRelative))
    totals.paths.push(`${path.basename(root)}/${childRelative}`)
    if (info.isDirectory()) {
      totals.dirs += 1
      totals.tar += BLOCK
      await walk(root, childRelative, totals)
    } else if (info.isFile()) {
      totals.files += 1
      totals.bytes += info.size
      totals.tar += BLOCK + Math.ceil(info.size / BLOCK) * BLOCK
    } else {
      throw refusedEntry(`${path.basename(root)}/${childRelative}`, info)
    }
  }
}

/** Walks `folder` (refusing links and special files) and sizes the tar it makes. */
export async function walkFolder(folder: string): Promise<FolderWalk> {
  const totals: Totals = { files: 0, dirs: 1, bytes: 0, tar: BLOCK, paths: [path.basename(folder)] }
  await walk(folder, '', totals)
  // Two zero blocks end a tar; node-tar pads the stream to whole blocks.
  const { files, dirs, bytes, paths } = totals
  return { files, dirs, bytes, tarBytes: totals.tar + 2 * BLOCK, paths }
}

/** Counts the bytes passing through (the tar before gzip), for the progress bar. */
class Counter extends Transform {
  bytes = 0
  constructor(private readonly onBytes: (bytes: number) => void) {
    super()
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length
    this.onBytes(this.bytes)
    done(null, chunk)
  }
}

/**
 * Packs `folder` into the `.tar.gz` `out` (written atomically), its entries under the folder's
 * own name. `onProgress(bytes, total)` follows the uncompressed tar; `signal` stops it (the temp
 * file is removed).
 */
export async function packFolder(
  folder: string,
  out: string,
  options: { readonly onProgress?: (bytes: number, total: number) => void; readonly signal?: AbortSignal } = {},
): Promise<FolderWalk> {
  const root = path.resolve(folder)
  const walked = await walkFolder(root)
  const name = path.basename(root)
  let refusal: AppError | null = null
  const tar = createTar(
    {
      cwd: path.dirname(root),
      portable: true,
      // The walk's list, in its order: the same folder always gives the same archive.
      noDirRecurse: true,
      linkCache: new NoHardLinks(),
      // A path that became a link or a special file since the walk fails the archive.
      filter: (entryPath: string, info: Stats | ReadEntry) => {
        const plain = 'isFile' in info ? info.isFile() || info.isDirectory() : true
        if (!plain) refusal ??= refusedEntry(entryPath, info)
        return plain
      },
    },
    [...walked.paths],
  )
  const source = Readable.from(tar)
  const counter = new Counter((bytes) => options.onProgress?.(Math.min(bytes, walked.tarBytes), walked.tarBytes))
  const stop = (): void => {
    source.destroy(new AppError('cancelled', 'Packing the folder was stopped.'))
  }
  if (options.signal?.aborted) stop()
  options.signal?.addEventListener('abort', stop, { once: true })
  try {
    await writeStreamAtomic(out, source, counter, createGzip())
  } catch (error) {
    if (error instanceof AppError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EOF' || code === 'ENOENT') {
      throw new AppError(
        'folder_changed',
        `A file in ${name} changed while it was being packed. Wait until nothing writes to the folder, then drop it again.`,
        { cause: error },
      )
    }
    throw error
  } finally {
    options.signal?.removeEventListener('abort', stop)
  }
  if (refusal) {
    await removeQuietly(out)
    throw refusal
  }
  return walked
}
