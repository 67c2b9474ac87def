/**
 * Reading and inflating one entry of a pack file for pack-scan.ts and index-pack.ts: whole, in
 * one call with its size known, or as a stream for an entry too large to hold twice, and the
 * error that says the pack is damaged.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import zlib from 'node:zlib'
import { GitError } from './git-error'

/** Bytes read at a time. */
export const WINDOW = 1 << 20

/** The pack file as an entry is read from it: pack-scan.ts's window on the bytes that have arrived. */
export interface EntrySource {
  readonly fd: number
  /** Where the entries can be read up to, for now. */
  readonly limit: number
  /** Resolves once `length` bytes from `offset` have arrived (or all there will be); undefined if they have. */
  need(offset: number, length: number): Promise<void> | undefined
  /** The bytes from `offset` that have arrived, up to `length` of them. */
  at(offset: number, length: number): Buffer
}

export function corrupt(detail: string, cause?: unknown): GitError {
  return new GitError(
    'git_corrupt',
    `The pack the git server sent is damaged (${detail}). Open the history again to clone again.`,
    cause === undefined ? undefined : { cause },
  )
}

/** Reads `length` bytes at `position` into `buffer`, or fewer only at the end of the file. */
export function readAt(fd: number, buffer: Buffer, length: number, position: number): number {
  let done = 0
  while (done < length) {
    const read = fs.readSync(fd, buffer, done, length - done, position + done)
    if (read === 0) break
    done += read
  }
  return done
}

/** zlib's deflateBound: a compressed stream of `size` bytes is never longer, plus its header. */
export const compressedBound = (size: number): number =>
  size + Math.floor(size / 4096) + Math.floor(size / 16384) + Math.floor(size / 33554432) + 64

/**
 * Inflation options for an object of `size` bytes: one output buffer of its size, never more.
 * Written out whole rather than spread into another object: options made by `{ ...sized(n),
 * info: true }` kept every inflate's stream objects alive through the young-generation GC, and
 * promoted that way they doubled V8's heap.
 */
export const sized = (size: number, info = false): zlib.ZlibOptions & { info: boolean } => ({
  chunkSize: Math.max(64, size + 1),
  maxOutputLength: Math.max(1, size),
  info,
})

/**
 * Inflates one entry's zlib stream from `input`: its bytes and how much of the input the stream
 * took. Null when the input ran out first though the file goes on (`more`): a compressor other
 * than zlib's may exceed zlib's bound, and the entry is then inflated as a stream.
 */
export function inflateWhole(
  input: Buffer,
  size: number,
  offset: number,
  more: boolean,
): { data: Buffer; used: number } | null {
  let result: { buffer: Buffer; engine: zlib.Inflate }
  try {
    result = zlib.inflateSync(input, sized(size, true)) as unknown as typeof result
  } catch (error) {
    if (more && (error as { code?: unknown }).code === 'Z_BUF_ERROR') return null
    throw corrupt(`the object at offset ${offset} does not inflate`, error)
  }
  if (result.buffer.length !== size) throw corrupt(`the object at offset ${offset} has the wrong size`)
  return { data: result.buffer, used: result.engine.bytesWritten }
}

/**
 * Inflates one large entry as a stream, a window of the file at a time: its end (zlib stops
 * taking input where its stream ends), its CRC-32 and, given the object header, its name.
 */
export async function inflateStream(
  window: EntrySource,
  offset: number,
  headerLength: number,
  hashHeader: string | null,
  size: number,
): Promise<{ end: number; crc: number; oid: Buffer | null }> {
  const where = `the object at offset ${offset}`
  let crc = zlib.crc32(window.at(offset, headerLength))
  const hash = hashHeader === null ? null : createHash('sha1').update(hashHeader)
  const inflate = zlib.createInflate()
  let inflated = 0
  let failure: unknown = null
  inflate.on('data', (chunk: Buffer) => {
    inflated += chunk.length
    hash?.update(chunk)
  })
  const ended = new Promise<void>((resolve) => {
    inflate.on('end', resolve)
    inflate.on('error', (error) => {
      failure = error
      resolve()
    })
  })
  const write = (chunk: Buffer): Promise<void> =>
    new Promise((resolve) => {
      inflate.write(chunk, () => resolve())
    })
  let position = offset + headerLength
  try {
    for (let finished = false; !finished && failure === null;) {
      const arriving = window.need(position, WINDOW)
      if (arriving) await arriving
      const available = Math.min(WINDOW, window.limit - position)
      if (available <= 0) {
        // Input used up before the stream's end: zlib says so as an error.
        inflate.end()
        break
      }
      // A new buffer each time: the stream holds on to what it was given until it has used it.
      const chunk = Buffer.allocUnsafe(available)
      readAt(window.fd, chunk, chunk.length, position)
      const before = inflate.bytesWritten
      // An error ends the stream without calling back the write.
      await Promise.race([write(chunk), ended])
      const used = inflate.bytesWritten - before
      crc = zlib.crc32(chunk.subarray(0, used), crc)
      position += used
      // zlib took less than it was given: its stream ended inside this chunk.
      finished = used < chunk.length
    }
    await ended
  } finally {
    inflate.destroy()
  }
  if (failure !== null) throw corrupt(`${where} does not inflate`, failure)
  if (inflated !== size) throw corrupt(`${where} has the wrong size`)
  return { end: position, crc, oid: hash ? hash.digest() : null }
}
