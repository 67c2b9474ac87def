import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ArchiveError, createTarGz } from '../../../src/lib/archives'
import {
  GitError,
  commitAtOrBefore,
  commitLog,
  createAnnotatedTag,
  importCodeArchive,
  initBareRepo,
  listRefs,
  reachableCommits,
  resolveCommit,
  runGit,
  setRef,
  writeCodeArchive,
} from '../../../src/platform/git/index'
import { commitFile, git } from './helpers'

const DAY = 86_400
const T0 = 1_600_000_000
let dir: string
let bare: string
let work: string
/** master's commits, oldest first: c1, c2, merge, c4. */
const shas: Record<string, string> = {}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rd-git-repo-'))
  bare = path.join(dir, 'site.git')
  work = path.join(dir, 'work')
  await initBareRepo(bare)
  await mkdir(work)
  await git(work, ['init', '-q'])
  shas.c1 = await commitFile(work, 'README.md', '# Site\n', 'Initial commit', T0)
  shas.c2 = await commitFile(work, 'composer.json', '{}\n', 'Add composer.json', T0 + DAY)
  await git(work, ['checkout', '-q', '-b', 'feature'], T0 + 2 * DAY)
  shas.f1 = await commitFile(work, 'web/feature.php', '<?php\n', 'feat: add feature', T0 + 2 * DAY)
  await git(work, ['checkout', '-q', 'master'], T0 + 3 * DAY)
  shas.c3 = await commitFile(work, 'settings.php', '<?php // settings\n', 'Tweak settings', T0 + 3 * DAY)
  await git(work, ['merge', '-q', '--no-ff', '-m', "Merge branch 'feature'", 'feature'], T0 + 4 * DAY)
  shas.merge = await git(work, ['rev-parse', 'HEAD'])
  shas.c4 = await commitFile(work, 'README.md', '# Site\n\nMore.\n', 'Update README\n\nWith a body line.', T0 + 5 * DAY)
  await git(work, ['push', '-q', bare, 'master'])
}, 60_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('bare repository operations', () => {
  it('initialises a bare repository on master with push enabled', async () => {
    expect(await runGit(bare, ['rev-parse', '--is-bare-repository'])).toBe('true\n')
    expect((await runGit(bare, ['symbolic-ref', 'HEAD'])).trim()).toBe('refs/heads/master')
    expect((await runGit(bare, ['config', 'http.receivepack'])).trim()).toBe('true')
    expect((await stat(path.join(bare, 'hooks/pre-receive'))).mode & 0o111).not.toBe(0)
  })

  it('resolves refs and shas, and null for what does not exist', async () => {
    expect(await resolveCommit(bare, 'master')).toBe(shas.c4)
    expect(await resolveCommit(bare, 'refs/heads/master')).toBe(shas.c4)
    expect(await resolveCommit(bare, shas.c1!)).toBe(shas.c1)
    expect(await resolveCommit(bare, 'refs/heads/nope')).toBeNull()
    expect(await resolveCommit(bare, '0123456789012345678901234567890123456789')).toBeNull()
    await expect(resolveCommit(bare, '--all')).rejects.toBeInstanceOf(GitError)
  })

  it('moves refs with an expected-old check', async () => {
    await setRef(bare, 'refs/heads/scratch', shas.c1!, null)
    await expect(setRef(bare, 'refs/heads/scratch', shas.c2!, null)).rejects.toBeInstanceOf(GitError)
    await expect(setRef(bare, 'refs/heads/scratch', shas.c2!, shas.c3!)).rejects.toThrow(/update-ref/)
    await setRef(bare, 'refs/heads/scratch', shas.c2!, shas.c1!)
    expect(await resolveCommit(bare, 'refs/heads/scratch')).toBe(shas.c2)
    await setRef(bare, 'refs/heads/scratch', shas.c3!)
    expect(await resolveCommit(bare, 'refs/heads/scratch')).toBe(shas.c3)
    await runGit(bare, ['update-ref', '-d', 'refs/heads/scratch'])
  })

  it('creates annotated tags and lists refs peeled to commits', async () => {
    const when = new Date((T0 + 10 * DAY) * 1000)
    await createAnnotatedTag(
      bare,
      'pantheon_test_1',
      shas.c2!,
      'Deploy to test',
      { name: 'Pat Deployer', email: 'pat@example.com' },
      when,
    )
    await createAnnotatedTag(bare, 'refs/tags/pantheon_test_2', shas.merge!, 'Second deploy', {
      name: 'Pat Deployer',
      email: 'pat@example.com',
    })
    await expect(
      createAnnotatedTag(bare, 'pantheon_test_1', shas.c4!, 'again', { name: 'x', email: 'x@example.com' }),
    ).rejects.toBeInstanceOf(GitError)
    const tagObject = await runGit(bare, ['cat-file', '-p', 'refs/tags/pantheon_test_1'])
    expect(tagObject).toContain(`object ${shas.c2}`)
    expect(tagObject).toContain(`tagger Pat Deployer <pat@example.com> ${T0 + 10 * DAY} +0000`)
    expect(tagObject).toContain('Deploy to test')
    expect(await listRefs(bare, 'refs/tags/pantheon_test_')).toEqual([
      { ref: 'refs/tags/pantheon_test_1', sha: shas.c2 },
      { ref: 'refs/tags/pantheon_test_2', sha: shas.merge },
    ])
    expect(await listRefs(bare, 'refs/heads/')).toEqual([{ ref: 'refs/heads/master', sha: shas.c4 }])
    expect(await resolveCommit(bare, 'refs/tags/pantheon_test_1')).toBe(shas.c2)
  })

  it('logs commits newest first with code-log fields', async () => {
    const log = await commitLog(bare, ['refs/heads/master'])
    expect(log.map((c) => c.hash)).toEqual([shas.c4, shas.merge, shas.c3, shas.f1, shas.c2, shas.c1])
    const top = log[0]!
    expect(top).toEqual({
      hash: shas.c4,
      parents: [shas.merge],
      author: 'Ada Example',
      email: 'ada@example.com',
      datetime: new Date((T0 + 5 * DAY) * 1000).toISOString().slice(0, 19),
      message: 'Update README\n\nWith a body line.\n',
      timestamp: T0 + 5 * DAY,
    })
    expect(log[1]!.parents).toEqual([shas.c3, shas.f1])
    expect(log[5]!.parents).toEqual([])
    expect((await commitLog(bare, ['master'], { limit: 2, skip: 1 })).map((c) => c.hash)).toEqual([shas.merge, shas.c3])
    expect(await commitLog(bare, [])).toEqual([])
    const both = await commitLog(bare, ['refs/tags/pantheon_test_1', shas.c1!])
    expect(both.map((c) => c.hash)).toEqual([shas.c2, shas.c1])
  })

  it('lists reachable commits', async () => {
    expect(await reachableCommits(bare, shas.c3!)).toEqual(new Set([shas.c3, shas.c2, shas.c1]))
    expect((await reachableCommits(bare, 'master')).size).toBe(6)
    await expect(reachableCommits(bare, 'refs/heads/none')).rejects.toBeInstanceOf(GitError)
  })

  it('finds the first-parent commit at or before a time', async () => {
    const at = (s: number): Date => new Date(s * 1000)
    expect(await commitAtOrBefore(bare, 'master', at(T0 + 5 * DAY))).toBe(shas.c4)
    expect(await commitAtOrBefore(bare, 'master', at(T0 + 5 * DAY - 1))).toBe(shas.merge)
    // The feature commit (day 2) is not on master's first-parent line: day 2.5 gives c2.
    expect(await commitAtOrBefore(bare, 'master', at(T0 + 2.5 * DAY))).toBe(shas.c2)
    expect(await commitAtOrBefore(bare, 'master', at(T0 - 1))).toBeNull()
    expect(await commitAtOrBefore(bare, 'refs/heads/none', at(T0 + 9 * DAY))).toBeNull()
  })
})

