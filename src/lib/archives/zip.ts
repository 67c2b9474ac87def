/**
 * Reading zip archives for imports with yauzl: the listing (the central directory, one entry at
 * a time), each entry checked by the same rules as a tar (entries.ts: relative paths, no links,
 * devices or FIFOs, no file/folder clashes), then every body inflated, counted and its CRC-32
 * compared. Zip-specific traps are refused too: a zip slip (absolute, `..`, drive letters,
 * backslashes), symbolic links (a Unix mode of 0o120000 in the external attributes), encryption,
 * unknown compression, and zip bombs: the declared sizes add up against the limit before a byte
 * is inflated, and an entry that inflates to more than it declares is corrupt.
 *
 * yauzl reads names raw here (`decodeStrings: false`), so that a bad name is refused with the
 * project's own message naming it, rather than yauzl's terse error for the whole archive.
 */
import type { Readable } from 'node:stream'
import { crc32 } from 'node:zlib'
import yauzl, { type Entry, type ZipFile } from 'yauzl'
import { formatBytes } from '../format-bytes'
import type { FeedOptions } from './check'
import {
  DEFAULT_MAX_ENTRIES,
  LargestFiles,
  TarListing,
  type EntryKind,
  type RemakeAdvice,
  type TarSummary,
} from './entries'
import { ArchiveError } from './errors'
import { intoEmptyFolder, MemberWriter } from './member-writer'
import { ImportRefusalError } from './refusal'

export const ZIP_ADVICE: RemakeAdvice = {
  remake: 'Make the archive again from a plain folder, e.g. `cd <folder> && zip -r ../archive.zip .`.',
  storeFiles: '`zip -r` without `--symlinks` stores the files links point to',
}

/** Limits of a zip read. */
export interface ZipLimits {
  /** Refuse (`zip_bomb`) when the declared or the inflated sizes add up to more. */
  readonly maxUncompressedBytes: number
  readonly maxEntries?: number | undefined
}

/** One entry, decoded and checked. */
interface Member {
  readonly entry: Entry
  readonly name: string
  readonly kind: EntryKind
  readonly mode: number | undefined
}

/** What a zip's listing says, before any body is read. */
export interface ZipListing {
  readonly summary: TarSummary
  readonly oneTopFolder: boolean
  readonly largest: readonly { readonly path: string; readonly size: number }[]
  readonly declaredBytes: number
  /** `.sql` files outside macOS's `__MACOSX/` folder, when nothing else is in the zip. */
  readonly sqlOnly: readonly string[] | null
}

const corrupt = (problem: string, cause?: unknown): ImportRefusalError =>
  new ImportRefusalError(
    'corrupt',
    problem,
    'The zip archive is damaged: make it again (or download it again) and import the new file.',
    { cause },
  )

function bomb(bytes: number, limit: number, how: string): ImportRefusalError {
  return new ImportRefusalError(
    'zip_bomb',
    `The zip archive ${how} ${formatBytes(bytes)} when unpacked, more than the ${formatBytes(limit)} allowed here.`,
    'Split the content into smaller archives, or leave out what is not needed (caches, backups), and try again.',
  )
}

/** yauzl's errors, in words a person can act on. */
function zipError(error: unknown): unknown {
  if (error instanceof ImportRefusalError || error instanceof ArchiveError) return error
  const message = (error as Error)?.message ?? String(error)
  if (/end of central directory record signature not found|unexpected EOF/i.test(message)) {
    return new ImportRefusalError(
      'truncated',
      'The zip archive is cut short or damaged: its table of contents (the central directory, at its end) is missing.',
      'Get the whole file again (compare its size with the original) and import it again.',
      { cause: error },
    )
  }
  if (/multi-disk/i.test(message)) {
    return new ImportRefusalError(
      'unsupported',
      'The zip archive is split over several parts (a multi-volume zip), which cannot be imported.',
      `Join it into one archive (\`zip -s 0 split.zip --out whole.zip\`) and import that. ${ZIP_ADVICE.remake}`,
    )
  }
  const crc = (error as NodeJS.ErrnoException).code?.startsWith('Z_') ? ' (its compressed data is invalid)' : ''
  return corrupt(`The zip archive is damaged${crc}: ${message}.`, error)
}

