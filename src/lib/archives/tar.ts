/**
 * Inspecting, creating and safely extracting .tar.gz archives. Extraction always inspects the
 * whole archive first and refuses it outright if any entry could escape the destination (absolute
 * paths, `..`), is a link, a device or a FIFO, so a refused archive never leaves a partial tree.
 */
import { createReadStream } from 'node:fs'
import { lstat, mkdir, open, readdir, rm, utimes } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { createGzip } from 'node:zlib'
import { writeStreamAtomic } from '../atomic'
import { ArchiveError } from './errors'
import { safeSegments, type TarSummary } from './entries'
import { gunzipChunks } from './gzip'
import { readTar, type TarEntry } from './tar-reader'

const ADVICE = 'Make the archive again from a plain folder with `tar czf archive.tar.gz -C <folder> .`.'

const UNSAFE_TYPES: Partial<Record<TarEntry['type'], string>> = {
  symlink: 'a symbolic link',
  hardlink: 'a hard link',
  'char-device': 'a character device',
  'block-device': 'a block device',
  fifo: 'a FIFO (named pipe)',
}

function checkType(entry: TarEntry): void {
  const what = UNSAFE_TYPES[entry.type]
  if (what === undefined) return
  const target = entry.type === 'symlink' || entry.type === 'hardlink' ? ` pointing to "${entry.linkpath}"` : ''
  const fix =
    entry.type === 'symlink' || entry.type === 'hardlink'
      ? 'Links are refused because they can reach outside the site; store the real files instead (tar -h / --hard-dereference) and make the archive again.'
      : 'Special files have no place in a site archive; remove it and make the archive again.'
  throw new ArchiveError('unsafe_entry', `The archive contains ${what} ("${entry.path}"${target}). ${fix}`, {
    entry: entry.path,
  })
}

/** Counts files, directories (explicit and implied) and top folders as entries stream by. */
class SummaryBuilder {
  files = 0
  totalSize = 0
  readonly dirs = new Set<string>()
  readonly topFolders = new Set<string>()
  readonly topFiles: string[] = []

  add(segments: readonly string[], type: TarEntry['type'], size: number): void {
    if (segments.length === 0) return // "./" — the archive root itself
    const parents = type === 'directory' ? segments.length : segments.length - 1
    for (let i = 1; i <= parents; i += 1) this.dirs.add(segments.slice(0, i).join('/'))
    if (parents >= 1) this.topFolders.add(segments[0]!)
    if (type === 'file') {
      this.files += 1
      this.totalSize += size
      if (segments.length === 1) this.topFiles.push(segments[0]!)
    }
  }

  summary(): TarSummary {
    return {
      files: this.files,
      dirs: this.dirs.size,
      totalSize: this.totalSize,
      topFolders: [...this.topFolders].sort(),
    }
  }
}

function pathConflict(entry: string, conflicting: string): ArchiveError {
  return new ArchiveError(
    'bad_tar',
    `The archive holds both a file and a folder named "${conflicting}" (at entry "${entry}"); a path can only be one of them. Rename one, then make the archive again.`,
    { entry },
  )
}

/** Refuses a path that is a file in one entry and a folder in another, in either order. */
class PathKinds {
  private readonly files = new Set<string>()
  private readonly dirs = new Set<string>()

  check(entry: string, segments: readonly string[], type: TarEntry['type']): void {
    if (segments.length === 0) return
    const isDir = type === 'directory'
    const parents = isDir ? segments.length : segments.length - 1
    for (let i = 1; i <= parents; i += 1) {
      const dir = segments.slice(0, i).join('/')
      if (this.files.has(dir)) throw pathConflict(entry, dir)
      this.dirs.add(dir)
    }
    if (!isDir) {
      const own = segments.join('/')
      if (this.dirs.has(own)) throw pathConflict(entry, own)
      this.files.add(own)
    }
  }
}

async function scan(file: string, opts: { maxUncompressedBytes?: number } | undefined): Promise<SummaryBuilder> {
  const builder = new SummaryBuilder()
  const kinds = new PathKinds()
  for await (const entry of readTar(gunzipChunks(file, { ...opts, expected: 'tar' }))) {
    const segments = safeSegments(entry.path)
    checkType(entry)
    kinds.check(entry.path, segments, entry.type)
    builder.add(segments, entry.type, entry.size)
  }
  if (builder.files === 0 && builder.dirs.size === 0) {
    throw new ArchiveError('empty', `The archive is a valid tar.gz but holds no files or folders. ${ADVICE}`)
  }
  return builder
}

/**
 * Reads a tar.gz's whole listing (and its whole gzip stream) and summarises it; refuses unsafe
 * entries (absolute, `..`, links, devices, FIFOs), bad headers, and truncated or non-gzip files.
 */
export async function inspectTarGz(file: string, opts?: { maxUncompressedBytes?: number }): Promise<TarSummary> {
  return (await scan(file, opts)).summary()
}

