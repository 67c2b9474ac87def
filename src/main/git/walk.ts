/**
 * The history in git's own order, served in pages through a cursor.
 *
 * `git rev-list <tips...>` (no options) keeps a list ordered by committer date, newest first,
 * where a commit is inserted after every entry with a date >= its own
 * (`commit_list_insert_by_date`); it starts with the tips (de-duplicated, stable-sorted by date),
 * pops the first, outputs it and adds each parent not yet seen, in parent order, marking it seen
 * as it is added. A binary heap keyed by (date descending, insertion counter ascending) pops in
 * exactly that order, in O(log n) instead of the list's O(n) insert.
 *
 * A page's cursor is `<walk id>.<offset>`; the walk id is a hash of the tips, so a fetch that
 * moved a tip starts a new walk and its old cursors become stale. The walker keeps the live
 * walks (frontier and seen set) of the last few cursors it handed out; a cursor whose walk was
 * evicted (or a worker that restarted) is rebuilt by walking again to its offset, which is cheap
 * once the commits are in the store's cache.
 */
import { createHash } from 'node:crypto'
import type { CommitStore } from './commit-store'
import { GitError } from './git-error'
import type { ParsedCommit } from './objects'

/** How often (in commits) a long walk looks at its abort signal. */
const CHECK_EVERY = 256
const LIVE_WALKS = 8
const CURSOR = /^([0-9a-f]{16})\.(\d{1,9})$/

export function cancelled(): GitError {
  return new GitError('git_cancelled', 'Reading the history was stopped.')
}

export function staleCursor(): GitError {
  return new GitError(
    'git_stale_cursor',
    'The history changed since this page was read; it starts again from the newest commit.',
  )
}

interface Queued {
  readonly commit: ParsedCommit
  readonly seq: number
}

const before = (a: Queued, b: Queued): boolean =>
  a.commit.committer.at > b.commit.committer.at || (a.commit.committer.at === b.commit.committer.at && a.seq < b.seq)

/** One walk's state: the date-ordered frontier and the commits already queued. */
export class DateOrderWalk {
  private readonly heap: Queued[] = []
  private seq = 0
  private readonly seen = new Set<string>()
  /** Commits output so far. */
  offset = 0

  private constructor(
    private readonly store: CommitStore,
    private readonly excluded: ((oid: string) => boolean) | null,
  ) {}

  /**
   * Starts a walk from `tips` (commit or annotated tag ids). With `exclude`, commits it accepts
   * and everything only they reach are left out (for `git rev-list tips ^other`, whose order on
   * what remains is the same, since left-out commits only ever queue left-out parents).
   */
  static async start(
    store: CommitStore,
    tips: readonly string[],
    exclude: ((oid: string) => boolean) | null = null,
  ): Promise<DateOrderWalk> {
    const walk = new DateOrderWalk(store, exclude)
    for (const tip of tips) await walk.add(await store.peel(tip))
    return walk
  }

  get done(): boolean {
    return this.heap.length === 0
  }

  private async add(oid: string): Promise<void> {
    if (this.seen.has(oid)) return
    this.seen.add(oid)
    if (this.excluded?.(oid)) return
    const commit = this.store.cached(oid) ?? (await this.store.get(oid))
    this.push({ commit, seq: this.seq++ })
  }

  /** The next commit in git's order, or null at the end. */
  async next(): Promise<ParsedCommit | null> {
    const top = this.pop()
    if (!top) return null
    this.offset += 1
    for (const parent of top.commit.parents) await this.add(parent)
    return top.commit
  }

  private push(entry: Queued): void {
    const heap = this.heap
    let at = heap.push(entry) - 1
    while (at > 0) {
      const up = (at - 1) >> 1
      const parent = heap[up] as Queued
      if (!before(entry, parent)) break
      heap[at] = parent
      at = up
    }
    heap[at] = entry
  }

  private pop(): Queued | undefined {
    const heap = this.heap
    const top = heap[0]
    const last = heap.pop()
    if (top === undefined || last === undefined || heap.length === 0) return top
    let at = 0
    for (;;) {
      const left = 2 * at + 1
      if (left >= heap.length) break
      const right = left + 1
      const child = right < heap.length && before(heap[right] as Queued, heap[left] as Queued) ? right : left
      if (!before(heap[child] as Queued, last)) break
      heap[at] = heap[child] as Queued
      at = child
    }
    heap[at] = last
    return top
  }
}

