/**
 * What a file is, by its content rather than its name: magic bytes for gzip, zip and tar, and
 * for text a look at how it starts, which must be how real `mysqldump`/`mariadb-dump` output
 * starts (header comments, `/*!40101 SET ...*\/;` versioned comments, the MariaDB sandbox line
 * `/*M!999999\- enable the sandbox mode *\/`, `SET`, `DROP TABLE`, `CREATE TABLE`, `INSERT INTO`,
 * `LOCK TABLES`, after an optional UTF-8 BOM, blank lines and comments). A gzip is looked into:
 * its first inflated bytes say whether it holds a dump or a tar.
 *
 * Everything else is refused with a reason a person can act on: PostgreSQL dumps (plain and
 * pg_dump's custom format), SQLite files, HTML or XML error pages saved in place of a download,
 * UTF-16 text (what PowerShell's `>` writes), other compressors and file types, plain text that
 * is not SQL. Only the first 64 KiB (inflated, for a gzip) are read; the full inspection reads
 * the rest.
 */
import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'
import { ascii, startsWith } from './describe'
import { ArchiveError } from './errors'
import { mapZlibError, openArchive } from './gunzip'
import { ImportRefusalError } from './refusal'

/** How many first bytes (inflated bytes, inside a gzip) the sniff looks at. */
export const SNIFF_BYTES = 64 * 1024

/** What a file is, as far as its first bytes tell. */
export type SniffResult =
  { readonly kind: 'sql' | 'zip' | 'tar' } | { readonly kind: 'gzip'; readonly inner: 'sql' | 'tar' }

/** What a head of bytes is; `gzip` and `zip` only at the top level of a file. */
type HeadKind = 'gzip' | 'zip' | 'tar' | 'sql'

/** Where the bytes sit, for the wording of refusals. */
type Where = 'file' | 'gzip'

export const FORMATS_TODO =
  'Import a database as .sql, .sql.gz or a .zip holding one .sql, and files as .tar.gz, .tar or .zip.'
const DUMP_TODO =
  'Export the database with `mysqldump` (or `mariadb-dump`) and import the .sql file, or its .sql.gz or .zip.'
const OTHER_DATABASE_TODO =
  "Export the site's MySQL or MariaDB database with `mysqldump` (or `mariadb-dump`) and import that .sql file, or its .sql.gz or .zip."

const SIGNATURES: ReadonlyArray<{ bytes: readonly number[]; what: string; todo: string }> = [
  {
    bytes: ascii('BZh'),
    what: 'bzip2-compressed',
    todo: 'Decompress it (`bunzip2`) or compress it with gzip instead, then import the result.',
  },
  {
    bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
    what: 'xz-compressed',
    todo: 'Decompress it (`unxz`) or compress it with gzip instead, then import the result.',
  },
  {
    bytes: [0x28, 0xb5, 0x2f, 0xfd],
    what: 'zstd-compressed',
    todo: 'Decompress it (`unzstd`) or compress it with gzip instead, then import the result.',
  },
  {
    bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c],
    what: 'a 7-Zip archive',
    todo: `Unpack it and make a .zip or .tar.gz instead. ${FORMATS_TODO}`,
  },
  {
    bytes: ascii('Rar!'),
    what: 'a RAR archive',
    todo: `Unpack it and make a .zip or .tar.gz instead. ${FORMATS_TODO}`,
  },
  { bytes: ascii('%PDF'), what: 'a PDF document', todo: FORMATS_TODO },
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image', todo: FORMATS_TODO },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image', todo: FORMATS_TODO },
]

/** A short, printable quote of how text starts, for messages. */
function quote(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return `'${line.length > 40 ? `${line.slice(0, 40)}…` : line}'`
}

/** How a refusal names what it looks at: the file, or what its gzip holds. */
function subject(where: Where): string {
  return where === 'gzip' ? 'The gzip file holds' : 'The file is'
}

/** A v7/ustar header block: the checksum in the block matches its bytes. */
function isTarHeader(block: Buffer): boolean {
  if (block.length < 512) return false
  if (startsWith(block, ascii('ustar'), 257)) return true
  if (block[0] === 0) return false
  const field = block
    .subarray(148, 156)
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim()
  if (!/^[0-7]{1,7}$/.test(field)) return false
  let sum = 0
  for (let i = 0; i < 512; i += 1) sum += i >= 148 && i < 156 ? 0x20 : block[i]!
  return sum === parseInt(field, 8)
}

