/**
 * Reading git objects: the interface every reader in the git module uses, the parsers for
 * commit and tree objects (their formats are git's own and tiny; parsing them here instead of
 * through the library keeps the history walk free of the library's per-object work), and a
 * reader backed by isomorphic-git's `readObject` with one long-lived cache per repository, and
 * the worker's session of a repository around that cache.
 */
import fs from 'node:fs'
import git from 'isomorphic-git'
import { GitError } from './git-error'
import type { RepoSession } from './worker-protocol'

export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag'

/** An object's type and its content (without git's "<type> <size>\0" header). */
export interface RawObject {
  readonly type: ObjectType
  readonly data: Buffer
}

/** Reads objects of one repository. Implementations keep their caches for the repository's life. */
export interface ObjectReader {
  /** The object, or a GitError `git_missing_object` when the repository does not have it. */
  read(oid: string): Promise<RawObject>
  /** Whether the repository has the object. */
  has(oid: string): Promise<boolean>
  /** Forgets what it learnt of the object files (call after a fetch added packs). */
  refresh(): Promise<void>
}

/** A person and a moment as a commit records them. */
export interface Signature {
  readonly name: string
  readonly email: string
  /** Epoch ms. */
  readonly at: number
  /** The zone as written, e.g. "+0100". */
  readonly zone: string
}

export interface ParsedCommit {
  readonly oid: string
  readonly tree: string
  readonly parents: readonly string[]
  readonly author: Signature
  readonly committer: Signature
  /** The whole message, as stored (usually ending with a newline). */
  readonly message: string
}

export interface TreeEntry {
  /** Git's mode as written in the tree: "100644", "100755", "120000", "40000", "160000". */
  readonly mode: string
  readonly name: string
  readonly oid: string
}

const SIGNATURE = /^(.*) <([^>]*)> (-?\d+) ([+-]\d{4})$/

function parseSignature(text: string): Signature {
  const match = SIGNATURE.exec(text)
  if (!match) return { name: text, email: '', at: 0, zone: '+0000' }
  return { name: match[1] ?? '', email: match[2] ?? '', at: Number(match[3]) * 1000, zone: match[4] ?? '+0000' }
}

/** Parses a commit object's content. */
export function parseCommit(oid: string, data: Buffer): ParsedCommit {
  const text = data.toString('utf8')
  const headerEnd = text.indexOf('\n\n')
  const header = headerEnd === -1 ? text : text.slice(0, headerEnd)
  const message = headerEnd === -1 ? '' : text.slice(headerEnd + 2)
  let tree = ''
  const parents: string[] = []
  let author: Signature | null = null
  let committer: Signature | null = null
  for (const line of header.split('\n')) {
    // Continuation lines (a signature's or mergetag's body) start with a space.
    if (line.startsWith(' ')) continue
    const space = line.indexOf(' ')
    const key = line.slice(0, space)
    const value = line.slice(space + 1)
    if (key === 'tree') tree = value
    else if (key === 'parent') parents.push(value)
    else if (key === 'author') author = parseSignature(value)
    else if (key === 'committer') committer = parseSignature(value)
  }
  if (tree === '' || !author || !committer)
    throw new GitError(
      'git_corrupt',
      `Commit ${oid.slice(0, 10)} is damaged (its header is incomplete). Delete the clone and open the history again.`,
    )
  return { oid, tree, parents, author, committer, message }
}

/** The first line of a message. */
export function subjectOf(message: string): string {
  const end = message.indexOf('\n')
  return (end === -1 ? message : message.slice(0, end)).trim()
}

/** Parses a tree object's content: "<mode> <name>\0<20 or 32 raw bytes>" repeated. */
export function parseTree(data: Buffer, oidBytes = 20): TreeEntry[] {
  const entries: TreeEntry[] = []
  let at = 0
  while (at < data.length) {
    const space = data.indexOf(0x20, at)
    const nul = data.indexOf(0, space + 1)
    if (space === -1 || nul === -1 || nul + 1 + oidBytes > data.length)
      throw new GitError('git_corrupt', 'A tree in the clone is damaged. Delete the clone and open the history again.')
    entries.push({
      mode: data.toString('latin1', at, space),
      name: data.toString('utf8', space + 1, nul),
      oid: data.toString('hex', nul + 1, nul + 1 + oidBytes),
    })
    at = nul + 1 + oidBytes
  }
  return entries
}

/**
 * A reader on isomorphic-git's `readObject`. Correct for every repository the library reads,
 * but it checks each object's hash and looks for a loose file before the packs, so a full
 * history walk costs several times native git; the pack reader is the fast path.
 */
export function isoObjectReader(gitdir: string, cache: object = {}): ObjectReader {
  return {
    async read(oid) {
      try {
        const result = await git.readObject({ fs, gitdir, oid, format: 'content', cache })
        return { type: result.type as ObjectType, data: Buffer.from(result.object as Uint8Array) }
      } catch (error) {
        if ((error as { code?: string }).code === 'NotFoundError')
          throw new GitError(
            'git_missing_object',
            `The clone has no object ${oid.slice(0, 10)}. Fetch the history again.`,
            { cause: error },
          )
        throw error
      }
    },
    async has(oid) {
      try {
        await git.readObject({ fs, gitdir, oid, format: 'deflated', cache })
        return true
      } catch {
        return false
      }
    },
    async refresh() {
      for (const key of Object.keys(cache)) delete (cache as Record<string, unknown>)[key]
      for (const key of Object.getOwnPropertySymbols(cache)) delete (cache as Record<symbol, unknown>)[key]
    },
  }
}

/** A fresh session of a repository, as the worker keeps one until it drops it: one cache for every library call. */
export function openRepoSession(gitdir: string): RepoSession {
  const cache = {}
  return { gitdir, cache, reader: isoObjectReader(gitdir, cache), memo: new Map() }
}
