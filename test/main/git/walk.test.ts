/**
 * The pager's order and completeness against native `git rev-list <tips>`: generated histories
 * with merges, same-second runs and clock skew, and hand-drawn graphs (octopus and criss-cross
 * merges, two roots, every commit in one second, a child older than its parent), paged with
 * sizes 1, 7 and 100; cursors that outlive their walk, stale cursors and cancellation.
 */
import path from 'node:path'
import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CommitStore, shallowCommits } from '../../../src/main/git/commit-store'
import { GitError } from '../../../src/main/git/git-error'
import type { ObjectReader } from '../../../src/main/git/objects'
import { openPackReader, type PackObjectReader } from '../../../src/main/git/pack-reader'
import { HistoryWalker } from '../../../src/main/git/walk'
import { buildDag, generateRepo, git, revList, tempDir, type DagCommit } from '../../helpers/git-history'

let root: string
const readers: PackObjectReader[] = []

beforeAll(async () => {
  root = await tempDir('walk')
})
afterAll(async () => {
  for (const reader of readers) reader.close()
  await rm(root, { recursive: true, force: true })
})

async function walkerFor(gitdir: string): Promise<HistoryWalker> {
  const reader = await openPackReader(gitdir)
  readers.push(reader)
  return new HistoryWalker(new CommitStore(reader))
}

/** Every commit through the pager, page by page, checking each page's offset. */
async function pageAll(walker: HistoryWalker, tips: readonly string[], size: number): Promise<string[]> {
  const all: string[] = []
  let cursor: string | null = null
  do {
    const page = await walker.page(tips, cursor, size)
    expect(page.offset).toBe(all.length)
    expect(page.commits.length).toBeGreaterThan(0)
    expect(page.commits.length).toBeLessThanOrEqual(size)
    if (page.cursor !== null) {
      expect(page.commits).toHaveLength(size)
      expect(page.cursor).toMatch(/^[A-Za-z0-9_.:-]{1,200}$/)
    }
    all.push(...page.commits.map((commit) => commit.oid))
    cursor = page.cursor
  } while (cursor !== null)
  return all
}

async function expectGitError(work: Promise<unknown>, code: string): Promise<GitError> {
  const error = await work.then(
    () => null,
    (failure: unknown) => failure,
  )
  expect(error).toBeInstanceOf(GitError)
  expect((error as GitError).code).toBe(code)
  return error as GitError
}

