/**
 * Gzip checks that stream the whole file through zlib in constant memory. A gzip file can only
 * be trusted once its last byte has been read (the CRC and length sit in the trailer), so every
 * check decompresses to the end and turns zlib's terse errors into reasons a person can act on:
 * not gzip at all (with a guess of what it is), cut short, or damaged.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createGunzip, createGzip } from 'node:zlib'
import { writeStreamAtomic } from '../atomic'
import { formatBytes } from '../format-bytes'
import { adviceFor, ascii, describeNonGzip, quoteStart, startsWith, type ExpectedContent } from './describe'
import { ArchiveError } from './errors'
import { mapZlibError, openArchive } from './gunzip'

/** Reads the first `n` bytes of a file, turning a missing file into `not_found`. */
export async function readHead(file: string, n: number): Promise<{ head: Buffer; size: number }> {
  const handle = await openArchive(file)
  try {
    const { size } = await handle.stat()
    const head = Buffer.alloc(Math.min(n, size))
    if (head.length > 0) await handle.read(head, 0, head.length, 0)
    return { head, size }
  } finally {
    await handle.close()
  }
}

export interface GunzipOptions {
  readonly maxUncompressedBytes?: number
  readonly expected?: ExpectedContent
}

/**
 * Yields the decompressed bytes of a gzip file, checking the signature first and mapping
 * zlib failures to `ArchiveError`s. Memory stays constant: chunks are yielded as zlib makes them.
 * Stopping the iteration early closes the file.
 */
export async function* gunzipChunks(file: string, options: GunzipOptions = {}): AsyncGenerator<Buffer> {
  const expected = options.expected ?? 'any'
  const { head, size } = await readHead(file, 512)
  if (size === 0) {
    throw new ArchiveError('empty', `The file is empty (0 bytes). The upload or download did not complete; try again.`)
  }
  if (!(head[0] === 0x1f && head[1] === 0x8b)) {
    throw new ArchiveError('not_gzip', `The file is not gzip-compressed (${describeNonGzip(head, expected)}`)
  }
  const limit = options.maxUncompressedBytes
  const source = createReadStream(file)
  const gunzip = createGunzip()
  source.on('error', (error) => gunzip.destroy(error))
  source.pipe(gunzip)
  let total = 0
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      total += chunk.length
      if (limit !== undefined && total > limit) {
        throw new ArchiveError(
          'too_large',
          `The archive unpacks to more than ${formatBytes(limit)}, the limit here. Split the content or make a smaller archive, and try again.`,
        )
      }
      yield chunk
    }
  } catch (error) {
    throw mapZlibError(error, size, expected)
  } finally {
    source.destroy()
    gunzip.destroy()
  }
}

/** Checks a whole gzip file by decompressing it to the end; constant memory. */
export async function checkGzipWhole(
  file: string,
  opts?: { maxUncompressedBytes?: number },
): Promise<{ compressedBytes: number; uncompressedBytes: number }> {
  let uncompressedBytes = 0
  for await (const chunk of gunzipChunks(file, { ...opts, expected: 'any' })) uncompressedBytes += chunk.length
  const { size } = await stat(file)
  return { compressedBytes: size, uncompressedBytes }
}

const SQL_SNIFF_BYTES = 64 * 1024

function describeNonSql(start: Buffer): string {
  if (start.length === 0) return 'it is empty'
  if (startsWith(start, ascii('ustar'), 257)) return 'it holds a tar archive, not a SQL dump'
  if (startsWith(start, [0x50, 0x4b, 0x03, 0x04])) return 'it holds a zip archive'
  const nul = start.indexOf(0)
  if (nul >= 0) return `it holds binary data (a NUL byte at offset ${nul}), not the plain text of a SQL dump`
  return `its first ${formatBytes(Math.min(start.length, SQL_SNIFF_BYTES))} have no mysqldump header, CREATE TABLE or INSERT INTO statement; it starts with ${quoteStart(start)}`
}

function countOccurrences(haystack: Buffer, needle: Buffer): number {
  let count = 0
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) count += 1
  return count
}

/** Whether the start of a decompressed file reads like a mysqldump/MariaDB/SQL dump. */
export function looksLikeSqlDump(start: Buffer): boolean {
  if (start.length === 0 || start.indexOf(0) >= 0) return false
  const text = start.toString('latin1')
  if (/^-- (MySQL|MariaDB) dump/m.test(text)) return true
  return /^\s*(CREATE TABLE|INSERT INTO)\b/im.test(text)
}

/**
 * Checks that a file is a whole gzip holding a SQL dump: a mysqldump header or CREATE TABLE /
 * INSERT INTO statements in the first 64 KiB, plain text with no NUL bytes anywhere.
 * `tables` counts CREATE TABLE statements at the start of a line.
 */
export async function checkSqlGz(
  file: string,
  opts?: { maxUncompressedBytes?: number },
): Promise<{ uncompressedBytes: number; tables: number }> {
  const advice = adviceFor('sql')
  const startParts: Buffer[] = []
  let startLength = 0
  let sniffed = false
  let uncompressedBytes = 0
  let tables = 0
  const needle = Buffer.from('\nCREATE TABLE', 'latin1')
  // Carry the last bytes of each chunk so statements split across chunks are still counted.
  let carry = Buffer.from('\n', 'latin1')
  for await (const chunk of gunzipChunks(file, { ...opts, expected: 'sql' })) {
    const nul = chunk.indexOf(0)
    if (nul >= 0) {
      throw new ArchiveError(
        'not_sql',
        `The file is gzip-compressed but is not a SQL dump: it contains binary data (a NUL byte at offset ${uncompressedBytes + nul}). ${advice}`,
      )
    }
    if (!sniffed) {
      startParts.push(chunk)
      startLength += chunk.length
      if (startLength >= SQL_SNIFF_BYTES) {
        sniffed = true
        const start = Buffer.concat(startParts).subarray(0, SQL_SNIFF_BYTES)
        startParts.length = 0
        if (!looksLikeSqlDump(start)) {
          throw new ArchiveError(
            'not_sql',
            `The file is gzip-compressed but does not look like a SQL dump (${describeNonSql(start)}). ${advice}`,
          )
        }
      }
    }
    // Matches straddling the previous chunk are found in a small boundary window (the carry is
    // shorter than the needle, so nothing is counted twice); the rest in the chunk itself.
    const boundary = Buffer.concat([carry, chunk.subarray(0, needle.length - 1)])
    tables += countOccurrences(boundary, needle) + countOccurrences(chunk, needle)
    carry = Buffer.concat([carry, chunk.subarray(-(needle.length - 1))]).subarray(-(needle.length - 1))
    uncompressedBytes += chunk.length
  }
  if (uncompressedBytes === 0) {
    throw new ArchiveError(
      'empty',
      `The gzip file is valid but holds nothing (0 bytes of SQL). Export the database again. ${advice}`,
    )
  }
  if (!sniffed) {
    const start = Buffer.concat(startParts)
    if (!looksLikeSqlDump(start)) {
      throw new ArchiveError(
        'not_sql',
        `The file is gzip-compressed but does not look like a SQL dump (${describeNonSql(start)}). ${advice}`,
      )
    }
  }
  return { uncompressedBytes, tables }
}

/** Gzips `src` into `dest` atomically (temp file + fsync + rename). */
export async function gzipFile(src: string, dest: string): Promise<void> {
  await readHead(src, 0)
  await writeStreamAtomic(dest, createReadStream(src), createGzip())
}
