/**
 * The worker's history operations until the dedicated walk (walk.ts, search.ts, standing.ts) and
 * diff (tree-diff.ts, file-diff.ts, commit-detail.ts) modules are plugged into the worker's table.
 * It answers every history request correctly but simply: the first request of a session walks
 * the whole history from the environments' commits (newest committer date first, as
 * `git rev-list` does) into memory, and pages, search and the gaps between environments are
 * read from that; a commit's diff compares trees read through the session's object reader and
 * diffs lines with jsdiff (exact renames only). Memory grows with the history, which is fine for
 * the sites it serves until then and is what the dedicated modules remove.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import git from 'isomorphic-git'
import { structuredPatch } from 'diff'
import type {
  CommitDetail,
  DiffHunk,
  DiffLine,
  EnvGap,
  EnvPosition,
  FileChange,
  HistoryCommit,
  HistoryPage,
  HistorySearchPage,
} from '../../shared/history'
import { GitError } from './git-error'
import { parseCommit, parseTree, subjectOf, type ParsedCommit } from './objects'
import {
  cancelledError,
  type EnvTarget,
  type GitOperationTable,
  type HistoryView,
  type OpContext,
  type RepoSession,
} from './worker-protocol'

const PAGE_SIZE = 100
const GAP_LIST = 50
const SEARCH_MATCHES = 100
/** Diff lines a commit's detail carries before the rest is cut ("Show all" asks for one file whole). */
const DIFF_LINE_BUDGET = 5000

interface Graph {
  readonly key: string
  /** Every commit reachable from the tips, in walk order. */
  readonly order: readonly string[]
  readonly commits: ReadonlyMap<string, ParsedCommit>
  readonly containing: ReadonlyMap<string, readonly string[]>
  readonly tips: readonly EnvTarget[]
}

/** A max-heap of commits by committer time (git's date order). */
class DateQueue {
  readonly #items: ParsedCommit[] = []
  get size(): number {
    return this.#items.length
  }
  push(item: ParsedCommit): void {
    const items = this.#items
    items.push(item)
    for (let i = items.length - 1; i > 0;) {
      const parent = (i - 1) >> 1
      if (items[parent]!.committer.at >= items[i]!.committer.at) break
      ;[items[parent], items[i]] = [items[i]!, items[parent]!]
      i = parent
    }
  }
  pop(): ParsedCommit {
    const items = this.#items
    const top = items[0]!
    const last = items.pop()!
    if (items.length > 0) {
      items[0] = last
      for (let i = 0; ;) {
        const l = 2 * i + 1
        const r = l + 1
        let best = i
        if (l < items.length && items[l]!.committer.at > items[best]!.committer.at) best = l
        if (r < items.length && items[r]!.committer.at > items[best]!.committer.at) best = r
        if (best === i) break
        ;[items[best], items[i]] = [items[i]!, items[best]!]
        i = best
      }
    }
    return top
  }
}

async function readCommit(session: RepoSession, oid: string): Promise<ParsedCommit | null> {
  if (!(await session.reader.has(oid))) return null
  const object = await session.reader.read(oid)
  if (object.type !== 'commit')
    throw new GitError('git_missing_object', `${oid.slice(0, 10)} is a ${object.type}, not a commit.`)
  return parseCommit(oid, object.data)
}

/** The walk from the environments' commits that the clone has, made once per session and tips. */
async function graphOf(session: RepoSession, envs: readonly EnvTarget[], signal: AbortSignal): Promise<Graph> {
  const tips: EnvTarget[] = []
  for (const env of envs) if (env.oid && (await session.reader.has(env.oid))) tips.push(env)
  const key = createHash('sha1')
    .update(tips.map((t) => `${t.env}=${t.oid}`).join(','))
    .digest('hex')
    .slice(0, 12)
  const memoKey = `interim-graph:${key}`
  const known = session.memo.get(memoKey) as Graph | undefined
  if (known) return known
  const commits = new Map<string, ParsedCommit>()
  const order: string[] = []
  const queue = new DateQueue()
  const queued = new Set<string>()
  for (const tip of tips) {
    if (queued.has(tip.oid!)) continue
    const commit = await readCommit(session, tip.oid!)
    if (commit) queue.push(commit)
    queued.add(tip.oid!)
  }
  while (queue.size > 0) {
    if (order.length % 1000 === 0 && signal.aborted) throw cancelledError('page')
    const commit = queue.pop()
    commits.set(commit.oid, commit)
    order.push(commit.oid)
    for (const parent of commit.parents) {
      if (queued.has(parent)) continue
      queued.add(parent)
      // A shallow clone lacks its oldest parents: the history ends there.
      const read = await readCommit(session, parent)
      if (read) queue.push(read)
    }
  }
  const containing = new Map<string, string[]>()
  for (const tip of tips) {
    const stack = [tip.oid!]
    const seen = new Set<string>()
    while (stack.length > 0) {
      const oid = stack.pop()!
      if (seen.has(oid) || !commits.has(oid)) continue
      seen.add(oid)
      const list = containing.get(oid) ?? []
      list.push(tip.env)
      containing.set(oid, list)
      stack.push(...commits.get(oid)!.parents)
    }
  }
  const graph: Graph = { key, order, commits, containing, tips }
  // One walk per session: other tips (after the platform moved) replace it.
  for (const name of [...session.memo.keys()]) if (name.startsWith('interim-graph:')) session.memo.delete(name)
  session.memo.set(memoKey, graph)
  return graph
}

