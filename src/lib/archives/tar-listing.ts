/**
 * The tar half of an archive check: node-tar's `Parser` reads the headers (ustar, GNU long
 * names, pax) from the inflated bytes as they arrive, and every entry goes through the project's
 * own rules (entries.ts) before anything else sees it.
 *
 * node-tar is lenient where a check must not be: it skips a damaged header and reads on, says
 * nothing when an archive stops between two entries or inside a header, ignores entry types it
 * does not know, and would inflate a second gzip layer it finds inside. So the parser runs
 * `strict` (a warning becomes an error), each of its errors becomes a refusal in the project's
 * words, and what it stays silent about is checked here. Its own path sanitising lives in its
 * extraction only and is never relied on: every check runs on the very name node-tar reads
 * (after GNU long names and pax records), which is also the name extraction uses. So its pax
 * reader skipping malformed records, rather than failing, is harmless here; and on Windows,
 * where node-tar reads a backslash as a folder separator as Windows itself does, `..` and
 * absolute names are still caught in the form they would take.
 *
 * Byte positions in messages follow the headers node-tar reports; a pax header of zero length
 * (which no writer makes) leaves no trace, so a position after one is 512 bytes early.
 */
import { Parser, type ReadEntry } from 'tar'
import { ArchiveError } from './errors'
import { TarListing, REMAKE_ADVICE, type EntryKind, type TarSummary } from './entries'

const BLOCK = 512
const MAX_META_BYTES = 1024 * 1024

const KINDS: Readonly<Record<string, EntryKind | 'skip'>> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file', // a regular file for every practical purpose
  Directory: 'directory',
  SymbolicLink: 'symlink',
  Link: 'hardlink',
  CharacterDevice: 'char-device',
  BlockDevice: 'block-device',
  FIFO: 'fifo',
  TapeVolumeHeader: 'skip', // a GNU volume label, not a member
}

/** Receives accepted files and folders in order, with their bodies (extraction). */
export type EntryConsumer = (entry: ReadEntry, segments: readonly string[]) => void

export interface TarStageOptions {
  readonly maxEntries?: number | undefined
  /**
   * When given, accepted files and folders are handed to it through node-tar's 'entry' event and
   * their bodies flow to it; the parser waits until each body has been read. Without it, bodies
   * are skipped.
   */
  readonly consume?: EntryConsumer | undefined
  /** Called when the parser, having asked to wait, can take more bytes. */
  readonly onDrain?: () => void
  /** Sees each accepted file and folder (its safe relative path), e.g. to find the largest files. */
  readonly onEntry?: (path: string, kind: EntryKind, size: number) => void
  /** Whether the tar arrives inside a gzip (the default) or as a plain .tar, for the messages. */
  readonly gzipped?: boolean
}

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK
}

export function truncatedTar(position: number, gzipped = true): ArchiveError {
  return new ArchiveError(
    'bad_tar',
    `The tar archive${gzipped ? ' inside the gzip' : ''} is cut short (it ends in the middle of an entry at byte ${position}).`,
    { todo: 'The archive was made incompletely; make it again with `tar czf`.', refusal: 'truncated' },
  )
}

function noEntries(gzipped: boolean): ArchiveError {
  return new ArchiveError(
    'empty',
    `The archive is a valid ${gzipped ? 'tar.gz' : 'tar'} but holds no files or folders.`,
    {
      todo: REMAKE_ADVICE,
    },
  )
}

/** A header that cannot be read; at the very start, data that is no tar archive at all. */
function badHeader(position: number, why: string, notTar = position === 0, gzipped = true): ArchiveError {
  if (notTar) {
    return new ArchiveError(
      'bad_tar',
      `The file is ${gzipped ? 'gzip-compressed but does not hold' : 'not'} a tar archive (${why}).`,
      {
        todo: 'If it is a database dump, import it as the database instead; otherwise make the archive with `tar czf archive.tar.gz -C <folder> .`.',
        refusal: 'not_tar',
      },
    )
  }
  return new ArchiveError(
    'bad_tar',
    `The tar archive is damaged: the header at byte ${position} is invalid (${why}).`,
    {
      todo: 'Make the archive again with `tar czf`.',
      refusal: 'corrupt',
    },
  )
}

/** How a header block that is not a header starts, for the message. */
function describeStart(block: Buffer): string {
  const sample = block.subarray(0, 16).toString('latin1')
  return /^[\x20-\x7e\r\n\t]+$/.test(sample) ? `it starts with text: '${sample.replace(/\s+/g, ' ')}'` : ''
}