describe('a generated history', () => {
  let gitdir: string
  let head: string

  beforeAll(async () => {
    ;({ gitdir, head } = await generateRepo(path.join(root, 'generated'), {
      commits: 600,
      files: 50,
      mergeEvery: 6,
      sameSecondRuns: 12,
      skewEvery: 37,
      seed: 3,
      bare: true,
    }))
    await git(gitdir, 'repack', '-adq')
  })

  it('has what the test needs: merges, same-second commits and clock skew', async () => {
    const lines = (await git(gitdir, 'log', '--format=%ct %p')).split('\n')
    expect(lines.filter((line) => line.split(' ').length > 2).length).toBeGreaterThan(40)
    const times = lines.map((line) => Number(line.split(' ')[0]))
    expect(new Set(times).size).toBeLessThan(times.length - 30)
    const skewed = await git(gitdir, 'log', '--format=%H %ct %P')
    const when = new Map(skewed.split('\n').map((line) => [line.split(' ')[0], Number(line.split(' ')[1])]))
    const older = skewed.split('\n').filter((line) =>
      line
        .split(' ')
        .slice(2)
        .some((parent) => (when.get(parent) as number) > Number(line.split(' ')[1])),
    )
    expect(older.length).toBeGreaterThan(5)
  })

  it.each([1, 7, 100])('pages of %i list exactly `git rev-list HEAD`', async (size) => {
    const expected = await revList(gitdir, head)
    expect(expected).toHaveLength(600)
    expect(await pageAll(await walkerFor(gitdir), [head], size)).toEqual(expected)
  })

  it('follows several tips (duplicates, ancestors of each other, a merge side) as git does', async () => {
    const tips = [
      await git(gitdir, 'rev-parse', `${head}~40`),
      head,
      await git(gitdir, 'rev-parse', `${head}~40`),
      await git(gitdir, 'rev-parse', `${(await git(gitdir, 'rev-list', '--merges', '-1', `${head}~100`)).trim()}^2`),
    ]
    const expected = await revList(gitdir, ...tips)
    expect(await pageAll(await walkerFor(gitdir), tips, 7)).toEqual(expected)
    expect(await (await walkerFor(gitdir)).count(tips)).toBe(expected.length)
  })

  it('peels an annotated tag given as a tip', async () => {
    await git(gitdir, 'tag', '-a', '-m', 'Deploy', 'pantheon_test_1', `${head}~3`)
    const tag = await git(gitdir, 'rev-parse', 'pantheon_test_1')
    expect(await git(gitdir, 'cat-file', '-t', tag)).toBe('tag')
    expect(await pageAll(await walkerFor(gitdir), [tag], 100)).toEqual(await revList(gitdir, 'pantheon_test_1'))
  })

  it('rebuilds a cursor whose walk was evicted, or that another walker (a restarted worker) made', async () => {
    const expected = await revList(gitdir, head)
    const walker = await walkerFor(gitdir)
    const first = await walker.page([head], null, 100)
    // Ten other walks push the first out of the walker's few live walks.
    for (let back = 1; back <= 10; back += 1) await walker.page([`${expected[back]}`], null, 5)
    const second = await walker.page([head], first.cursor, 100)
    expect(second.offset).toBe(100)
    expect(second.commits.map((commit) => commit.oid)).toEqual(expected.slice(100, 200))
    const elsewhere = await (await walkerFor(gitdir)).page([head], second.cursor, 100)
    expect(elsewhere.commits.map((commit) => commit.oid)).toEqual(expected.slice(200, 300))
    // The same cursor twice: the second request rebuilds rather than continuing the first's walk.
    const again = await walker.page([head], first.cursor, 100)
    expect(again.commits.map((commit) => commit.oid)).toEqual(expected.slice(100, 200))
  })

  it('refuses a cursor of other tips, a malformed one and one past the end as stale', async () => {
    const walker = await walkerFor(gitdir)
    const first = await walker.page([head], null, 10)
    const parent = await git(gitdir, 'rev-parse', `${head}^`)
    const error = await expectGitError(walker.page([parent], first.cursor, 10), 'git_stale_cursor')
    expect(error.message).toBe('The history changed since this page was read; it starts again from the newest commit.')
    await expectGitError(walker.page([head], 'not-a-cursor', 10), 'git_stale_cursor')
    await expectGitError(walker.page([head], `${first.cursor}0`.replace(/\.\d+$/, '.-1'), 10), 'git_stale_cursor')
    const past = (first.cursor as string).replace(/\.\d+$/, '.600')
    await expectGitError(walker.page([head], past, 10), 'git_stale_cursor')
    await expectGitError((await walkerFor(gitdir)).page([head], past, 10), 'git_stale_cursor')
  })

  it('stops with git_cancelled when the signal aborts, and the next page still works', async () => {
    const reader = await openPackReader(gitdir)
    readers.push(reader)
    const controller = new AbortController()
    let reads = 0
    // Aborts from inside the walk, once 300 commits have been read.
    const counting: ObjectReader = {
      read: (oid) => {
        reads += 1
        if (reads === 300) controller.abort()
        return reader.read(oid)
      },
      has: (oid) => reader.has(oid),
      refresh: () => reader.refresh(),
    }
    const walker = new HistoryWalker(new CommitStore(counting))
    const first = await walker.page([head], null, 10)
    const error = await expectGitError(walker.page([head], first.cursor, 1000, controller.signal), 'git_cancelled')
    expect(error.message).toMatch(/stopped/)
    expect(reads).toBeLessThan(600)
    await expectGitError(walker.count([head], controller.signal), 'git_cancelled')
    const expected = await revList(gitdir, head)
    const next = await walker.page([head], first.cursor, 10)
    expect(next.commits.map((commit) => commit.oid)).toEqual(expected.slice(10, 20))
  })

  it('refuses a tip that names a tree, with git_corrupt', async () => {
    const tree = await git(gitdir, 'rev-parse', `${head}^{tree}`)
    const error = await expectGitError((await walkerFor(gitdir)).page([tree], null), 'git_corrupt')
    expect(error.message).toMatch(/names a tree, not a commit/)
  })

  it('ends at the shallow commits of a shallow clone, as git does there', async () => {
    const shallow = path.join(root, 'shallow')
    await git(root, 'clone', '-q', '--bare', '--depth=25', `file://${gitdir}`, shallow)
    const boundary = await shallowCommits(shallow)
    expect(boundary.size).toBeGreaterThan(0)
    expect(await shallowCommits(gitdir)).toEqual(new Set())
    const reader = await openPackReader(shallow)
    readers.push(reader)
    const walker = new HistoryWalker(new CommitStore(reader, { shallow: boundary }))
    const expected = await revList(shallow, head)
    expect(expected.length).toBeLessThan(600)
    expect(await pageAll(walker, [head], 50)).toEqual(expected)
  })

  it('counts what the tips reach, as git rev-list --count', async () => {
    const walker = await walkerFor(gitdir)
    expect(await walker.count([head])).toBe(Number(await git(gitdir, 'rev-list', '--count', head)))
    const side = await git(gitdir, 'rev-parse', `${head}~250`)
    expect(await walker.count([side, head])).toBe(600)
    expect(await walker.count([side])).toBe(Number(await git(gitdir, 'rev-list', '--count', side)))
  })
})

