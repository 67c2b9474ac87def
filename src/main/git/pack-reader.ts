/**
 * A fast object reader: git's pack index and pack files read by hand, objects found by binary
 * search and read by position.
 *
 * Hand-written because isomorphic-git's `readObject` reads each whole pack into memory (about
 * twice its size), looks for a loose file before every packed object and hashes every object it
 * returns: its full history walk costs 11-15x native git. This reader does what git itself does
 * instead: it keeps each `.idx` (version 2) as one Buffer and binary-searches its sorted id table
 * (no Map of every id), reads an entry from the `.pack` through a file descriptor kept open with
 * positional reads (sync I/O: it runs in the git worker thread, and a walk reads thousands of
 * small objects whose syscalls would cost more than they block), knowing the entry's extent from
 * the sorted offsets (the next entry, or the pack's end before its 20-byte trailer), inflates
 * with Node's zlib and applies `OFS_DELTA` / `REF_DELTA` chains, keeping recent delta bases in a
 * small LRU. Objects not in a pack are read as loose files, and `objects/info/alternates` is
 * followed as git does. Commits sit next to each other in a pack in walk order, so reads go
 * through a window of the pack (like git's mmap windows) rather than one syscall per object.
 */
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { GitError } from './git-error'
import type { ObjectReader, ObjectType, RawObject } from './objects'

/** The pack reader's extra: it holds file descriptors, which `close()` releases. */
export interface PackObjectReader extends ObjectReader {
  /** Closes every pack file; the reader must not be used afterwards. */
  close(): void
}

const TYPES: readonly (ObjectType | null)[] = [null, 'commit', 'tree', 'blob', 'tag', null, null, null]
const OFS_DELTA = 6
const REF_DELTA = 7
const IDX_MAGIC = 0xff744f63
const WINDOW = 64 * 1024
const BASE_CACHE_BYTES = 32 * 1024 * 1024
/** Longer chains than git ever writes (its `--depth` tops out at 4095) mean a loop in a damaged pack. */
const MAX_CHAIN = 10_000
const MAX_ALTERNATE_DEPTH = 5

const OID = /^[0-9a-f]{40}$/

function corrupt(what: string, cause?: unknown): GitError {
  return new GitError(
    'git_corrupt',
    `${what} The clone is damaged: delete it and fetch the history again (for a clone of your own, run \`git fsck\`).`,
    cause === undefined ? undefined : { cause },
  )
}

function missing(oid: string): GitError {
  return new GitError(
    'git_missing_object',
    `The clone has no object ${oid.slice(0, 10)}. Fetch the history again; if it stays missing, delete the clone and open the history again.`,
  )
}

function inflate(data: Buffer, size: number, where: string): Buffer {
  let out: Buffer
  try {
    // Sized to the object: zlib's default 16 KiB output chunk per call is most of a walk's
    // garbage. The cap keeps a damaged size field from inflating without bound.
    out = zlib.inflateSync(data, {
      chunkSize: Math.min(Math.max(64, size + 1), 16 * 1024 * 1024),
      maxOutputLength: Math.max(1, size),
    })
  } catch (error) {
    throw corrupt(`An object in ${where} does not inflate.`, error)
  }
  if (out.length !== size) throw corrupt(`An object in ${where} has the wrong size.`)
  return out
}

/** Applies a git delta (`src size, dst size, copy/insert ops`) to its base. */
function applyDelta(base: Buffer, delta: Buffer, where: string): Buffer {
  let at = 0
  const varint = (): number => {
    let value = 0
    let shift = 1
    let byte
    do {
      if (at >= delta.length) throw corrupt(`A delta in ${where} is cut short.`)
      byte = delta[at++] as number
      value += (byte & 0x7f) * shift
      shift *= 128
    } while (byte & 0x80)
    return value
  }
  if (varint() !== base.length) throw corrupt(`A delta in ${where} does not fit its base.`)
  const out = Buffer.allocUnsafe(varint())
  let written = 0
  while (at < delta.length) {
    const op = delta[at++] as number
    if (op & 0x80) {
      let offset = 0
      let size = 0
      for (let bit = 0; bit < 4; bit += 1) if (op & (1 << bit)) offset += (delta[at++] as number) * 2 ** (8 * bit)
      for (let bit = 0; bit < 3; bit += 1) if (op & (16 << bit)) size += (delta[at++] as number) << (8 * bit)
      if (size === 0) size = 0x10000
      if (offset + size > base.length || written + size > out.length) throw corrupt(`A delta in ${where} is damaged.`)
      base.copy(out, written, offset, offset + size)
      written += size
    } else if (op !== 0) {
      if (at + op > delta.length || written + op > out.length) throw corrupt(`A delta in ${where} is damaged.`)
      delta.copy(out, written, at, at + op)
      at += op
      written += op
    } else throw corrupt(`A delta in ${where} uses a reserved instruction.`)
  }
  if (written !== out.length) throw corrupt(`A delta in ${where} is cut short.`)
  return out
}

