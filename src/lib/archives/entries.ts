/**
 * The project's own rules for what a tar archive may hold, applied to each entry as the listing
 * streams by: relative paths only (no absolute paths, drive letters, backslashes or `..`), no
 * links, devices or FIFOs, never a file and a folder under the same name, and at most so many
 * entries. tar itself allows all of these; a site archive that is unpacked into a folder must not.
 */
import { ArchiveError } from './errors'

/** What an archive holds, as counted by a full read of its listing. */
export interface TarSummary {
  readonly files: number
  readonly dirs: number
  readonly totalSize: number
  readonly topFolders: readonly string[]
}

/** The kinds of entry a listing tells apart; only files and folders are ever accepted. */
export type EntryKind = 'file' | 'directory' | 'symlink' | 'hardlink' | 'char-device' | 'block-device' | 'fifo'

/** Entries (files and folders) an archive may hold unless the caller says otherwise. */
export const DEFAULT_MAX_ENTRIES = 1_000_000

export const REMAKE_ADVICE = 'Make the archive again from a plain folder with `tar czf archive.tar.gz -C <folder> .`.'

/** How the refusals tell a person to make the archive again with the tool that made it. */
export interface RemakeAdvice {
  /** A sentence: how to make the archive again from a plain folder. */
  readonly remake: string
  /** How that tool stores a link's file instead of the link. */
  readonly storeFiles: string
}

export const TAR_ADVICE: RemakeAdvice = { remake: REMAKE_ADVICE, storeFiles: 'tar -h / --hard-dereference' }

const UNSAFE_KINDS: Partial<Record<EntryKind, string>> = {
  symlink: 'a symbolic link',
  hardlink: 'a hard link',
  'char-device': 'a character device',
  'block-device': 'a block device',
  fifo: 'a FIFO (named pipe)',
}

/**
 * Splits an entry name into safe relative segments, or throws `unsafe_entry` naming it;
 * `remake` is the advice on making the archive again (tar's by default).
 */
export function safeSegments(name: string, remake = REMAKE_ADVICE): string[] {
  const unsafe = (why: string): ArchiveError =>
    new ArchiveError(
      'unsafe_entry',
      `The archive contains an entry with ${why} ("${name}"), which could write outside the destination folder.`,
      { entry: name, todo: `Archives must hold relative paths only. ${remake}`, refusal: 'unsafe_path' },
    )
  if (name.startsWith('/') || name.startsWith('\\')) throw unsafe('an absolute path')
  if (/^[A-Za-z]:/.test(name)) throw unsafe('a drive-letter path')
  if (name.includes('\\')) throw unsafe('a backslash in its path')
  const segments = name.split('/').filter((s) => s !== '' && s !== '.')
  if (segments.includes('..')) throw unsafe('a ".." path segment')
  if (process.platform === 'win32') {
    // Windows would read these as alternate data streams or devices rather than plain files.
    if (name.includes(':')) throw unsafe('a colon in its path')
    if (segments.some((s) => /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i.test(s)))
      throw unsafe('a reserved Windows device name')
  }
  return segments
}

/**
 * Throws `unsafe_entry` for links, devices and FIFOs, naming the entry (and a link's target);
 * `storeFiles` says how the archive's tool stores a link's file instead (tar's options by default).
 */
export function refuseSpecialKind(
  kind: EntryKind,
  name: string,
  linkpath: string | undefined,
  storeFiles = 'tar -h / --hard-dereference',
): void {
  const what = UNSAFE_KINDS[kind]
  if (what === undefined) return
  const isLink = kind === 'symlink' || kind === 'hardlink'
  const target = isLink ? ` pointing to "${linkpath ?? ''}"` : ''
  const fix = isLink
    ? `Links are refused because they can reach outside the site; store the real files instead (${storeFiles}) and make the archive again.`
    : 'Special files have no place in a site archive; remove it and make the archive again.'
  throw new ArchiveError('unsafe_entry', `The archive contains ${what} ("${name}"${target}).`, {
    entry: name,
    todo: fix,
    refusal: isLink ? 'link' : 'device',
  })
}