function checkTopFolder(topFolder: string): string[] {
  const segments = topFolder.split('/').filter((s) => s !== '' && s !== '.')
  if (segments.length === 0 || segments.includes('..') || topFolder.startsWith('/')) {
    throw new Error(`The top folder name "${topFolder}" must be a relative folder name like "files_live".`)
  }
  return segments
}

interface SourceEntry {
  readonly name: string
  readonly type: 'file' | 'directory'
  readonly absolute: string
  readonly size: number
  readonly mode: number
  readonly mtime: number
}

async function* walk(root: string, absolute: string, name: string): AsyncGenerator<SourceEntry> {
  const children = (await readdir(absolute)).sort()
  for (const child of children) {
    const childAbsolute = path.join(absolute, child)
    const childName = `${name}/${child}`
    const info = await lstat(childAbsolute)
    const mtime = Math.floor(info.mtimeMs / 1000)
    const mode = info.mode & 0o7777
    if (info.isDirectory()) {
      yield { name: childName, type: 'directory', absolute: childAbsolute, size: 0, mode, mtime }
      yield* walk(root, childAbsolute, childName)
    } else if (info.isFile()) {
      yield { name: childName, type: 'file', absolute: childAbsolute, size: info.size, mode, mtime }
    } else {
      const kind = info.isSymbolicLink() ? 'a symbolic link' : 'a special file (socket, FIFO or device)'
      throw new ArchiveError(
        'unsafe_entry',
        `Cannot archive ${path.relative(root, childAbsolute)}: it is ${kind}, which archives here may not hold. Replace it with a regular file or remove it.`,
        { entry: childName },
      )
    }
  }
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0'
}

function writeString(block: Buffer, text: string, start: number, length: number): void {
  block.write(text, start, length, 'utf8')
}

