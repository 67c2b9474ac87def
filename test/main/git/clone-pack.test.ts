/**
 * The clone's pack indexer beyond the small packs of clone.test.ts: objects larger than its
 * inflate window (streamed in pass 1, whole as delta bases in pass 2), a pack indexed while it
 * arrives in pieces of every size (from a byte to a few windows), a thin pack (deltas on objects
 * it does not hold), and a damaged pack from a server that then goes quiet, which must stop the
 * download rather than wait for the server.
 * Every idx is checked byte for byte against the one native git writes for the same pack.
 */
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { appendFile, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cloneRepository } from '../../../src/main/git/clone'
import { GitError } from '../../../src/main/git/git-error'
import { indexPack } from '../../../src/main/git/index-pack'
import type { PackBytes } from '../../../src/main/git/pack-scan'
import type { LibraryProgress } from '../../../src/main/git/transport'
import { GIT_ENV, gitIn, makeRepo, namesIn, removeDir, tempDir } from './clone-helpers'

let root: string
let work: string

/** Deterministic bytes that do not compress (xorshift32). */
function noise(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length)
  let state = seed >>> 0 || 1
  for (let i = 0; i < length; i += 1) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    out[i] = state & 0xff
  }
  return out
}

/** Text of about `length` bytes that compresses well. */
function text(length: number): Buffer {
  const lines: string[] = []
  for (let i = 0, size = 0; size < length; i += 1) {
    const line = `line ${i}: ${(i * 7919) % 100_003} of the big file\n`
    lines.push(line)
    size += line.length
  }
  return Buffer.from(lines.join(''))
}

/** Packs every object of `work` with native git into `dir`: the pack, its idx and its name. */
async function nativePack(dir: string, ...flags: string[]): Promise<{ pack: string; idx: string; sha: string }> {
  await mkdir(dir, { recursive: true })
  const sha = await gitIn(work, ['pack-objects', '-q', '--all', '--revs', ...flags, path.join(dir, 'native')], {}, '')
  return { pack: path.join(dir, `native-${sha}.pack`), idx: path.join(dir, `native-${sha}.idx`), sha }
}

beforeAll(async () => {
  root = await tempDir('clone-pack')
  work = path.join(root, 'work')
  await gitIn(root, ['init', '-q', work])
  await makeRepo(work, 12)
  // Two files larger than the indexer's 4 MiB limit for inflating at once, one that compresses
  // and one that does not, each changed a little twice: large whole objects and deltas on them.
  const big = text(6 * 1024 * 1024)
  const random = noise(5 * 1024 * 1024 + 123, 2024)
  for (const edit of [0, 1, 2]) {
    big.write(`edit ${edit}`, 4096 * (edit + 1))
    random[777 + edit] ^= 0xff
    await writeFile(path.join(work, 'big.txt'), big)
    await writeFile(path.join(work, 'random.bin'), random)
    await gitIn(work, ['add', 'big.txt', 'random.bin'])
    await gitIn(work, ['commit', '-q', '-m', `Big files, edit ${edit}`])
  }
}, 120_000)

afterAll(async () => {
  await removeDir(root)
})

describe('indexing large objects', () => {
  it('names objects larger than the inflate limit, whole and as delta bases, as native git does', async () => {
    const out = path.join(root, 'large')
    const native = await nativePack(out)
    const verify = await gitIn(out, ['verify-pack', '-v', native.idx])
    // The pack really holds a whole object over 4 MiB and deltas based on the big files.
    const sizes = verify
      .split('\n')
      .filter((line) => /^[0-9a-f]{40} blob /.test(line))
      .map((line) => Number(line.split(/\s+/)[2]))
    expect(Math.max(...sizes)).toBeGreaterThan(4 * 1024 * 1024)
    expect(verify).toMatch(/chain length = 2: \d+ objects?/)
    const mine = path.join(out, 'tmp_pack_large')
    await copyFile(native.pack, mine)
    const indexed = await indexPack(mine, { signal: new AbortController().signal, onProgress: () => {} })
    expect(indexed.sha).toBe(native.sha)
    const idx = await readFile(path.join(out, `pack-${native.sha}.idx`))
    expect(idx.equals(await readFile(native.idx))).toBe(true)
  })
})

