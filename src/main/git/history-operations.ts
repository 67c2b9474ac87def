/**
 * The worker's history operations: the overview (where dev, test and live stand and what each
 * lacks), pages, search, a commit's detail and one file's whole diff. They run on one state per
 * repository session, opened on first use and kept until the session is dropped (a fetch, a
 * close): the pack reader, the commit store every walk shares, the walker with its live cursors,
 * the deploy tags, and each environment's ancestry for the rows' badges.
 */
import fs from 'node:fs'
import git from 'isomorphic-git'
import type { EnvGap, EnvPosition, HistoryCommit } from '../../shared/history'
import { commitDetail, fileDiff } from './commit-detail'
import { CommitStore, shallowCommits } from './commit-store'
import type { ParsedCommit } from './objects'
import { openPackReader, type PackObjectReader } from './pack-reader'
import { searchHistory } from './search'
import { ancestry, decorate, gap, type DecorateContext } from './standing'
import { HistoryWalker } from './walk'
import type { EnvTarget, GitOperationTable, HistoryView, OpContext, RepoSession } from './worker-protocol'

const PAGE_SIZE = 100
const SEARCH_PAGE = 100
/** Commits of a gap listed in the overview (the count is always whole). */
const GAP_LIST = 50
const DEPLOY_TAG = /^pantheon_[a-z0-9-]+_(\d+)$/
const STATE_KEY = 'history-state'

/** What the history keeps for one repository session. */
export interface HistoryState {
  readonly reader: PackObjectReader
  readonly store: CommitStore
  readonly walker: HistoryWalker
  /** Deploy tags (and any other tags) by the commit they name, newest deploy first. */
  readonly tagsByOid: ReadonlyMap<string, readonly string[]>
  /** Closes the pack files; the worker calls it when it drops the session. */
  close(): void
}

async function readTags(gitdir: string, store: CommitStore): Promise<Map<string, string[]>> {
  const byCommit = new Map<string, string[]>()
  for (const name of await git.listTags({ fs, gitdir })) {
    const ref = await git.resolveRef({ fs, gitdir, ref: `refs/tags/${name}` })
    let oid: string
    try {
      oid = await store.peel(ref)
    } catch {
      continue // a tag of a tree or blob, or of an object the clone lacks: no row to put it on
    }
    byCommit.set(oid, [...(byCommit.get(oid) ?? []), name])
  }
  const rank = (name: string): number => Number(DEPLOY_TAG.exec(name)?.[1] ?? -1)
  for (const names of byCommit.values()) names.sort((a, b) => rank(b) - rank(a) || a.localeCompare(b))
  return byCommit
}

async function openState(gitdir: string): Promise<HistoryState> {
  const reader = await openPackReader(gitdir)
  try {
    const store = new CommitStore(reader, { shallow: await shallowCommits(gitdir) })
    const tagsByOid = await readTags(gitdir, store)
    return { reader, store, walker: new HistoryWalker(store), tagsByOid, close: () => reader.close() }
  } catch (error) {
    reader.close()
    throw error
  }
}

/** The session's history state, opened once even when requests arrive together. */
export function stateOf(session: RepoSession): Promise<HistoryState> {
  let opening = session.memo.get(STATE_KEY) as Promise<HistoryState> | undefined
  if (!opening) {
    opening = openState(session.gitdir)
    session.memo.set(STATE_KEY, opening)
    // A failed open is not kept: the next request tries again (after a fetch repaired the clone).
    opening.catch(() => session.memo.delete(STATE_KEY))
  }
  return opening
}

/** Closes what a session's history state holds (the worker calls this when it drops a session). */
export async function closeHistoryState(session: RepoSession): Promise<void> {
  const opening = session.memo.get(STATE_KEY) as Promise<HistoryState> | undefined
  session.memo.delete(STATE_KEY)
  if (!opening) return
  try {
    ;(await opening).close()
  } catch {
    // it never opened: nothing to close
  }
}

