/**
 * Whole-file gzip checks, built on the streaming check (check.ts): a plain gzip read to its end,
 * and a gzipped SQL dump recognised by its first 64 KiB and scanned for NUL bytes throughout.
 * Also gzipping a file atomically.
 */
import { createGzip } from 'node:zlib'
import { writeStreamAtomic } from '../atomic'
import { formatBytes } from '../format-bytes'
import { checkFile, createArchiveCheck, GzipCheck, type ContentStage } from './check'
import { adviceFor, ascii, quoteStart, startsWith } from './describe'
import { ArchiveError } from './errors'
import { openArchive } from './gunzip'

/** Checks a whole gzip file by decompressing it to the end; constant memory. */
export async function checkGzipWhole(
  file: string,
  opts?: { maxUncompressedBytes?: number },
): Promise<{ compressedBytes: number; uncompressedBytes: number }> {
  const check = createArchiveCheck({ kind: 'gz', maxUncompressedBytes: opts?.maxUncompressedBytes })
  const { bytes, uncompressedBytes } = await checkFile(file, check, () => check.finish())
  return { compressedBytes: bytes, uncompressedBytes }
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

const CREATE_TABLE = Buffer.from('\nCREATE TABLE', 'latin1')

/** Reads inflated bytes as a SQL dump: plain text, a recognisable start, CREATE TABLEs counted. */
class SqlStage implements ContentStage<{ tables: number }> {
  failure: unknown = undefined
  private readonly startParts: Buffer[] = []
  private startLength = 0
  private sniffed = false
  private seen = 0
  private tables = 0
  // The last bytes of the previous chunk, so statements split across chunks are still counted.
  private carry = Buffer.from('\n', 'latin1')

  write(chunk: Buffer): boolean {
    if (this.failure !== undefined) return true
    try {
      this.take(chunk)
    } catch (error) {
      this.fail(error)
    }
    return true
  }

  fail(error: unknown): void {
    if (this.failure === undefined) this.failure = error
  }

  async end(): Promise<{ tables: number } | undefined> {
    if (this.failure !== undefined) return undefined
    if (this.seen === 0) {
      this.fail(
        new ArchiveError(
          'empty',
          `The gzip file is valid but holds nothing (0 bytes of SQL). Export the database again. ${adviceFor('sql')}`,
        ),
      )
      return undefined
    }
    if (!this.sniffed) {
      try {
        this.sniff(Buffer.concat(this.startParts))
      } catch (error) {
        this.fail(error)
        return undefined
      }
    }
    return { tables: this.tables }
  }

  private take(chunk: Buffer): void {
    const nul = chunk.indexOf(0)
    if (nul >= 0) {
      throw new ArchiveError(
        'not_sql',
        `The file is gzip-compressed but is not a SQL dump: it contains binary data (a NUL byte at offset ${this.seen + nul}). ${adviceFor('sql')}`,
      )
    }
    if (!this.sniffed) {
      this.startParts.push(chunk)
      this.startLength += chunk.length
      if (this.startLength >= SQL_SNIFF_BYTES) {
        this.sniffed = true
        this.sniff(Buffer.concat(this.startParts).subarray(0, SQL_SNIFF_BYTES))
        this.startParts.length = 0
      }
    }
    // Matches straddling the previous chunk are found in a small boundary window (the carry is
    // shorter than the needle, so nothing is counted twice); the rest in the chunk itself.
    const keep = CREATE_TABLE.length - 1
    const boundary = Buffer.concat([this.carry, chunk.subarray(0, keep)])
    this.tables += countOccurrences(boundary, CREATE_TABLE) + countOccurrences(chunk, CREATE_TABLE)
    this.carry = Buffer.concat([this.carry, chunk.subarray(-keep)]).subarray(-keep)
    this.seen += chunk.length
  }

  private sniff(start: Buffer): void {
    if (!looksLikeSqlDump(start)) {
      throw new ArchiveError(
        'not_sql',
        `The file is gzip-compressed but does not look like a SQL dump (${describeNonSql(start)}). ${adviceFor('sql')}`,
      )
    }
  }
}

/**
 * Checks that a file is a whole gzip holding a SQL dump: a mysqldump header or CREATE TABLE /
 * INSERT INTO statements in the first 64 KiB, plain text with no NUL bytes anywhere.
 * `tables` counts CREATE TABLE statements at the start of a line. A broken gzip stream is
 * reported before what it holds.
 */
export async function checkSqlGz(
  file: string,
  opts?: { maxUncompressedBytes?: number },
): Promise<{ uncompressedBytes: number; tables: number }> {
  const check = new GzipCheck<{ tables: number }>('gz', 'sql', opts?.maxUncompressedBytes, new SqlStage())
  const { uncompressedBytes, content } = await checkFile(file, check, () => check.finishContent())
  return { uncompressedBytes, tables: content?.tables ?? 0 }
}

/** Gzips `src` into `dest` atomically (temp file + fsync + rename); a missing `src` is `not_found`. */
export async function gzipFile(src: string, dest: string): Promise<void> {
  const handle = await openArchive(src)
  await writeStreamAtomic(dest, handle.createReadStream(), createGzip())
}