/** One `pack-*.idx` with its `.pack`: the index tables as Buffers, the pack behind an open fd. */
class Pack {
  readonly name: string
  private readonly ids: Buffer
  private readonly offsets: Buffer
  private readonly largeOffsets: Buffer
  private readonly fanout: Buffer
  readonly count: number
  private readonly fd: number
  private readonly dataEnd: number
  /** Every entry's offset, ascending: an entry ends where the next begins. Built on first read. */
  private sorted: Float64Array | null = null
  private windowStart = 0
  private window: Buffer = Buffer.alloc(0)
  /** Where the last read outside the window started, to tell a forward scan from scattered reads. */
  private lastRead = -Infinity

  constructor(idxPath: string, packPath: string) {
    this.name = path.basename(packPath)
    const idx = fs.readFileSync(idxPath)
    if (idx.length < 8 || idx.readUInt32BE(0) !== IDX_MAGIC)
      throw corrupt(
        `The pack index ${path.basename(idxPath)} is in git's old version 1 format (or not an index at all), which the app does not read.`,
      )
    const version = idx.readUInt32BE(4)
    if (version !== 2)
      throw corrupt(`The pack index ${path.basename(idxPath)} has version ${version}; the app reads version 2.`)
    this.fanout = idx.subarray(8, 8 + 1024)
    if (this.fanout.length !== 1024) throw corrupt(`The pack index ${path.basename(idxPath)} is cut short.`)
    const count = this.fanout.readUInt32BE(1020)
    this.count = count
    const idsAt = 8 + 1024
    const offsetsAt = idsAt + count * 20 + count * 4
    const largeAt = offsetsAt + count * 4
    if (idx.length < largeAt + 40) throw corrupt(`The pack index ${path.basename(idxPath)} is cut short.`)
    this.ids = idx.subarray(idsAt, idsAt + count * 20)
    this.offsets = idx.subarray(offsetsAt, largeAt)
    this.largeOffsets = idx.subarray(largeAt, idx.length - 40)
    const packChecksum = idx.subarray(idx.length - 40, idx.length - 20)

    this.fd = fs.openSync(packPath, 'r')
    try {
      const size = fs.fstatSync(this.fd).size
      const head = Buffer.alloc(12)
      const trailer = Buffer.alloc(20)
      if (size < 32 || fs.readSync(this.fd, head, 0, 12, 0) !== 12 || head.toString('latin1', 0, 4) !== 'PACK')
        throw corrupt(`The pack ${this.name} is not a git pack.`)
      const packVersion = head.readUInt32BE(4)
      if (packVersion !== 2 && packVersion !== 3) throw corrupt(`The pack ${this.name} has version ${packVersion}.`)
      if (head.readUInt32BE(8) !== count) throw corrupt(`The pack ${this.name} does not match its index.`)
      fs.readSync(this.fd, trailer, 0, 20, size - 20)
      if (!trailer.equals(packChecksum)) throw corrupt(`The pack ${this.name} does not match its index.`)
      this.dataEnd = size - 20
    } catch (error) {
      fs.closeSync(this.fd)
      throw error
    }
  }

  close(): void {
    fs.closeSync(this.fd)
  }

  /** The entry's offset in the pack, or -1. */
  find(id: ObjectId): number {
    const first = id.words[0] >>> 24
    let low = first === 0 ? 0 : this.fanout.readUInt32BE((first - 1) * 4)
    let high = this.fanout.readUInt32BE(first * 4)
    const ids = this.ids
    const words = id.words
    while (low < high) {
      const mid = (low + high) >>> 1
      // Word by word in JS: a native Buffer.compare per step costs more than the comparison.
      let order = 0
      for (let word = 0, at = mid * 20; word < 5; word += 1, at += 4) {
        const theirs = ids.readUInt32BE(at)
        const ours = words[word] as number
        if (theirs !== ours) {
          order = theirs < ours ? 1 : -1
          break
        }
      }
      if (order === 0) return this.offsetAt(mid)
      if (order > 0) low = mid + 1
      else high = mid
    }
    return -1
  }