const POSTGRES =
  /^--\s*PostgreSQL database dump|^-- Dumped (?:from database version|by pg_dump)|^SELECT pg_catalog\.set_config|^\\connect |^COPY [\w."]+ \(.*\) FROM stdin;/m

/** A statement a MySQL or MariaDB dump can start with. */
const DUMP_STATEMENT = new RegExp(
  [
    String.raw`SET\s+(?:NAMES\b|@|SESSION\b|GLOBAL\b|[\w.]+\s*=)`,
    String.raw`(?:DROP|CREATE)\s+(?:TABLE|DATABASE|SCHEMA|VIEW|PROCEDURE|FUNCTION|TRIGGER|EVENT|INDEX|UNIQUE|TEMPORARY|OR\s+REPLACE|ALGORITHM|DEFINER|SQL)\b`,
    String.raw`(?:INSERT|REPLACE)\s+(?:(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE)\s+)*INTO\s`,
    String.raw`(?:UN)?LOCK\s+TABLES\b`,
    String.raw`USE\s+[\x60\w]`,
    String.raw`ALTER\s+TABLE\s`,
    String.raw`START\s+TRANSACTION\b`,
    String.raw`BEGIN\s*;`,
    String.raw`DELIMITER\s`,
  ]
    .map((part) => `(?:${part})`)
    .join('|'),
  'iy',
)

/**
 * Whether text starts like a MySQL/MariaDB dump: after blank lines and comments, a dump header
 * comment, a versioned comment (`/*!40101`, `/*M!999999`) or a statement a dump begins with.
 */
export function startsLikeDump(text: string): boolean {
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0
  for (let step = 0; step < 10_000; step += 1) {
    while (at < text.length && /\s/.test(text[at]!)) at += 1
    if (at >= text.length) return false
    const rest = text.slice(at, at + 64)
    if (/^--(?:\s|$)/.test(rest) || rest.startsWith('#')) {
      if (/^-- (?:MySQL|MariaDB) dump\b/.test(rest)) return true
      const end = text.indexOf('\n', at)
      if (end < 0) return false
      at = end + 1
    } else if (/^\/\*M?!\d{5,6}/.test(rest)) {
      return true
    } else if (rest.startsWith('/*')) {
      const end = text.indexOf('*/', at + 2)
      if (end < 0) return false
      at = end + 2
    } else {
      DUMP_STATEMENT.lastIndex = at
      return DUMP_STATEMENT.test(text)
    }
  }
  return false
}

function isMostlyText(head: Buffer): boolean {
  let printable = 0
  const sample = head.subarray(0, 4096)
  for (const b of sample) if (b === 9 || b === 10 || b === 13 || (b >= 32 && b !== 127)) printable += 1
  return sample.length > 0 && printable / sample.length > 0.95
}

function refuseText(text: string, where: Where): never {
  const body = text.replace(/^\uFEFF/, '').trimStart()
  const xmlError =
    /^<\?xml[^>]*>\s*<Error>\s*<Code>([^<]{1,80})<\/Code>(?:\s*<Message>([^<]{1,200})<\/Message>)?/i.exec(body)
  if (xmlError) {
    throw new ImportRefusalError(
      'html',
      `${subject(where)} an XML error reply (${xmlError[1]}${xmlError[2] ? `: ${xmlError[2]}` : ''}), saved in place of the real download.`,
      'Download the real file again (signed links expire after a while) and import that.',
    )
  }
  if (/^<(?:!doctype\s+html|html|head|body|title|\?xml|!--)/i.test(body) || /^[^<]{0,200}<html[\s>]/i.test(body)) {
    throw new ImportRefusalError(
      'html',
      `${subject(where)} an HTML page, not a dump or an archive: most likely an error or login page saved in place of the real download.`,
      'Open it in a browser to see what it says, then download the real file again (signed links expire) and import that.',
    )
  }
  if (POSTGRES.test(body.slice(0, SNIFF_BYTES))) {
    throw new ImportRefusalError(
      'postgres_dump',
      `${subject(where)} a PostgreSQL dump (made by pg_dump); this site's database is MySQL/MariaDB, which cannot load it.`,
      OTHER_DATABASE_TODO,
    )
  }
  throw new ImportRefusalError(
    'not_sql',
    `${subject(where)} text but not a SQL dump: it starts with ${quote(body)}, with no mysqldump header or statement such as CREATE TABLE, INSERT INTO or SET at its start.`,
    DUMP_TODO,
  )
}

/**
 * What the first bytes of a file (or of what a gzip holds) are. Throws an `ImportRefusalError`
 * for anything that cannot be imported.
 */
export function classifyHead(head: Buffer, where: Where): HeadKind {
  if (head.length === 0) {
    throw where === 'gzip'
      ? new ImportRefusalError(
          'empty',
          'The gzip file is whole but holds nothing (0 bytes inside).',
          'Compress the dump or the files again and import the new file.',
        )
      : new ImportRefusalError(
          'empty',
          'The file is empty (0 bytes).',
          'Choose the file again; if it was just exported or downloaded, that did not complete: do it again.',
        )
  }
  if (startsWith(head, [0x1f, 0x8b])) {
    if (where === 'file') return 'gzip'
    throw new ImportRefusalError(
      'compressed_twice',
      'The file is compressed twice: inside its gzip there is another gzip.',
      'Unpack it once with `gunzip` and import the result.',
    )
  }
  if (startsWith(head, ascii('PK\x03\x04')) || startsWith(head, ascii('PK\x07\x08PK\x03\x04'))) {
    if (where === 'file') return 'zip'
    throw new ImportRefusalError(
      'unknown_kind',
      'The gzip file holds a zip archive, which cannot be imported as it is.',
      'Unpack it once with `gunzip` and import the .zip.',
    )
  }
  if (startsWith(head, ascii('PK\x05\x06'))) {
    throw new ImportRefusalError('empty', 'The zip archive is empty: it holds no files.', FORMATS_TODO)
  }
  if (startsWith(head, ascii('PGDMP'))) {
    throw new ImportRefusalError(
      'postgres_dump',
      `${subject(where)} a PostgreSQL custom-format dump (pg_dump -Fc, it starts with 'PGDMP'); this site's database is MySQL/MariaDB, which cannot load it.`,
      OTHER_DATABASE_TODO,
    )
  }
  if (startsWith(head, ascii('SQLite format 3\0'))) {
    throw new ImportRefusalError(
      'sqlite',
      `${subject(where)} an SQLite database file, not a MySQL/MariaDB dump; it cannot be imported as it is.`,
      `Sites here run on MySQL or MariaDB. ${OTHER_DATABASE_TODO}`,
    )
  }
  if (isTarHeader(head) || (head.length >= 1024 && head.subarray(0, 1024).every((b) => b === 0))) return 'tar'
  for (const signature of SIGNATURES) {
    if (startsWith(head, signature.bytes)) {
      throw new ImportRefusalError(
        'unknown_kind',
        `${subject(where)} ${signature.what}, which cannot be imported.`,
        signature.todo,
      )
    }
  }
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff]) || startsWith(head, [0x2d, 0x00, 0x2d, 0x00])) {
    throw new ImportRefusalError(
      'utf16',
      `${subject(where)} text in UTF-16 (as PowerShell's \`>\` writes it), not the UTF-8 text a SQL dump must be.`,
      'Export again with `mysqldump --result-file=dump.sql …` (or convert the file to UTF-8) and import that file.',
    )
  }
  const nul = head.indexOf(0)
  // A dump with a stray NUL: the dump reader refuses it at the very byte.
  if (nul > 0 && isMostlyText(head.subarray(0, nul)) && startsLikeDump(head.toString('utf8', 0, nul))) return 'sql'
  if (nul >= 0 || !isMostlyText(head)) {
    throw new ImportRefusalError(
      'unknown_kind',
      `${subject(where)} not a kind that can be imported: it starts with bytes ${head.subarray(0, 4).toString('hex')}, which match no dump or archive format.`,
      FORMATS_TODO,
    )
  }
  // A cut in the middle of a UTF-8 sequence at the end of the head only spoils that character.
  const text = head.toString('utf8')
  if (startsLikeDump(text) && !POSTGRES.test(text)) return 'sql'
  refuseText(text, where)
}

