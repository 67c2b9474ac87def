/**
 * Revert against native git: for each kind of commit, the app's revert pushed to the remote has
 * `git revert --no-edit`'s tree, and with the same author, committer and time its very commit id;
 * the preview lists the change it makes; a conflict lists its files and moves nothing.
 */
import { describe, expect, it } from 'vitest'
import { GitWorkerHost } from '../../../src/main/git/worker-host'
import { rollbackOperations } from '../../../src/main/git/rollback-operations'
import { caught, useRollbackFixture } from './support/rollback-fixture'
import { AUTHOR, devAt, gitAt, nativeRevert, snapshot, TIME, TOKEN, WorkRepo } from './support/rollback-repo'

const { scenario, defer, served, context } = useRollbackFixture()

/** Reverts `oid` on the scenario's head through the remote and checks it against native git. */
async function revertLikeGit(oid: string, mainline = false) {
  const remote = await served()
  const ctx = context()
  const view = { gitdir: remote.cloneGitdir, envs: devAt(scenario().head) }
  const preview = await rollbackOperations.revertPreview({ ...view, oid, mode: 'revert', head: scenario().head }, ctx)
  expect(preview.conflicts).toEqual([])
  const result = await rollbackOperations.revert(
    {
      ...view,
      remote: { url: remote.url, token: TOKEN },
      oid,
      mode: 'revert',
      head: scenario().head,
      author: AUTHOR,
      time: TIME,
    },
    ctx,
  )
  const native = await nativeRevert(scenario().work.dir, oid, mainline)
  if ('conflict' in native) throw new Error(`native git did not revert cleanly: ${native.conflict}`)
  expect(await gitAt(remote.remoteDir, ['rev-parse', `${result.newHead}^{tree}`])).toBe(native.tree)
  expect(result.newHead).toBe(native.commit)
  expect(await gitAt(remote.remoteDir, ['rev-parse', 'master'])).toBe(result.newHead)
  expect(await gitAt(remote.cloneGitdir, ['rev-parse', 'refs/remotes/origin/master'])).toBe(result.newHead)
  expect(await gitAt(remote.cloneGitdir, ['rev-parse', 'refs/heads/master'])).toBe(result.newHead)
  expect(result).toMatchObject({ previousHead: scenario().head, backupRef: null })
  // The preview's change is the one the commit makes.
  const stat = await gitAt(remote.remoteDir, ['diff', '--numstat', '-M', scenario().head, result.newHead])
  const numstat = preview.files.map((file) => `${file.added ?? '-'}\t${file.removed ?? '-'}`).sort()
  expect(numstat).toEqual(
    stat === ''
      ? []
      : stat
          .split('\n')
          .map((line) => line.split('\t').slice(0, 2).join('\t'))
          .sort(),
  )
  expect(await gitAt(remote.remoteDir, ['fsck', '--no-progress'])).toBe('')
  return { preview, result }
}

