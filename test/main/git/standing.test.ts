/**
 * Where dev, test and live stand, against native git: ancestries as `git rev-list --count`,
 * gaps as `git rev-list to..from` (count and order) both ways, on a history where test and live
 * are behind dev and one where dev was reset behind test and moved on (test holds commits dev
 * lacks); and the rows' badges and tags.
 */
import path from 'node:path'
import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CommitStore } from '../../../src/main/git/commit-store'
import { openPackReader, type PackObjectReader } from '../../../src/main/git/pack-reader'
import { ancestry, decorate, gap } from '../../../src/main/git/standing'
import { generateRepo, git, gitBuffer, revList, tempDir } from '../../helpers/git-history'

let root: string
let gitdir: string
let head: string
let reader: PackObjectReader
let store: CommitStore

beforeAll(async () => {
  root = await tempDir('standing')
  ;({ gitdir, head } = await generateRepo(path.join(root, 'repo'), {
    commits: 400,
    files: 40,
    mergeEvery: 5,
    sameSecondRuns: 6,
    seed: 8,
    bare: true,
  }))
  reader = await openPackReader(gitdir)
  store = new CommitStore(reader)
})
afterAll(async () => {
  reader.close()
  await rm(root, { recursive: true, force: true })
})

const rev = (spec: string): Promise<string> => git(gitdir, 'rev-parse', spec)

/** `git rev-list --count to..from`, and the first `limit` ids of `git rev-list to..from`. */
async function expectGapLikeGit(from: string, to: string, limit = 50): Promise<number> {
  const expected = await revList(gitdir, `${to}..${from}`)
  const got = await gap(store, from, to, limit)
  expect(got.count).toBe(Number(await git(gitdir, 'rev-list', '--count', `${to}..${from}`)))
  expect(got.commits.map((commit) => commit.oid)).toEqual(expected.slice(0, limit))
  return got.count
}

/** A commit made with plumbing on `parent`, dated `when` (epoch seconds). */
async function commitOn(parent: string, message: string, when: number): Promise<string> {
  const tree = await rev(`${parent}^{tree}`)
  const out = await gitBuffer(gitdir, ['commit-tree', tree, '-p', parent, '-m', message], {
    env: { GIT_AUTHOR_DATE: `@${when} +0000`, GIT_COMMITTER_DATE: `@${when} +0000` },
  })
  return out.toString().trim()
}

describe('ancestry', () => {
  it('holds every commit the tip reaches, as git rev-list', async () => {
    const tip = await rev(`${head}~30`)
    const set = await ancestry(store, tip)
    expect([...set].sort()).toEqual((await revList(gitdir, tip)).sort())
    expect(await ancestry(store, tip)).toBe(set)
    // A newer tip reuses the cached ancestry it reaches and still holds exactly git's set.
    const newer = await ancestry(store, head)
    expect(newer.size).toBe(Number(await git(gitdir, 'rev-list', '--count', head)))
    expect([...newer].sort()).toEqual((await revList(gitdir, head)).sort())
  })

  it('peels an annotated tag', async () => {
    await git(gitdir, 'tag', '-a', '-m', 'Deploy to live', 'pantheon_live_7', `${head}~90`)
    const set = await ancestry(store, await rev('pantheon_live_7'))
    expect(set.size).toBe(Number(await git(gitdir, 'rev-list', '--count', 'pantheon_live_7')))
  })
})

describe('gap', () => {
  it('test and live behind dev: what each lacks, both ways, as git rev-list to..from', async () => {
    const dev = head
    const test = await rev(`${head}~12`)
    const live = await rev(`${head}~47`)
    expect(await expectGapLikeGit(dev, test)).toBeGreaterThan(12)
    expect(await expectGapLikeGit(test, live)).toBeGreaterThan(35)
    expect(await expectGapLikeGit(dev, live, 5)).toBeGreaterThan(50)
    expect(await expectGapLikeGit(test, dev)).toBe(0)
    expect(await expectGapLikeGit(live, test)).toBe(0)
  })

  it('a tip on the side of a merge', async () => {
    const merge = await git(gitdir, 'rev-list', '--merges', '-1', `${head}~60`)
    const side = await rev(`${merge}^2`)
    expect(await expectGapLikeGit(head, side)).toBeGreaterThan(60)
    expect(await expectGapLikeGit(side, await rev(`${merge}^1`))).toBeGreaterThan(0)
  })

  it('dev reset behind test and moved on: test holds commits dev lacks', async () => {
    const test = head
    const base = await rev(`${head}~25`)
    const baseTime = Number(await git(gitdir, 'log', '-1', '--format=%ct', head))
    let dev = base
    for (let i = 0; i < 4; i += 1) dev = await commitOn(dev, `After the reset ${i}`, baseTime + 60 * (i + 1))
    expect(await expectGapLikeGit(dev, test)).toBe(4)
    expect(await expectGapLikeGit(test, dev)).toBeGreaterThan(25)
  })

  it('null means no commit: nothing to bring, or everything', async () => {
    expect(await gap(store, null, head)).toEqual({ count: 0, commits: [] })
    const everything = await gap(store, head, null, 10)
    expect(everything.count).toBe(400)
    expect(everything.commits.map((commit) => commit.oid)).toEqual((await revList(gitdir, head)).slice(0, 10))
  })
})

describe('decorate', () => {
  it('badges in dev, test, live order, tags, subject and times in ms', async () => {
    const dev = head
    const test = await rev(`${head}~3`)
    const live = await rev(`${head}~9`)
    const context = {
      positions: [
        { env: 'live', oid: live },
        { env: 'dev', oid: dev },
        { env: 'test', oid: test },
      ],
      ancestry: new Map([
        ['dev', await ancestry(store, dev)],
        ['test', await ancestry(store, test)],
        ['live', await ancestry(store, live)],
      ]),
      tagsByOid: new Map([[test, ['pantheon_test_12', 'pantheon_test_11']]]),
    }
    const atTest = decorate(await store.get(test), context)
    expect(atTest.envsAt).toEqual(['test'])
    expect(atTest.envsContaining).toEqual(['dev', 'test'])
    expect(atTest.tags).toEqual(['pantheon_test_12', 'pantheon_test_11'])
    expect(atTest.subject).toBe(await git(gitdir, 'log', '-1', '--format=%s', test))
    expect(atTest.committedAt).toBe(Number(await git(gitdir, 'log', '-1', '--format=%ct', test)) * 1000)
    expect(atTest.authoredAt).toBe(Number(await git(gitdir, 'log', '-1', '--format=%at', test)) * 1000)
    expect(atTest.authorName).toBe(await git(gitdir, 'log', '-1', '--format=%an', test))
    expect(atTest.authorEmail).toBe(await git(gitdir, 'log', '-1', '--format=%ae', test))
    expect(atTest.parents).toEqual((await git(gitdir, 'log', '-1', '--format=%P', test)).split(' '))
    const old = decorate(await store.get(await rev(`${live}~1`)), context)
    expect(old.envsAt).toEqual([])
    expect(old.envsContaining).toEqual(['dev', 'test', 'live'])
    expect(old.tags).toEqual([])
    // Test never deployed: no badge for it anywhere.
    const undeployed = {
      ...context,
      positions: context.positions.map((position) => (position.env === 'test' ? { env: 'test', oid: null } : position)),
      ancestry: new Map([...context.ancestry].filter(([env]) => env !== 'test')),
    }
    const atOldTest = decorate(await store.get(test), undeployed)
    expect(atOldTest.envsAt).toEqual([])
    expect(atOldTest.envsContaining).toEqual(['dev'])
  })
})
