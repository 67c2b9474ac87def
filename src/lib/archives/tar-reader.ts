/**
 * A strict streaming tar reader (ustar, GNU and pax headers). It exists instead of a general tar
 * library because it must say precisely why an archive is refused: every header's checksum is
 * verified, and entries are typed so the caller can refuse links, devices and FIFOs by name.
 * It pulls decompressed chunks on demand, so memory stays constant and extraction gets
 * back-pressure for free.
 */
import { ArchiveError } from './errors'

const BLOCK = 512

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'char-device' | 'block-device' | 'fifo'

/** One archive member; `body()` yields its bytes (must be called before asking for the next entry, or not at all). */
export interface TarEntry {
  readonly path: string
  readonly type: TarEntryType
  readonly size: number
  readonly mode: number
  readonly mtime: number
  readonly linkpath: string
  body(): AsyncGenerator<Buffer>
}

/** Pulls exact byte counts out of a chunk iterator. */
class ChunkReader {
  private buffer: Buffer = Buffer.alloc(0)
  private offset = 0
  /** Bytes handed out so far (position in the tar stream). */
  position = 0

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async fill(): Promise<boolean> {
    while (this.offset >= this.buffer.length) {
      const next = await this.source.next()
      if (next.done) return false
      this.buffer = next.value
      this.offset = 0
    }
    return true
  }

  /** Exactly `n` bytes, or null when the stream ends before any byte; partial → throws. */
  async readExact(n: number): Promise<Buffer | null> {
    const parts: Buffer[] = []
    let got = 0
    while (got < n) {
      if (!(await this.fill())) {
        if (got === 0) return null
        throw truncatedTar(this.position + got)
      }
      const take = Math.min(n - got, this.buffer.length - this.offset)
      parts.push(this.buffer.subarray(this.offset, this.offset + take))
      this.offset += take
      got += take
    }
    this.position += n
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts)
  }

  /** Yields `n` bytes in chunks as they arrive. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n
    while (left > 0) {
      if (!(await this.fill())) throw truncatedTar(this.position)
      const take = Math.min(left, this.buffer.length - this.offset)
      const slice = this.buffer.subarray(this.offset, this.offset + take)
      this.offset += take
      this.position += take
      left -= take
      yield slice
    }
  }

  async skip(n: number): Promise<void> {
    for await (const chunk of this.stream(n)) void chunk
  }

  /** Reads to the end of the source so that gzip trailer problems still surface. */
  async drain(): Promise<void> {
    this.offset = this.buffer.length
    for (;;) {
      const next = await this.source.next()
      if (next.done) return
    }
  }
}

function truncatedTar(position: number): ArchiveError {
  return new ArchiveError(
    'bad_tar',
    `The tar archive inside the gzip is cut short (it ends in the middle of an entry at byte ${position}). The archive was made incompletely; make it again with \`tar czf\`.`,
  )
}

function badHeader(position: number, why: string, first: boolean): ArchiveError {
  if (first) {
    return new ArchiveError(
      'bad_tar',
      `The file is gzip-compressed but does not hold a tar archive (${why}). If it is a database dump, import it as the database instead; otherwise make the archive with \`tar czf archive.tar.gz -C <folder> .\`.`,
    )
  }
  return new ArchiveError(
    'bad_tar',
    `The tar archive is damaged: the header at byte ${position} is invalid (${why}). Make the archive again with \`tar czf\`.`,
  )
}

function cString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length)
  const end = field.indexOf(0)
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8')
}

/** Parses an octal (or GNU base-256) numeric field; null when malformed. */
function numeric(block: Buffer, start: number, length: number): number | null {
  const field = block.subarray(start, start + length)
  if (field[0] !== undefined && field[0] & 0x80) {
    if (field[0] === 0xff) return null // negative base-256 values make no sense here
    let value = field[0] & 0x7f
    for (let i = 1; i < field.length; i += 1) value = value * 256 + field[i]!
    return Number.isSafeInteger(value) ? value : null
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim()
  if (text === '') return 0
  if (!/^[0-7]+$/.test(text)) return null
  return parseInt(text, 8)
}

function checksumMatches(block: Buffer): boolean {
  const stored = numeric(block, 148, 8)
  if (stored === null) return false
  let unsigned = 0
  let signed = 0
  for (let i = 0; i < BLOCK; i += 1) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!
    unsigned += b
    signed += b > 127 ? b - 256 : b
  }
  return stored === unsigned || stored === signed
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i += 1) if (block[i] !== 0) return false
  return true
}