const INVALID_REASONS: Readonly<Record<string, string>> = {
  'checksum failure': 'header checksum mismatch',
  'path is required': 'an entry without a name',
  'linkpath required': 'a link without a target',
  'linkpath forbidden': 'a link target on an entry that is not a link',
}

/**
 * Reads a tar stream written to it in pieces and checks every entry. `write` never throws; the
 * first problem is kept in `failure` and later input is ignored.
 */
export class TarStage {
  failure: unknown = undefined
  private readonly parser: Parser
  private readonly listing: TarListing
  /** Where the next header block starts, as far as node-tar's events tell. */
  private next = 0
  /** Inflated bytes given to the parser. */
  private fed = 0
  /** The first block's bytes, for messages about data that is not tar at all. */
  private head: Buffer = Buffer.alloc(0)
  private held: Buffer | null = null
  /** The end-of-archive block has been read; nothing after it is looked at. */
  private sawEnd = false
  private metaPending = false
  private readonly counted = new WeakSet<ReadEntry>()
  private readonly segmentsOf = new WeakMap<ReadEntry, readonly string[]>()
  private readonly done: Promise<void>

  constructor(private readonly options: TarStageOptions = {}) {
    this.listing = new TarListing(options.maxEntries)
    this.parser = new Parser({
      strict: true,
      // Never a second decompression layer: the stream given here is already inflated.
      brotli: false,
      zstd: false,
      maxMetaEntrySize: MAX_META_BYTES,
      filter: (_path, entry) => this.onHeader(entry as ReadEntry),
    })
    this.parser.on('error', (error: unknown) => this.onParserError(error))
    this.parser.on('warn', (_code: string, message: unknown) => this.onParserError(message))
    this.parser.on('meta', (text: string) => {
      if (this.sawEnd) return
      this.next += BLOCK + padded(Buffer.byteLength(text))
      this.metaPending = true
    })
    this.parser.on('ignoredEntry', (entry: ReadEntry) => this.onIgnored(entry))
    // Like GNU tar, the first zero block ends the archive: what follows is padding (or ignored).
    this.parser.on('nullBlock', () => (this.sawEnd = true))
    if (options.consume) {
      const consume = options.consume
      this.parser.on('entry', (entry: ReadEntry) => {
        if (this.failure === undefined) consume(entry, this.segmentsOf.get(entry) ?? [])
        else entry.resume()
      })
    }
    if (options.onDrain) this.parser.on('drain', options.onDrain)
    this.done = new Promise((resolve) => this.parser.once('end', resolve))
  }

  /** Feeds inflated bytes; false asks the caller to wait for `onDrain`. */
  write(chunk: Buffer): boolean {
    if (this.failure !== undefined || this.sawEnd) return true
    if (this.fed < BLOCK) {
      if (this.fed === 0 && this.held === null && chunk.length < 2) {
        this.held = Buffer.from(chunk) // too short to see a gzip signature; kept for the next bytes
        return true
      }
      if (this.held !== null) {
        chunk = Buffer.concat([this.held, chunk])
        this.held = null
      }
      if (this.fed === 0 && chunk[0] === 0x1f && chunk[1] === 0x8b) {
        this.fail(
          new ArchiveError(
            'bad_tar',
            `The archive is compressed twice: ${this.gzipped ? 'inside its gzip' : 'it'} there is another gzip instead of a tar archive.`,
            { todo: 'Unpack it once with `gunzip` and use the resulting .tar.gz.', refusal: 'not_tar' },
          ),
        )
        return true
      }
      this.head = Buffer.concat([this.head, chunk.subarray(0, BLOCK - this.fed)])
    }
    this.fed += chunk.length
    return this.parser.write(chunk)
  }

  /** No more input: resolves with the summary, or leaves the problem in `failure`. */
  async end(): Promise<TarSummary | undefined> {
    if (this.held !== null && this.failure === undefined) {
      this.fed = this.held.length
      this.head = this.held
      this.parser.write(this.held)
    }
    if (this.failure === undefined && this.fed === 0) {
      this.fail(noEntries(this.gzipped))
    }
    if (this.failure === undefined) this.parser.end()
    if (this.failure === undefined) await Promise.race([this.done, this.failed])
    if (this.failure === undefined && !this.sawEnd) {
      // Writers may leave out the end-of-archive blocks, but not stop inside a block or header.
      if (this.fed % BLOCK !== 0 || this.metaPending) this.fail(truncatedTar(this.fed, this.gzipped))
    }
    if (this.failure !== undefined) return undefined
    const summary = this.listing.summary()
    if (summary.files === 0 && summary.dirs === 0) {
      this.fail(noEntries(this.gzipped))
      return undefined
    }
    return summary
  }

