/**
 * The archive half of a download check: which check a part file gets by its name, fed the bytes
 * as they arrive. `.gz` files are decompressed to their end as the bytes arrive (zlib in the
 * threadpool). For now a `.tar.gz` gets its tar listing (with the platform's entry checks) read
 * from the finished file with inspectTarGz, a second read for that kind only, until the archives
 * module offers a streaming tar check.
 */
import { createGunzip } from 'node:zlib'
import type { Gunzip } from 'node:zlib'
import { ArchiveError, inspectTarGz } from '../../lib/archives'

/** Archive bytes in, a verdict at the end; throws `ArchiveError`s like the file-based checks. */
export interface ArchiveCheck {
  /** The next bytes of the file; resolves once the check no longer reads them (never rejects). */
  take(bytes: Buffer): Promise<void>
  /** The verdict once every byte was written; a passed check may carry a note for the user. */
  finish(): Promise<{ readonly note: string | null }>
  destroy(): void
}

type Kind = 'tar.gz' | 'gz' | 'none'

function kindOf(filename: string): Kind {
  const lower = filename.toLowerCase()
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) return 'tar.gz'
  if (lower.endsWith('.gz')) return 'gz'
  return 'none'
}

const noCheck: ArchiveCheck = {
  take: async () => undefined,
  finish: async () => ({ note: null }),
  destroy: () => undefined,
}

/** The check for a part file named `filename` (written at `partPath`). */
export function archiveCheckFor(filename: string, partPath: string): ArchiveCheck {
  const kind = kindOf(filename)
  if (kind === 'none') return noCheck
  return gzipCheck(kind, partPath)
}

const inflateChunkBytes = 1024 * 1024

function gzipCheck(kind: Kind, partPath: string): ArchiveCheck {
  const gunzip: Gunzip = createGunzip({ chunkSize: inflateChunkBytes })
  let error: unknown = null
  let seen = 0
  let head: Buffer | null = null
  gunzip.on('data', () => undefined)
  gunzip.on('error', (cause) => {
    error ??= cause
  })
  const ended = new Promise<void>((resolve) => {
    gunzip.once('end', resolve)
    gunzip.once('close', resolve)
  })
  // A failing zlib stream never calls back the write it failed on: release every waiter.
  const waiting = new Set<() => void>()
  gunzip.once('close', () => {
    for (const resolve of waiting) resolve()
    waiting.clear()
  })
  return {
    take(bytes) {
      if (head === null) head = Buffer.from(bytes.subarray(0, 2))
      seen += bytes.length
      if (error !== null || gunzip.destroyed) return Promise.resolve()
      return new Promise((resolve) => {
        const done = (): void => {
          waiting.delete(done)
          resolve()
        }
        waiting.add(done)
        gunzip.write(bytes, done)
      })
    },
    async finish() {
      if (seen === 0) throw new ArchiveError('empty', 'The file is empty (0 bytes).')
      if (head === null || head[0] !== 0x1f || head[1] !== 0x8b) {
        throw new ArchiveError('not_gzip', 'The file is not gzip-compressed.')
      }
      if (error === null) {
        gunzip.end()
        await ended
      }
      if (error !== null) throw zlibFailure(error)
      if (kind === 'tar.gz') {
        try {
          await inspectTarGz(partPath)
        } catch (cause) {
          if (!(cause instanceof ArchiveError) || cause.code !== 'unsafe_entry') throw cause
          return {
            note: `The archive is complete, but it holds ${cause.entry ?? 'an entry'} (a link or special file), which Restore Desk will not import from this archive.`,
          }
        }
      }
      return { note: null }
    },
    destroy() {
      gunzip.destroy()
    },
  }
}

function zlibFailure(cause: unknown): unknown {
  const err = cause as NodeJS.ErrnoException
  if (err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message ?? ''))
    return new ArchiveError('truncated_gzip', 'The gzip file is cut short.', { cause })
  if (err.code === 'Z_DATA_ERROR' || err.code === 'Z_NEED_DICT' || err.code === 'Z_STREAM_ERROR')
    return new ArchiveError('not_gzip', 'The compressed data is damaged.', { cause })
  return cause
}