const DEPLOY_TAG = /^pantheon_[a-z0-9-]+_(\d+)$/

/** Tags by the commit they point at, deploy tags newest (highest number) first. */
async function tagsOf(session: RepoSession): Promise<ReadonlyMap<string, readonly string[]>> {
  const known = session.memo.get('interim-tags') as Map<string, string[]> | undefined
  if (known) return known
  const byCommit = new Map<string, string[]>()
  for (const name of await git.listTags({ fs, gitdir: session.gitdir })) {
    let oid = await git.resolveRef({ fs, gitdir: session.gitdir, ref: `refs/tags/${name}` })
    // Peel annotated tags down to what they tag.
    for (let depth = 0; depth < 10; depth += 1) {
      if (!(await session.reader.has(oid))) break
      const object = await session.reader.read(oid)
      if (object.type !== 'tag') break
      oid = /^object ([0-9a-f]+)$/m.exec(object.data.toString('utf8'))?.[1] ?? oid
    }
    byCommit.set(oid, [...(byCommit.get(oid) ?? []), name])
  }
  const rank = (name: string): number => Number(DEPLOY_TAG.exec(name)?.[1] ?? -1)
  for (const names of byCommit.values()) names.sort((a, b) => rank(b) - rank(a) || a.localeCompare(b))
  session.memo.set('interim-tags', byCommit)
  return byCommit
}

function rowOf(graph: Graph, tags: ReadonlyMap<string, readonly string[]>, oid: string): HistoryCommit {
  const commit = graph.commits.get(oid)!
  return {
    oid,
    parents: commit.parents,
    subject: subjectOf(commit.message),
    authorName: commit.author.name,
    authorEmail: commit.author.email,
    authoredAt: commit.author.at,
    committedAt: commit.committer.at,
    envsAt: graph.tips.filter((tip) => tip.oid === oid).map((tip) => tip.env),
    envsContaining: graph.containing.get(oid) ?? [],
    tags: tags.get(oid) ?? [],
  }
}

/** `<walk key>:<offset>`: a cursor is good only for the walk (the tips) it came from. */
function readCursor(graph: Graph, cursor: string | null): number {
  if (cursor === null) return 0
  const match = /^([0-9a-f]{12}):(\d{1,9})$/.exec(cursor)
  const offset = match ? Number(match[2]) : -1
  if (!match || match[1] !== graph.key || offset > graph.order.length)
    throw new GitError(
      'git_stale_cursor',
      'The history changed since this list was loaded (or the app restarted). Reload the history.',
    )
  return offset
}

async function overview(view: HistoryView, context: OpContext) {
  const session = context.session(view.gitdir)
  const graph = await graphOf(session, view.envs, context.signal)
  const tags = await tagsOf(session)
  const positions: EnvPosition[] = view.envs.map((env) => {
    const commit = env.oid ? graph.commits.get(env.oid) : undefined
    return {
      env: env.env,
      oid: env.oid,
      ref: env.ref,
      subject: commit ? subjectOf(commit.message) : null,
      committedAt: commit ? commit.committer.at : null,
      inClone: commit !== undefined,
    }
  })
  const gap = (from: string, to: string): EnvGap => {
    const forward: string[] = []
    const backward: string[] = []
    for (const oid of graph.order) {
      const envs = graph.containing.get(oid) ?? []
      if (envs.includes(from) && !envs.includes(to)) forward.push(oid)
      if (envs.includes(to) && !envs.includes(from)) backward.push(oid)
    }
    return {
      from,
      to,
      count: forward.length,
      commits: forward.slice(0, GAP_LIST).map((oid) => rowOf(graph, tags, oid)),
      reverseCount: backward.length,
      reverseCommits: backward.slice(0, GAP_LIST).map((oid) => rowOf(graph, tags, oid)),
    }
  }
  const names = view.envs.map((env) => env.env)
  const gaps = [
    ['dev', 'test'],
    ['test', 'live'],
  ]
    .filter(([from, to]) => names.includes(from!) && names.includes(to!))
    .map(([from, to]) => gap(from!, to!))
  return { positions, gaps, totalCommits: graph.order.length }
}

