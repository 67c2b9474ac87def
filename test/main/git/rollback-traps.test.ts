/**
 * Each trap GIT-NOTES lists for isomorphic-git 1.44, shown avoided: the default merge driver's
 * binary corruption, cherryPick's working-tree update (exec bits, deletions, folders), empty
 * folders left behind, no rename detection, and dry runs that write objects. Native git is the
 * reference each time.
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { splitLines } from '../../../src/main/git/line-diff'
import { mergeLines } from '../../../src/main/git/merge-driver'
import { rollbackOperations } from '../../../src/main/git/rollback-operations'
import { GIT_ENV } from './clone-helpers'
import { caught, useRollbackFixture } from './support/rollback-fixture'
import {
  AUTHOR,
  devAt,
  emptyFolders,
  gitAt,
  nativeRevert,
  nativeRevertIn,
  snapshot,
  TIME,
  TOKEN,
  workingFolder,
} from './support/rollback-repo'

const exec = promisify(execFile)
const { scenario, served, context, clone } = useRollbackFixture()

/** A remote serving the scenario, a context, and a revert's arguments on dev's head there (the commit to add). */
async function onRemote() {
  const remote = await served()
  const args = {
    gitdir: remote.cloneGitdir,
    envs: devAt(scenario().head),
    mode: 'revert' as const,
    head: scenario().head,
  }
  return { remote, ctx: context(), args }
}

/** Reverts `oid` in a local clone (no remote: its branch and working folder move) and in a native clone. */
async function revertLocally(oid: string, mainline = false) {
  const ours = await clone(scenario().work.dir, 'trap-ours')
  const theirs = await clone(scenario().work.dir, 'trap-native')
  const result = await rollbackOperations.revert(
    {
      gitdir: path.join(ours, '.git'),
      envs: devAt(scenario().head),
      remote: null,
      oid,
      mode: 'revert',
      head: scenario().head,
      author: AUTHOR,
      time: TIME,
    },
    context(),
  )
  const native = await nativeRevertIn(theirs, oid, mainline)
  expect(native).toMatchObject({ commit: result.newHead })
  expect(await gitAt(ours, ['rev-parse', 'HEAD'])).toBe(result.newHead)
  return { ours, theirs }
}

/** The working folder, index and status match native git's after the same revert. */
async function expectSameWorkTree(ours: string, theirs: string): Promise<void> {
  expect(await workingFolder(ours)).toEqual(await workingFolder(theirs))
  expect(await gitAt(ours, ['ls-files', '-s'])).toBe(await gitAt(theirs, ['ls-files', '-s']))
  expect(await gitAt(ours, ['status', '--porcelain', '--untracked-files=all'])).toBe('')
  expect(await emptyFolders(ours)).toEqual([])
}