/** The environments whose commit the clone has: the walk's tips, in dev, test, live order. */
async function tipsOf(state: HistoryState, envs: readonly EnvTarget[]): Promise<EnvTarget[]> {
  const present: EnvTarget[] = []
  for (const env of envs) if (env.oid !== null && (await state.reader.has(env.oid))) present.push(env)
  return present
}

async function decorationOf(
  state: HistoryState,
  tips: readonly EnvTarget[],
  signal: AbortSignal,
): Promise<(commit: ParsedCommit) => HistoryCommit> {
  const byEnv = new Map<string, ReadonlySet<string>>()
  for (const tip of tips) byEnv.set(tip.env, await ancestry(state.store, tip.oid!, signal))
  const context: DecorateContext = { positions: tips, ancestry: byEnv, tagsByOid: state.tagsByOid }
  return (commit) => decorate(commit, context)
}

/** The history state and the rows' decoration for a view (the rollback operations share them). */
export async function prepare(view: HistoryView, context: OpContext) {
  const state = await stateOf(context.session(view.gitdir))
  const tips = await tipsOf(state, view.envs)
  const row = await decorationOf(state, tips, context.signal)
  return { state, tips, tipIds: tips.map((tip) => tip.oid!), row }
}

export const historyOperations: Pick<GitOperationTable, 'overview' | 'page' | 'search' | 'commit' | 'fileDiff'> = {
  async overview(view, context) {
    const { state, tips, tipIds, row } = await prepare(view, context)
    const positions: EnvPosition[] = []
    for (const env of view.envs) {
      const present = tips.some((tip) => tip.env === env.env)
      const commit = present ? await state.store.get(env.oid!) : null
      positions.push({
        env: env.env,
        oid: env.oid,
        ref: env.ref,
        subject: commit ? commit.message.split('\n', 1)[0]!.trim() : null,
        committedAt: commit ? commit.committer.at : null,
        inClone: commit !== null,
      })
    }
    const oidOf = (env: string): string | null => tips.find((tip) => tip.env === env)?.oid ?? null
    const gaps: EnvGap[] = []
    for (const [from, to] of [
      ['dev', 'test'],
      ['test', 'live'],
    ] as const) {
      if (!view.envs.some((env) => env.env === from) || !view.envs.some((env) => env.env === to)) continue
      const forward = await gap(state.store, oidOf(from), oidOf(to), GAP_LIST, context.signal)
      const backward = await gap(state.store, oidOf(to), oidOf(from), GAP_LIST, context.signal)
      gaps.push({
        from,
        to,
        count: forward.count,
        commits: forward.commits.map(row),
        reverseCount: backward.count,
        reverseCommits: backward.commits.map(row),
      })
    }
    return { positions, gaps, totalCommits: await state.walker.count(tipIds, context.signal) }
  },

  async page(args, context) {
    const { state, tipIds, row } = await prepare(args, context)
    const page = await state.walker.page(tipIds, args.cursor, PAGE_SIZE, context.signal)
    return { commits: page.commits.map(row), offset: page.offset, cursor: page.cursor }
  },

  async search(args, context) {
    const { state, tipIds, row } = await prepare(args, context)
    const result = await searchHistory(state.walker, tipIds, args.query, args.cursor, {
      limit: SEARCH_PAGE,
      signal: context.signal,
      onProgress: (scanned) => context.progress({ phase: 'Searching', loaded: scanned, total: null, bytes: 0 }),
    })
    return { query: args.query, commits: result.commits.map(row), scanned: result.scanned, cursor: result.cursor }
  },

  async commit(args, context) {
    const { state, row } = await prepare(args, context)
    return commitDetail(state.reader, args.oid, row, context.signal)
  },

  async fileDiff(args, context) {
    const state = await stateOf(context.session(args.gitdir))
    return fileDiff(state.reader, args.oid, args.path, context.signal)
  },
}