/** The tips' walk id: the cursor's first part. */
export function walkIdOf(tips: readonly string[]): string {
  return createHash('sha1').update(tips.join(',')).digest('hex').slice(0, 16)
}

export interface WalkPage {
  readonly commits: ParsedCommit[]
  /** Where this page starts in the whole walk. */
  readonly offset: number
  /** The next page's cursor; null when this page ends at the first commit. */
  readonly cursor: string | null
}

export class HistoryWalker {
  /** Live walks by the cursor that continues them, least recently used first. */
  private readonly live = new Map<string, DateOrderWalk>()
  private readonly counts = new Map<string, number>()

  constructor(readonly store: CommitStore) {}

  /** Up to `size` commits from the cursor (null: the newest), in `git rev-list <tips>` order. */
  async page(tips: readonly string[], cursor: string | null, size = 100, signal?: AbortSignal): Promise<WalkPage> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`A page holds at least one commit (asked ${size}).`)
    const commits: ParsedCommit[] = []
    const { offset, cursor: next } = await this.scan(
      tips,
      cursor,
      (commit) => {
        commits.push(commit)
        return commits.length < size
      },
      signal,
    )
    return { commits, offset, cursor: next }
  }

  /**
   * Walks from the cursor, handing each commit to `visit` until it returns false or the history
   * ends. Answers where the scan started and the cursor just after the last commit visited.
   */
  async scan(
    tips: readonly string[],
    cursor: string | null,
    visit: (commit: ParsedCommit, offset: number) => boolean,
    signal?: AbortSignal,
  ): Promise<{ offset: number; cursor: string | null }> {
    const unique = [...new Set(tips)]
    const id = walkIdOf(unique)
    const walk = await this.resume(unique, id, cursor, signal)
    const offset = walk.offset
    for (;;) {
      if (walk.offset % CHECK_EVERY === 0 && signal?.aborted) throw cancelled()
      const commit = await walk.next()
      if (!commit) break
      if (!visit(commit, walk.offset - 1)) break
    }
    if (walk.done) return { offset, cursor: null }
    const next = `${id}.${walk.offset}`
    this.live.delete(next)
    this.live.set(next, walk)
    for (const oldest of this.live.keys()) {
      if (this.live.size <= LIVE_WALKS) break
      this.live.delete(oldest)
    }
    return { offset, cursor: next }
  }

  /** The walk a cursor continues: live if kept, else walked again to its offset. */
  private async resume(
    tips: readonly string[],
    id: string,
    cursor: string | null,
    signal: AbortSignal | undefined,
  ): Promise<DateOrderWalk> {
    if (cursor === null) return DateOrderWalk.start(this.store, tips)
    const match = CURSOR.exec(cursor)
    if (!match || match[1] !== id) throw staleCursor()
    const kept = this.live.get(cursor)
    if (kept) {
      // Taken out while it advances: a second request for the same cursor rebuilds its own.
      this.live.delete(cursor)
      return kept
    }
    const offset = Number(match[2])
    const walk = await DateOrderWalk.start(this.store, tips)
    while (walk.offset < offset) {
      if (walk.offset % CHECK_EVERY === 0 && signal?.aborted) throw cancelled()
      if (!(await walk.next())) throw staleCursor()
    }
    if (walk.done) throw staleCursor()
    return walk
  }

  /** How many commits the tips reach (cached per set of tips). */
  async count(tips: readonly string[], signal?: AbortSignal): Promise<number> {
    const unique = [...new Set(tips)]
    const id = walkIdOf(unique)
    const known = this.counts.get(id)
    if (known !== undefined) return known
    const seen = new Set<string>()
    const stack: string[] = []
    for (const tip of unique) stack.push(await this.store.peel(tip))
    while (stack.length > 0) {
      const oid = stack.pop() as string
      if (seen.has(oid)) continue
      seen.add(oid)
      if (seen.size % CHECK_EVERY === 0 && signal?.aborted) throw cancelled()
      const commit = this.store.cached(oid) ?? (await this.store.get(oid))
      for (const parent of commit.parents) if (!seen.has(parent)) stack.push(parent)
    }
    this.counts.set(id, seen.size)
    for (const oldest of this.counts.keys()) {
      if (this.counts.size <= LIVE_WALKS) break
      this.counts.delete(oldest)
    }
    return seen.size
  }
}