/** A 512-byte ustar header; callers have made sure name/size fit the fields. */
function ustarHeader(fields: {
  name: string
  prefix: string
  mode: number
  size: number
  mtime: number
  flag: string
}): Buffer {
  const block = Buffer.alloc(512)
  writeString(block, fields.name, 0, 100)
  writeString(block, octal(fields.mode, 8), 100, 8)
  writeString(block, octal(0, 8), 108, 8)
  writeString(block, octal(0, 8), 116, 8)
  writeString(block, octal(fields.size, 12), 124, 12)
  writeString(block, octal(Math.max(0, fields.mtime), 12), 136, 12)
  block.fill(0x20, 148, 156)
  writeString(block, fields.flag, 156, 1)
  writeString(block, 'ustar\0', 257, 6)
  writeString(block, '00', 263, 2)
  writeString(block, fields.prefix, 345, 155)
  let sum = 0
  for (const b of block) sum += b
  writeString(block, sum.toString(8).padStart(6, '0') + '\0 ', 148, 8)
  return block
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`
  let length = Buffer.byteLength(body) + 1
  while (String(length).length + Buffer.byteLength(body) !== length)
    length = String(length).length + Buffer.byteLength(body)
  return `${length}${body}`
}

const MAX_OCTAL_SIZE = 0o77777777777

/** Fits a name into ustar's name/prefix fields, or returns null when a pax header is needed. */
function splitName(name: string): { name: string; prefix: string } | null {
  if (!/^[\x20-\x7e]*$/.test(name)) return null // non-ASCII goes in pax (UTF-8 by definition)
  if (name.length <= 100) return { name, prefix: '' }
  for (let cut = name.indexOf('/'); cut >= 0; cut = name.indexOf('/', cut + 1)) {
    const prefix = name.slice(0, cut)
    const rest = name.slice(cut + 1)
    if (prefix.length <= 155 && rest.length <= 100 && rest.length > 0) return { name: rest, prefix }
  }
  return null
}

function padding(size: number): Buffer {
  const rest = size % 512
  return Buffer.alloc(rest === 0 ? 0 : 512 - rest)
}

function headerBlocks(entry: { name: string; size: number; mode: number; mtime: number; flag: string }): Buffer[] {
  const blocks: Buffer[] = []
  const split = splitName(entry.name)
  const records: string[] = []
  if (split === null) records.push(paxRecord('path', entry.name))
  if (entry.size > MAX_OCTAL_SIZE) records.push(paxRecord('size', String(entry.size)))
  if (records.length > 0) {
    const data = Buffer.from(records.join(''), 'utf8')
    blocks.push(
      ustarHeader({ name: 'PaxHeader', prefix: '', mode: 0o644, size: data.length, mtime: entry.mtime, flag: 'x' }),
    )
    blocks.push(data, padding(data.length))
  }
  const fallbackName = Buffer.from(entry.name, 'utf8')
    .subarray(-100)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '_')
  blocks.push(
    ustarHeader({
      name: split?.name ?? fallbackName,
      prefix: split?.prefix ?? '',
      mode: entry.mode,
      size: entry.size > MAX_OCTAL_SIZE ? 0 : entry.size,
      mtime: entry.mtime,
      flag: entry.flag,
    }),
  )
  return blocks
}

async function* tarStream(srcDir: string, top: string, summary: SummaryBuilder): AsyncGenerator<Buffer> {
  const rootInfo = await lstat(srcDir)
  if (!rootInfo.isDirectory()) throw new Error(`Cannot archive ${srcDir}: it is not a folder.`)
  const rootEntry = {
    name: `${top}/`,
    size: 0,
    mode: rootInfo.mode & 0o7777,
    mtime: Math.floor(rootInfo.mtimeMs / 1000),
    flag: '5',
  }
  summary.add(top.split('/'), 'directory', 0)
  yield* headerBlocks(rootEntry)
  for await (const entry of walk(srcDir, srcDir, top)) {
    summary.add(entry.name.split('/'), entry.type, entry.size)
    if (entry.type === 'directory') {
      yield* headerBlocks({ name: `${entry.name}/`, size: 0, mode: entry.mode, mtime: entry.mtime, flag: '5' })
      continue
    }
    yield* headerBlocks({ name: entry.name, size: entry.size, mode: entry.mode, mtime: entry.mtime, flag: '0' })
    let written = 0
    if (entry.size > 0) {
      // Read exactly the size promised in the header, even if the file is growing meanwhile.
      for await (const chunk of createReadStream(entry.absolute, {
        start: 0,
        end: entry.size - 1,
      }) as AsyncIterable<Buffer>) {
        written += chunk.length
        yield chunk
      }
    }
    if (written !== entry.size) {
      throw new Error(
        `${entry.absolute} changed size while it was being archived (expected ${entry.size} bytes, read ${written}). Try again when nothing is writing to it.`,
      )
    }
    yield padding(entry.size)
  }
  yield Buffer.alloc(1024) // end-of-archive: two zero blocks
}

/**
 * Creates a tar.gz of `srcDir` whose entries all sit under `topFolder/`, written atomically
 * (temp file + fsync + rename). Symbolic links and special files are refused, not followed.
 */
export async function createTarGz(srcDir: string, outFile: string, topFolder: string): Promise<TarSummary> {
  const top = checkTopFolder(topFolder).join('/')
  const summary = new SummaryBuilder()
  await writeStreamAtomic(outFile, Readable.from(tarStream(srcDir, top, summary)), createGzip())
  return summary.summary()
}

async function prepareDestination(destDir: string): Promise<boolean> {
  try {
    const existing = await readdir(destDir)
    if (existing.length > 0) {
      throw new Error(`Cannot extract into ${destDir}: the folder is not empty. Extract into a new or empty folder.`)
    }
    return false
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  await mkdir(destDir, { recursive: true })
  return true
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
  opts?: { stripTopFolder?: boolean; maxUncompressedBytes?: number },
): Promise<TarSummary> {
  const scanned = await scan(file, opts)
  const summary = scanned.summary()
  const strip = opts?.stripTopFolder === true
  if (strip && (summary.topFolders.length !== 1 || scanned.topFiles.length > 0)) {
    const found = [...summary.topFolders.map((f) => `${f}/`), ...scanned.topFiles].slice(0, 5).join(', ')
    throw new ArchiveError(
      'bad_tar',
      `The archive should hold exactly one top folder (like files_live/) with everything inside it, but its top level has: ${found}. Make it with \`tar czf archive.tar.gz -C <parent> <folder>\`.`,
    )
  }
  const root = path.resolve(destDir)
  const created = await prepareDestination(root)
  const madeDirs = new Set<string>([root])
  const ensureDir = async (dir: string): Promise<void> => {
    if (madeDirs.has(dir)) return
    await mkdir(dir, { recursive: true, mode: 0o755 })
    madeDirs.add(dir)
  }
  try {
    for await (const entry of readTar(gunzipChunks(file, { ...opts, expected: 'tar' }))) {
      // Checked again: the file could have been replaced since the inspection pass.
      checkType(entry)
      let segments = safeSegments(entry.path)
      if (strip) segments = segments.slice(1)
      if (segments.length === 0) continue
      const target = path.join(root, ...segments)
      const relative = path.relative(root, target)
      if (relative.startsWith('..') || path.isAbsolute(relative)) {
        throw new ArchiveError(
          'unsafe_entry',
          `The archive entry "${entry.path}" would land outside the destination. ${ADVICE}`,
          { entry: entry.path },
        )
      }
      try {
        if (entry.type === 'directory') {
          await ensureDir(target)
          continue
        }
        await ensureDir(path.dirname(target))
        // Owner keeps read/write; execute bits survive (scripts in code archives), set-id bits never do.
        const handle = await open(target, 'w', (entry.mode & 0o755) | 0o644)
        try {
          for await (const chunk of entry.body()) await handle.write(chunk)
        } finally {
          await handle.close()
        }
        if (entry.mtime > 0) await utimes(target, entry.mtime, entry.mtime)
      } catch (error) {
        // The inspection refuses file/folder clashes; these remain where names differ only in
        // case on a case-insensitive disk, or the archive changed since it was inspected.
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST')
          throw pathConflict(entry.path, segments.join('/'))
        throw error
      }
    }
  } catch (error) {
    if (created) await rm(root, { recursive: true, force: true })
    else for (const child of await readdir(root)) await rm(path.join(root, child), { recursive: true, force: true })
    throw error
  }
  return summary
}
