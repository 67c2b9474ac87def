/**
 * Pass 1 of index-pack.ts: reads a pack file front to back once, as it arrives from the server
 * (or whole, from disk), and records per entry where it lies, its CRC-32, its type and base, and
 * the name of every whole object. The records are typed arrays (about 50 bytes an entry) rather
 * than an object with strings per entry, which for a 150,000-object pack was most of the old
 * indexer's 47 MiB of heap.
 *
 * Every entry has to be inflated here, because only zlib can tell where its stream ends. The
 * inflated delta instructions are kept (in a byte-bounded store) so that pass 2 need not read
 * and inflate them again; they are small (a tree's delta is a few hundred bytes) and most of a
 * pack's entries. An entry larger than LARGE_ENTRY is inflated as a stream, a window at a time,
 * so that a big file in the repository costs a few buffers here, not twice its size.
 */
import { hash } from 'node:crypto'
import zlib from 'node:zlib'
import { compressedBound, corrupt, inflateStream, inflateWhole, readAt, WINDOW, type EntrySource } from './pack-inflate'

export const TYPE_NAMES = ['', 'commit', 'tree', 'blob', 'tag'] as const
export const OFS_DELTA = 6
export const REF_DELTA = 7
/** Entries that inflate to more than this are inflated as a stream. */
const LARGE_ENTRY = 4 << 20
/**
 * Inflated deltas are kept for pass 2 up to a quarter of the pack read so far, within these
 * bounds; the rest are read and inflated again there.
 */
const DELTA_STORE_MIN = 1 << 20
const DELTA_STORE_MAX = 32 << 20
/** The store's unit of allocation; a delta larger than this is not kept. */
const DELTA_BLOCK = 1 << 20

/** The object header git hashes before an object's bytes. */
export const objectHeader = (type: number, size: number): string => `${TYPE_NAMES[type]} ${size}\0`

/**
 * Inflated deltas kept from pass 1 for pass 2, packed into blocks of DELTA_BLOCK bytes so that
 * keeping 80,000 of them is a few dozen allocations.
 */
export class DeltaStore {
  readonly #blocks: Buffer[] = []
  #used = DELTA_BLOCK
  /** Per entry: where its delta is (block * DELTA_BLOCK + offset), or -1. */
  readonly #at: Int32Array

  constructor(count: number) {
    this.#at = new Int32Array(count).fill(-1)
  }