async function page(args: HistoryView & { cursor: string | null }, context: OpContext): Promise<HistoryPage> {
  const session = context.session(args.gitdir)
  const graph = await graphOf(session, args.envs, context.signal)
  const tags = await tagsOf(session)
  const offset = readCursor(graph, args.cursor)
  const end = Math.min(offset + PAGE_SIZE, graph.order.length)
  return {
    commits: graph.order.slice(offset, end).map((oid) => rowOf(graph, tags, oid)),
    offset,
    cursor: end < graph.order.length ? `${graph.key}:${end}` : null,
  }
}

async function search(
  args: HistoryView & { query: string; cursor: string | null },
  context: OpContext,
): Promise<HistorySearchPage> {
  const session = context.session(args.gitdir)
  const graph = await graphOf(session, args.envs, context.signal)
  const tags = await tagsOf(session)
  const query = args.query.trim().toLowerCase()
  const words = query.split(/\s+/).filter((word) => word !== '')
  const hashPrefix = /^[0-9a-f]{4,64}$/.test(query) ? query : null
  let at = readCursor(graph, args.cursor)
  const found: HistoryCommit[] = []
  for (; at < graph.order.length && found.length < SEARCH_MATCHES; at += 1) {
    if (at % 2000 === 0) {
      if (context.signal.aborted) throw cancelledError('search')
      context.progress({ phase: 'Searching', loaded: at, total: graph.order.length, bytes: 0 })
    }
    const oid = graph.order[at]!
    const commit = graph.commits.get(oid)!
    const text = `${commit.message}\n${commit.author.name}\n${commit.author.email}`.toLowerCase()
    if ((hashPrefix && oid.startsWith(hashPrefix)) || words.every((word) => text.includes(word)))
      found.push(rowOf(graph, tags, oid))
  }
  return {
    query: args.query,
    commits: found,
    scanned: at,
    cursor: at < graph.order.length ? `${graph.key}:${at}` : null,
  }
}

interface RawChange {
  readonly path: string
  readonly oldOid: string | null
  readonly newOid: string | null
  readonly oldMode: string | null
  readonly newMode: string | null
}

const isTree = (mode: string | null): boolean => mode === '40000' || mode === '040000'

/** The files that differ between two trees (null: the empty tree), depth first. */
async function treeChanges(
  session: RepoSession,
  before: string | null,
  after: string | null,
  prefix: string,
  out: RawChange[],
): Promise<void> {
  const entries = async (oid: string | null) =>
    new Map(oid ? parseTree((await session.reader.read(oid)).data).map((e) => [e.name, e] as const) : [])
  const [a, b] = [await entries(before), await entries(after)]
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const [x, y] = [a.get(name), b.get(name)]
    if (x && y && x.oid === y.oid && x.mode === y.mode) continue
    const path = `${prefix}${name}`
    const xTree = x !== undefined && isTree(x.mode)
    const yTree = y !== undefined && isTree(y.mode)
    if (xTree || yTree) await treeChanges(session, xTree ? x.oid : null, yTree ? y.oid : null, `${path}/`, out)
    const xFile = x !== undefined && !xTree ? x : undefined
    const yFile = y !== undefined && !yTree ? y : undefined
    if (xFile || yFile)
      out.push({
        path,
        oldOid: xFile?.oid ?? null,
        newOid: yFile?.oid ?? null,
        oldMode: xFile?.mode ?? null,
        newMode: yFile?.mode ?? null,
      })
  }
}

async function blobText(session: RepoSession, oid: string | null, mode: string | null): Promise<Buffer> {
  if (oid === null) return Buffer.alloc(0)
  // A submodule's entry names a commit of another repository; git shows it as one line.
  if (mode === '160000') return Buffer.from(`Subproject commit ${oid}\n`)
  return (await session.reader.read(oid)).data
}

const hasNul = (data: Buffer): boolean => data.subarray(0, 8000).includes(0)

