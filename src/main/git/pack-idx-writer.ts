/**
 * The `.idx` (version 2) of a pack whose entries index-pack.ts has named: the same bytes native
 * `git index-pack` writes (gitformat-pack: fan-out table, names in order, CRC-32s, 31-bit
 * offsets with larger ones in a 64-bit table, then the pack's checksum and the index's own).
 *
 * It is written a buffer at a time rather than built whole (28 bytes an object: 4 MiB for a
 * 150,000-object pack, at the moment the indexer's memory is at its highest), and the names
 * are put in order by counting them into buckets by their first two bytes: a comparison sort
 * over the entry numbers had V8 copy them into arrays of its own.
 */
import { createHash } from 'node:crypto'
import { open, rm, type FileHandle } from 'node:fs/promises'
import { renameDurable, tempPathFor } from '../../lib/atomic'
import type { PackEntries } from './pack-scan'

/** A bucket with more names than this is sorted with Array.prototype.sort, not by insertion. */
const INSERTION_LIMIT = 16

/** The entries' numbers in the order of their names. */
function byName(oids: Buffer, count: number): Uint32Array {
  const compare = (a: number, b: number): number => oids.compare(oids, b * 20, b * 20 + 20, a * 20, a * 20 + 20)
  const starts = new Uint32Array(65536 + 1)
  for (let i = 0; i < count; i += 1) starts[oids.readUInt16BE(i * 20) + 1]! += 1
  for (let bucket = 0; bucket < 65536; bucket += 1) starts[bucket + 1]! += starts[bucket]!
  const order = new Uint32Array(count)
  const fill = starts.slice(0, 65536)
  for (let i = 0; i < count; i += 1) order[fill[oids.readUInt16BE(i * 20)]!++] = i
  for (let bucket = 0; bucket < 65536; bucket += 1) {
    const low = starts[bucket]!
    const high = starts[bucket + 1]!
    if (high - low > INSERTION_LIMIT) order.subarray(low, high).sort(compare)
    else
      for (let at = low + 1; at < high; at += 1) {
        const entry = order[at]!
        let to = at
        for (; to > low && compare(order[to - 1]!, entry) > 0; to -= 1) order[to] = order[to - 1]!
        order[to] = entry
      }
  }
  return order
}

/** Bytes on their way into the index file, hashed as they go (the file ends with its own SHA-1). */
class Output {
  readonly #handle: FileHandle
  readonly #buffer = Buffer.allocUnsafe(64 * 1024)
  readonly #hash = createHash('sha1')
  #used = 0

  constructor(handle: FileHandle) {
    this.#handle = handle
  }

  /** Whether `length` more bytes do not fit before a flush. */
  full(length: number): boolean {
    return this.#used + length > this.#buffer.length
  }

  uint32(value: number): void {
    this.#used = this.#buffer.writeUInt32BE(value >>> 0, this.#used)
  }

  uint64(value: number): void {
    this.#used = this.#buffer.writeBigUInt64BE(BigInt(value), this.#used)
  }

  bytes(source: Buffer, start: number, end: number): void {
    this.#used += source.copy(this.#buffer, this.#used, start, end)
  }

  async flush(): Promise<void> {
    const data = this.#buffer.subarray(0, this.#used)
    this.#hash.update(data)
    await this.#handle.write(data)
    this.#used = 0
  }

  /** Flushes and writes the SHA-1 of all that came before. */
  async finish(): Promise<void> {
    await this.flush()
    await this.#handle.write(this.#hash.digest())
  }
}

/** Writes `file`, the index of `entries` (every one named) of the pack whose checksum is `packSha`, atomically. */
export async function writeIdx(file: string, entries: PackEntries, packSha: Buffer): Promise<void> {
  const { count, oids, crcs, offsets } = entries
  const order = byName(oids, count)
  const tmp = tempPathFor(file)
  try {
    const handle = await open(tmp, 'wx', 0o644)
    try {
      const out = new Output(handle)
      out.uint32(0xff744f63)
      out.uint32(2)
      const fanout = new Uint32Array(256)
      for (let i = 0; i < count; i += 1) fanout[oids[i * 20]!]! += 1
      for (let byte = 0, total = 0; byte < 256; byte += 1) out.uint32((total += fanout[byte]!))
      for (const i of order) {
        if (out.full(20)) await out.flush()
        out.bytes(oids, i * 20, i * 20 + 20)
      }
      for (const i of order) {
        if (out.full(4)) await out.flush()
        out.uint32(crcs[i]!)
      }
      let large = 0
      for (const i of order) {
        if (out.full(4)) await out.flush()
        out.uint32(offsets[i]! < 0x80000000 ? offsets[i]! : 0x80000000 | large++)
      }
      for (const i of order) {
        if (offsets[i]! < 0x80000000) continue
        if (out.full(8)) await out.flush()
        out.uint64(offsets[i]!)
      }
      if (out.full(20)) await out.flush()
      out.bytes(packSha, 0, 20)
      await out.finish()
      await handle.sync()
    } finally {
      await handle.close()
    }
    await renameDurable(tmp, file)
  } catch (error) {
    await rm(tmp, { force: true })
    throw error
  }
}
