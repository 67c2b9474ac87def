/**
 * Parsed commits of one repository, read once: commits are immutable, so the cache lives as
 * long as the repository is open (a 20,000-commit history is a few megabytes of parsed
 * commits). The walk, the search and the environments' standing all read through one store.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { GitError } from './git-error'
import { parseCommit, type ObjectReader, type ParsedCommit } from './objects'

/** How many annotated tags may point at tags before we call the chain damaged (git allows any). */
const MAX_TAG_DEPTH = 16

export class CommitStore {
  private readonly commits = new Map<string, ParsedCommit>()
  private readonly shallow: ReadonlySet<string>

  /**
   * @param shallow commits whose parents the clone does not have (a `.git/shallow` file's ids):
   * they are read as having none, as git does.
   */
  constructor(
    readonly reader: ObjectReader,
    options: { shallow?: ReadonlySet<string> } = {},
  ) {
    this.shallow = options.shallow ?? new Set()
  }

  /** The commit, from the cache when it was read before. */
  async get(oid: string): Promise<ParsedCommit> {
    const cached = this.commits.get(oid)
    if (cached) return cached
    const object = await this.reader.read(oid)
    if (object.type !== 'commit')
      throw new GitError(
        'git_corrupt',
        `${oid.slice(0, 10)} is a ${object.type} where the history needs a commit. Fetch the history again; if it persists, delete the clone.`,
      )
    return this.remember(oid, object.data)
  }

  private remember(oid: string, data: Buffer): ParsedCommit {
    let commit = parseCommit(oid, data)
    if (this.shallow.has(oid) && commit.parents.length > 0) commit = { ...commit, parents: [] }
    this.commits.set(oid, commit)
    return commit
  }

  /** The commit if it was read before, without reading (the walk's fast path). */
  cached(oid: string): ParsedCommit | undefined {
    return this.commits.get(oid)
  }

  /** The commit an id names: itself for a commit, the tagged commit for an annotated tag. */
  async peel(oid: string): Promise<string> {
    let current = oid
    for (let depth = 0; depth <= MAX_TAG_DEPTH; depth += 1) {
      if (this.commits.has(current)) return current
      const object = await this.reader.read(current)
      if (object.type === 'commit') {
        this.remember(current, object.data)
        return current
      }
      if (object.type !== 'tag')
        throw new GitError(
          'git_corrupt',
          `${oid.slice(0, 10)} names a ${object.type}, not a commit. Check the environment's deploy tag, or fetch the history again.`,
        )
      const target = /^object ([0-9a-f]{40})\n/.exec(object.data.toString('latin1', 0, 48))
      if (!target)
        throw new GitError(
          'git_corrupt',
          `The tag ${oid.slice(0, 10)} is damaged (it names no object). Fetch the history again.`,
        )
      current = target[1] as string
    }
    throw new GitError('git_corrupt', `The tag ${oid.slice(0, 10)} points through too many tags. Check the deploy tag.`)
  }
}

/**
 * The commits a shallow clone has without their parents (`<gitdir>/shallow`, one id a line);
 * empty for a full clone. Pass them to the store so the walk ends there as git's does.
 */
export async function shallowCommits(gitdir: string): Promise<Set<string>> {
  let text: string
  try {
    text = await readFile(path.join(gitdir, 'shallow'), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set()
    throw error
  }
  return new Set(text.split('\n').filter((line) => /^[0-9a-f]{40}$/.test(line)))
}