describe('code archives', () => {
  it('writes a bare repository holding exactly the history of a commit, on a branch', async () => {
    const out = path.join(dir, 'code-branch.tar.gz')
    const { size } = await writeCodeArchive(bare, shas.merge!, 'refs/heads/master', out, 'site_dev_code')
    expect(size).toBe((await stat(out)).size)
    const unpacked = await mkdtemp(path.join(dir, 'unpacked-'))
    await promisify(execFile)('tar', ['xzf', out, '-C', unpacked])
    const repo = path.join(unpacked, 'site_dev_code')
    expect(await git(unpacked, ['--git-dir', repo, 'log', '--format=%H'])).toBe(
      [shas.merge, shas.c3, shas.f1, shas.c2, shas.c1].join('\n'),
    )
    expect(await git(unpacked, ['--git-dir', repo, 'symbolic-ref', 'HEAD'])).toBe('refs/heads/master')
    expect(await git(unpacked, ['--git-dir', repo, 'for-each-ref', '--format=%(refname)'])).toBe('refs/heads/master')
    expect(
      await git(unpacked, ['--git-dir', repo, 'cat-file', '-e', `${shas.c4}^{commit}`]).catch(() => 'missing'),
    ).toBe('missing')
    await git(unpacked, ['--git-dir', repo, 'fsck', '--strict'])
  })

  it('writes a detached HEAD for a tag and imports it back without moving refs', async () => {
    const out = path.join(dir, 'code-tag.tar.gz')
    await writeCodeArchive(bare, shas.c2!, 'refs/tags/pantheon_test_1', out, 'site_test_code')
    const target = path.join(dir, 'target.git')
    await initBareRepo(target)
    const before = await runGit(target, ['for-each-ref'])
    const { headCommit } = await importCodeArchive(out, target)
    expect(headCommit).toBe(shas.c2)
    expect(await runGit(target, ['for-each-ref'])).toBe(before)
    expect(await resolveCommit(target, shas.c2!)).toBe(shas.c2)
    expect(await resolveCommit(target, shas.c1!)).toBe(shas.c1)
    await setRef(target, 'refs/heads/master', headCommit, null)
    expect((await commitLog(target, ['master'])).length).toBe(2)
  })

  it('works in the scratch folder it is given, never in the OS temp folder', async () => {
    const scratchDir = path.join(dir, 'scratch', 'code')
    const out = path.join(dir, 'code-scratch.tar.gz')
    const target = path.join(dir, 'target-scratch.git')
    await initBareRepo(target)
    // os.tmpdir() follows TMPDIR: pointed at a missing folder, any use of it fails.
    const saved = process.env.TMPDIR
    process.env.TMPDIR = path.join(dir, 'no-such-tmp')
    try {
      await expect(importCodeArchive(path.join(dir, 'missing.tar.gz'), target)).rejects.toMatchObject({
        code: 'ENOENT',
        path: expect.stringContaining('no-such-tmp'),
      })
      await writeCodeArchive(bare, shas.c2!, 'refs/heads/master', out, 'site_dev_code', { scratchDir })
      expect((await importCodeArchive(out, target, { scratchDir })).headCommit).toBe(shas.c2)
    } finally {
      if (saved === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = saved
    }
    expect(await readdir(scratchDir)).toEqual([])
  })

  it('accepts a short commit id and refuses bad refs and unknown commits', async () => {
    const out = path.join(dir, 'short.tar.gz')
    await writeCodeArchive(bare, shas.c1!.slice(0, 10), 'refs/heads/master', out, 'code')
    const target = path.join(dir, 'target-short.git')
    await initBareRepo(target)
    expect((await importCodeArchive(out, target)).headCommit).toBe(shas.c1)
    await expect(writeCodeArchive(bare, shas.c1!, 'refs/heads/../../x', out, 'code')).rejects.toBeInstanceOf(GitError)
    await expect(writeCodeArchive(bare, shas.c1!, 'master', out, 'code')).rejects.toBeInstanceOf(GitError)
    await expect(writeCodeArchive(bare, 'f'.repeat(40), 'refs/heads/master', out, 'code')).rejects.toBeInstanceOf(
      GitError,
    )
    await expect(writeCodeArchive(bare, 'nope', 'refs/heads/master', out, 'code')).rejects.toThrow(/no such commit/)
  })

  it('imports a working-copy archive with a .git folder', async () => {
    const out = path.join(dir, 'workcopy.tar.gz')
    await createTarGz(work, out, 'mysite')
    const target = path.join(dir, 'target2.git')
    await initBareRepo(target)
    expect((await importCodeArchive(out, target)).headCommit).toBe(shas.c4)
  })

  it('ignores alternates in an uploaded repository and copes with a missing refs/ folder', async () => {
    // A "shared" clone has no objects of its own: it borrows them from the source via alternates.
    const borrowed = path.join(dir, 'borrowed.git')
    await git(dir, ['clone', '-q', '--bare', '--shared', bare, borrowed])
    const borrowedArchive = path.join(dir, 'borrowed.tar.gz')
    await createTarGz(borrowed, borrowedArchive, 'code')
    const target = path.join(dir, 'target-alt.git')
    await initBareRepo(target)
    const error = await importCodeArchive(borrowedArchive, target).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GitError)
    expect(await resolveCommit(target, shas.c4!)).toBeNull()

    const packed = path.join(dir, 'packed.git')
    await git(dir, ['clone', '-q', '--bare', bare, packed])
    await git(packed, ['pack-refs', '--all'])
    await rm(path.join(packed, 'refs'), { recursive: true })
    const packedArchive = path.join(dir, 'packed.tar.gz')
    await createTarGz(packed, packedArchive, 'code')
    expect((await importCodeArchive(packedArchive, target)).headCommit).toBe(shas.c4)
  })

  it('refuses archives without a usable repository', async () => {
    const plain = await mkdtemp(path.join(dir, 'plain-'))
    await writeFile(path.join(plain, 'index.php'), '<?php\n')
    const notRepo = path.join(dir, 'not-repo.tar.gz')
    await createTarGz(plain, notRepo, 'code')
    const target = path.join(dir, 'target3.git')
    await initBareRepo(target)
    const error = await importCodeArchive(notRepo, target).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ArchiveError)
    expect((error as Error).message).toContain('holds no git repository')

    const emptyRepo = path.join(dir, 'empty-repo')
    await initBareRepo(emptyRepo)
    const emptyArchive = path.join(dir, 'empty-repo.tar.gz')
    await createTarGz(emptyRepo, emptyArchive, 'code')
    const noHead = await importCodeArchive(emptyArchive, target).catch((e: unknown) => e)
    expect(noHead).toBeInstanceOf(GitError)
    expect((noHead as Error).message).toContain('no usable HEAD commit')

    const junk = path.join(dir, 'junk.tar.gz')
    await writeFile(junk, gzipSync('not a tar at all, just text'.repeat(30)))
    expect(((await importCodeArchive(junk, target).catch((e: unknown) => e)) as ArchiveError).code).toBe('bad_tar')
    expect(await readdir(path.join(target, 'refs/heads'))).toEqual([])
  })
})
