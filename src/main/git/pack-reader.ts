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
import {
  corrupt,
  idFromBytes,
  idOf,
  inflate,
  applyDelta,
  OFS_DELTA,
  Pack,
  parseEntry,
  REF_DELTA,
  TYPES,
  type EntryHead,
  type ObjectId,
} from './pack-file'

/** The pack reader's extra: it holds file descriptors, which `close()` releases. */
export interface PackObjectReader extends ObjectReader {
  /** Closes every pack file; the reader must not be used afterwards. */
  close(): void
}

const BASE_CACHE_BYTES = 32 * 1024 * 1024
/** Longer chains than git ever writes (its `--depth` tops out at 4095) mean a loop in a damaged pack. */
const MAX_CHAIN = 10_000
const MAX_ALTERNATE_DEPTH = 5

const OID = /^[0-9a-f]{40}$/

function missing(oid: string): GitError {
  return new GitError(
    'git_missing_object',
    `The clone has no object ${oid.slice(0, 10)}. Fetch the history again; if it stays missing, delete the clone and open the history again.`,
  )
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

  const check = (): void => {
    if (closed)
      throw new GitError('git_worker', 'The repository was closed while it was being read. Open the history again.')
  }

  rescan()
  return {
    async read(oid) {
      check()
      if (!OID.test(oid)) throw missing(oid)
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
      check()
      if (!OID.test(oid)) return false
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