  /** Keeps entry `index`'s delta unless that would take the store past `budget` bytes. */
  keep(index: number, delta: Buffer, budget: number): void {
    if (delta.length > DELTA_BLOCK) return
    if (this.#used + delta.length > DELTA_BLOCK) {
      if ((this.#blocks.length + 1) * DELTA_BLOCK > budget) return
      this.#blocks.push(Buffer.allocUnsafe(DELTA_BLOCK))
      this.#used = 0
    }
    delta.copy(this.#blocks[this.#blocks.length - 1]!, this.#used)
    this.#at[index] = (this.#blocks.length - 1) * DELTA_BLOCK + this.#used
    this.#used += delta.length
  }

  /** The kept delta of entry `index` (`length` bytes), or null when it was not kept. */
  get(index: number, length: number): Buffer | null {
    const at = this.#at[index]!
    if (at < 0) return null
    const block = Math.floor(at / DELTA_BLOCK)
    const start = at - block * DELTA_BLOCK
    return this.#blocks[block]!.subarray(start, start + length)
  }
}

/** What pass 1 learns of a pack's entries, indexed by entry number in pack order. */
export interface PackEntries {
  readonly count: number
  /** Where each entry begins; `offsets[count]` is where the pack's trailing checksum begins. */
  readonly offsets: Float64Array
  /** The entry header's length: its data (zlib stream) begins at `offsets[i] + headerLengths[i]`. */
  readonly headerLengths: Uint8Array
  /** The size its header gives: the object's, or for a delta the inflated instructions'. */
  readonly sizes: Float64Array
  readonly crcs: Uint32Array
  /** The entry's type in the pack: 1-4 a whole object, OFS_DELTA or REF_DELTA. */
  readonly packTypes: Uint8Array
  /** The object's type (1-4) once it is named; 0 for a delta not yet resolved. */
  readonly objectTypes: Uint8Array
  /** An ofs-delta's base entry; -1 for the others. */
  readonly bases: Int32Array
  /** 20 bytes per entry: the object's name once it is known. */
  readonly oids: Buffer
  /** The ref-deltas' entry numbers, and their bases' names (20 bytes each, in the same order). */
  readonly refDeltas: Int32Array
  readonly refBases: Buffer
  readonly deltas: DeltaStore
}

/**
 * How much of the pack file can be read: all of it (a file on disk), or as much as the download
 * has written so far, so that pass 1 runs while the pack arrives, as git's index-pack does.
 */
export interface PackBytes {
  /** Bytes of the file that can be read now. */
  readonly readable: number
  /** Whether the file is whole: `readable` is then its size. */
  readonly complete: boolean
  /** Resolves once `bytes` bytes can be read or the file is whole; rejects when the download failed. */
  wait(bytes: number): Promise<void>
}

/** A pack file already whole on disk. */
export function wholeFile(size: number): PackBytes {
  return { readable: size, complete: true, wait: () => Promise.resolve() }
}

/** Reads the pack through one reusable window, so each byte is read from disk about once. */
class Window implements EntrySource {
  readonly fd: number
  readonly #bytes: PackBytes
  #buffer = Buffer.allocUnsafe(WINDOW)
  #start = 0
  #length = 0

  constructor(fd: number, bytes: PackBytes) {
    this.fd = fd
    this.#bytes = bytes
  }

  /** Where the entries can be read up to: before the checksum of a whole file, or what has arrived. */
  get limit(): number {
    return this.#bytes.complete ? this.#bytes.readable - 20 : this.#bytes.readable
  }

  /** Resolves once `length` bytes from `offset` have arrived (or all there will be); undefined if they have. */
  need(offset: number, length: number): Promise<void> | undefined {
    const bytes = this.#bytes
    return bytes.complete || bytes.readable >= offset + length ? undefined : bytes.wait(offset + length)
  }

  /** The bytes from `offset` that have arrived, up to `length` of them (after {@link need}). */
  at(offset: number, length: number): Buffer {
    const limit = this.limit
    const want = Math.min(length, limit - offset)
    if (offset < this.#start || offset + want > this.#start + this.#length) {
      const read = Math.min(Math.max(want, WINDOW), limit - offset)
      // Grown for an entry larger than a window, it stays so (LARGE_ENTRY bounds it): shrunk
      // again, files of a few MiB among small ones would have it made anew at each of them.
      if (read > this.#buffer.length) this.#buffer = Buffer.allocUnsafe(read)
      this.#start = offset
      this.#length = readAt(this.fd, this.#buffer, read, offset)
    }
    return this.#buffer.subarray(offset - this.#start, Math.min(this.#length, offset - this.#start + want))
  }
}

export interface ScanProgress {
  /** Called every few hundred entries with the number done; may stop the scan by throwing. */
  readonly onEntries: (done: number) => Promise<void>
}

/** Pass 1 over the `count` entries of the pack open as `fd`, of which `bytes` can be read. */
export async function scanPack(
  fd: number,
  bytes: PackBytes,
  count: number,
  progress: ScanProgress,
): Promise<PackEntries> {
  const offsets = new Float64Array(count + 1)
  const headerLengths = new Uint8Array(count)
  const sizes = new Float64Array(count)
  const crcs = new Uint32Array(count)
  const packTypes = new Uint8Array(count)
  const objectTypes = new Uint8Array(count)
  const bases = new Int32Array(count).fill(-1)
  const oids = Buffer.alloc(count * 20)
  const refDeltas: number[] = []
  const refBases: Buffer[] = []
  const deltas = new DeltaStore(count)
  /** A whole object as git hashes it, header first, in one buffer: one `hash` call names it. */
  let named = Buffer.allocUnsafe(64 * 1024)
  const window = new Window(fd, bytes)
  let offset = 12
  for (let i = 0; i < count; i += 1) {
    if (i % 256 === 0) await progress.onEntries(i)
    const arriving = window.need(offset, 64)
    if (arriving) await arriving
    if (offset >= window.limit) throw corrupt(`it ends after ${i} of its ${count} objects`)
    offsets[i] = offset
    let entry = window.at(offset, 64)
    // The header: type and size, then an ofs-delta's distance back or a ref-delta's base. A byte
    // read past the end is undefined, which ends a varint; the length is checked once after.
    let at = 0
    let byte = entry[at++]!
    const type = (byte >> 4) & 7
    let size = byte & 15
    for (let shift = 16; byte & 0x80; shift *= 128) {
      byte = entry[at++]!
      size += (byte & 0x7f) * shift
    }
    let distance = 0
    if (type === OFS_DELTA) {
      byte = entry[at++]!
      distance = byte & 0x7f
      while (byte & 0x80) {
        byte = entry[at++]!
        distance = (distance + 1) * 128 + (byte & 0x7f)
      }
    } else if (type === REF_DELTA) at += 20
    else if (type < 1 || type > 4) throw corrupt(`an object of unknown type ${type} at offset ${offset}`)
    if (at > entry.length) throw corrupt(`the header of the object at offset ${offset} is cut short`)
    if (type === OFS_DELTA) bases[i] = entryAt(offsets, i, offset - distance)
    else if (type === REF_DELTA) {
      refDeltas.push(i)
      refBases.push(Buffer.from(entry.subarray(at - 20, at)))
    }
    headerLengths[i] = at
    packTypes[i] = type
    sizes[i] = size
    let entryEnd = -1
    if (size <= LARGE_ENTRY) {
      // All the stream can be (zlib's bound), so that zlib does not run out of input on its way.
      const whole = window.need(offset, at + compressedBound(size))
      if (whole) await whole
      entry = window.at(offset, at + compressedBound(size))
      const more = !bytes.complete || offset + entry.length < window.limit
      const inflated = inflateWhole(entry.subarray(at), size, offset, more)
      if (inflated) {
        entryEnd = offset + at + inflated.used
        crcs[i] = zlib.crc32(entry.subarray(0, entryEnd - offset))
        if (type <= 4) {
          const header = objectHeader(type, size)
          if (named.length < header.length + size) named = Buffer.allocUnsafe(header.length + size)
          named.write(header, 'latin1')
          inflated.data.copy(named, header.length)
          hash('sha1', named.subarray(0, header.length + size), 'buffer').copy(oids, i * 20)
        } else deltas.keep(i, inflated.data, Math.min(DELTA_STORE_MAX, Math.max(DELTA_STORE_MIN, entryEnd / 4)))
      }
    }
    if (entryEnd < 0) {
      const streamed = await inflateStream(window, offset, at, type <= 4 ? objectHeader(type, size) : null, size)
      entryEnd = streamed.end
      crcs[i] = streamed.crc
      if (streamed.oid) streamed.oid.copy(oids, i * 20)
    }
    if (type <= 4) objectTypes[i] = type
    offset = entryEnd
  }
  await bytes.wait(Number.POSITIVE_INFINITY)
  const end = window.limit
  if (offset !== end)
    throw corrupt(offset < end ? 'it has bytes after its last object' : 'its last object runs into its checksum')
  offsets[count] = end
  return {
    count,
    offsets,
    headerLengths,
    sizes,
    crcs,
    packTypes,
    objectTypes,
    bases,
    oids,
    refDeltas: Int32Array.from(refDeltas),
    refBases: Buffer.concat(refBases),
    deltas,
  }
}

/** The entry (of the first `before`) that begins at `offset`: an ofs-delta's base is always earlier. */
function entryAt(offsets: Float64Array, before: number, offset: number): number {
  let low = 0
  let high = before - 1
  while (low <= high) {
    const middle = (low + high) >>> 1
    const at = offsets[middle]!
    if (at === offset) return middle
    if (at < offset) low = middle + 1
    else high = middle - 1
  }
  throw corrupt(`a delta at offset ${offsets[before]} points at no object`)
}
