/**
 * Inspecting and safely extracting .tar.gz (and plain .tar) files. Both run the streaming check (check.ts, with
 * node-tar reading the listing); extraction runs it twice: once over the whole archive, refusing
 * it outright if any entry could escape the destination (absolute paths, `..`), is a link, a
 * device or a FIFO, so a refused archive never leaves a partial tree; then again with the bodies
 * flowing to files written here. The writes are the project's own rather than node-tar's
 * `Unpack`, which would keep owners when run as root, follow its own path rules and modes, and
 * could not be told to clean up after itself.
 */
import type { ReadEntry } from 'tar'
import { checkFile, createTarGzCheck, PlainTarCheck, type FeedOptions, type TarCheckExtras } from './check'
import { REMAKE_ADVICE, type TarSummary } from './entries'
import { ArchiveError } from './errors'
import { intoEmptyFolder, MemberWriter } from './member-writer'

export interface TarCheckOptions {
  readonly maxUncompressedBytes?: number
  readonly maxEntries?: number
}

/** A tar archive as a file holds it: gzipped (`.tar.gz`, `.tgz`) or plain (`.tar`). */
export type TarFormat = 'tar.gz' | 'tar'

type TarCheck = ReturnType<typeof createTarGzCheck> | PlainTarCheck

function tarCheck(format: TarFormat, opts: TarCheckOptions & TarCheckExtras): TarCheck {
  return format === 'tar' ? new PlainTarCheck(opts) : createTarGzCheck(opts)
}

/**
 * Reads a tar.gz's whole listing (and its whole gzip stream) and summarises it; refuses unsafe
 * entries (absolute, `..`, links, devices, FIFOs), bad headers, and truncated or non-gzip files.
 */
export async function inspectTarGz(file: string, opts?: TarCheckOptions): Promise<TarSummary> {
  return (await inspectTar(file, 'tar.gz', opts)).summary
}

/**
 * `inspectTarGz` for either format; `onEntry` sees every accepted file and folder, and the
 * feed options report progress and stop the read. Also says whether the archive holds exactly
 * one top folder and nothing beside it.
 */
export async function inspectTar(
  file: string,
  format: TarFormat,
  opts?: TarCheckOptions & Pick<TarCheckExtras, 'onEntry'> & FeedOptions,
): Promise<{ readonly summary: TarSummary; readonly oneTopFolder: boolean }> {
  const check = tarCheck(format, { ...opts })
  const summary = await checkFile(file, check, async () => (await check.finishContent()).content!, opts)
  return { summary, oneTopFolder: check.content!.hasOneTopFolder }
}

/** Writes the entries handed to it, one after another, below `root`. */
class EntryWriter {
  failure: unknown = undefined
  private queue: Promise<void> = Promise.resolve()
  private readonly members: MemberWriter

  constructor(
    root: string,
    private readonly strip: boolean,
    private readonly onFailure: () => void,
  ) {
    this.members = new MemberWriter(root, REMAKE_ADVICE)
  }

  /** Takes the next entry; node-tar hands out the next one only once this one's body is read. */
  take(entry: ReadEntry, segments: readonly string[]): void {
    this.queue = this.queue.then(async () => {
      if (this.failure !== undefined) {
        entry.resume()
        return
      }
      try {
        await this.write(entry, segments)
      } catch (error) {
        this.failure = error
        entry.resume()
        this.onFailure()
      }
    })
  }

  /** Resolves once every entry taken so far is written (or the first write failed). */
  async done(): Promise<void> {
    await this.queue
    if (this.failure !== undefined) throw this.failure
  }

  private async write(entry: ReadEntry, segments: readonly string[]): Promise<void> {
    const parts = this.strip ? segments.slice(1) : segments
    const isDirectory = entry.type === 'Directory'
    if (parts.length === 0 || isDirectory) entry.resume()
    if (parts.length === 0) return
    await this.members.write(parts, {
      name: entry.path,
      isDirectory,
      mode: entry.mode,
      mtime: entry.mtime,
      body: isDirectory ? null : (entry as AsyncIterable<Buffer>),
    })
  }
}

/**
 * Extracts a tar.gz into `destDir` (new or empty) after inspecting the whole archive, so unsafe
 * archives are refused before anything is written. With `stripTopFolder` the archive must hold
 * exactly one top folder, whose contents land directly in `destDir`. On failure whatever was
 * written is removed again.
 */
export async function extractTarGzSafe(
  file: string,
  destDir: string,
  opts?: TarCheckOptions & { stripTopFolder?: boolean },
): Promise<TarSummary> {
  return extractTarSafe(file, 'tar.gz', destDir, opts)
}

/** `extractTarGzSafe` for either format. */
export async function extractTarSafe(
  file: string,
  format: TarFormat,
  destDir: string,
  opts?: TarCheckOptions & { stripTopFolder?: boolean },
): Promise<TarSummary> {
  const limits = { maxUncompressedBytes: opts?.maxUncompressedBytes, maxEntries: opts?.maxEntries }
  const inspection = tarCheck(format, limits)
  const summary = await checkFile(file, inspection, async () => (await inspection.finishContent()).content!)
  const strip = opts?.stripTopFolder === true
  if (strip && !inspection.content!.hasOneTopFolder) {
    const found = inspection.content!.topLevelNames().slice(0, 5).join(', ')
    throw new ArchiveError(
      'bad_tar',
      `The archive should hold exactly one top folder (like files_live/) with everything inside it, but its top level has: ${found}. Make it with \`tar czf archive.tar.gz -C <parent> <folder>\`.`,
    )
  }
  await intoEmptyFolder(destDir, async (root) => {
    const writer: EntryWriter = new EntryWriter(root, strip, () => extraction.abort())
    // Checked again while writing: the file could have been replaced since the inspection.
    const extraction = tarCheck(format, { ...limits, consume: (entry, segments) => writer.take(entry, segments) })
    await checkFile(file, extraction, async () => {
      const finished = await extraction.finishContent().then(
        () => undefined,
        (error: unknown) => error,
      )
      await writer.done()
      if (finished !== undefined) throw finished
    })
  })
  return summary
}