  private offsetAt(index: number): number {
    const small = this.offsets.readUInt32BE(index * 4)
    if (small < 0x80000000) return small
    const at = (small & 0x7fffffff) * 8
    if (at + 8 > this.largeOffsets.length) throw corrupt(`The pack index of ${this.name} is damaged.`)
    return this.largeOffsets.readUInt32BE(at) * 2 ** 32 + this.largeOffsets.readUInt32BE(at + 4)
  }

  /** Where the entry at `offset` ends. */
  private endOf(offset: number): number {
    if (!this.sorted) {
      const sorted = new Float64Array(this.count)
      for (let i = 0; i < this.count; i += 1) sorted[i] = this.offsetAt(i)
      this.sorted = sorted.sort()
    }
    const sorted = this.sorted
    let low = 0
    let high = sorted.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if ((sorted[mid] as number) <= offset) low = mid + 1
      else high = mid
    }
    if (low === 0 || sorted[low - 1] !== offset) throw corrupt(`The pack ${this.name} points inside an entry.`)
    return low < sorted.length ? (sorted[low] as number) : this.dataEnd
  }

  /** The raw entry (header and compressed data) at `offset`. */
  entry(offset: number): Buffer {
    const end = this.endOf(offset)
    if (end <= offset || end > this.dataEnd) throw corrupt(`The pack ${this.name} has an entry out of bounds.`)
    const length = end - offset
    const windowEnd = this.windowStart + this.window.length
    if (offset >= this.windowStart && end <= windowEnd)
      return this.window.subarray(offset - this.windowStart, end - this.windowStart)
    // Read ahead only when reads go forward through one region (a walk over the commits, which
    // a pack stores together in walk order); scattered reads (trees, blobs) read just the entry.
    const near = offset >= this.lastRead && offset - this.lastRead < WINDOW
    this.lastRead = offset
    if (!near || length > WINDOW / 2) return this.readAt(offset, length)
    this.window = this.readAt(offset, Math.min(WINDOW, this.dataEnd - offset))
    this.windowStart = offset
    return this.window.subarray(0, length)
  }

  private readAt(offset: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length)
    let done = 0
    while (done < length) {
      const read = fs.readSync(this.fd, buffer, done, length - done, offset + done)
      if (read === 0) throw corrupt(`The pack ${this.name} is cut short.`)
      done += read
    }
    return buffer
  }
}

/** An object id as its hex text and its five big-endian 32-bit words (for the index search). */
interface ObjectId {
  readonly hex: string
  readonly words: readonly [number, number, number, number, number]
}

function idOf(hex: string): ObjectId {
  const words: number[] = []
  for (let at = 0; at < 40; at += 8) words.push(parseInt(hex.slice(at, at + 8), 16))
  return { hex, words: words as unknown as ObjectId['words'] }
}

function idFromBytes(bytes: Buffer): ObjectId {
  if (bytes.length !== 20) throw corrupt('A delta names its base with a cut-short id.')
  return idOf(bytes.toString('hex'))
}

/** A parsed pack entry header. */
interface EntryHead {
  readonly type: number
  readonly size: number
  /** Where the compressed data starts in the entry. */
  readonly dataAt: number
  /** OFS_DELTA: the base's offset in the same pack. */
  readonly baseOffset: number
  /** REF_DELTA: the base's id. */
  readonly baseId: Buffer | null
}

function parseEntry(entry: Buffer, offset: number, pack: string): EntryHead {
  let at = 0
  let byte = entry[at++] as number
  const type = (byte >> 4) & 7
  let size = byte & 15
  let shift = 16
  while (byte & 0x80) {
    if (at >= entry.length) throw corrupt(`An entry of ${pack} is cut short.`)
    byte = entry[at++] as number
    size += (byte & 0x7f) * shift
    shift *= 128
  }
  let baseOffset = -1
  let baseId: Buffer | null = null
  if (type === OFS_DELTA) {
    byte = entry[at++] as number
    let distance = byte & 0x7f
    while (byte & 0x80) {
      if (at >= entry.length) throw corrupt(`An entry of ${pack} is cut short.`)
      byte = entry[at++] as number
      distance = (distance + 1) * 128 + (byte & 0x7f)
    }
    baseOffset = offset - distance
    if (baseOffset < 12) throw corrupt(`A delta in ${pack} points before the pack's start.`)
  } else if (type === REF_DELTA) {
    baseId = entry.subarray(at, at + 20)
    at += 20
  } else if (TYPES[type] === null) throw corrupt(`An entry of ${pack} has an unknown type (${type}).`)
  if (at > entry.length) throw corrupt(`An entry of ${pack} is cut short.`)
  return { type, size, dataAt: at, baseOffset, baseId }
}