describe('revert, against git revert --no-edit', () => {
  it('reverts a plain edit with git’s message, tree and commit id', async () => {
    const { preview } = await revertLikeGit(scenario().ids.edit)
    expect(preview.message).toBe(`Revert "Tune the app"\n\nThis reverts commit ${scenario().ids.edit}.\n`)
    expect(preview.files.map((file) => [file.path, file.status, file.added, file.removed])).toEqual([
      ['src/app.js', 'modified', 1, 1],
    ])
    expect(preview.totals).toEqual({ files: 1, added: 1, removed: 1 })
    expect(preview).toMatchObject({ mode: 'revert', head: scenario().head, empty: false, blocked: null })
    expect(preview.target).toMatchObject({ oid: scenario().ids.edit, subject: 'Tune the app', envsContaining: ['dev'] })
  })

  it('reverts a merge against its first parent, with git’s "reversing changes made to" line', async () => {
    const { preview } = await revertLikeGit(scenario().ids.merge, true)
    const firstParent = await gitAt(scenario().work.dir, ['rev-parse', `${scenario().ids.merge}^1`])
    expect(preview.message).toBe(
      `Revert "Merge branch 'topic'"\n\nThis reverts commit ${scenario().ids.merge}, reversing\nchanges made to ${firstParent}.\n`,
    )
    expect(preview.files.map((file) => `${file.status} ${file.path}`)).toEqual([
      'modified docs/guide.md',
      'deleted docs/topic.md',
    ])
  })

  it('reverts a binary edit', async () => {
    const { preview } = await revertLikeGit(scenario().ids.binary)
    expect(preview.files).toMatchObject([{ path: 'assets/icon.png', binary: true, added: null }])
  })

  it('reverts an exec-bit change on a file edited since, keeping the edit', async () => {
    const { preview } = await revertLikeGit(scenario().ids.exec)
    expect(preview.files).toMatchObject([{ path: 'tools/run.sh', oldMode: '100755', newMode: '100644', added: 0 }])
  })

  it('reverts an added folder (the folder goes whole)', async () => {
    const { preview } = await revertLikeGit(scenario().ids.folder)
    expect(preview.files.map((file) => `${file.status} ${file.path}`)).toEqual([
      'deleted lib/extra/a.js',
      'deleted lib/extra/deep/b.js',
    ])
  })

  it('reverts a plain rename', async () => {
    const { preview } = await revertLikeGit(scenario().ids.rename)
    expect(preview.files).toMatchObject([
      { path: 'docs/old-name.md', oldPath: 'docs/new-name.md', status: 'renamed', similarity: 100 },
    ])
  })

  it('reverts a retargeted link', async () => {
    const { preview } = await revertLikeGit(scenario().ids.relink)
    expect(preview.files).toMatchObject([{ path: 'docs/current', oldMode: '120000', newMode: '120000' }])
  })

  it('reverts a root commit: its files go, and what came later stays', async () => {
    const work = await WorkRepo.create('root')
    defer(() => work.close())
    await work.write('a.txt', 'a\n')
    await work.write('docs/b.txt', 'b\n')
    const root = await work.commit('Root')
    await work.write('c.txt', 'c\n')
    const head = await work.commit('Add c')
    const remote = await served(work)
    const ctx = context()
    const result = await rollbackOperations.revert(
      {
        gitdir: remote.cloneGitdir,
        envs: devAt(head),
        remote: { url: remote.url, token: TOKEN },
        oid: root,
        mode: 'revert',
        head,
        author: AUTHOR,
        time: TIME,
      },
      ctx,
    )
    const native = await nativeRevert(work.dir, root)
    expect(native).toMatchObject({ commit: result.newHead })
    expect(await gitAt(remote.remoteDir, ['ls-tree', '-r', '--name-only', 'master'])).toBe('c.txt')
  })

  it('conflicts where git does on a root commit whose files changed since', async () => {
    const remote = await served()
    const ctx = context()
    const preview = await rollbackOperations.revertPreview(
      {
        gitdir: remote.cloneGitdir,
        envs: devAt(scenario().head),
        oid: scenario().ids.root,
        mode: 'revert',
        head: scenario().head,
      },
      ctx,
    )
    const native = await nativeRevert(scenario().work.dir, scenario().ids.root)
    if (!('conflict' in native)) throw new Error('native git reverted a root commit whose files changed since')
    const conflicts = Object.fromEntries(preview.conflicts.map((conflict) => [conflict.path, conflict.reason]))
    expect(conflicts).toMatchObject({
      'src/app.js': 'changed in dev, deleted by the revert',
      'README.md': 'changed in dev, deleted by the revert',
      'tools/run.sh': 'changed in dev, deleted by the revert',
      'docs/guide.md': 'changed in dev, deleted by the revert',
      'src/helpers.js': 'renamed from src/util.js in dev, deleted by the revert',
      'docs/new-name.md': 'renamed from docs/old-name.md in dev, deleted by the revert',
    })
    // Each path native git names in a conflict is listed here (a rename's old path in its reason).
    const listed = preview.conflicts.map((conflict) => `${conflict.path} ${conflict.reason}`).join('\n')
    for (const match of native.conflict.matchAll(/CONFLICT \([^)]*\): (\S+)/g)) expect(listed).toContain(match[1])
    // ... and nothing it does not name.
    for (const conflict of preview.conflicts) expect(native.conflict).toContain(conflict.path)
  })

  it('lists a line both sides changed as a conflict and changes nothing: no ref, no object, no file', async () => {
    const remote = await served()
    const ctx = context()
    const view = { gitdir: remote.cloneGitdir, envs: devAt(scenario().head) }
    const before = await snapshot(remote.cloneGitdir)
    const remoteBefore = await snapshot(remote.remoteDir)
    const args = { ...view, oid: scenario().ids.lineClash, mode: 'revert' as const, head: scenario().head }
    const preview = await rollbackOperations.revertPreview(args, ctx)
    expect(preview.conflicts).toEqual([{ path: 'README.md', reason: 'changed on both sides' }])
    expect(await nativeRevert(scenario().work.dir, scenario().ids.lineClash)).toHaveProperty('conflict')
    const error = await caught(
      rollbackOperations.revert(
        { ...args, remote: { url: remote.url, token: TOKEN }, author: AUTHOR, time: TIME },
        ctx,
      ),
    )
    expect(error.code).toBe('git_conflict')
    expect(error.message).toContain('README.md (changed on both sides)')
    expect(error.message).toContain('Nothing was changed')
    expect(await snapshot(remote.cloneGitdir)).toEqual(before)
    expect(await snapshot(remote.remoteDir)).toEqual(remoteBefore)
  })

  it('refuses a revert that would change nothing, and says so in the preview', async () => {
    const remote = await served()
    const ctx = context()
    const view = { gitdir: remote.cloneGitdir, envs: devAt(scenario().head) }
    const first = await rollbackOperations.revert(
      {
        ...view,
        remote: { url: remote.url, token: TOKEN },
        oid: scenario().ids.edit,
        mode: 'revert',
        head: scenario().head,
        author: AUTHOR,
        time: TIME,
      },
      ctx,
    )
    // Reverting the same commit again on top of its revert: git says there is nothing to commit.
    const again = {
      ...view,
      envs: devAt(first.newHead),
      oid: scenario().ids.edit,
      mode: 'revert' as const,
      head: first.newHead,
    }
    const preview = await rollbackOperations.revertPreview(again, ctx)
    expect(preview).toMatchObject({ empty: true, files: [], conflicts: [] })
    const error = await caught(
      rollbackOperations.revert(
        { ...again, remote: { url: remote.url, token: TOKEN }, author: AUTHOR, time: TIME },
        ctx,
      ),
    )
    expect(error.message).toContain('would change nothing')
    expect(await gitAt(remote.remoteDir, ['rev-parse', 'master'])).toBe(first.newHead)
  })

  it('runs in the git worker thread, and a cancelled preview stops with git_cancelled', async () => {
    const remote = await served()
    const host = new GitWorkerHost()
    defer(() => host.close())
    const args = {
      gitdir: remote.cloneGitdir,
      envs: devAt(scenario().head),
      oid: scenario().ids.merge,
      mode: 'revert' as const,
      head: scenario().head,
    }
    const preview = await host.run('revertPreview', args)
    expect(preview.files.map((file) => file.path)).toEqual(['docs/guide.md', 'docs/topic.md'])
    const result = await host.run('revert', {
      ...args,
      remote: { url: remote.url, token: TOKEN },
      author: AUTHOR,
      time: TIME,
    })
    expect(await gitAt(remote.remoteDir, ['rev-parse', 'master'])).toBe(result.newHead)
    expect(await host.run('resetBackups', { gitdir: remote.cloneGitdir })).toEqual([])

    const stopped = new AbortController()
    stopped.abort()
    const ctx = context(stopped.signal)
    const error = await caught(rollbackOperations.revertPreview({ ...args, head: result.newHead }, ctx))
    expect(error.code).toBe('git_cancelled')
  })
})
