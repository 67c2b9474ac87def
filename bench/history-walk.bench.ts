/**
 * The code history's walk and search on a generated repository of 20,000 commits and 5,000
 * files with merges (test/helpers/git-history.ts, packed with `git gc`, which also writes git's
 * commit-graph), each beside native git doing the same in the same run:
 *
 * - first-page-cold: a new pack reader, store and walker, and the first page of 100, against
 *   `git log -n 100` with a format that makes git read each commit as the page does;
 * - first-page-warm: the same page on a store that has read the history before (a new walk);
 * - next-page: the second page of 100 after a cold first page, against `git log --skip=100 -n 100`;
 * - full-walk: every page of 100 down to the first commit on a new reader, against `git log`;
 * - search: a word over the whole history on a new reader, against `git log -i -F --grep`.
 *
 * Each figure is the median of several runs; R is iso/native (lower is better for us).
 */
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CommitStore } from '../src/main/git/commit-store'
import { openPackReader, type PackObjectReader } from '../src/main/git/pack-reader'
import { searchHistory } from '../src/main/git/search'
import { HistoryWalker } from '../src/main/git/walk'
import { generateRepo, git } from '../test/helpers/git-history'
import { COMMITS, FILES, median, medianOf, millis, report } from './history-support'

/** What `git log` prints per commit: ids, parents, people, times and the whole message. */
const FORMAT = '--format=%H%x00%P%x00%an%x00%ae%x00%at%x00%ct%x00%B%x00'
const WORD = 'sierra'

export async function run(): Promise<void> {
  const dir = join(tmpdir(), `rd-history-bench-${process.pid}`)
  const readers: PackObjectReader[] = []
  const open = async (gitdir: string): Promise<HistoryWalker> => {
    const reader = await openPackReader(gitdir)
    readers.push(reader)
    return new HistoryWalker(new CommitStore(reader))
  }
  try {
    const generated = await millis(() =>
      generateRepo(dir, { commits: COMMITS, files: FILES, mergeEvery: 10, sameSecondRuns: 60, seed: 2024, bare: true }),
    )
    const gc = await millis(() => git(dir, 'gc', '-q'))
    const gitdir = dir
    const head = await git(gitdir, 'rev-parse', 'master')
    const pack = await git(gitdir, 'count-objects', '-v', '-H')
    console.log(
      `   repository: ${COMMITS} commits, ${FILES} files, ${/size-pack: (.*)/.exec(pack)?.[1] ?? '?'} packed; generated in ${(generated / 1000).toFixed(1)} s, gc in ${(gc / 1000).toFixed(1)} s`,
    )

    // The walk must be right before it is timed.
    const expected = (await git(gitdir, 'rev-list', head)).split('\n')
    const check = await open(gitdir)
    const walked: string[] = []
    let cursor: string | null = null
    do {
      const page = await check.page([head], cursor, 100)
      for (const commit of page.commits) walked.push(commit.oid)
      cursor = page.cursor
    } while (cursor !== null)
    if (walked.length !== expected.length || walked.some((oid, i) => oid !== expected[i]))
      throw new Error('The walk does not list what git rev-list lists; the figures would mean nothing.')

    const nativeFirst = await medianOf(5, () => git(gitdir, 'log', '-n', '100', FORMAT, head))
    const isoCold = await medianOf(5, async () => (await open(gitdir)).page([head], null, 100))
    report('first-page-cold', isoCold, nativeFirst)

    const warmStore = check.store
    const isoWarm = await medianOf(5, () => new HistoryWalker(warmStore).page([head], null, 100))
    report('first-page-warm', isoWarm, nativeFirst)

    const nativeNext = await medianOf(5, () => git(gitdir, 'log', '--skip=100', '-n', '100', FORMAT, head))
    const nextTimes: number[] = []
    for (let run = 0; run < 5; run += 1) {
      const walker = await open(gitdir)
      const first = await walker.page([head], null, 100)
      nextTimes.push(await millis(() => walker.page([head], first.cursor, 100)))
    }
    report('next-page', median(nextTimes), nativeNext)

    const nativeFull = await medianOf(3, () => git(gitdir, 'log', FORMAT, head))
    const isoFull = await medianOf(3, async () => {
      const walker = await open(gitdir)
      let next: string | null = null
      do next = (await walker.page([head], next, 100)).cursor
      while (next !== null)
    })
    report('full-walk', isoFull, nativeFull)

    const nativeSearch = await medianOf(3, () => git(gitdir, 'log', '-i', '-F', `--grep=${WORD}`, '--format=%H', head))
    let matches = 0
    const isoSearch = await medianOf(3, async () => {
      const walker = await open(gitdir)
      matches = 0
      let next: string | null = null
      do {
        const page = await searchHistory(walker, [head], WORD, next, { limit: 100 })
        matches += page.commits.length
        next = page.cursor
      } while (next !== null)
    })
    report('search', isoSearch, nativeSearch)
    const nativeMatches = (await git(gitdir, 'log', '-i', '-F', `--grep=${WORD}`, '--format=%H', head)).split(
      '\n',
    ).length
    console.log(`   search "${WORD}": ${matches} matches (git log --grep: ${nativeMatches}; ours also reads authors)`)
    const warmSearch = await medianOf(3, async () => {
      let next: string | null = null
      do next = (await searchHistory(check, [head], WORD, next, { limit: 100 })).cursor
      while (next !== null)
    })
    console.log(`   reference: the same search on a store that has read the history ${warmSearch.toFixed(1)} ms`)
    const revList = await medianOf(3, () => git(gitdir, 'rev-list', head))
    console.log(`   reference: git rev-list (commit-graph, no messages) ${revList.toFixed(1)} ms`)
  } finally {
    for (const reader of readers) reader.close()
    await rm(dir, { recursive: true, force: true })
  }
}