/** Parses pax extended header records ("len key=value\n"). */
function parsePax(data: Buffer, position: number): Map<string, string> {
  const records = new Map<string, string>()
  let at = 0
  while (at < data.length) {
    if (data[at] === 0) break
    const space = data.indexOf(0x20, at)
    const length = space < 0 ? NaN : Number(data.subarray(at, space).toString('latin1'))
    if (!Number.isInteger(length) || length <= 0 || at + length > data.length) {
      throw badHeader(position, 'malformed pax extended header', false)
    }
    const record = data.subarray(space + 1, at + length - 1).toString('utf8')
    const eq = record.indexOf('=')
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1))
    at += length
  }
  return records
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file', // contiguous file: a regular file for every practical purpose
  '5': 'directory',
  '2': 'symlink',
  '1': 'hardlink',
  '3': 'char-device',
  '4': 'block-device',
  '6': 'fifo',
}

const MAX_META_BYTES = 1024 * 1024

/**
 * Iterates the entries of a tar stream. After the end-of-archive marker it drains the source so
 * the underlying gzip is read to its end (and a truncated gzip is still reported).
 */
export async function* readTar(chunks: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const reader = new ChunkReader(chunks[Symbol.asyncIterator]())
  let longName: string | null = null
  let longLink: string | null = null
  let pax = new Map<string, string>()
  let first = true
  for (;;) {
    const headerAt = reader.position
    const block = await reader.readExact(BLOCK)
    if (block === null) {
      // A missing end-of-archive marker is tolerated (many writers omit it), but not dangling metadata.
      if (longName !== null || longLink !== null || pax.size > 0) throw truncatedTar(headerAt)
      return
    }
    if (isZeroBlock(block)) {
      await reader.drain()
      return
    }
    if (!checksumMatches(block)) {
      const sample = block.subarray(0, 16).toString('latin1')
      const why = /^[\x20-\x7e\r\n\t]+$/.test(sample)
        ? `it starts with text: '${sample.replace(/\s+/g, ' ')}'`
        : 'header checksum mismatch'
      throw badHeader(headerAt, why, first)
    }
    first = false
    const flag = String.fromCharCode(block[156]!)
    const headerSize = numeric(block, 124, 12)
    if (headerSize === null) throw badHeader(headerAt, 'unreadable size field', false)
    const padded = (n: number): number => Math.ceil(n / BLOCK) * BLOCK

    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (headerSize > MAX_META_BYTES) throw badHeader(headerAt, `a ${headerSize}-byte metadata header`, false)
      const data = (await reader.readExact(padded(headerSize))) ?? Buffer.alloc(0)
      if (data.length < headerSize) throw truncatedTar(reader.position)
      const content = data.subarray(0, headerSize)
      if (flag === 'x') pax = new Map([...pax, ...parsePax(content, headerAt)])
      else if (flag === 'L') longName = cString(content, 0, content.length)
      else if (flag === 'K') longLink = cString(content, 0, content.length)
      // 'g' (global pax) carries defaults we do not need (no per-archive path prefixes in practice).
      continue
    }

    const magic = block.subarray(257, 263).toString('latin1')
    let name = cString(block, 0, 100)
    if (magic === 'ustar\0') {
      const prefix = cString(block, 345, 155)
      if (prefix) name = `${prefix}/${name}`
    }
    if (longName !== null) name = longName
    if (pax.has('path')) name = pax.get('path')!
    let linkpath = longLink ?? cString(block, 157, 100)
    if (pax.has('linkpath')) linkpath = pax.get('linkpath')!
    let size = headerSize
    if (pax.has('size')) {
      const paxSize = Number(pax.get('size'))
      if (!Number.isSafeInteger(paxSize) || paxSize < 0) throw badHeader(headerAt, 'bad pax size', false)
      size = paxSize
    }
    const mtimeField = numeric(block, 136, 12) ?? 0
    const mtime = pax.has('mtime') ? Math.floor(Number(pax.get('mtime'))) || mtimeField : mtimeField
    const mode = numeric(block, 100, 8) ?? 0o644
    longName = null
    longLink = null
    pax = new Map()

    let type = TYPES[flag]
    if (type === undefined) {
      if (flag === 'V') {
        await reader.skip(padded(size)) // GNU volume label: not a member
        continue
      }
      throw new ArchiveError(
        'bad_tar',
        `The archive entry "${name}" has an unsupported type ('${flag}', e.g. a sparse or multi-volume member). Make the archive again with plain \`tar czf\`.`,
        { entry: name },
      )
    }
    if (type === 'file' && name.endsWith('/')) type = 'directory' // old tar writers mark dirs this way
    // Only regular files carry data; other types' size fields are ignored by tar too.
    const dataSize = type === 'file' ? size : 0
    // Whatever part of the body the consumer did not read is skipped before the next header.
    let unread = dataSize
    const entry: TarEntry = {
      path: name,
      type,
      size: dataSize,
      mode,
      mtime,
      linkpath,
      body: async function* () {
        for await (const chunk of reader.stream(unread)) {
          unread -= chunk.length
          yield chunk
        }
      },
    }
    yield entry
    await reader.skip(unread + padded(dataSize) - dataSize)
  }
}
