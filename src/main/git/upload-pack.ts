/**
 * The fetch half of git's smart HTTP protocol (v0/v1) for a clone: read the remote's refs, ask
 * for every branch and tag, and stream the pack the server sends straight to a file, hashing it
 * as it arrives. isomorphic-git's clone gathers the whole pack in memory and then indexes it
 * there, several times the pack's size in all (GIT-NOTES measured 669 MB for a clone native git
 * does in 74 MB); written to disk as it comes, the pack costs a few buffers. The protocol's
 * framing (pkt-lines, the side band) is a few lines of git's own documented format
 * (gitprotocol-http, gitprotocol-pack), which no library offers apart from a whole git client.
 */
import { createHash } from 'node:crypto'
import { open, rm } from 'node:fs/promises'
import type { HttpClient } from 'isomorphic-git'
import { GitError } from './git-error'
import type { LibraryProgress } from './transport'

/** A ref as the remote advertises it. */
export interface AdvertisedRef {
  readonly name: string
  readonly oid: string
  /** For an annotated tag, the commit it tags (`^{}` in the advertisement). */
  readonly peeled: string | null
}

export interface Advertisement {
  readonly refs: readonly AdvertisedRef[]
  /** Where the remote's HEAD points (`refs/heads/master`), from its `symref` capability. */
  readonly head: string | null
  readonly capabilities: ReadonlySet<string>
}

/** An HTTP answer that is not 200, in the shape isomorphic-git's own HttpError has (transport.ts maps both). */
export class HttpStatusError extends Error {
  readonly code = 'HttpError'
  readonly data: { readonly statusCode: number }
  constructor(statusCode: number) {
    super(`HTTP ${statusCode}`)
    this.data = { statusCode }
  }
}

export function protocolError(detail: string): GitError {
  return new GitError(
    'git_remote',
    `The git server sent something the app cannot read (${detail}). Try again; if it keeps happening, clone the site in a terminal and open that clone.`,
  )
}

/** The largest pkt-line: its length is four hex digits, header included. */
const MAX_PKT = 0xffff

/**
 * Reads pkt-lines from a response body: a payload, or null for a flush packet. A payload is a
 * view of the body's own chunk where it lies in one, else assembled in one buffer the reader
 * keeps, so it holds only until the next call: the pack's 65 KiB packets mostly straddle two
 * chunks, and a new buffer for each (with the chunk copied) was two more copies of the pack
 * left for the GC to find.
 */
export class PktReader {
  readonly #chunks: AsyncIterator<Uint8Array>
  #chunk: Buffer = Buffer.alloc(0)
  #at = 0
  readonly #assembly = Buffer.allocUnsafe(MAX_PKT)

  constructor(body: AsyncIterable<Uint8Array>) {
    this.#chunks = body[Symbol.asyncIterator]()
  }

  /** The next non-empty chunk of the body, or false at its end. */
  async #advance(): Promise<boolean> {
    for (;;) {
      const next = await this.#chunks.next()
      if (next.done) return false
      if (next.value.byteLength === 0) continue
      this.#chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength)
      this.#at = 0
      return true
    }
  }

  /**
   * The next `length` bytes (at most MAX_PKT), or how many of them there were when the body
   * ended first.
   */
  async #take(length: number): Promise<Buffer | number> {
    if (this.#chunk.length - this.#at >= length) {
      this.#at += length
      return this.#chunk.subarray(this.#at - length, this.#at)
    }
    let have = 0
    while (have < length) {
      if (this.#at === this.#chunk.length && !(await this.#advance())) return have
      const part = Math.min(length - have, this.#chunk.length - this.#at)
      have += this.#chunk.copy(this.#assembly, have, this.#at, this.#at + part)
      this.#at += part
    }
    return this.#assembly.subarray(0, length)
  }

  /** Stops reading the body (it is closed, not read to its end). */
  async close(): Promise<void> {
    await this.#chunks.return?.()
  }

  /** The next packet; undefined at the end of the body. */
  async next(): Promise<Buffer | null | undefined> {
    const header = await this.#take(4)
    if (typeof header === 'number') {
      if (header === 0) return undefined
      throw protocolError('a packet was cut short')
    }
    const text = header.toString('latin1')
    const length = /^[0-9a-f]{4}$/i.test(text) ? Number.parseInt(text, 16) : Number.NaN
    if (!Number.isInteger(length) || (length > 0 && length < 4)) throw protocolError('a packet length is not hex')
    if (length === 0) return null
    const payload = await this.#take(length - 4)
    if (typeof payload === 'number') throw protocolError('a packet was cut short')
    return payload
  }
}

