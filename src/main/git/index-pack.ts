/**
 * `git index-pack` for a pack on disk, in bounded memory: names every object of the pack and
 * writes the pack's `.idx` (version 2) beside it, byte for byte what native git writes. The
 * library's own indexer (GitPackIndex.fromPack) needs the whole pack in memory plus the objects
 * it inflated.
 *
 * Pass 1 (pack-scan.ts) walks the pack in order: each entry's place, CRC-32 and base, the name
 * of every whole object, and the inflated deltas (kept up to a byte budget). Pass 2 resolves
 * deltas as git's index-pack does: the deltas based on an entry are found through an index (by
 * the base's entry number for ofs-deltas, by its name for ref-deltas), and from each whole object
 * that has any, depth first, so every base is inflated once and let go as soon as its last
 * child is named. Memory is the entry tables, the kept deltas and one chain of objects.
 *
 * Reads are synchronous (`fs.readSync` at an offset): this runs in the git worker, not on the
 * app's main thread, and a file just written is in the page cache, where an asynchronous read
 * per object cost more in handing over to the thread pool than the read itself. The formats
 * and the delta encoding are git's own (gitformat-pack); isomorphic-git has them only in memory
 * and inside, so they are written here.
 */
import { hash } from 'node:crypto'
import { open } from 'node:fs/promises'
import path from 'node:path'
import zlib from 'node:zlib'
import { renameDurable } from '../../lib/atomic'
import { GitError } from './git-error'
import { writeIdx } from './pack-idx-writer'
import { corrupt, readAt, sized } from './pack-inflate'
import { objectHeader, scanPack, wholeFile, type PackBytes, type PackEntries } from './pack-scan'
import type { LibraryProgress } from './transport'

/**
 * Applies a git delta to its base. The result is the object as git hashes it, its header
 * (`tree 1234\0`) first and its bytes after the header's NUL, so that naming it is one call
 * on one buffer. It is written into `into` where that is large enough (and is then a view of
 * it), else into a new buffer.
 */
export function applyDelta(delta: Buffer, base: Buffer, type: number, into?: Buffer): Buffer {
  // Two varints: the base's size and the object's (a byte read past the end is undefined: 0).
  let at = 0
  let baseSize = 0
  let byte = 0x80
  for (let shift = 1; byte & 0x80; shift *= 128) {
    byte = delta[at++]!
    baseSize += (byte & 0x7f) * shift
  }
  let size = 0
  byte = 0x80
  for (let shift = 1; byte & 0x80; shift *= 128) {
    byte = delta[at++]!
    size += (byte & 0x7f) * shift
  }
  if (at > delta.length) throw corrupt('a delta ends too soon')
  if (baseSize !== base.length) throw corrupt('a delta does not fit its base')
  const header = objectHeader(type, size)
  const out =
    into && into.length >= header.length + size
      ? into.subarray(0, header.length + size)
      : Buffer.allocUnsafe(header.length + size)
  let written = out.write(header, 'latin1')
  while (at < delta.length) {
    const op = delta[at++]!
    if (op & 0x80) {
      // Copy from the base: up to 4 offset and 3 size bytes, present where op's bits say.
      let offset = 0
      let length = 0
      if (op & 0x01) offset = delta[at++]!
      if (op & 0x02) offset |= delta[at++]! << 8
      if (op & 0x04) offset |= delta[at++]! << 16
      if (op & 0x08) offset += delta[at++]! * 0x1000000
      if (op & 0x10) length = delta[at++]!
      if (op & 0x20) length |= delta[at++]! << 8
      if (op & 0x40) length |= delta[at++]! << 16
      if (length === 0) length = 0x10000
      if (at > delta.length) throw corrupt('a delta ends too soon')
      if (offset + length > base.length || written + length > out.length) throw corrupt('a delta copies past its base')
      written += base.copy(out, written, offset, offset + length)
    } else if (op > 0) {
      if (written + op > out.length || at + op > delta.length) throw corrupt('a delta inserts past its end')
      written += delta.copy(out, written, at, at + op)
      at += op
    } else throw corrupt('a delta has an unknown instruction')
  }
  if (written !== out.length) throw corrupt('a delta made an object of the wrong size')
  return out
}

/** The most objects a pack may claim: about 4 GiB of entry tables (git's own limit is 2^32). */
const MAX_OBJECTS = 1 << 26

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export interface IndexPackOptions {
  readonly signal: AbortSignal
  readonly onProgress: (event: LibraryProgress) => void
  /** How much of the file has arrived, when it is indexed while its download writes it. */
  readonly arriving?: PackBytes
}