async function readHead(file: string): Promise<Buffer> {
  const handle = await openArchive(file)
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES)
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/**
 * The first inflated bytes of a gzip file (up to `SNIFF_BYTES`). A stream that breaks before
 * giving a byte is refused (`truncated` or `corrupt`); one that breaks later gives what it gave,
 * and the full inspection reports the break.
 */
async function inflatedHead(file: string): Promise<Buffer> {
  const source = createReadStream(file, { highWaterMark: 64 * 1024 })
  const gunzip = createGunzip({ chunkSize: 16 * 1024 })
  source.on('error', (error) => gunzip.destroy(error))
  source.pipe(gunzip)
  const pieces: Buffer[] = []
  let length = 0
  let compressed = 0
  source.on('data', (chunk) => (compressed += chunk.length))
  try {
    for await (const piece of gunzip) {
      pieces.push(piece as Buffer)
      length += (piece as Buffer).length
      if (length >= SNIFF_BYTES) break
    }
  } catch (error) {
    if (length === 0) {
      const mapped = mapZlibError(error, compressed, 'any')
      if (mapped instanceof ArchiveError) throw mapped
      throw error
    }
  } finally {
    source.destroy()
    gunzip.destroy()
  }
  return Buffer.concat(pieces).subarray(0, SNIFF_BYTES)
}

/**
 * What a file is, from its first bytes (and a gzip's first inflated bytes). Throws an
 * `ImportRefusalError` for what cannot be imported, an `ArchiveError` for a gzip broken at its
 * start (`truncated_gzip`, `not_gzip`) or a missing file (`not_found`).
 */
export async function sniffFile(file: string): Promise<SniffResult> {
  const kind = classifyHead(await readHead(file), 'file')
  if (kind !== 'gzip') return { kind }
  const inner = classifyHead(await inflatedHead(file), 'gzip')
  if (inner !== 'sql' && inner !== 'tar') throw new Error(`unreachable: ${inner} inside a gzip`)
  return { kind: 'gzip', inner }
}