describe('hand-drawn graphs', () => {
  const T = 1_700_000_000

  async function expectLikeGit(name: string, commits: readonly DagCommit[], tipNames: readonly string[]) {
    const { gitdir, ids } = await buildDag(path.join(root, name), commits)
    const tips = tipNames.map((tip) => ids.get(tip) as string)
    const expected = await revList(gitdir, ...tips)
    const byId = new Map([...ids].map(([commitName, oid]) => [oid, commitName]))
    for (const size of [1, 7, 100]) {
      const got = await pageAll(await walkerFor(gitdir), tips, size)
      expect(got.map((oid) => byId.get(oid))).toEqual(expected.map((oid) => byId.get(oid)))
    }
    return expected.map((oid) => byId.get(oid))
  }

  it('an octopus merge', async () => {
    const order = await expectLikeGit(
      'octopus',
      [
        { name: 'root', parents: [], time: T },
        { name: 'a', parents: ['root'], time: T + 10 },
        { name: 'b', parents: ['root'], time: T + 30 },
        { name: 'c', parents: ['root'], time: T + 20 },
        { name: 'd', parents: ['root'], time: T + 30 },
        { name: 'octopus', parents: ['a', 'b', 'c', 'd'], time: T + 40 },
      ],
      ['octopus'],
    )
    expect(order).toEqual(['octopus', 'b', 'd', 'c', 'a', 'root'])
  })

  it('a criss-cross merge', async () => {
    await expectLikeGit(
      'criss-cross',
      [
        { name: 'root', parents: [], time: T },
        { name: 'left', parents: ['root'], time: T + 10 },
        { name: 'right', parents: ['root'], time: T + 10 },
        { name: 'merge-l', parents: ['left', 'right'], time: T + 20 },
        { name: 'merge-r', parents: ['right', 'left'], time: T + 20 },
        { name: 'l2', parents: ['merge-l'], time: T + 30 },
        { name: 'r2', parents: ['merge-r'], time: T + 25 },
        { name: 'top', parents: ['l2', 'r2'], time: T + 40 },
      ],
      ['top'],
    )
  })

  it('every commit in the same second: ties keep insertion order', async () => {
    const commits: DagCommit[] = [{ name: 'c0', parents: [], time: T }]
    for (let i = 1; i < 40; i += 1) {
      const parents = [`c${i - 1}`]
      if (i % 5 === 0 && i > 6) parents.push(`c${i - 6}`)
      if (i % 11 === 0) parents.push(`c${i - 3}`, `c${i - 9}`)
      commits.push({ name: `c${i}`, parents, time: T })
    }
    commits.push({ name: 'side', parents: ['c3'], time: T })
    await expectLikeGit('same-second', commits, ['c39', 'side', 'c20'])
    await expectLikeGit('same-second-2', commits, ['side', 'c39'])
  })

  it('a committer date older than the parent (clock skew)', async () => {
    const order = await expectLikeGit(
      'skew',
      [
        { name: 'root', parents: [], time: T },
        { name: 'p1', parents: ['root'], time: T + 100 },
        { name: 'old', parents: ['p1'], time: T + 5 },
        { name: 'p2', parents: ['root'], time: T + 50 },
        { name: 'm', parents: ['old', 'p2'], time: T + 200 },
        { name: 'back', parents: ['m'], time: T + 1 },
        { name: 'tip', parents: ['back'], time: T + 300 },
      ],
      ['tip'],
    )
    expect(order).toEqual(['tip', 'back', 'm', 'p2', 'old', 'p1', 'root'])
  })

  it('a single root commit, and two roots', async () => {
    expect(await expectLikeGit('root-only', [{ name: 'only', parents: [], time: T }], ['only'])).toEqual(['only'])
    await expectLikeGit(
      'two-roots',
      [
        { name: 'root-a', parents: [], time: T },
        { name: 'a1', parents: ['root-a'], time: T + 10 },
        { name: 'root-b', parents: [], time: T + 5 },
        { name: 'b1', parents: ['root-b'], time: T + 15 },
        { name: 'join', parents: ['a1', 'b1'], time: T + 20 },
        { name: 'after', parents: ['join'], time: T + 30 },
      ],
      ['after', 'root-b'],
    )
  })

  it('no tips: one empty page', async () => {
    const { gitdir } = await buildDag(path.join(root, 'empty-tips'), [{ name: 'x', parents: [], time: T }])
    expect(await (await walkerFor(gitdir)).page([], null)).toEqual({ commits: [], offset: 0, cursor: null })
  })
})