/** One file's change with its hunks, within `budget` lines (Infinity for "Show all"). */
async function fileChange(
  session: RepoSession,
  raw: RawChange & { readonly oldPath: string | null },
  budget: { left: number },
): Promise<FileChange> {
  const status =
    raw.oldPath !== null ? 'renamed' : raw.oldOid === null ? 'added' : raw.newOid === null ? 'deleted' : 'modified'
  const base = {
    path: raw.path,
    oldPath: raw.oldPath,
    status,
    similarity: raw.oldPath !== null ? 100 : null,
    oldMode: raw.oldMode,
    newMode: raw.newMode,
  } as const
  const [before, after] = [
    await blobText(session, raw.oldOid, raw.oldMode),
    await blobText(session, raw.newOid, raw.newMode),
  ]
  if (hasNul(before) || hasNul(after))
    return { ...base, binary: true, added: null, removed: null, hunks: null, cut: false }
  const patch = structuredPatch('a', 'b', before.toString('utf8'), after.toString('utf8'), '', '', { context: 3 })
  let added = 0
  let removed = 0
  const hunks: DiffHunk[] = patch.hunks.map((hunk) => {
    const lines: DiffLine[] = []
    let oldNumber = hunk.oldStart
    let newNumber = hunk.newStart
    for (const line of hunk.lines) {
      const kind = line[0]
      if (kind === '\\') {
        const last = lines.at(-1)
        if (last) lines[lines.length - 1] = { ...last, noNewline: true }
      } else if (kind === '+') {
        added += 1
        lines.push({ kind: '+', text: line.slice(1), oldNumber: null, newNumber: newNumber++ })
      } else if (kind === '-') {
        removed += 1
        lines.push({ kind: '-', text: line.slice(1), oldNumber: oldNumber++, newNumber: null })
      } else lines.push({ kind: ' ', text: line.slice(1), oldNumber: oldNumber++, newNumber: newNumber++ })
    }
    return { oldStart: hunk.oldStart, oldLines: hunk.oldLines, newStart: hunk.newStart, newLines: hunk.newLines, lines }
  })
  const kept: DiffHunk[] = []
  for (const hunk of hunks) {
    if (hunk.lines.length > budget.left) break
    budget.left -= hunk.lines.length
    kept.push(hunk)
  }
  const cut = kept.length < hunks.length
  return { ...base, binary: false, added, removed, hunks: cut && kept.length === 0 ? null : kept, cut }
}

/** The commit's changed files against its first parent, exact renames paired. */
async function changesOf(session: RepoSession, commit: ParsedCommit) {
  const parent = commit.parents[0] ? await readCommit(session, commit.parents[0]) : null
  const raw: RawChange[] = []
  await treeChanges(session, parent?.tree ?? null, commit.tree, '', raw)
  const deleted = raw.filter((c) => c.newOid === null)
  const paired = new Map<RawChange, RawChange>()
  for (const add of raw.filter((c) => c.oldOid === null)) {
    const source = deleted.find((d) => d.oldOid === add.newOid && ![...paired.values()].includes(d))
    if (source) paired.set(add, source)
  }
  const gone = new Set(paired.values())
  const changes = raw
    .filter((c) => !gone.has(c))
    .map((c) => {
      const source = paired.get(c)
      return source
        ? { ...c, oldOid: source.oldOid, oldMode: source.oldMode, oldPath: source.path }
        : { ...c, oldPath: null }
    })
  return { parent, changes }
}

async function commitOf(session: RepoSession, oid: string): Promise<ParsedCommit> {
  const commit = await readCommit(session, oid)
  if (!commit)
    throw new GitError('git_missing_object', `The clone has no commit ${oid.slice(0, 10)}. Refresh the history.`)
  return commit
}

async function commitDetail(args: HistoryView & { oid: string }, context: OpContext): Promise<CommitDetail> {
  const session = context.session(args.gitdir)
  const graph = await graphOf(session, args.envs, context.signal)
  const tags = await tagsOf(session)
  const commit = await commitOf(session, args.oid)
  const { parent, changes } = await changesOf(session, commit)
  const budget = { left: DIFF_LINE_BUDGET }
  const files: FileChange[] = []
  for (const change of changes) {
    if (context.signal.aborted) throw cancelledError('commit')
    files.push(await fileChange(session, change, budget))
  }
  const row = graph.commits.has(commit.oid)
    ? rowOf(graph, tags, commit.oid)
    : rowOf({ ...graph, commits: new Map([[commit.oid, commit]]) }, tags, commit.oid)
  return {
    commit: row,
    message: commit.message,
    committerName: commit.committer.name,
    committerEmail: commit.committer.email,
    comparedWith: parent?.oid ?? null,
    files,
    totals: {
      files: files.length,
      added: files.reduce((sum, f) => sum + (f.added ?? 0), 0),
      removed: files.reduce((sum, f) => sum + (f.removed ?? 0), 0),
    },
  }
}

async function fileDiff(args: HistoryView & { oid: string; path: string }, context: OpContext) {
  const session = context.session(args.gitdir)
  const { changes } = await changesOf(session, await commitOf(session, args.oid))
  const change = changes.find((c) => c.path === args.path)
  if (!change) throw new GitError('git_missing_object', `Commit ${args.oid.slice(0, 10)} did not change ${args.path}.`)
  return { oid: args.oid, change: await fileChange(session, change, { left: Number.POSITIVE_INFINITY }) }
}

/** The history half of the worker's table. */
export const interimHistoryOperations: Pick<GitOperationTable, 'overview' | 'page' | 'search' | 'commit' | 'fileDiff'> =
  {
    overview,
    page,
    search,
    commit: commitDetail,
    fileDiff,
  }
