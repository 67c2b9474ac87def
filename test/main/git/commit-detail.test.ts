/**
 * A commit's detail against native git on a generated repository: for each commit (the root,
 * one with every kind of change, a branch commit, a merge) the files, statuses and counts equal
 * `git diff -M --name-status` and `--numstat` against the first parent, and every file's hunks
 * equal `git diff -U3 -M`'s.
 */
import { plainRow } from '../../../src/main/git/standing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commitDetail, fileDiff } from '../../../src/main/git/commit-detail'
import { GitError } from '../../../src/main/git/git-error'
import { isoObjectReader, type ObjectReader } from '../../../src/main/git/objects'
import type { CommitDetail } from '../../../src/shared/history'
import {
  EMPTY_TREE,
  gitNameStatus,
  gitNumstat,
  gitPatches,
  ourNameStatus,
  ourNumstat,
  renderHunks,
} from './support/diff-repo'
import { buildScenario, type Scenario } from './support/diff-scenario'

let scenario: Scenario
let reader: ObjectReader

const decorate = plainRow

beforeAll(async () => {
  scenario = await buildScenario()
  reader = isoObjectReader(scenario.repo.gitdir)
}, 60_000)

afterAll(async () => {
  await scenario?.repo.dispose()
})

async function expectSameAsGit(detail: CommitDetail, from: string, to: string): Promise<void> {
  const { repo } = scenario
  expect(ourNameStatus(detail.files)).toEqual(await gitNameStatus(repo, from, to))
  expect(ourNumstat(detail.files)).toEqual(await gitNumstat(repo, from, to))
  const patches = await gitPatches(repo, from, to)
  expect(detail.files.map((file) => (file.hunks && file.hunks.length > 0 ? renderHunks(file.hunks) : null))).toEqual(
    patches,
  )
  const shortstat = await repo.git('diff', '--shortstat', '-M', from, to)
  const numbers = (word: RegExp): number => Number(word.exec(shortstat)?.[1] ?? 0)
  expect(detail.totals).toEqual({
    files: numbers(/(\d+) files? changed/),
    added: numbers(/(\d+) insertions?/),
    removed: numbers(/(\d+) deletions?/),
  })
}