/** The refusal for a path that is a file in one entry and a folder in another. */
export function pathConflict(entry: string, conflicting: string): ArchiveError {
  return new ArchiveError(
    'bad_tar',
    `The archive holds both a file and a folder named "${conflicting}" (at entry "${entry}"); a path can only be one of them.`,
    { entry, todo: 'Rename one, then make the archive again.', refusal: 'path_conflict' },
  )
}

/**
 * Checks entries one by one and counts what they add up to: files, folders (explicit and implied
 * by the paths), bytes and top-level names. Memory grows with the number of distinct paths,
 * which `maxEntries` bounds.
 */
export class TarListing {
  private files = 0
  private totalSize = 0
  private entries = 0
  private readonly filePaths = new Set<string>()
  private readonly dirPaths = new Set<string>()
  private readonly topFolders = new Set<string>()
  /** Files directly at the top level, without a folder (at most a few kept, for messages). */
  readonly topFiles: string[] = []

  constructor(
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
    private readonly advice: RemakeAdvice = TAR_ADVICE,
  ) {}

  /**
   * Checks one entry and adds it; returns its path segments ([] for the archive root "./").
   * Throws `unsafe_entry`, `bad_tar` (a file and a folder of one name) or `too_large`.
   */
  add(name: string, kind: EntryKind, size: number, linkpath?: string): string[] {
    const segments = safeSegments(name, this.advice.remake)
    refuseSpecialKind(kind, name, linkpath, this.advice.storeFiles)
    if (segments.length === 0) return segments
    this.entries += 1
    if (this.entries > this.maxEntries) {
      throw new ArchiveError(
        'too_large',
        `The archive holds more than ${this.maxEntries.toLocaleString('en-US')} files and folders, the limit here.`,
        {
          entry: name,
          todo: 'Split the content into several smaller archives and try again.',
          refusal: 'too_many_entries',
        },
      )
    }
    const own = segments.join('/')
    const isDir = kind === 'directory'
    // Walk up the folders this entry implies; a folder seen before had its parents checked then.
    for (let end = isDir ? own.length : own.lastIndexOf('/'); end > 0; end = own.lastIndexOf('/', end - 1)) {
      const dir = own.slice(0, end)
      if (this.dirPaths.has(dir)) break
      if (this.filePaths.has(dir)) throw pathConflict(name, dir)
      this.dirPaths.add(dir)
    }
    if (segments.length > 1 || isDir) this.topFolders.add(segments[0]!)
    if (!isDir) {
      if (this.dirPaths.has(own)) throw pathConflict(name, own)
      this.filePaths.add(own)
      this.files += 1
      this.totalSize += size
      if (segments.length === 1 && this.topFiles.length < 5) this.topFiles.push(own)
    }
    return segments
  }

  /** Whether anything but files inside one top folder sits at the top level. */
  get hasOneTopFolder(): boolean {
    return this.topFolders.size === 1 && this.topFiles.length === 0
  }

  summary(): TarSummary {
    return {
      files: this.files,
      dirs: this.dirPaths.size,
      totalSize: this.totalSize,
      topFolders: [...this.topFolders].sort(),
    }
  }
}

/** The few largest files of an archive, largest first, kept as entries stream by. */
export class LargestFiles {
  private readonly kept: { path: string; size: number }[] = []

  constructor(private readonly count = 5) {}

  add(path: string, size: number): void {
    if (this.kept.length === this.count && size <= this.kept.at(-1)!.size) return
    const at = this.kept.findIndex((file) => file.size < size)
    this.kept.splice(at < 0 ? this.kept.length : at, 0, { path, size })
    if (this.kept.length > this.count) this.kept.pop()
  }

  list(): { readonly path: string; readonly size: number }[] {
    return this.kept.map((file) => ({ ...file }))
  }
}