/**
 * Indexes the pack `file` (in `objects/pack/`) and renames both to `pack-<sha>.pack` / `.idx`.
 * Resolves with the pack's name and object count.
 */
export async function indexPack(
  file: string,
  options: IndexPackOptions,
): Promise<{ readonly sha: string; readonly objects: number }> {
  const { arriving } = options
  // An arriving file exists once its first bytes are written.
  if (arriving) await arriving.wait(12)
  const handle = await open(file, 'r')
  let entries: PackEntries
  const packSha = Buffer.alloc(20)
  try {
    const { fd } = handle
    const bytes = arriving ?? wholeFile((await handle.stat()).size)
    const header = Buffer.alloc(12)
    if (readAt(fd, header, 12, 0) < 12 || header.toString('latin1', 0, 4) !== 'PACK') throw corrupt('no PACK header')
    const version = header.readUInt32BE(4)
    if (version !== 2 && version !== 3) throw corrupt(`pack version ${version}`)
    const count = header.readUInt32BE(8)
    // Every entry is at least a byte, and its tables are allocated up front: a count from a
    // damaged header must not decide how much memory that is.
    if (count > MAX_OBJECTS || (bytes.complete && count > bytes.readable)) throw corrupt(`it claims ${count} objects`)
    // Objects are counted as they arrive, as git does; a pack already on disk is being indexed.
    const phase = arriving ? 'Receiving objects' : 'Indexing objects'
    entries = await scanPack(fd, bytes, count, {
      onEntries: async (done) => {
        await tick()
        if (options.signal.aborted) throw new GitError('git_cancelled', 'Stopped.')
        options.onProgress({ phase, loaded: done, total: count })
      },
    })
    options.onProgress({ phase, loaded: count, total: count })
    readAt(fd, packSha, 20, bytes.readable - 20)
    await resolveDeltas(fd, entries, options)
  } finally {
    await handle.close()
  }
  const sha = packSha.toString('hex')
  const dir = path.dirname(file)
  // The pack first: a reader that finds an idx finds its pack.
  await renameDurable(file, path.join(dir, `pack-${sha}.pack`))
  await writeIdx(path.join(dir, `pack-${sha}.idx`), entries, packSha)
  return { sha, objects: entries.count }
}

const NO_DATA = Buffer.alloc(0)

/** One object on the depth-first path: its bytes, and the deltas based on it not yet resolved. */
interface Frame {
  readonly entry: number
  data: Buffer
  /** Its ofs-deltas still to do: `Children.ofs(at)` for at from ofsAt up to ofsEnd. */
  ofsAt: number
  readonly ofsEnd: number
  /** Its ref-deltas still to do: `Children.ref(at)` for at from refAt up to refEnd. */
  refAt: number
  readonly refEnd: number
}

/** Finds the deltas based on an entry: ofs-deltas by the base's number, ref-deltas by its name. */
class Children {
  /** Entry i's ofs-deltas are `ofs[ofsStart[i]]` up to `ofs[ofsStart[i + 1]]`. */
  readonly #ofsStart: Int32Array
  readonly #ofs: Int32Array
  /** The ref-deltas' positions (in `entries.refDeltas`) in the order of their bases' names. */
  readonly #refOrder: Uint32Array
  readonly #refBases: Buffer
  readonly #refDeltas: Int32Array
  readonly #oids: Buffer
  readonly count: number

  constructor(entries: PackEntries) {
    const { count, bases, refBases, refDeltas } = entries
    this.#ofsStart = new Int32Array(count + 1)
    let ofsCount = 0
    for (let i = 0; i < count; i += 1) {
      if (bases[i]! >= 0) {
        this.#ofsStart[bases[i]! + 1]! += 1
        ofsCount += 1
      }
    }
    for (let i = 0; i < count; i += 1) this.#ofsStart[i + 1]! += this.#ofsStart[i]!
    this.#ofs = new Int32Array(ofsCount)
    const fill = this.#ofsStart.slice(0, count)
    for (let i = 0; i < count; i += 1) if (bases[i]! >= 0) this.#ofs[fill[bases[i]!]!++] = i
    this.#refBases = refBases
    this.#refDeltas = refDeltas
    this.#oids = entries.oids
    this.#refOrder = new Uint32Array(refDeltas.length)
    for (let i = 0; i < refDeltas.length; i += 1) this.#refOrder[i] = i
    this.#refOrder.sort((a, b) => refBases.compare(refBases, b * 20, b * 20 + 20, a * 20, a * 20 + 20))
    this.count = ofsCount + refDeltas.length
  }