describe('commitDetail', () => {
  it('lists every file of the root commit as added, as git does against the empty tree', async () => {
    const detail = await commitDetail(reader, scenario.root, decorate)
    expect(detail.comparedWith).toBeNull()
    expect(detail.files.every((file) => file.status === 'added')).toBe(true)
    expect(detail.files.map((file) => file.path)).toContain('café/naïve.txt')
    await expectSameAsGit(detail, EMPTY_TREE, scenario.root)
  })

  it('matches git for adds, edits, deletions, renames, binaries, modes, links, line ends and kinds', async () => {
    const detail = await commitDetail(reader, scenario.big, decorate)
    await expectSameAsGit(detail, `${scenario.big}^1`, scenario.big)

    const byPath = new Map(detail.files.map((file) => [`${file.status}:${file.path}`, file]))
    expect(byPath.get('renamed:handbook/guide.md')).toMatchObject({ oldPath: 'docs/guide.md', similarity: 100 })
    const notes = byPath.get('renamed:docs/notes-2024.md')
    expect(notes?.oldPath).toBe('docs/notes.md')
    expect(notes?.similarity).toBeGreaterThan(85)
    expect(notes?.similarity).toBeLessThan(100)
    const roadmap = byPath.get('renamed:plans/roadmap.md')
    expect(roadmap?.similarity).toBeGreaterThanOrEqual(50)
    expect(roadmap?.similarity).toBeLessThan(70)
    expect(byPath.get('renamed:src/lib/helpers.js')?.oldPath).toBe('lib/helpers.js')
    // Rewritten past half: a deletion and an addition, as git shows it.
    expect(byPath.get('deleted:docs/legacy.md')).toBeDefined()
    expect(byPath.get('added:archive/history.md')).toBeDefined()
    expect(byPath.get('modified:assets/logo.png')).toMatchObject({ binary: true, added: null, hunks: null })
    expect(byPath.get('added:assets/icon.png')).toMatchObject({ binary: true, added: null })
    expect(byPath.get('modified:bin/run.sh')).toMatchObject({
      oldMode: '100644',
      newMode: '100755',
      added: 0,
      removed: 0,
      hunks: [],
    })
    expect(byPath.get('added:link-to-readme')).toMatchObject({ newMode: '120000', added: 1 })
    expect(byPath.get('added:empty.txt')).toMatchObject({ added: 0, removed: 0, hunks: [] })
    expect(byPath.get('deleted:kind.txt')).toMatchObject({ oldMode: '100644' })
    expect(byPath.get('added:kind.txt')).toMatchObject({ newMode: '120000' })
    expect(byPath.get('modified:vendor/lib')).toMatchObject({ oldMode: '160000', added: 1, removed: 1 })
    expect([...byPath.keys()].filter((key) => key.startsWith('deleted:old/'))).toHaveLength(3)

    const eolAdd = byPath.get('modified:eol-add.txt')?.hunks?.[0]?.lines
    expect(eolAdd?.find((line) => line.kind === '-')).toMatchObject({ text: 'y', noNewline: true, oldNumber: 2 })
    expect(eolAdd?.find((line) => line.kind === '+')).toMatchObject({ text: 'y', newNumber: 2 })
    expect(eolAdd?.find((line) => line.kind === '+')?.noNewline).toBeUndefined()
    const crlf = byPath.get('modified:crlf.txt')
    expect(crlf).toMatchObject({ added: 1, removed: 1 })
    expect(crlf?.hunks?.[0]?.lines.find((line) => line.kind === '+')?.text).toBe('SECOND\r')

    expect(detail.message).toBe('Many kinds of change\n\nThe body explains why.\n')
    expect(detail.commit.subject).toBe('Many kinds of change')
    expect(detail.committerName).toBe('Grace Committer')
    expect(detail.committerEmail).toBe('grace@example.com')
    expect(detail.comparedWith).toBe(await scenario.repo.git('rev-parse', `${scenario.big}^1`))
  })

  it('numbers every line of a hunk on its sides', async () => {
    const detail = await commitDetail(reader, scenario.big, decorate)
    const app = detail.files.find((file) => file.path === 'src/app.js')
    for (const hunk of app?.hunks ?? []) {
      let oldNumber = hunk.oldLines === 0 ? hunk.oldStart + 1 : hunk.oldStart
      let newNumber = hunk.newLines === 0 ? hunk.newStart + 1 : hunk.newStart
      for (const line of hunk.lines) {
        expect(line.oldNumber).toBe(line.kind === '+' ? null : oldNumber)
        expect(line.newNumber).toBe(line.kind === '-' ? null : newNumber)
        if (line.kind !== '+') oldNumber++
        if (line.kind !== '-') newNumber++
      }
    }
    expect(app?.hunks?.length).toBeGreaterThanOrEqual(2)
  })

  it('compares a merge with its first parent, as git diff <merge>^1 <merge>', async () => {
    const detail = await commitDetail(reader, scenario.merge, decorate)
    expect(detail.commit.parents).toHaveLength(2)
    expect(detail.comparedWith).toBe(scenario.ours)
    expect(detail.files.map((file) => file.path).sort()).toEqual(['side.txt', 'src/app.js'])
    await expectSameAsGit(detail, scenario.ours, scenario.merge)
  })

  it('matches git for a branch commit', async () => {
    await expectSameAsGit(await commitDetail(reader, scenario.side, decorate), `${scenario.side}^1`, scenario.side)
  })

  it('refuses an object that is not a commit, and one the clone lacks', async () => {
    const tree = await scenario.repo.git('rev-parse', `${scenario.big}^{tree}`)
    await expect(commitDetail(reader, tree, decorate)).rejects.toMatchObject({
      code: 'git_missing_object',
      message: expect.stringContaining('not a commit'),
    })
    await expect(commitDetail(reader, 'f'.repeat(40), decorate)).rejects.toBeInstanceOf(GitError)
  })

  it('stops with git_cancelled when the signal fires', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(commitDetail(reader, scenario.big, decorate, controller.signal)).rejects.toMatchObject({
      code: 'git_cancelled',
    })
  })
})

describe('fileDiff', () => {
  it('gives one file of a commit by its path, the new path of a rename', async () => {
    const detail = await commitDetail(reader, scenario.big, decorate)
    const notes = await fileDiff(reader, scenario.big, 'docs/notes-2024.md')
    expect(notes.oid).toBe(scenario.big)
    expect(notes.change).toEqual(detail.files.find((file) => file.path === 'docs/notes-2024.md'))
    expect(notes.change.status).toBe('renamed')
  })

  it('gives the file half of a change of kind', async () => {
    const kind = await fileDiff(reader, scenario.big, 'kind.txt')
    expect(kind.change).toMatchObject({ status: 'deleted', oldMode: '100644', removed: 1 })
  })

  it('says plainly that a commit did not change a path', async () => {
    const error = await fileDiff(reader, scenario.big, 'untouched/part-1.txt').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(GitError)
    expect(error).toMatchObject({ code: 'git_missing_object' })
    expect((error as Error).message).toMatch(/did not change untouched\/part-1\.txt/)
  })
})