  /** Whether the archive has exactly one top folder and nothing beside it (after a full read). */
  get hasOneTopFolder(): boolean {
    return this.listing.hasOneTopFolder
  }

  /** What the top level holds, for messages: folders as "name/", then files. */
  topLevelNames(): string[] {
    return [...this.listing.summary().topFolders.map((f) => `${f}/`), ...this.listing.topFiles]
  }

  /** Records `error` as the outcome (unless an earlier problem is) and stops reading. */
  fail(error: unknown): void {
    if (this.failure !== undefined) return
    this.failure = error
    this.resolveFailed()
  }

  private resolveFailed: () => void = () => undefined
  private readonly failed = new Promise<void>((resolve) => (this.resolveFailed = resolve))

  /** Resolves once a problem is recorded (never, for an archive that passes). */
  whenFailed(): Promise<void> {
    return this.failed
  }

  private get gzipped(): boolean {
    return this.options.gzipped !== false
  }

  private onHeader(entry: ReadEntry): boolean {
    this.counted.add(entry)
    if (this.sawEnd) return false
    this.next += BLOCK + entry.startBlockSize
    this.metaPending = false
    if (this.failure !== undefined) return false
    try {
      const kind = KINDS[entry.type]
      if (kind === 'skip') return false
      const name = entry.path
      if (kind === undefined) throw this.unsupported(entry, name)
      const segments = this.listing.add(name, kind, entry.size, entry.linkpath)
      if (segments.length > 0) this.options.onEntry?.(segments.join('/'), kind, entry.size)
      if (this.options.consume === undefined || segments.length === 0) return false
      this.segmentsOf.set(entry, segments)
      return true
    } catch (error) {
      this.fail(error)
      return false
    }
  }

  /** Entries node-tar skips on its own: unknown types, and metadata headers over the size cap. */
  private onIgnored(entry: ReadEntry): void {
    if (this.counted.has(entry) || this.sawEnd) return // seen by `onHeader` already, or past the end
    const at = this.next
    this.next += BLOCK + entry.startBlockSize
    this.metaPending = false
    if (this.failure !== undefined || KINDS[entry.type] === 'skip') return
    if (entry.meta) {
      this.fail(
        badHeader(
          at,
          `a ${entry.size}-byte metadata header, more than the ${MAX_META_BYTES} bytes allowed`,
          false,
          this.gzipped,
        ),
      )
      return
    }
    this.fail(this.unsupported(entry, entry.path))
  }

  private unsupported(entry: ReadEntry, name: string): ArchiveError {
    return new ArchiveError(
      'bad_tar',
      `The archive entry "${name}" has an unsupported type ('${entry.header.typeKey}', e.g. a sparse or multi-volume member).`,
      { entry: name, todo: 'Make the archive again with plain `tar czf`.', refusal: 'unsupported' },
    )
  }

  private onParserError(error: unknown): void {
    if (this.failure !== undefined || this.sawEnd) return
    const err = error as Error & { tarCode?: string; code?: string }
    const code = err?.tarCode ?? err?.code
    const text = String(err?.message ?? error).replace(/^TAR_[A-Z_]+: /, '')
    if (code === 'TAR_ENTRY_INVALID') {
      const why =
        text === 'checksum failure' && this.next === 0
          ? describeStart(this.head) || INVALID_REASONS[text]!
          : (INVALID_REASONS[text] ?? text)
      this.fail(badHeader(this.next, why, this.next === 0, this.gzipped))
    } else if (code === 'TAR_BAD_ARCHIVE' && /^Truncated input/.test(text)) {
      this.fail(truncatedTar(this.fed, this.gzipped))
    } else if (code === 'TAR_BAD_ARCHIVE' && this.fed < BLOCK) {
      this.fail(badHeader(0, `it holds only ${this.fed} bytes, less than one tar header`, true, this.gzipped))
    } else {
      this.fail(badHeader(this.next, text, this.next === 0, this.gzipped))
    }
  }
}
