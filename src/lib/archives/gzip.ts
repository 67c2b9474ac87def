/**
 * Gzip checks that stream the whole file through zlib in constant memory. A gzip file can only
 * be trusted once its last byte has been read (the CRC and length sit in the trailer), so every
 * check decompresses to the end and turns zlib's terse errors into reasons a person can act on:
 * not gzip at all (with a guess of what it is), cut short, or damaged.
 */
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import path from 'node:path'
import { createGunzip, createGzip } from 'node:zlib'
import { writeStreamAtomic } from '../atomic'
import { formatBytes } from '../format-bytes'
import { ArchiveError } from './errors'

/** What the caller expects inside the gzip, to give advice that fits. */
export type ExpectedContent = 'sql' | 'tar' | 'any'

const ADVICE: Record<ExpectedContent, string> = {
  sql: 'Upload a .sql.gz made with `mysqldump … | gzip`.',
  tar: 'Upload a .tar.gz made with `tar czf archive.tar.gz -C <folder> .`.',
  any: 'Make the file again with gzip.',
}

/** Advice text for the expected content, for messages built elsewhere in this module. */
export function adviceFor(expected: ExpectedContent): string {
  return ADVICE[expected]
}

const GZIP_MAGIC_0 = 0x1f
const GZIP_MAGIC_1 = 0x8b

function startsWith(buf: Uint8Array, bytes: readonly number[], at = 0): boolean {
  if (buf.length < at + bytes.length) return false
  return bytes.every((b, i) => buf[at + i] === b)
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0))
}

function isMostlyText(buf: Uint8Array): boolean {
  if (buf.length === 0) return false
  let printable = 0
  for (const b of buf) {
    if (b === 0) return false
    if (b === 9 || b === 10 || b === 13 || (b >= 32 && b !== 127)) printable += 1
  }
  return printable / buf.length > 0.95
}

function quoteStart(buf: Uint8Array): string {
  const head = Buffer.from(buf.subarray(0, 8))
  if (isMostlyText(head)) return `'${head.toString('latin1').replace(/[\r\n\t]/g, ' ')}'`
  return `bytes ${head.subarray(0, 4).toString('hex')}`
}

/**
 * Guesses what a file's first bytes are, for messages like "it starts with 'PK', which looks like a zip".
 * Returns a clause to follow "The file is not gzip-compressed (" and the advice to append.
 */
export function describeNonGzip(head: Uint8Array, expected: ExpectedContent): string {
  const advice = ADVICE[expected]
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
    return `it starts with 'PK', which looks like a zip archive). ${advice}`
  }
  if (startsWith(head, ascii('BZh'))) return `it starts with 'BZh', which looks like bzip2). ${advice}`
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return `its header is xz/LZMA). ${advice}`
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return `its header is zstd). ${advice}`
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return `its header is 7-Zip). ${advice}`
  if (startsWith(head, ascii('ustar'), 257)) {
    return `it is an uncompressed tar archive). Compress it with \`gzip\` (or make it with \`tar czf\`) and try again.`
  }
  if (startsWith(head, ascii('%PDF'))) return `it is a PDF document). ${advice}`
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47])) return `it is a PNG image). ${advice}`
  const text = Buffer.from(head.subarray(0, 512)).toString('latin1').trimStart()
  if (isMostlyText(head)) {
    if (/^<(!doctype html|html|\?xml)/i.test(text)) {
      return `it is an HTML/XML page, often an error page saved instead of the real download). Download the archive again. ${advice}`
    }
    if (/^(--|\/\*!|CREATE |INSERT |DROP |SET |LOCK )/i.test(text)) {
      return `it is a plain, uncompressed SQL dump). Compress it first, e.g. \`gzip dump.sql\`, and upload dump.sql.gz.`
    }
    return `it is plain text starting with ${quoteStart(head)}). ${advice}`
  }
  return `it starts with ${quoteStart(head)}, which is not the gzip signature 1f8b). ${advice}`
}

/** Reads the first `n` bytes of a file, turning a missing file into `not_found`. */
export async function readHead(file: string, n: number): Promise<{ head: Buffer; size: number }> {
  let handle
  try {
    handle = await open(file, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ArchiveError(
        'not_found',
        // Only the base name: full paths are the platform's internals, not something to act on.
        `The file ${path.basename(file)} does not exist. Check the path, or upload or download it again.`,
        {
          cause: error,
        },
      )
    }
    throw error
  }
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
  if (!(head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1)) {
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

function mapZlibError(error: unknown, compressedBytes: number, expected: ExpectedContent): unknown {
  if (error instanceof ArchiveError) return error
  const err = error as NodeJS.ErrnoException
  if (err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message ?? '')) {
    return new ArchiveError(
      'truncated_gzip',
      `The gzip file is cut short: it ends unexpectedly after ${formatBytes(compressedBytes)}, so the download or upload was incomplete. Get the whole file again (compare its size with the original) and retry. ${ADVICE[expected]}`,
      { cause: error },
    )
  }
  if (err.code === 'Z_DATA_ERROR' || err.code === 'Z_NEED_DICT' || err.code === 'Z_STREAM_ERROR') {
    const detail = err.message ? ` (zlib: ${err.message})` : ''
    return new ArchiveError(
      'not_gzip',
      `The file starts like gzip but its compressed data is damaged${detail}. It was probably corrupted in transfer or on disk; make or download it again. ${ADVICE[expected]}`,
      { cause: error },
    )
  }
  return error
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
  const advice = ADVICE.sql
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
