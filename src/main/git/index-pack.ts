/**
 * `git index-pack` for a pack on disk, in bounded memory: names every object of the pack and
 * writes the pack's `.idx` (version 2) beside it, byte for byte what native git writes. The
 * library's own indexer (GitPackIndex.fromPack) needs the whole pack in memory plus the objects
 * it inflated; this reads the file in windows and keeps, per object, only its offset, CRC and
 * name, so memory is a few buffers plus the longest delta chain's objects.
 *
 * Pass 1 walks the pack in order: each entry's header, its compressed length (zlib says how many
 * bytes its stream used), its CRC-32, and the name of every whole object. Pass 2 resolves deltas
 * as git does: from each whole object, depth first through the deltas based on it, each object
 * inflated once. The pack and idx formats and the delta encoding are git's own
 * (gitformat-pack); isomorphic-git has them only in memory and inside, so they are written here.
 */
import { createHash } from 'node:crypto'
import { open, rename, writeFile, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import zlib from 'node:zlib'
import { GitError } from './git-error'
import type { LibraryProgress } from './transport'

const TYPE_NAMES = ['', 'commit', 'tree', 'blob', 'tag'] as const
const OFS_DELTA = 6
const REF_DELTA = 7
/** Bytes read at a time in pass 1. */
const WINDOW = 1 << 20

function corrupt(detail: string): GitError {
  return new GitError(
    'git_corrupt',
    `The pack the git server sent is damaged (${detail}). Open the history again to clone again.`,
  )
}

/** What pass 1 learns of one entry. */
interface Entry {
  readonly offset: number
  readonly dataStart: number
  end: number
  crc: number
  type: number
  /** The entry's base: a pack offset (ofs-delta) or a name (ref-delta). */
  readonly baseOffset: number
  readonly baseOid: string | null
  oid: string | null
}

/** Reads the pack file in windows, so pass 1 touches each byte about once. */
class Window {
  readonly #handle: FileHandle
  readonly #size: number
  #start = 0
  #buffer = Buffer.alloc(0)

  constructor(handle: FileHandle, size: number) {
    this.#handle = handle
    this.#size = size
  }

  /** At least `length` bytes from `offset` (fewer only at the end of the file). */
  async at(offset: number, length: number): Promise<Buffer> {
    const end = Math.min(this.#size, offset + length)
    if (offset < this.#start || end > this.#start + this.#buffer.length) {
      const read = Math.max(end - offset, WINDOW)
      const buffer = Buffer.allocUnsafe(Math.min(read, this.#size - offset))
      const { bytesRead } = await this.#handle.read(buffer, 0, buffer.length, offset)
      this.#start = offset
      this.#buffer = buffer.subarray(0, bytesRead)
    }
    return this.#buffer.subarray(offset - this.#start)
  }
}

/** zlib's deflateBound: a compressed stream of `size` bytes is never longer, plus its header. */
const compressedBound = (size: number): number =>
  size + Math.floor(size / 4096) + Math.floor(size / 16384) + Math.floor(size / 33554432) + 64

function objectName(type: number, data: Buffer): string {
  return createHash('sha1').update(`${TYPE_NAMES[type]} ${data.length}\0`).update(data).digest('hex')
}

/** Applies a git delta to its base. */
export function applyDelta(delta: Buffer, base: Buffer): Buffer {
  let at = 0
  const varint = (): number => {
    let value = 0
    let shift = 1
    for (;;) {
      const byte = delta[at++]
      if (byte === undefined) throw corrupt('a delta ends too soon')
      value += (byte & 0x7f) * shift
      shift *= 128
      if ((byte & 0x80) === 0) return value
    }
  }
  if (varint() !== base.length) throw corrupt('a delta does not fit its base')
  const out = Buffer.allocUnsafe(varint())
  let written = 0
  while (at < delta.length) {
    const op = delta[at++]!
    if (op & 0x80) {
      let offset = 0
      let size = 0
      for (let bit = 0; bit < 4; bit += 1) if (op & (1 << bit)) offset += delta[at++]! * 2 ** (8 * bit)
      for (let bit = 0; bit < 3; bit += 1) if (op & (0x10 << bit)) size += delta[at++]! * 2 ** (8 * bit)
      if (size === 0) size = 0x10000
      if (offset + size > base.length || written + size > out.length) throw corrupt('a delta copies past its base')
      base.copy(out, written, offset, offset + size)
      written += size
    } else if (op > 0) {
      if (written + op > out.length || at + op > delta.length) throw corrupt('a delta inserts past its end')
      delta.copy(out, written, at, at + op)
      written += op
      at += op
    } else throw corrupt('a delta has an unknown instruction')
  }
  if (written !== out.length) throw corrupt('a delta made an object of the wrong size')
  return out
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export interface IndexPackOptions {
  readonly signal: AbortSignal
  readonly onProgress: (event: LibraryProgress) => void
}

/**
 * Indexes the pack `file` (in `objects/pack/`) and renames both to `pack-<sha>.pack` / `.idx`.
 * Resolves with the pack's name and object count.
 */
export async function indexPack(
  file: string,
  options: IndexPackOptions,
): Promise<{ readonly sha: string; readonly objects: number }> {
  const handle = await open(file, 'r')
  let entries: Entry[]
  let packSha: Buffer
  try {
    const size = (await handle.stat()).size
    const window = new Window(handle, size)
    const header = await window.at(0, 12)
    if (size < 32 || header.toString('latin1', 0, 4) !== 'PACK') throw corrupt('no PACK header')
    const version = header.readUInt32BE(4)
    if (version !== 2 && version !== 3) throw corrupt(`pack version ${version}`)
    const count = header.readUInt32BE(8)
    packSha = Buffer.from(await window.at(size - 20, 20)).subarray(0, 20)
    entries = await readEntries(window, size, count, options)
    await resolveDeltas(handle, entries, options)
  } finally {
    await handle.close()
  }
  const sha = packSha.toString('hex')
  const dir = path.dirname(file)
  const idx = path.join(dir, `pack-${sha}.idx`)
  await writeFile(`${idx}.tmp`, indexFile(entries, packSha))
  // The pack first: a reader that finds an idx finds its pack.
  await rename(file, path.join(dir, `pack-${sha}.pack`))
  await rename(`${idx}.tmp`, idx)
  return { sha, objects: entries.length }
}

/** Pass 1: every entry's place, CRC and (for whole objects) name. */
async function readEntries(window: Window, size: number, count: number, options: IndexPackOptions): Promise<Entry[]> {
  const entries: Entry[] = []
  let offset = 12
  for (let i = 0; i < count; i += 1) {
    if (i % 256 === 0) {
      await tick()
      if (options.signal.aborted) throw new GitError('git_cancelled', 'Stopped.')
      options.onProgress({ phase: 'Indexing objects', loaded: i, total: count })
    }
    let bytes = await window.at(offset, 64)
    let at = 0
    let byte = bytes[at++]!
    const type = (byte >> 4) & 7
    let objectSize = byte & 15
    for (let shift = 16; byte & 0x80; shift *= 128) {
      byte = bytes[at++]!
      objectSize += (byte & 0x7f) * shift
    }
    let baseOffset = -1
    let baseOid: string | null = null
    if (type === OFS_DELTA) {
      byte = bytes[at++]!
      let distance = byte & 0x7f
      while (byte & 0x80) {
        byte = bytes[at++]!
        distance = (distance + 1) * 128 + (byte & 0x7f)
      }
      baseOffset = offset - distance
      if (baseOffset < 12) throw corrupt('a delta points before the pack')
    } else if (type === REF_DELTA) {
      baseOid = bytes.toString('hex', at, at + 20)
      at += 20
    } else if (type < 1 || type > 4) throw corrupt(`an object of unknown type ${type}`)
    const dataStart = offset + at
    bytes = await window.at(offset, at + compressedBound(objectSize))
    let result: { buffer: Buffer; engine: zlib.Inflate }
    try {
      result = zlib.inflateSync(bytes.subarray(at, Math.min(bytes.length, size - 20 - offset)), {
        info: true,
      }) as unknown as { buffer: Buffer; engine: zlib.Inflate }
    } catch {
      throw corrupt(`the object at offset ${offset} does not inflate`)
    }
    if (result.buffer.length !== objectSize) throw corrupt(`the object at offset ${offset} has the wrong size`)
    const end = dataStart + result.engine.bytesWritten
    const entry: Entry = {
      offset,
      dataStart,
      end,
      crc: zlib.crc32(bytes.subarray(0, end - offset)),
      type,
      baseOffset,
      baseOid,
      oid: type <= 4 ? objectName(type, result.buffer) : null,
    }
    entries.push(entry)
    offset = end
  }
  if (offset !== size - 20) throw corrupt('it has bytes after its last object')
  return entries
}

async function inflateAt(handle: FileHandle, entry: Entry): Promise<Buffer> {
  const raw = Buffer.allocUnsafe(entry.end - entry.dataStart)
  await handle.read(raw, 0, raw.length, entry.dataStart)
  return zlib.inflateSync(raw)
}

/** Pass 2: names every delta, from each whole object through the deltas based on it. */
async function resolveDeltas(handle: FileHandle, entries: Entry[], options: IndexPackOptions): Promise<void> {
  const byOffset = new Map<number, Entry[]>()
  const byOid = new Map<string, Entry[]>()
  let deltas = 0
  for (const entry of entries) {
    if (entry.baseOid !== null) {
      byOid.set(entry.baseOid, [...(byOid.get(entry.baseOid) ?? []), entry])
      deltas += 1
    } else if (entry.baseOffset >= 0) {
      const list = byOffset.get(entry.baseOffset)
      if (list) list.push(entry)
      else byOffset.set(entry.baseOffset, [entry])
      deltas += 1
    }
  }
  let resolved = 0
  options.onProgress({ phase: 'Resolving deltas', loaded: 0, total: deltas })
  const resolveChildren = async (base: Entry, data: Buffer): Promise<void> => {
    const children = [...(byOffset.get(base.offset) ?? []), ...(byOid.get(base.oid!) ?? [])]
    for (const child of children) {
      if (child.oid !== null) continue
      const content = applyDelta(await inflateAt(handle, child), data)
      child.type = base.type
      child.oid = objectName(base.type, content)
      resolved += 1
      if (resolved % 256 === 0) {
        await tick()
        if (options.signal.aborted) throw new GitError('git_cancelled', 'Stopped.')
        options.onProgress({ phase: 'Resolving deltas', loaded: resolved, total: deltas })
      }
      await resolveChildren(child, content)
    }
  }
  for (const entry of entries) {
    if (entry.type > 4) continue
    if (!byOffset.has(entry.offset) && !byOid.has(entry.oid!)) continue
    await resolveChildren(entry, await inflateAt(handle, entry))
  }
  if (resolved !== deltas)
    throw corrupt(`${deltas - resolved} deltas refer to objects the pack does not hold (a thin pack)`)
  options.onProgress({ phase: 'Resolving deltas', loaded: resolved, total: deltas })
}

/** The `.idx` version 2 of the pack's entries. */
function indexFile(entries: readonly Entry[], packSha: Buffer): Buffer {
  const sorted = [...entries].sort((a, b) => (a.oid! < b.oid! ? -1 : a.oid! > b.oid! ? 1 : 0))
  const n = sorted.length
  const large = sorted.filter((e) => e.offset >= 0x80000000)
  const out = Buffer.alloc(8 + 256 * 4 + n * 28 + large.length * 8 + 40)
  out.write('\xfftOc', 0, 'latin1')
  out.writeUInt32BE(2, 4)
  let at = 8
  for (let byte = 0, i = 0; byte < 256; byte += 1) {
    while (i < n && Number.parseInt(sorted[i]!.oid!.slice(0, 2), 16) <= byte) i += 1
    out.writeUInt32BE(i, at + byte * 4)
  }
  at += 1024
  for (const entry of sorted) at += out.write(entry.oid!, at, 'hex')
  for (const entry of sorted) at = out.writeUInt32BE(entry.crc >>> 0, at)
  let largeIndex = 0
  for (const entry of sorted)
    at = out.writeUInt32BE(entry.offset < 0x80000000 ? entry.offset : (0x80000000 | largeIndex++) >>> 0, at)
  for (const entry of large) at = out.writeBigUInt64BE(BigInt(entry.offset), at)
  packSha.copy(out, at)
  at += 20
  createHash('sha1').update(out.subarray(0, at)).digest().copy(out, at)
  return out
}
