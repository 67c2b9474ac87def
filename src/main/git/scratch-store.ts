/**
 * The objects a revert makes before anything is applied (merged files, the folders that hold
 * them, the commit, a backup's tag): kept in memory on top of the repository's own objects, so a
 * preview reads its result like any other object and writes nothing into the repository, and an
 * apply writes exactly these, as loose objects, before any ref names them.
 *
 * Why not isomorphic-git's `dryRun`: it still writes the merged blobs into the object store
 * (GIT-NOTES). Loose objects are written as git writes them (zlib, `<type> <size>\0` header,
 * named by the SHA-1 of both, read-only), each durable before the ref that names it moves: a
 * temp file beside it, fsynced, renamed into place.
 */
import { createHash } from 'node:crypto'
import { mkdir, open } from 'node:fs/promises'
import path from 'node:path'
import zlib from 'node:zlib'
import { exists, removeQuietly, renameDurable, tempPathFor } from '../../lib/atomic'
import { GitError } from './git-error'
import type { ObjectReader, ObjectType, RawObject } from './objects'

/** The id of the tree with no entries (what a root commit's parent tree is). */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'

/** Git's object id: the SHA-1 of the header and the content. */
export function objectId(type: ObjectType, data: Buffer): string {
  return createHash('sha1').update(`${type} ${data.length}\0`).update(data).digest('hex')
}

/** A reader that also holds objects of its own, written to the repository only on `writeTo`. */
export class ScratchStore implements ObjectReader {
  readonly #objects = new Map<string, RawObject>()

  constructor(readonly base: ObjectReader) {}

  /** Keeps an object in memory and returns its id. */
  put(type: ObjectType, data: Buffer): string {
    const oid = objectId(type, data)
    if (!this.#objects.has(oid)) this.#objects.set(oid, { type, data })
    return oid
  }

  async read(oid: string): Promise<RawObject> {
    return this.#objects.get(oid) ?? this.base.read(oid)
  }

  async has(oid: string): Promise<boolean> {
    return this.#objects.has(oid) || this.base.has(oid)
  }

  async refresh(): Promise<void> {
    await this.base.refresh()
  }

  /**
   * Writes every object of this store that the repository lacks into `<gitdir>/objects` and
   * returns how many it wrote. Objects are immutable and named by their content, so one that a
   * crash half-wrote is never under its name, and writing one twice is harmless.
   */
  async writeTo(gitdir: string, signal?: AbortSignal): Promise<number> {
    let written = 0
    for (const [oid, object] of this.#objects) {
      if (signal?.aborted) throw new GitError('git_cancelled', 'The revert was stopped before anything moved.')
      if (await this.base.has(oid)) continue
      await writeLoose(gitdir, oid, object)
      written++
    }
    if (written > 0) await this.base.refresh()
    return written
  }
}

async function writeLoose(gitdir: string, oid: string, object: RawObject): Promise<void> {
  const dir = path.join(gitdir, 'objects', oid.slice(0, 2))
  const file = path.join(dir, oid.slice(2))
  if (await exists(file)) return
  await mkdir(dir, { recursive: true })
  const body = zlib.deflateSync(Buffer.concat([Buffer.from(`${object.type} ${object.data.length}\0`), object.data]), {
    level: 1,
  })
  const tmp = tempPathFor(file)
  try {
    // Read-only as git makes them; the handle opened to create the file may still write it.
    const handle = await open(tmp, 'wx', 0o444)
    try {
      await handle.writeFile(body)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await renameDurable(tmp, file)
  } catch (error) {
    await removeQuietly(tmp)
    throw error
  }
}