function refuseEntry(name: string, code: string, what: string, todo: string): never {
  throw new ImportRefusalError(code, `The zip entry "${name}" ${what}.`, todo)
}

function memberOf(entry: Entry): Member {
  // Raw bytes in, the name as zip tools mean it out (UTF-8 flag, Info-ZIP's Unicode path field).
  const name = yauzl.getFileNameLowLevel(
    entry.generalPurposeBitFlag,
    entry.fileNameRaw,
    entry.extraFields,
    true, // strict: keep backslashes, which the entry rules then refuse
  )
  const host = entry.versionMadeBy >> 8
  // Unix (3) and macOS (19) zips keep a mode in the high half of the external attributes.
  const unix = host === 3 || host === 19 ? entry.externalFileAttributes >>> 16 : 0
  const type = unix & 0o170000
  const kinds: Readonly<Record<number, EntryKind>> = {
    [0o120000]: 'symlink',
    [0o020000]: 'char-device',
    [0o060000]: 'block-device',
    [0o010000]: 'fifo',
    [0o140000]: 'fifo',
    [0o040000]: 'directory',
  }
  const kind = Object.hasOwn(kinds, type) ? kinds[type]! : name.endsWith('/') ? 'directory' : 'file'
  if ((entry.generalPurposeBitFlag & 0x1) !== 0) {
    refuseEntry(
      name,
      'encrypted',
      'is encrypted (password-protected)',
      'Make the archive again without a password and import that.',
    )
  }
  if (kind === 'file' && entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    refuseEntry(
      name,
      'unsupported',
      `is compressed with method ${entry.compressionMethod}, which cannot be read here (only stored and deflated entries can)`,
      `Make the archive again with plain \`zip\` (deflate) and import it. ${ZIP_ADVICE.remake}`,
    )
  }
  return { entry, name, kind, mode: unix === 0 ? undefined : unix & 0o7777 }
}

async function openZip(file: string): Promise<ZipFile> {
  try {
    return await yauzl.openPromise(file, {
      lazyEntries: true,
      decodeStrings: false,
      validateEntrySizes: true,
      autoClose: false,
    })
  } catch (error) {
    throw zipError(error)
  }
}

/** Opens a zip for one pass over its entries and closes it afterwards. */
async function withZip<T>(file: string, use: (zip: ZipFile) => Promise<T>): Promise<T> {
  const zip = await openZip(file)
  try {
    return await use(zip)
  } catch (error) {
    throw zipError(error)
  } finally {
    zip.close()
  }
}

async function* membersOf(zip: ZipFile): AsyncGenerator<Member> {
  for await (const entry of zip.eachEntry()) yield memberOf(entry)
}

/** A body's bytes, counted against what its entry declares and the archive's budget, CRC checked. */
async function* checkedBody(
  zip: ZipFile,
  member: Member,
  budget: { used: number; readonly limit: number },
  onBytes?: (inflated: number) => void,
): AsyncGenerator<Buffer> {
  const declared = member.entry.uncompressedSize
  let size = 0
  let crc = 0
  let stream: Readable
  try {
    stream = await zip.openReadStreamPromise(member.entry)
  } catch (error) {
    throw zipError(error)
  }
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length
      budget.used += chunk.length
      if (size > declared)
        throw corrupt(
          `The zip entry "${member.name}" inflates to more than the ${declared} bytes it declares: a zip bomb or a damaged archive.`,
        )
      if (budget.used > budget.limit) throw bomb(budget.used, budget.limit, 'inflates to more than')
      crc = crc32(chunk, crc)
      onBytes?.(size)
      yield chunk
    }
  } catch (error) {
    if (/too many bytes in the stream/.test((error as Error)?.message ?? '')) {
      throw corrupt(
        `The zip entry "${member.name}" inflates to more than the ${declared} bytes it declares: a zip bomb or a damaged archive.`,
      )
    }
    throw zipError(error)
  } finally {
    stream.destroy()
  }
  if (size !== declared) throw corrupt(`The zip entry "${member.name}" holds ${size} bytes but declares ${declared}.`)
  if (crc >>> 0 !== member.entry.crc32 >>> 0) {
    throw corrupt(`The zip entry "${member.name}" does not match its checksum (CRC-32): its data is damaged.`)
  }
}

