/**
 * One commit's detail (files, statuses, +/- counts and hunks against its first parent) on the
 * history benchmark's generated repository, beside native git doing the same in the same run:
 * `git show --numstat -M` for the counts plus `git show -M` for the patch, both against the first
 * parent as ours (`--diff-merges=first-parent`; without it git shows a merge's combined diff).
 *
 * The commit is the one that changes the most files among the newest 2,000 (generated commits
 * change one to four files; a merge brings its branch's files). Ours runs on a pack reader that
 * is already open, as the app's git worker keeps one per repository; a cold reader (opened for
 * the one commit) and the root commit (every file added, the diff cut to its line limit while
 * the counts stay whole) are printed as references. Before anything is timed our counts must
 * equal `git diff --numstat -M`: figures of a wrong answer mean nothing.
 */
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commitDetail } from '../src/main/git/commit-detail'
import { COMMIT_DIFF_LINE_LIMIT } from '../src/main/git/file-diff'
import { subjectOf, type ParsedCommit } from '../src/main/git/objects'
import { openPackReader, type PackObjectReader } from '../src/main/git/pack-reader'
import type { CommitDetail, HistoryCommit } from '../src/shared/history'
import { gitBuffer, git } from '../test/helpers/git-history'
import { EMPTY_TREE, ourNumstat } from '../test/main/git/support/diff-repo'
import { benchRepository, medianOf, report } from './history-support'

const SAMPLE = 2_000
const RUNS = 7

/** The history row without environments or tags, which the diff does not need. */
function decorate(commit: ParsedCommit): HistoryCommit {
  return {
    oid: commit.oid,
    parents: commit.parents,
    subject: subjectOf(commit.message),
    authorName: commit.author.name,
    authorEmail: commit.author.email,
    authoredAt: commit.author.at,
    committedAt: commit.committer.at,
    envsAt: [],
    envsContaining: [],
    tags: [],
  }
}

/** The newest commit changing the most files against its first parent among the newest `SAMPLE`. */
async function busiestCommit(gitdir: string): Promise<{ oid: string; files: number }> {
  const out = await git(
    gitdir,
    'log',
    `-n${SAMPLE}`,
    '--diff-merges=first-parent',
    '-M',
    '--name-only',
    '--format=%x00%H',
    'master',
  )
  let best = { oid: '', files: -1 }
  for (const entry of out.split('\0').slice(1)) {
    const [oid = '', ...paths] = entry.split('\n').filter((line) => line !== '')
    if (paths.length > best.files) best = { oid, files: paths.length }
  }
  if (best.files < 0) throw new Error('git log listed no commits to pick one from.')
  return best
}

/** `git diff --numstat -M` from `base` to `oid`, one `<added>\t<removed>\t<path>[\t<new path>]` per file. */
async function gitNumstat(gitdir: string, base: string, oid: string): Promise<string[]> {
  const parts = (await gitBuffer(gitdir, ['diff', '--numstat', '-M', '-z', base, oid])).toString('utf8').split('\0')
  if (parts.at(-1) === '') parts.pop()
  const lines: string[] = []
  for (let i = 0; i < parts.length;) {
    const head = parts[i++] ?? ''
    // A rename is "<added>\t<removed>\t" followed by its two paths as fields of their own.
    lines.push(head.endsWith('\t') ? `${head}${parts[i++]}\t${parts[i++]}` : head)
  }
  return lines
}

/** Throws unless our files and counts are git's for this commit. */
async function expectGitsNumstat(gitdir: string, detail: CommitDetail, base: string): Promise<void> {
  const ours = ourNumstat(detail.files)
  const theirs = await gitNumstat(gitdir, base, detail.commit.oid)
  const differs = ours.length !== theirs.length || ours.some((line, i) => line !== theirs[i])
  if (differs) {
    const at = ours.findIndex((line, i) => line !== theirs[i])
    throw new Error(
      `Our numstat for ${detail.commit.oid.slice(0, 10)} is not git's (${ours.length} files against ${theirs.length}; first difference: ours "${ours[at] ?? ''}", git's "${theirs[at] ?? ''}"); the figures would mean nothing.`,
    )
  }
}

/** Native git's answer for one commit: the counts, then the patch. */
async function gitShow(gitdir: string, oid: string): Promise<void> {
  await gitBuffer(gitdir, ['show', '--diff-merges=first-parent', '--numstat', '-M', oid])
  await gitBuffer(gitdir, ['show', '--diff-merges=first-parent', '-M', oid])
}

export async function run(): Promise<void> {
  const dir = join(tmpdir(), `rd-history-diff-bench-${process.pid}`)
  let reader: PackObjectReader | null = null
  try {
    const { gitdir } = await benchRepository(dir)
    const busiest = await busiestCommit(gitdir)
    reader = await openPackReader(gitdir)
    const warm = reader
    const detail = await commitDetail(warm, busiest.oid, decorate)
    await expectGitsNumstat(gitdir, detail, detail.comparedWith ?? EMPTY_TREE)
    const kind = detail.commit.parents.length > 1 ? 'a merge, against its first parent' : 'not a merge'
    console.log(
      `   diff: ${busiest.oid.slice(0, 10)} (${kind}) changes ${detail.totals.files} files (+${detail.totals.added} -${detail.totals.removed}), the most among the newest ${SAMPLE} commits; numstat equals git's`,
    )

    const native = await medianOf(RUNS, () => gitShow(gitdir, busiest.oid))
    const iso = await medianOf(RUNS, () => commitDetail(warm, busiest.oid, decorate))
    report('diff', iso, native)

    const cold = await medianOf(RUNS, async () => {
      const fresh = await openPackReader(gitdir)
      try {
        await commitDetail(fresh, busiest.oid, decorate)
      } finally {
        fresh.close()
      }
    })
    console.log(`   reference: the same commit on a pack reader opened for it ${cold.toFixed(1)} ms`)

    const root = (await git(gitdir, 'rev-list', '--max-parents=0', 'master')).split('\n')
    if (root.length !== 1 || !root[0])
      throw new Error(`The generated repository should have one root, not ${root.length}.`)
    const rootOid = root[0]
    const rootDetail = await commitDetail(warm, rootOid, decorate)
    await expectGitsNumstat(gitdir, rootDetail, EMPTY_TREE)
    const rootNative = await medianOf(3, () => gitShow(gitdir, rootOid))
    const rootIso = await medianOf(3, () => commitDetail(warm, rootOid, decorate))
    console.log(
      `   reference: the root commit, ${rootDetail.totals.files} files added (+${rootDetail.totals.added}), diff cut at ${COMMIT_DIFF_LINE_LIMIT} lines, counts whole and equal to git's: iso ${rootIso.toFixed(1)} ms, git show ${rootNative.toFixed(1)} ms (the whole patch)`,
    )
  } finally {
    reader?.close()
    await rm(dir, { recursive: true, force: true })
  }
}