describe('a pack that is not whole', () => {
  it('refuses a header that claims more objects than the file holds, before making room for them', async () => {
    const out = path.join(root, 'claims')
    const native = await nativePack(out)
    const pack = Buffer.from(await readFile(native.pack))
    pack.writeUInt32BE(0xfffffff0, 8)
    const file = path.join(out, 'tmp_pack_claims')
    await writeFile(file, pack)
    const error = await indexPack(file, { signal: new AbortController().signal, onProgress: () => {} }).then(
      () => null,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(GitError)
    expect((error as GitError).code).toBe('git_corrupt')
    expect((error as GitError).message).toContain('claims 4294967280 objects')
  })

  it('refuses a thin pack, whose deltas are based on objects it does not hold', async () => {
    const out = path.join(root, 'thin')
    await mkdir(out, { recursive: true })
    // The last commit alone, its changed big files as deltas on the versions before it.
    const file = path.join(out, 'tmp_pack_thin')
    const child = spawn('git', ['pack-objects', '-q', '--thin', '--revs', '--stdout'], { cwd: work, env: GIT_ENV })
    child.stdin.end('HEAD\n^HEAD~1\n')
    await pipeline(child.stdout, createWriteStream(file))
    const error = await indexPack(file, { signal: new AbortController().signal, onProgress: () => {} }).then(
      () => null,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(GitError)
    expect((error as GitError).code).toBe('git_corrupt')
    expect((error as GitError).message).toContain('a thin pack')
    expect((await namesIn(out)).filter((name) => name.endsWith('.idx'))).toEqual([])
  })
})

/** The pack file's bytes as a test writes them, in the shape the indexer waits on. */
class Trickle implements PackBytes {
  readable = 0
  complete = false
  #waiting: { bytes: number; resolve: () => void } | null = null

  wait(bytes: number): Promise<void> {
    if (this.complete || this.readable >= bytes) return Promise.resolve()
    return new Promise((resolve) => {
      this.#waiting = { bytes, resolve }
    })
  }

  grew(bytes: number): void {
    this.readable = bytes
    if (this.#waiting && bytes >= this.#waiting.bytes) this.#wake()
  }

  finish(): void {
    this.complete = true
    this.#wake()
  }

  #wake(): void {
    const waiting = this.#waiting
    this.#waiting = null
    waiting?.resolve()
  }
}

describe('indexing a pack as it arrives', () => {
  it('indexes a pack written in pieces of every size, as native git does, counting objects as they come', async () => {
    for (const deltaBase of ['--delta-base-offset', '--no-delta-base-offset']) {
      const out = path.join(root, `arriving${deltaBase}`)
      const native = await nativePack(out, deltaBase)
      const whole = await readFile(native.pack)
      const file = path.join(out, 'tmp_pack_arriving')
      await writeFile(file, '')
      const arriving = new Trickle()
      const events: LibraryProgress[] = []
      const indexing = indexPack(file, {
        signal: new AbortController().signal,
        onProgress: (event) => events.push(event),
        arriving,
      })
      // Awaited below; a failure while pieces are still being written must not go unhandled.
      indexing.catch(() => undefined)
      // Pieces of 1 to 13 bytes first (headers split anywhere), then up to three 1 MiB windows.
      let written = 0
      for (let piece = 0; written < whole.length; piece += 1) {
        const size = piece < 300 ? (piece % 13) + 1 : ((piece * 7919) % (3 * 1024 * 1024)) + 1
        const part = whole.subarray(written, Math.min(whole.length, written + size))
        await appendFile(file, part)
        written += part.length
        arriving.grew(written)
        await new Promise((resolve) => setImmediate(resolve))
      }
      arriving.finish()
      const indexed = await indexing
      expect(indexed.sha).toBe(native.sha)
      const idx = await readFile(path.join(out, `pack-${native.sha}.idx`))
      expect(idx.equals(await readFile(native.idx))).toBe(true)
      const receiving = events.filter((event) => event.phase === 'Receiving objects')
      expect(receiving.at(-1)).toEqual({ phase: 'Receiving objects', loaded: indexed.objects, total: indexed.objects })
      expect(receiving.map((event) => event.loaded)).toEqual(
        [...receiving.map((event) => event.loaded)].sort((a, b) => a - b),
      )
    }
  })
})

/** pkt-line framing (gitprotocol-common). */
function pkt(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0')), body])
}

describe('a damaged pack', () => {
  it('stops the download when the pack turns out damaged, even while the server goes quiet, and leaves no folder', async () => {
    const out = path.join(root, 'damaged')
    const native = await nativePack(out)
    const pack = Buffer.from(await readFile(native.pack))
    // The first object's zlib header, after the 12-byte pack header and the entry's own header.
    let at = 12
    while (pack[at]! & 0x80) at += 1
    pack[at + 1] = 0
    const head = await gitIn(work, ['rev-parse', 'HEAD'])
    let closedByClient = false
    const server = http.createServer((req, res) => {
      if (req.url?.startsWith('/site.git/info/refs')) {
        res.writeHead(200, { 'Content-Type': 'application/x-git-upload-pack-advertisement' })
        res.end(
          Buffer.concat([
            pkt('# service=git-upload-pack\n'),
            Buffer.from('0000'),
            pkt(`${head} HEAD\0side-band-64k ofs-delta symref=HEAD:refs/heads/master\n`),
            pkt(`${head} refs/heads/master\n`),
            Buffer.from('0000'),
          ]),
        )
        return
      }
      req.resume()
      res.writeHead(200, { 'Content-Type': 'application/x-git-upload-pack-result' })
      res.write(pkt('NAK\n'))
      // The pack's first kilobyte, with the damage in it; then nothing more, ever.
      res.write(pkt(Buffer.concat([Buffer.from([1]), pack.subarray(0, 1024)])))
      res.on('close', () => {
        closedByClient = true
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/site.git`
      const folder = path.join(root, 'repos', 'damaged')
      const error = await cloneRepository({
        url,
        token: 'unused',
        folder,
        signal: new AbortController().signal,
        onProgress: () => {},
      }).then(
        () => null,
        (caught: unknown) => caught,
      )
      expect(error).toBeInstanceOf(GitError)
      expect((error as GitError).code).toBe('git_corrupt')
      expect((error as GitError).message).toContain('damaged')
      expect((await namesIn(path.dirname(folder))).filter((name) => name.includes('damaged'))).toEqual([])
      await expect.poll(() => closedByClient).toBe(true)
    } finally {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