/** One object database: an `objects` folder's packs (its loose files are read on demand). */
interface ObjectDb {
  readonly dir: string
  packs: Pack[]
}

/** Recent delta bases by pack and offset, bounded by bytes (git keeps a similar cache). */
class BaseCache {
  private readonly entries = new Map<string, RawObject>()
  private bytes = 0

  get(key: string): RawObject | undefined {
    const hit = this.entries.get(key)
    if (hit) {
      this.entries.delete(key)
      this.entries.set(key, hit)
    }
    return hit
  }

  set(key: string, value: RawObject): void {
    if (value.data.length > BASE_CACHE_BYTES / 4 || this.entries.has(key)) return
    this.entries.set(key, value)
    this.bytes += value.data.length
    if (this.bytes <= BASE_CACHE_BYTES) return
    for (const [oldest, entry] of this.entries) {
      this.entries.delete(oldest)
      this.bytes -= entry.data.length
      if (this.bytes <= BASE_CACHE_BYTES * 0.75) break
    }
  }

  clear(): void {
    this.entries.clear()
    this.bytes = 0
  }
}

function alternatesOf(objectsDir: string): string[] {
  let text: string
  try {
    text = fs.readFileSync(path.join(objectsDir, 'info', 'alternates'), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
      return []
    throw error
  }
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => path.resolve(objectsDir, line))
}

/** The object folders to read: the repository's own, then its alternates' (as git, depth 5). */
function objectDirs(gitdir: string): string[] {
  const dirs: string[] = []
  const visit = (dir: string, depth: number): void => {
    const resolved = path.resolve(dir)
    if (dirs.includes(resolved) || depth > MAX_ALTERNATE_DEPTH) return
    dirs.push(resolved)
    for (const alternate of alternatesOf(resolved)) visit(alternate, depth + 1)
  }
  visit(path.join(gitdir, 'objects'), 0)
  return dirs
}

