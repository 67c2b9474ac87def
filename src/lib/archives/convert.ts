/**
 * Converting an inspected import into the gzip forms a platform that takes only those (Pantheon)
 * accepts: `.sql` and a zip of one `.sql` into `.sql.gz`, `.tar` and a files `.zip` into
 * `.tar.gz`. Each streams into a file in constant memory, written atomically (temp file, fsync,
 * rename), and can be stopped with a signal. A zip becomes a tar through node-tar's `Pack`, fed
 * one entry at a time built from the zip's (paths, modes and times kept); the zip's bodies are
 * checked again (sizes, CRC-32) as they are read.
 */
import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { Header, Pack, ReadEntry } from 'tar'
import type { DatabaseInspection, FilesInspection, ImportFormat } from '../../shared/imports'
import { commitTempFile, tempPathFor } from '../atomic'
import { openArchive } from './gunzip'
import { zipEntries, type ZipLimits } from './zip'

/** What a conversion may be given. */
export interface ConvertOptions {
  /** The zip-bomb limit, as for the inspection. */
  readonly maxUncompressedBytes: number
  readonly signal?: AbortSignal
}

/** The gzip form a platform that takes only `.sql.gz` and `.tar.gz` needs for `format`. */
export function gzipFormOf(format: ImportFormat): 'sql.gz' | 'tar.gz' {
  return format === 'sql' || format === 'sql.gz' || format === 'sql.zip' ? 'sql.gz' : 'tar.gz'
}

async function writeAtomic(
  dest: string,
  streams: readonly (NodeJS.ReadableStream | NodeJS.ReadWriteStream)[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const tmp = tempPathFor(dest)
  try {
    await pipeline([...streams, createWriteStream(tmp, { flags: 'wx', mode: 0o644 })], { signal })
    await commitTempFile(tmp, dest)
  } catch (error) {
    await rm(tmp, { force: true })
    throw error
  }
}

/** Gzips a file as it is (`.sql` → `.sql.gz`, `.tar` → `.tar.gz`); a missing file is `not_found`. */
export async function gzipInto(file: string, dest: string, signal?: AbortSignal): Promise<void> {
  await (await openArchive(file)).close()
  await writeAtomic(dest, [createReadStream(file, { highWaterMark: 256 * 1024 }), createGzip()], signal)
}

/** The one `.sql` of a zip (`innerName`, as the inspection named it), inflated and gzipped into `dest`. */
export async function zipSqlToSqlGz(
  file: string,
  innerName: string,
  dest: string,
  options: ConvertOptions,
): Promise<void> {
  const limits: ZipLimits = { maxUncompressedBytes: options.maxUncompressedBytes }
  for await (const member of zipEntries(file, limits)) {
    if (member.path !== innerName || member.body === null) continue
    await writeAtomic(dest, [Readable.from(member.body), createGzip()], options.signal)
    return
  }
  throw new Error(`The zip archive no longer holds ${innerName}; it changed since it was inspected. Choose it again.`)
}

/** Feeds the zip's members to `pack` one after another, waiting for each body to be taken. */
async function feedPack(file: string, pack: Pack, maxUncompressedBytes: number, signal: AbortSignal): Promise<void> {
  for await (const member of zipEntries(file, { maxUncompressedBytes })) {
    signal.throwIfAborted()
    const isDirectory = member.kind === 'directory'
    const entry = new ReadEntry(
      new Header({
        path: isDirectory ? `${member.path}/` : member.path,
        type: isDirectory ? 'Directory' : 'File',
        size: member.size,
        mode: member.mode ?? (isDirectory ? 0o755 : 0o644),
        mtime: member.mtime,
      }),
    )
    pack.add(entry)
    if (member.body) {
      for await (const chunk of member.body) {
        // The entry holds what the pack has not taken yet; wait rather than let it grow.
        if (!entry.write(chunk)) await once(entry, 'drain', { signal })
      }
    }
    entry.end()
  }
  pack.end()
}

/** A files zip as a `.tar.gz` with the same paths, modes and times, written into `dest`. */
export async function zipToTarGz(file: string, dest: string, options: ConvertOptions): Promise<void> {
  // Not `portable`: that would drop folders' times and change modes. The headers carry no
  // owner anyway (the entries are made here without one), and no access or change times.
  const pack = new Pack({ strict: true })
  // Either side failing stops the other: a broken zip fails the write, a failed write the feed.
  const stop = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal
  const fed = feedPack(file, pack, options.maxUncompressedBytes, signal).catch((error: unknown) => {
    stop.abort(error)
    throw error
  })
  const written = writeAtomic(dest, [Readable.from(pack), createGzip()], signal).catch((error: unknown) => {
    stop.abort(error)
    throw error
  })
  const [feeding, writing] = await Promise.allSettled([fed, written])
  if (options.signal?.aborted) throw options.signal.reason
  if (feeding.status === 'rejected') throw feeding.reason
  if (writing.status === 'rejected') throw writing.reason
}

/**
 * Converts an inspected import (`detail` from `inspectImport`) into its gzip form in `dest`:
 * `.sql` and `.sql.zip` into `.sql.gz`, `.tar` and `.zip` into `.tar.gz`. Returns the form
 * written. A file already in gzip form is not converted (a TypeError: upload it as it is).
 */
export async function convertToGzipForm(
  file: string,
  detail: DatabaseInspection | FilesInspection,
  dest: string,
  options: ConvertOptions,
): Promise<'sql.gz' | 'tar.gz'> {
  switch (detail.format) {
    case 'sql':
    case 'tar':
      await gzipInto(file, dest, options.signal)
      break
    case 'sql.zip':
      if (detail.kind !== 'database' || detail.innerName === null) throw new TypeError('A sql.zip names its .sql.')
      await zipSqlToSqlGz(file, detail.innerName, dest, options)
      break
    case 'zip':
      await zipToTarGz(file, dest, options)
      break
    case 'sql.gz':
    case 'tar.gz':
      throw new TypeError(`A ${detail.format} is already in gzip form; upload it as it is.`)
  }
  return gzipFormOf(detail.format)
}