  /** The frame for entry `base` (named already), its data yet to be set; null when no delta is based on it. */
  frame(base: number): Frame | null {
    const ofsAt = this.#ofsStart[base]!
    const ofsEnd = this.#ofsStart[base + 1]!
    let refAt = 0
    let refEnd = 0
    if (this.#refOrder.length > 0) {
      refAt = this.#firstRef(base)
      for (refEnd = refAt; refEnd < this.#refOrder.length && this.#refIs(refEnd, base);) refEnd += 1
    }
    if (ofsAt === ofsEnd && refAt === refEnd) return null
    return { entry: base, data: NO_DATA, ofsAt, ofsEnd, refAt, refEnd }
  }

  ofs(at: number): number {
    return this.#ofs[at]!
  }

  ref(at: number): number {
    return this.#refDeltas[this.#refOrder[at]!]!
  }

  /** Whether the ref-delta at `at` (in name order) is based on entry `base`. */
  #refIs(at: number, base: number): boolean {
    const name = this.#refOrder[at]! * 20
    return this.#refBases.compare(this.#oids, base * 20, base * 20 + 20, name, name + 20) === 0
  }

  /** The first ref-delta (in name order) whose base's name is not below entry `base`'s. */
  #firstRef(base: number): number {
    let low = 0
    let high = this.#refOrder.length
    while (low < high) {
      const middle = (low + high) >>> 1
      const name = this.#refOrder[middle]! * 20
      if (this.#refBases.compare(this.#oids, base * 20, base * 20 + 20, name, name + 20) < 0) low = middle + 1
      else high = middle
    }
    return low
  }
}

/** Pass 2: names every delta, from each whole object down through the deltas based on it. */
async function resolveDeltas(fd: number, entries: PackEntries, options: IndexPackOptions): Promise<void> {
  const { count, packTypes, objectTypes, oids } = entries
  const children = new Children(entries)
  const total = children.count
  let resolved = 0
  const scratch = Buffer.allocUnsafe(64 * 1024)
  /** The objects made at each depth of the path, reused (and grown) from one sibling to the next. */
  const buffers: Buffer[] = []
  /** An entry's own bytes inflated: a whole object's, or a delta's instructions. */
  const inflateEntry = (entry: number): Buffer => {
    const start = entries.offsets[entry]! + entries.headerLengths[entry]!
    const length = entries.offsets[entry + 1]! - start
    // One scratch buffer for the compressed bytes; a larger entry gets its own for a moment.
    const input = length <= scratch.length ? scratch : Buffer.allocUnsafe(length)
    readAt(fd, input, length, start)
    const size = entries.sizes[entry]!
    let out: Buffer
    try {
      out = zlib.inflateSync(input.subarray(0, length), sized(size))
    } catch (error) {
      throw corrupt(`the object at offset ${entries.offsets[entry]} does not inflate`, error)
    }
    if (out.length !== size) throw corrupt(`the object at offset ${entries.offsets[entry]} has the wrong size`)
    return out
  }
  options.onProgress({ phase: 'Resolving deltas', loaded: 0, total })
  for (let root = 0; root < count; root += 1) {
    if (packTypes[root]! > 4) continue
    const first = children.frame(root)
    if (!first) continue
    first.data = inflateEntry(root)
    const stack: Frame[] = [first]
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!
      let child: number
      if (frame.ofsAt < frame.ofsEnd) child = children.ofs(frame.ofsAt++)
      else if (frame.refAt < frame.refEnd) child = children.ref(frame.refAt++)
      else {
        stack.pop()
        continue
      }
      // A ref-delta whose base is in the pack twice is reached twice.
      if (objectTypes[child] !== 0) continue
      const type = objectTypes[frame.entry]!
      const delta = entries.deltas.get(child, entries.sizes[child]!) ?? inflateEntry(child)
      // One buffer per depth: a child's object is needed only until its next sibling's is made.
      const depth = stack.length
      const object = applyDelta(delta, frame.data, type, buffers[depth])
      if (object.length > (buffers[depth]?.length ?? -1)) buffers[depth] = object
      hash('sha1', object, 'buffer').copy(oids, child * 20)
      objectTypes[child] = type
      resolved += 1
      const next = children.frame(child)
      if (next) {
        next.data = object.subarray(object.indexOf(0) + 1)
        stack.push(next)
      }
      if (resolved % 256 === 0) {
        await tick()
        if (options.signal.aborted) throw new GitError('git_cancelled', 'Stopped.')
        options.onProgress({ phase: 'Resolving deltas', loaded: resolved, total })
      }
    }
  }
  if (resolved !== total)
    throw corrupt(`${total - resolved} deltas refer to objects the pack does not hold (a thin pack)`)
  options.onProgress({ phase: 'Resolving deltas', loaded: resolved, total })
}
