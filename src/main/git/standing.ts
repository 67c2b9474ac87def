/**
 * Where dev, test and live stand: the commits each environment's code contains (its ancestry),
 * what one has that another lacks (`git rev-list to..from`, the commits a deploy would bring),
 * and each history row's badges and tags.
 *
 * An ancestry is a Set of ids: for 20,000 commits that is about a megabyte and a few
 * milliseconds to build from cached commits, and membership is what the rows ask for. A tip's
 * ancestry reuses any cached ancestry it reaches (after a fetch, dev's new ancestry is its few
 * new commits plus the old one), and the last few are kept per store.
 */
import type { HistoryCommit } from '../../shared/history'
import type { CommitStore } from './commit-store'
import { subjectOf, type ParsedCommit } from './objects'
import { cancelled, DateOrderWalk } from './walk'

const KEPT_ANCESTRIES = 8
const CHECK_EVERY = 256
const ENV_ORDER = ['dev', 'test', 'live']

const ancestries = new WeakMap<CommitStore, Map<string, ReadonlySet<string>>>()

/** Every commit reachable from `tip` (a commit or annotated tag id), the tip included. */
export async function ancestry(store: CommitStore, tip: string, signal?: AbortSignal): Promise<ReadonlySet<string>> {
  let cache = ancestries.get(store)
  if (!cache) {
    cache = new Map()
    ancestries.set(store, cache)
  }
  const start = await store.peel(tip)
  const known = cache.get(start)
  if (known) {
    cache.delete(start)
    cache.set(start, known)
    return known
  }
  const seen = new Set<string>()
  const stack = [start]
  while (stack.length > 0) {
    const oid = stack.pop() as string
    if (seen.has(oid)) continue
    const reached = cache.get(oid)
    if (reached) {
      for (const member of reached) seen.add(member)
      continue
    }
    seen.add(oid)
    if (seen.size % CHECK_EVERY === 0 && signal?.aborted) throw cancelled()
    const commit = store.cached(oid) ?? (await store.get(oid))
    for (const parent of commit.parents) if (!seen.has(parent)) stack.push(parent)
  }
  cache.set(start, seen)
  for (const oldest of cache.keys()) {
    if (cache.size <= KEPT_ANCESTRIES) break
    cache.delete(oldest)
  }
  return seen
}

export interface Gap {
  /** Commits in `from` and not in `to`. */
  readonly count: number
  /** The first `limit` of them, in `git rev-list to..from` order (newest first). */
  readonly commits: ParsedCommit[]
}

/**
 * The commits `from` has and `to` lacks, as `git rev-list to..from` lists them; null for
 * either means "no commit" (an environment never deployed to).
 */
export async function gap(
  store: CommitStore,
  from: string | null,
  to: string | null,
  limit = 50,
  signal?: AbortSignal,
): Promise<Gap> {
  if (from === null) return { count: 0, commits: [] }
  const behind = to === null ? new Set<string>() : await ancestry(store, to, signal)
  const walk = await DateOrderWalk.start(store, [from], (oid) => behind.has(oid))
  const commits: ParsedCommit[] = []
  for (;;) {
    if (walk.offset % CHECK_EVERY === 0 && signal?.aborted) throw cancelled()
    const commit = await walk.next()
    if (!commit) break
    if (commits.length < limit) commits.push(commit)
  }
  return { count: walk.offset, commits }
}

/** What a history row needs to know besides its commit. */
export interface DecorateContext {
  /** Where each environment's code is (null: never deployed). */
  readonly positions: readonly { readonly env: string; readonly oid: string | null }[]
  /** Each environment's ancestry, by environment name. */
  readonly ancestry: ReadonlyMap<string, ReadonlySet<string>>
  /** Deploy tags by the commit they name, short names, newest first. */
  readonly tagsByOid: ReadonlyMap<string, readonly string[]>
}

const envRank = (env: string): number => {
  const rank = ENV_ORDER.indexOf(env)
  return rank === -1 ? ENV_ORDER.length : rank
}

/** A commit as a history row: badges in dev, test, live order, tags, subject, times in ms. */
export function decorate(commit: ParsedCommit, context: DecorateContext): HistoryCommit {
  const positions = [...context.positions].sort((a, b) => envRank(a.env) - envRank(b.env))
  return {
    oid: commit.oid,
    parents: commit.parents,
    subject: subjectOf(commit.message),
    authorName: commit.author.name,
    authorEmail: commit.author.email,
    authoredAt: commit.author.at,
    committedAt: commit.committer.at,
    envsAt: positions.filter((position) => position.oid === commit.oid).map((position) => position.env),
    envsContaining: positions
      .filter((position) => position.oid === commit.oid || context.ancestry.get(position.env)?.has(commit.oid))
      .map((position) => position.env),
    tags: context.tagsByOid.get(commit.oid) ?? [],
  }
}

const NO_STANDING: DecorateContext = { positions: [], ancestry: new Map(), tagsByOid: new Map() }

/** A commit as a history row with no environment or tag on it (a repository without a platform). */
export function plainRow(commit: ParsedCommit): HistoryCommit {
  return decorate(commit, NO_STANDING)
}