describe('the traps of isomorphic-git 1.44, avoided', () => {
  it('binary corruption: a binary file changed on both sides is a conflict, as in git, not a line merge', async () => {
    const { remote, ctx, args: onHead } = await onRemote()
    const args = { ...onHead, oid: scenario().ids.binaryClash }
    const preview = await rollbackOperations.revertPreview(args, ctx)
    expect(preview.conflicts).toEqual([{ path: 'assets/logo.bin', reason: 'binary file changed on both sides' }])
    const native = await nativeRevert(scenario().work.dir, scenario().ids.binaryClash)
    expect(native).toHaveProperty('conflict')
    expect((native as { conflict: string }).conflict).toContain('assets/logo.bin')
    // The trap is real: the two edits sit on separate "lines", so a line merge would report success.
    const blob = async (rev: string): Promise<Buffer> =>
      (await exec('git', ['cat-file', 'blob', rev], { cwd: scenario().work.dir, env: GIT_ENV, encoding: 'buffer' }))
        .stdout as Buffer
    const base = await blob(`${scenario().ids.binaryClash}:assets/logo.bin`)
    const ours = await blob(`${scenario().head}:assets/logo.bin`)
    const theirs = await blob(`${scenario().ids.binaryClash}^:assets/logo.bin`)
    expect(mergeLines(splitLines(base), splitLines(ours), splitLines(theirs))).not.toBeNull()
    const before = await snapshot(remote.cloneGitdir)
    const error = await caught(
      rollbackOperations.revert(
        { ...args, remote: { url: remote.url, token: TOKEN }, author: AUTHOR, time: TIME },
        ctx,
      ),
    )
    expect(error.code).toBe('git_conflict')
    expect(await snapshot(remote.cloneGitdir)).toEqual(before)
  })

  it('cherryPick’s working-tree update: an exec-bit change is written to the working folder and the index', async () => {
    const { ours, theirs } = await revertLocally(scenario().ids.exec)
    expect((await workingFolder(ours))['tools/run.sh']).toMatch(/^file /)
    await expectSameWorkTree(ours, theirs)
  })

  it('cherryPick’s working-tree update: deletions leave the working folder and the index', async () => {
    const { ours, theirs } = await revertLocally(scenario().ids.merge, true)
    expect(Object.keys(await workingFolder(ours))).not.toContain('docs/topic.md')
    await expectSameWorkTree(ours, theirs)
  })

  it('empty folders: reverting an added folder removes it whole, its subfolder too', async () => {
    const { ours, theirs } = await revertLocally(scenario().ids.folder)
    expect(
      await exec('test', ['-e', path.join(ours, 'lib')]).then(
        () => 'there',
        () => 'gone',
      ),
    ).toBe('gone')
    await expectSameWorkTree(ours, theirs)
  })

  it('links: a retargeted link is put back as a link', async () => {
    const { ours, theirs } = await revertLocally(scenario().ids.relink)
    expect((await workingFolder(ours))['docs/current']).toBe('link guide.md')
    await expectSameWorkTree(ours, theirs)
  })

  it('no rename detection: reverting a rename whose file was edited later succeeds as in git, edit kept', async () => {
    const { ours, theirs } = await revertLocally(scenario().ids.renameEdited)
    const files = await workingFolder(ours)
    expect(Object.keys(files)).toContain('src/util.js')
    expect(Object.keys(files)).not.toContain('src/helpers.js')
    expect(Buffer.from((files['src/util.js'] as string).slice(5), 'base64').toString()).toContain(
      'edited after the rename',
    )
    await expectSameWorkTree(ours, theirs)
  })

  it('dry runs that write objects: a preview writes nothing, though the revert merges a file', async () => {
    const { remote, ctx, args } = await onRemote()
    const before = await snapshot(remote.cloneGitdir)
    // The edit's file changed twice since, so its revert writes a merged blob; the merge, a new tree.
    for (const oid of [
      scenario().ids.edit,
      scenario().ids.merge,
      scenario().ids.renameEdited,
      scenario().ids.lineClash,
    ])
      await rollbackOperations.revertPreview({ ...args, oid }, ctx)
    await rollbackOperations.revertPreview({ ...args, oid: scenario().ids.root, mode: 'roll-back' }, ctx)
    await rollbackOperations.resetPreview({ ...args, oid: scenario().ids.edit }, ctx)
    expect(await snapshot(remote.cloneGitdir)).toEqual(before)
    // The apply does write objects (the merged blob among them), so the preview had some to write.
    const result = await rollbackOperations.revert(
      { ...args, oid: scenario().ids.edit, remote: { url: remote.url, token: TOKEN }, author: AUTHOR, time: TIME },
      ctx,
    )
    const after = await snapshot(remote.cloneGitdir)
    const written = after.objects.filter((file) => !before.objects.includes(file))
    const merged = await gitAt(remote.cloneGitdir, ['rev-parse', `${result.newHead}:src/app.js`])
    expect(written).toContain(`${merged.slice(0, 2)}/${merged.slice(2)}`)
    expect(written).toContain(`${result.newHead.slice(0, 2)}/${result.newHead.slice(2)}`)
  })
})