const MAC_JUNK = /(^|\/)(__MACOSX\/|\.DS_Store$)/

/**
 * Reads a zip's listing and checks every entry's name, type and declared size (nothing is
 * inflated): a zip slip, a link, a device, an encrypted or unreadable entry, or declared sizes
 * over the limit are refused here.
 */
export async function listZip(file: string, limits: ZipLimits, signal?: AbortSignal): Promise<ZipListing> {
  return withZip(file, async (zip) => {
    const listing = new TarListing(limits.maxEntries ?? DEFAULT_MAX_ENTRIES, ZIP_ADVICE)
    const largest = new LargestFiles()
    const sql: string[] = []
    let others = 0
    let declared = 0
    for await (const member of membersOf(zip)) {
      signal?.throwIfAborted()
      const linkpath = member.kind === 'symlink' ? await linkTarget(zip, member) : undefined
      const size = member.kind === 'file' ? member.entry.uncompressedSize : 0
      const segments = listing.add(member.name, member.kind, size, linkpath)
      declared += size
      if (declared > limits.maxUncompressedBytes) throw bomb(declared, limits.maxUncompressedBytes, 'declares')
      if (member.kind !== 'file' || segments.length === 0) continue
      const path = segments.join('/')
      largest.add(path, size)
      if (MAC_JUNK.test(path)) continue
      if (/\.sql$/i.test(path)) sql.push(path)
      else others += 1
    }
    const summary = listing.summary()
    if (summary.files === 0) {
      throw new ImportRefusalError(
        'empty',
        summary.dirs === 0
          ? 'The zip archive is empty: it holds no files.'
          : 'The zip archive holds only folders, no files.',
        'Make the archive again from the folder with the content, and import that.',
      )
    }
    return {
      summary,
      oneTopFolder: listing.hasOneTopFolder,
      largest: largest.list(),
      declaredBytes: declared,
      sqlOnly: others === 0 && sql.length > 0 ? sql : null,
    }
  })
}

/** A symbolic link's target (its body), for the refusal; short ones only. */
async function linkTarget(zip: ZipFile, member: Member): Promise<string | undefined> {
  if (member.entry.uncompressedSize > 1024) return undefined
  const parts: Buffer[] = []
  for await (const chunk of checkedBody(zip, member, { used: 0, limit: 1024 })) parts.push(chunk)
  return Buffer.concat(parts).toString('utf8')
}

/** Progress of a pass over the bodies, by compressed bytes (what the file's size counts). */
function progressOf(file: { size: number }, feed: FeedOptions): (member: Member) => (inflated: number) => void {
  let done = 0
  return (member) => {
    const { compressedSize, uncompressedSize } = member.entry
    const base = done
    done += compressedSize
    return (inflated) =>
      feed.onProgress?.(base + Math.round((compressedSize * inflated) / Math.max(1, uncompressedSize)), file.size)
  }
}

/**
 * Inflates every file of a zip, checking sizes and CRCs; `take` gets the bodies of those it
 * names (`wants`) to read them itself, e.g. a dump's text. Refuses like {@link listZip}, and a
 * body that is damaged or larger than declared.
 */
