/**
 * One git pack: its `.idx` (version 2) kept as one Buffer and binary-searched, its `.pack` read
 * through a file descriptor kept open, and the formats inside (entry headers, zlib data, delta
 * instructions). Hand-written for the reasons pack-reader.ts gives; git's own documentation of
 * the formats is `gitformat-pack(5)`.
 */
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { GitError } from './git-error'
import type { ObjectType } from './objects'

export const TYPES: readonly (ObjectType | null)[] = [null, 'commit', 'tree', 'blob', 'tag', null, null, null]
export const OFS_DELTA = 6
export const REF_DELTA = 7
const IDX_MAGIC = 0xff744f63
const WINDOW = 64 * 1024

export function corrupt(what: string, cause?: unknown): GitError {
  return new GitError(
    'git_corrupt',
    `${what} The clone is damaged: delete it and fetch the history again (for a clone of your own, run \`git fsck\`).`,
    cause === undefined ? undefined : { cause },
  )
}

export function inflate(data: Buffer, size: number, where: string): Buffer {
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
export function applyDelta(base: Buffer, delta: Buffer, where: string): Buffer {
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
export class Pack {
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
export interface ObjectId {
  readonly hex: string
  readonly words: readonly [number, number, number, number, number]
}

export function idOf(hex: string): ObjectId {
  const words: number[] = []
  for (let at = 0; at < 40; at += 8) words.push(parseInt(hex.slice(at, at + 8), 16))
  return { hex, words: words as unknown as ObjectId['words'] }
}

export function idFromBytes(bytes: Buffer): ObjectId {
  if (bytes.length !== 20) throw corrupt('A delta names its base with a cut-short id.')
  return idOf(bytes.toString('hex'))
}

/** A parsed pack entry header. */
export interface EntryHead {
  readonly type: number
  readonly size: number
  /** Where the compressed data starts in the entry. */
  readonly dataAt: number
  /** OFS_DELTA: the base's offset in the same pack. */
  readonly baseOffset: number
  /** REF_DELTA: the base's id. */
  readonly baseId: Buffer | null
}

export function parseEntry(entry: Buffer, offset: number, pack: string): EntryHead {
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