/** Re-lists a folder's packs, keeping those still there and closing those that went away. */
function listPacks(dir: string, current: readonly Pack[]): Pack[] {
  const packDir = path.join(dir, 'pack')
  let names: string[]
  try {
    names = fs.readdirSync(packDir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') names = []
    else throw error
  }
  const present = new Set(names)
  const byName = new Map(current.map((pack) => [pack.name, pack]))
  const packs: Pack[] = []
  for (const name of names.sort()) {
    if (!name.startsWith('pack-') || !name.endsWith('.idx')) continue
    const packName = `${name.slice(0, -4)}.pack`
    // An index without its pack is a fetch still writing (or a crash): git skips it too.
    if (!present.has(packName)) continue
    const known = byName.get(packName)
    if (known) {
      byName.delete(packName)
      packs.push(known)
      continue
    }
    try {
      packs.push(new Pack(path.join(packDir, name), path.join(packDir, packName)))
    } catch (error) {
      // Removed between the listing and the open (a repack finishing): it is simply gone.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  for (const gone of byName.values()) gone.close()
  return packs
}

/**
 * Opens a repository's objects for reading. `gitdir` is the `.git` folder (or a bare
 * repository). Throws GitError `git_corrupt` for a pack or index it cannot read.
 */
export async function openPackReader(gitdir: string): Promise<PackObjectReader> {
  let dbs: ObjectDb[] = []
  const bases = new BaseCache()
  let closed = false

  const rescan = (): void => {
    const byDir = new Map(dbs.map((db) => [db.dir, db]))
    const next: ObjectDb[] = []
    try {
      for (const dir of objectDirs(gitdir)) {
        const db = byDir.get(dir) ?? { dir, packs: [] }
        byDir.delete(dir)
        db.packs = listPacks(dir, db.packs)
        next.push(db)
      }
    } finally {
      // Folders no longer named as alternates: release their packs.
      for (const gone of byDir.values()) for (const pack of gone.packs) pack.close()
      dbs = next
    }
    // The base cache stays: pack names are their content's hash, so a kept name is the same pack.
  }

  /** The pack and offset holding `id`, or null. */
  const locate = (id: ObjectId): { pack: Pack; offset: number } | null => {
    for (const db of dbs)
      for (const pack of db.packs) {
        const offset = pack.find(id)
        if (offset !== -1) return { pack, offset }
      }
    return null
  }

  const readLoose = (oid: string): RawObject | null => {
    for (const db of dbs) {
      let deflated: Buffer
      try {
        deflated = fs.readFileSync(path.join(db.dir, oid.slice(0, 2), oid.slice(2)))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
        throw error
      }
      let raw: Buffer
      try {
        raw = zlib.inflateSync(deflated)
      } catch (error) {
        throw corrupt(`The loose object ${oid.slice(0, 10)} does not inflate.`, error)
      }
      const nul = raw.indexOf(0)
      const match = nul === -1 ? null : /^(commit|tree|blob|tag) (\d+)$/.exec(raw.toString('latin1', 0, nul))
      if (!match || Number(match[2]) !== raw.length - nul - 1)
        throw corrupt(`The loose object ${oid.slice(0, 10)} has a damaged header.`)
      return { type: match[1] as ObjectType, data: raw.subarray(nul + 1) }
    }
    return null
  }

  const hasLoose = (oid: string): boolean =>
    dbs.some((db) => fs.existsSync(path.join(db.dir, oid.slice(0, 2), oid.slice(2))))

  /** Reads the object at `offset` of `pack`, resolving its delta chain. */
  const readPacked = (pack: Pack, offset: number, depth: number): RawObject => {
    // Walk down the chain to a whole object (or a cached base), then apply deltas upwards.
    const deltas: { offset: number; entry: Buffer; head: EntryHead }[] = []
    let base: RawObject | undefined
    let at = offset
    for (;;) {
      if (deltas.length > MAX_CHAIN) throw corrupt(`A delta chain in ${pack.name} loops.`)
      base = bases.get(`${pack.name}:${at}`)
      if (base) break
      const entry = pack.entry(at)
      const head = parseEntry(entry, at, pack.name)
      if (head.type !== OFS_DELTA && head.type !== REF_DELTA) {
        base = {
          type: TYPES[head.type] as ObjectType,
          data: inflate(entry.subarray(head.dataAt), head.size, pack.name),
        }
        if (deltas.length > 0) bases.set(`${pack.name}:${at}`, base)
        break
      }
      deltas.push({ offset: at, entry, head })
      if (head.type === OFS_DELTA) {
        at = head.baseOffset
        continue
      }
      const baseId = idFromBytes(head.baseId as Buffer)
      const inPack = pack.find(baseId)
      if (inPack !== -1) {
        at = inPack
        continue
      }
      // The base lives in another pack or as a loose object (alternates, a pack written by hand).
      if (depth > MAX_CHAIN) throw corrupt(`A delta chain in ${pack.name} loops.`)
      base = readById(baseId, depth + 1)
      break
    }
    let object = base
    for (let i = deltas.length - 1; i >= 0; i -= 1) {
      const delta = deltas[i] as { offset: number; entry: Buffer; head: EntryHead }
      const instructions = inflate(delta.entry.subarray(delta.head.dataAt), delta.head.size, pack.name)
      object = { type: object.type, data: applyDelta(object.data, instructions, pack.name) }
      // Every object of the chain below the one asked for is some delta's base.
      if (i > 0) bases.set(`${pack.name}:${delta.offset}`, object)
    }
    return object
  }

  const readById = (id: ObjectId, depth: number): RawObject => {
    const found = locate(id)
    if (found) return readPacked(found.pack, found.offset, depth)
    const loose = readLoose(id.hex)
    if (loose) return loose
    throw missing(id.hex)
  }

  const check = (oid: string): void => {
    if (closed)
      throw new GitError('git_worker', 'The repository was closed while it was being read. Open the history again.')
    if (!OID.test(oid)) throw missing(oid)
  }

  rescan()
  return {
    async read(oid) {
      check(oid)
      const id = idOf(oid)
      try {
        return readById(id, 0)
      } catch (error) {
        if (!(error instanceof GitError) || error.code !== 'git_missing_object') throw error
        // A repack or fetch since the last listing (git rescans on a miss too).
        rescan()
        return readById(id, 0)
      }
    },
    async has(oid) {
      check(oid)
      const id = idOf(oid)
      if (locate(id) || hasLoose(oid)) return true
      rescan()
      return locate(id) !== null || hasLoose(oid)
    },
    async refresh() {
      rescan()
    },
    close() {
      if (closed) return
      closed = true
      for (const db of dbs) for (const pack of db.packs) pack.close()
      dbs = []
      bases.clear()
    },
  }
}