/**
 * SHA-1 of a stream but for its last 20 bytes, which are held back as they come: a pack's last
 * 20 bytes are the checksum of all before them.
 */
class TrailingChecksum {
  readonly #hash = createHash('sha1')
  readonly #tail = Buffer.alloc(20)
  #tailLength = 0

  update(data: Buffer): void {
    if (data.length >= 20) {
      this.#hash.update(this.#tail.subarray(0, this.#tailLength))
      this.#hash.update(data.subarray(0, data.length - 20))
      data.copy(this.#tail, 0, data.length - 20)
      this.#tailLength = 20
      return
    }
    // Fewer than 20 new bytes: the oldest held back ones leave the tail for the hash.
    const leaving = Math.max(0, this.#tailLength + data.length - 20)
    this.#hash.update(this.#tail.subarray(0, leaving))
    this.#tail.copyWithin(0, leaving, this.#tailLength)
    data.copy(this.#tail, this.#tailLength - leaving)
    this.#tailLength += data.length - leaving
  }

  /** Whether the bytes held back are the SHA-1 of all the others. */
  matches(): boolean {
    return this.#tailLength === 20 && this.#hash.digest().equals(this.#tail)
  }
}

export function pkt(text: string): Buffer {
  const body = Buffer.from(text, 'utf8')
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0'), 'latin1'), body])
}

export const FLUSH = Buffer.from('0000', 'latin1')
const OID = /^[0-9a-f]{40}$/

export async function* only(buffer: Buffer): AsyncGenerator<Uint8Array> {
  yield buffer
}

/** Reads the remote's refs (`GET …/info/refs?service=git-upload-pack`, or `git-receive-pack` for a push). */
export async function discoverRefs(
  http: HttpClient,
  url: string,
  headers: Record<string, string>,
  service: 'git-upload-pack' | 'git-receive-pack' = 'git-upload-pack',
): Promise<Advertisement> {
  const response = await http.request({
    url: `${url}/info/refs?service=${service}`,
    method: 'GET',
    headers: { ...headers, 'User-Agent': 'git/restore-desk' },
  })
  if (response.statusCode !== 200) throw new HttpStatusError(response.statusCode)
  if (!String(response.headers?.['content-type'] ?? '').includes(`application/x-${service}-advertisement`))
    throw protocolError('not a smart HTTP ref advertisement')
  const reader = new PktReader(response.body ?? only(Buffer.alloc(0)))
  const first = await reader.next()
  if (!first || first.toString('utf8').trim() !== `# service=${service}`) throw protocolError('no service line')
  if ((await reader.next()) !== null) throw protocolError('no flush after the service line')
  const refs = new Map<string, { oid: string; peeled: string | null }>()
  let capabilities = new Set<string>()
  for (let packet = await reader.next(); packet; packet = await reader.next()) {
    let line = packet.toString('utf8').replace(/\n$/, '')
    const nul = line.indexOf('\0')
    if (nul >= 0) {
      capabilities = new Set(
        line
          .slice(nul + 1)
          .split(' ')
          .filter(Boolean),
      )
      line = line.slice(0, nul)
    }
    const [oid, name] = line.split(' ')
    if (!oid || !name || !OID.test(oid)) throw protocolError('a ref line is malformed')
    if (name === 'capabilities^{}') continue
    if (name.endsWith('^{}')) {
      const tag = refs.get(name.slice(0, -3))
      if (tag) tag.peeled = oid
    } else refs.set(name, { oid, peeled: null })
  }
  // Read to the end, so the response (its socket, the signal's listener) is let go of now.
  while ((await reader.next()) !== undefined);
  const symref = [...capabilities].find((cap) => cap.startsWith('symref=HEAD:'))
  return {
    refs: [...refs].map(([name, ref]) => ({ name, ...ref })),
    head: symref ? symref.slice('symref=HEAD:'.length) : null,
    capabilities,
  }
}

export interface PackTarget {
  /** The file to write the pack to (`objects/pack/tmp_pack_…`); it must not exist yet. */
  readonly file: string
  readonly onProgress: (event: LibraryProgress) => void
  /** Called after each write with the number of bytes written so far. */
  readonly onWritten?: (bytes: number) => void
  /** Stops the download at the next packet, the file removed (the pack was found damaged). */
  readonly stop?: AbortSignal
}

/**
 * Asks for `wants` (`POST …/git-upload-pack`, no haves: a clone) and writes the pack to
 * `target.file`, checking its trailing SHA-1 as it is written. Resolves with its size.
 */
export async function downloadPack(
  http: HttpClient,
  url: string,
  headers: Record<string, string>,
  wants: readonly string[],
  target: PackTarget,
): Promise<number> {
  const capabilities = 'side-band-64k ofs-delta agent=git/restore-desk'
  const request = Buffer.concat([
    ...wants.map((oid, index) => pkt(`want ${oid}${index === 0 ? ` ${capabilities}` : ''}\n`)),
    FLUSH,
    pkt('done\n'),
  ])
  const response = await http.request({
    url: `${url}/git-upload-pack`,
    method: 'POST',
    headers: {
      ...headers,
      'User-Agent': 'git/restore-desk',
      'Content-Type': 'application/x-git-upload-pack-request',
      Accept: 'application/x-git-upload-pack-result',
    },
    body: only(request),
  })
  if (response.statusCode !== 200) throw new HttpStatusError(response.statusCode)
  const reader = new PktReader(response.body ?? only(Buffer.alloc(0)))
  const ack = await reader.next()
  if (!ack || !ack.toString('utf8').startsWith('NAK')) throw protocolError('no NAK before the pack')
  const { file, onProgress, onWritten, stop } = target
  // Stopped, the body is closed at once, even while a read waits on the server.
  const onStop = (): void => void reader.close().catch(() => undefined)
  stop?.addEventListener('abort', onStop, { once: true })
  const handle = await open(file, 'wx').catch((error: unknown) => {
    stop?.removeEventListener('abort', onStop)
    throw error
  })
  const checksum = new TrailingChecksum()
  let bytes = 0
  try {
    for (let packet = await reader.next(); packet; packet = await reader.next()) {
      if (stop?.aborted) break
      const band = packet[0]
      const data = packet.subarray(1)
      if (band === 1) {
        if (bytes === 0 && data.length >= 4 && data.toString('latin1', 0, 4) !== 'PACK')
          throw protocolError('the pack has no PACK header')
        checksum.update(data)
        // Written before the next packet is read: the reader's buffer holds until then.
        await handle.write(data)
        bytes += data.length
        onWritten?.(bytes)
      } else if (band === 2) {
        // The server's own progress ("Counting objects: 45% (9/20)").
        for (const line of data.toString('utf8').split(/[\r\n]/)) {
          const match = /([^:]*).*\((\d+)\/(\d+)\)/.exec(line)
          if (match) onProgress({ phase: match[1]!.trim(), loaded: Number(match[2]), total: Number(match[3]) })
        }
      } else if (band === 3) {
        throw new GitError(
          'git_remote',
          `The git server stopped the clone: ${data.toString('utf8').trim()}. Try again in a moment.`,
        )
      } else throw protocolError('a side-band packet has no band')
    }
    if (stop?.aborted) throw stop.reason
    if (bytes < 32 || !checksum.matches())
      throw new GitError(
        'git_remote',
        'The pack the git server sent was cut short or damaged on the way. Open the history again to clone again.',
      )
    await handle.sync()
  } catch (error) {
    await handle.close()
    await rm(file, { force: true })
    await reader.close().catch(() => undefined)
    throw stop?.aborted ? stop.reason : error
  } finally {
    stop?.removeEventListener('abort', onStop)
  }
  await handle.close()
  return bytes
}