export async function readZip(
  file: string,
  size: number,
  limits: ZipLimits,
  feed: FeedOptions,
  take?: { wants: (path: string) => boolean; read: (path: string, body: AsyncIterable<Buffer>) => Promise<void> },
): Promise<void> {
  const budget = { used: 0, limit: limits.maxUncompressedBytes }
  const progress = progressOf({ size }, feed)
  await withZip(file, async (zip) => {
    for await (const member of membersOf(zip)) {
      feed.signal?.throwIfAborted()
      if (member.kind !== 'file') continue
      const body = checkedBody(zip, member, budget, progress(member))
      const path = member.name
        .split('/')
        .filter((s) => s !== '' && s !== '.')
        .join('/')
      if (take?.wants(path)) await take.read(path, body)
      else for await (const chunk of body) void chunk
      feed.signal?.throwIfAborted()
    }
  })
  // The headers and the central directory count too: the whole file has been read now.
  feed.onProgress?.(size, size)
}

/**
 * Extracts a files zip into `destDir` (new or empty) after checking its listing, so an unsafe
 * archive writes nothing; a body found damaged while written removes what was written. With
 * `stripTopFolder` the contents of its one top folder land directly in `destDir`. Modes (from
 * Unix zips) and times are kept.
 */
export async function extractZipSafe(
  file: string,
  destDir: string,
  limits: ZipLimits & { readonly stripTopFolder?: boolean },
): Promise<TarSummary> {
  const listing = await listZip(file, limits)
  if (limits.stripTopFolder && !listing.oneTopFolder) {
    throw new ArchiveError(
      'bad_tar',
      `The archive should hold exactly one top folder with everything inside it, but its top level has: ${listing.summary.topFolders.join(', ')} and files beside them.`,
      { todo: ZIP_ADVICE.remake },
    )
  }
  // The bodies are checked as they are written; a damaged one removes what was written.
  await intoEmptyFolder(destDir, async (root) => {
    const writer = new MemberWriter(root, ZIP_ADVICE.remake)
    const budget = { used: 0, limit: limits.maxUncompressedBytes }
    await withZip(file, async (zip) => {
      const rules = new TarListing(limits.maxEntries ?? DEFAULT_MAX_ENTRIES, ZIP_ADVICE)
      for await (const member of membersOf(zip)) {
        // Checked again: the file could have been replaced since it was inspected.
        const segments = rules.add(member.name, member.kind, member.entry.uncompressedSize)
        const parts = limits.stripTopFolder ? segments.slice(1) : segments
        if (parts.length === 0) continue
        await writer.write(parts, {
          name: member.name,
          isDirectory: member.kind === 'directory',
          mode: member.mode,
          mtime: member.entry.getLastModDate(),
          body: member.kind === 'file' ? checkedBody(zip, member, budget) : null,
        })
      }
    })
  })
  return listing.summary
}

/** A file or folder of a zip, as {@link zipEntries} hands it out. */
export interface ZipMember {
  readonly path: string
  readonly kind: 'file' | 'directory'
  readonly size: number
  readonly mode: number | undefined
  readonly mtime: Date
  /** The body, inflated and checked as it is read; read it before asking for the next member. */
  readonly body: AsyncIterable<Buffer> | null
}

/** The files and folders of a zip checked with {@link listZip}, in archive order (for conversions). */
export async function* zipEntries(file: string, limits: ZipLimits): AsyncGenerator<ZipMember> {
  const budget = { used: 0, limit: limits.maxUncompressedBytes }
  const zip = await openZip(file)
  try {
    const rules = new TarListing(limits.maxEntries ?? DEFAULT_MAX_ENTRIES, ZIP_ADVICE)
    for await (const member of membersOf(zip)) {
      const segments = rules.add(member.name, member.kind, member.entry.uncompressedSize)
      if (segments.length === 0 || (member.kind !== 'file' && member.kind !== 'directory')) continue
      yield {
        path: segments.join('/'),
        kind: member.kind,
        size: member.kind === 'file' ? member.entry.uncompressedSize : 0,
        mode: member.mode,
        mtime: member.entry.getLastModDate(),
        body: member.kind === 'file' ? checkedBody(zip, member, budget) : null,
      }
    }
  } catch (error) {
    throw zipError(error)
  } finally {
    zip.close()
  }
}
