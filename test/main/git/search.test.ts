/**
 * The history search against native git on a generated repository: words of the message
 * (`git log --all-match -i -F --grep`), the author (`--author`), a hash prefix, Unicode case,
 * and resuming through the cursor until the whole history has been searched.
 */
import path from 'node:path'
import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CommitStore } from '../../../src/main/git/commit-store'
import { GitError } from '../../../src/main/git/git-error'
import { openPackReader, type PackObjectReader } from '../../../src/main/git/pack-reader'
import { matcherFor, searchHistory } from '../../../src/main/git/search'
import { HistoryWalker } from '../../../src/main/git/walk'
import { generateRepo, git, revList, tempDir } from '../../helpers/git-history'

let root: string
let gitdir: string
let head: string
let all: string[]
let reader: PackObjectReader
let walker: HistoryWalker

beforeAll(async () => {
  root = await tempDir('search')
  ;({ gitdir, head } = await generateRepo(path.join(root, 'repo'), {
    commits: 500,
    files: 40,
    mergeEvery: 8,
    sameSecondRuns: 5,
    seed: 5,
    bare: true,
  }))
  all = await revList(gitdir, head)
  reader = await openPackReader(gitdir)
  walker = new HistoryWalker(new CommitStore(reader))
})
afterAll(async () => {
  reader.close()
  await rm(root, { recursive: true, force: true })
})

/** `git log <args> --format=%H` as a list. */
async function gitLog(...args: string[]): Promise<string[]> {
  const out = await git(gitdir, 'log', '--format=%H', ...args, head)
  return out === '' ? [] : out.split('\n')
}

/** Every match, page by page with `limit`; checks `scanned` grows and ends at the whole history. */
async function searchAll(query: string, limit = 100): Promise<string[]> {
  const found: string[] = []
  let cursor: string | null = null
  let scanned = 0
  do {
    const page = await searchHistory(walker, [head], query, cursor, { limit })
    expect(page.commits.length).toBeLessThanOrEqual(limit)
    if (page.cursor !== null) expect(page.commits).toHaveLength(limit)
    expect(page.scanned).toBeGreaterThanOrEqual(scanned)
    scanned = page.scanned
    found.push(...page.commits.map((commit) => commit.oid))
    cursor = page.cursor
  } while (cursor !== null)
  expect(scanned).toBe(all.length)
  return found
}

describe('searchHistory', () => {
  it('finds a word of the message as git log -i --grep does, in walk order', async () => {
    const expected = await gitLog('-i', '-F', '--grep=cache')
    expect(expected.length).toBeGreaterThan(10)
    expect(expected.length).toBeLessThan(all.length / 2)
    expect(await searchAll('cache')).toEqual(expected)
    expect(await searchAll('CaChE', 7)).toEqual(expected)
  })

  it('needs every word, anywhere in the message (git log --all-match)', async () => {
    const expected = await gitLog('--all-match', '-i', '-F', '--grep=fix', '--grep=module')
    expect(expected.length).toBeGreaterThan(2)
    expect(await searchAll('Module  FIX')).toEqual(expected)
    const body = await gitLog('--all-match', '-i', '-F', '--grep=kilo', '--grep=tango')
    expect(body.length).toBeGreaterThan(2)
    expect(await searchAll('tango kilo', 3)).toEqual(body)
  })

  it("finds the author's name and e-mail as git log -i --author does", async () => {
    const byName = await gitLog('-i', '-F', '--author=grace')
    expect(byName.length).toBeGreaterThan(10)
    expect(await searchAll('GRACE')).toEqual(byName)
    const byEmail = await gitLog('-i', '-F', '--author=navy.example')
    expect(await searchAll('navy.example')).toEqual(byEmail)
    // A word of the author and a word of the message together.
    const both = new Set(await gitLog('-i', '-F', '--grep=cache'))
    expect(await searchAll('grace cache')).toEqual(byName.filter((oid) => both.has(oid)))
  })

  it('lowercases Unicode: ZOË finds Zoë, übersetzung finds Übersetzung', async () => {
    const zoe = await gitLog('-F', '--author=Zoë')
    expect(zoe.length).toBeGreaterThan(10)
    expect(await searchAll('ZOË')).toEqual(zoe)
    // The same letter typed decomposed (e + combining diaeresis) finds it too.
    expect(await searchAll('zoe\u0308')).toEqual(zoe)
    const german = await gitLog('-F', '--grep=Übersetzung')
    expect(german.length).toBeGreaterThan(5)
    expect(await searchAll('übersetzung')).toEqual(german)
    expect(await searchAll('łukasz')).toEqual(await gitLog('-F', '--author=Łukasz'))
  })

  it('finds a commit by a prefix of its id (four characters or more)', async () => {
    const target = all[123] as string
    expect(await searchAll(target.slice(0, 8))).toEqual([target])
    expect(await searchAll(target.slice(0, 8).toUpperCase())).toEqual([target])
    const short = target.slice(0, 4)
    expect(await searchAll(short)).toEqual(all.filter((oid) => oid.startsWith(short)))
    // Three characters are a word, not a prefix.
    expect(matcherFor(target.slice(0, 3))?.({ ...(await new CommitStore(reader).get(target)) })).toBe(false)
  })

  it('resumes through its cursor and reports progress', async () => {
    const progress: number[] = []
    const first = await searchHistory(walker, [head], 'cache', null, { limit: 2, onProgress: (n) => progress.push(n) })
    expect(first.commits).toHaveLength(2)
    expect(first.cursor).not.toBeNull()
    const expected = await gitLog('-i', '-F', '--grep=cache')
    expect(first.scanned).toBe(all.indexOf(expected[1] as string) + 1)
    const rest = await searchHistory(walker, [head], 'cache', first.cursor, {
      limit: 1000,
      onProgress: (n) => progress.push(n),
    })
    expect([...first.commits, ...rest.commits].map((commit) => commit.oid)).toEqual(expected)
    expect(rest.cursor).toBeNull()
    expect(rest.scanned).toBe(all.length)
    expect(progress).toEqual([...progress].sort((a, b) => a - b))
    expect(progress.at(-1)).toBe(all.length)
    expect(progress.filter((n) => n % 500 === 0).length).toBeGreaterThan(0)
  })

  it('nothing to look for, no match, a stale cursor and cancellation', async () => {
    expect(await searchHistory(walker, [head], '   ', null)).toEqual({ commits: [], scanned: 0, cursor: null })
    expect(await searchHistory(walker, [head], 'no-such-word-anywhere', null)).toEqual({
      commits: [],
      scanned: all.length,
      cursor: null,
    })
    const first = await searchHistory(walker, [head], 'cache', null, { limit: 1 })
    const stale = await searchHistory(walker, [all[1] as string], 'cache', first.cursor).then(
      () => null,
      (error: unknown) => error,
    )
    expect(stale).toBeInstanceOf(GitError)
    expect((stale as GitError).code).toBe('git_stale_cursor')
    const controller = new AbortController()
    controller.abort()
    const stopped = await searchHistory(walker, [head], 'cache', null, { signal: controller.signal }).then(
      () => null,
      (error: unknown) => error,
    )
    expect((stopped as GitError).code).toBe('git_cancelled')
  })
})
