/**
 * Reset of dev and its undo against a remote served by `git http-backend`: the preview lists
 * `git rev-list <target>..<head>` and what test and live hold of it; the reset leaves the remote
 * where `git reset --hard` and a force push leave it, after saving a backup ref; the undo puts
 * master back and drops the backup; both refuse (lease) when someone pushed in between.
 */
import { describe, expect, it } from 'vitest'
import { rollbackOperations } from '../../../src/main/git/rollback-operations'
import type { EnvTarget } from '../../../src/main/git/worker-protocol'
import { caught, remoteMaster as master, useRollbackFixture } from './support/rollback-fixture'
import { gitAt, snapshot, TOKEN, type Served } from './support/rollback-repo'

const { scenario, served, context, clone, pushFromElsewhere } = useRollbackFixture()

async function setUp() {
  return { remote: await served(), ctx: context() }
}

function view(remote: Served, envs: readonly EnvTarget[] = [{ env: 'dev', oid: scenario().head, ref: null }]) {
  return { gitdir: remote.cloneGitdir, envs, url: remote.url, token: TOKEN }
}

describe('reset', () => {
  it('previews what it discards, marked, and what test and live hold of it', async () => {
    const { remote, ctx } = await setUp()
    const target = scenario().ids.folder
    const test = scenario().ids.merge
    const live = scenario().ids.edit
    const preview = await rollbackOperations.resetPreview(
      {
        ...view(remote, [
          { env: 'dev', oid: scenario().head, ref: null },
          { env: 'test', oid: test, ref: null },
          { env: 'live', oid: live, ref: null },
        ]),
        oid: target,
        head: scenario().head,
      },
      ctx,
    )
    const discarded = (await gitAt(scenario().work.dir, ['rev-list', `${target}..${scenario().head}`])).split('\n')
    expect(preview.discardedCount).toBe(discarded.length)
    expect(preview.discarded.map((commit) => commit.oid)).toEqual(discarded)
    expect(preview.discarded[0]).toMatchObject({ oid: scenario().head, envsAt: ['dev'] })
    const heldByTest = Number(await gitAt(scenario().work.dir, ['rev-list', '--count', `${target}..${test}`]))
    expect(heldByTest).toBeGreaterThan(0)
    expect(preview.heldBy).toEqual([
      { env: 'test', count: heldByTest },
      { env: 'live', count: 0 },
    ])
    expect(preview.discarded.filter((commit) => commit.envsContaining.includes('test'))).toHaveLength(heldByTest)
    expect(preview).toMatchObject({ head: scenario().head, notAncestor: false, blocked: null })
    expect(preview.target).toMatchObject({ oid: target, subject: 'Add the extra library' })
  })

  it('says when the commit is not in dev’s history, and refuses that reset', async () => {
    const { remote, ctx } = await setUp()
    const args = {
      ...view(remote, [{ env: 'dev', oid: scenario().ids.edit, ref: null }]),
      oid: scenario().head,
      head: scenario().ids.edit,
    }
    expect(await rollbackOperations.resetPreview(args, ctx)).toMatchObject({ notAncestor: true })
    const error = await caught(rollbackOperations.reset(args, ctx))
    expect(error.message).toContain('not in dev’s history')
  })

  it('leaves the remote where git reset --hard and a force push do, with a backup ref, and undo brings it back', async () => {
    const { remote, ctx } = await setUp()
    const target = scenario().ids.rename
    const result = await rollbackOperations.reset({ ...view(remote), oid: target, head: scenario().head }, ctx)

    // Native git doing the same to a remote of its own.
    const other = await served(scenario().work, 'native.git')
    const native = await clone(other.remoteDir, 'reset-native')
    await gitAt(native, ['reset', '-q', '--hard', target])
    await gitAt(native, ['push', '-q', '--force', 'origin', 'master'])
    expect(await master(remote)).toBe(await master(other))
    expect(await gitAt(remote.remoteDir, ['rev-parse', 'master^{tree}'])).toBe(
      await gitAt(native, ['rev-parse', 'HEAD^{tree}']),
    )

    expect(result).toMatchObject({ previousHead: scenario().head, newHead: target })
    expect(result.backupRef).toMatch(/^refs\/restore-desk\/reset-backups\/\d{8}T\d{6}Z$/)
    const appClone = remote.cloneGitdir
    expect(await gitAt(appClone, ['rev-parse', `${result.backupRef}^{commit}`])).toBe(scenario().head)
    expect(await gitAt(appClone, ['cat-file', '-p', result.backupRef as string])).toContain(`Reset-To: ${target}`)
    expect(await gitAt(appClone, ['rev-parse', 'refs/remotes/origin/master'])).toBe(target)
    expect(await gitAt(appClone, ['rev-parse', 'refs/heads/master'])).toBe(target)
    const backups = await rollbackOperations.resetBackups({ gitdir: appClone }, ctx)
    expect(backups).toEqual([
      { ref: result.backupRef, savedHead: scenario().head, resetTo: target, at: expect.any(Number) as number },
    ])
    expect(Math.abs((backups[0]?.at ?? 0) - Date.now())).toBeLessThan(60_000)
    expect(await gitAt(appClone, ['fsck', '--no-progress'])).toBe('')

    const undone = await rollbackOperations.undoReset(
      { ...view(remote, [{ env: 'dev', oid: target, ref: null }]), backupRef: result.backupRef as string },
      ctx,
    )
    expect(undone).toEqual({ previousHead: target, newHead: scenario().head, backupRef: null })
    expect(await master(remote)).toBe(scenario().head)
    expect(await gitAt(appClone, ['rev-parse', 'refs/remotes/origin/master'])).toBe(scenario().head)
    expect(await gitAt(appClone, ['for-each-ref', 'refs/restore-desk'])).toBe('')
    expect(await rollbackOperations.resetBackups({ gitdir: appClone }, ctx)).toEqual([])
  })

  it('undoes a reset whose commits the remote dropped since: the push carries them back', async () => {
    const { remote, ctx } = await setUp()
    const target = scenario().ids.root
    const result = await rollbackOperations.reset({ ...view(remote), oid: target, head: scenario().head }, ctx)
    await gitAt(remote.remoteDir, ['reflog', 'expire', '--expire=now', '--all'])
    await gitAt(remote.remoteDir, ['gc', '-q', '--prune=now'])
    expect(await gitAt(remote.remoteDir, ['cat-file', '-t', scenario().head]).catch(() => 'gone')).toBe('gone')
    await rollbackOperations.undoReset(
      { ...view(remote, [{ env: 'dev', oid: target, ref: null }]), backupRef: result.backupRef as string },
      ctx,
    )
    expect(await master(remote)).toBe(scenario().head)
    expect(await gitAt(remote.remoteDir, ['fsck', '--no-progress', '--no-dangling'])).toBe('')
    expect(await gitAt(remote.remoteDir, ['rev-list', '--count', 'master'])).toBe(
      await gitAt(scenario().work.dir, ['rev-list', '--count', scenario().head]),
    )
  })

  it('refuses with a lease error when someone pushed between the preview and the reset', async () => {
    const { remote, ctx } = await setUp()
    const args = { ...view(remote), oid: scenario().ids.edit, head: scenario().head }
    await rollbackOperations.resetPreview(args, ctx)
    const theirs = await pushFromElsewhere(remote, 'reset-lease')
    const before = await snapshot(remote.cloneGitdir)
    const error = await caught(rollbackOperations.reset(args, ctx))
    expect(error.code).toBe('git_lease')
    expect(error.message).toContain('Dev moved since you looked (someone pushed)')
    expect(error.message).toContain(theirs.slice(0, 10))
    expect(await master(remote)).toBe(theirs)
    // Nothing moved, so no backup is kept to offer an undo of a reset that did not happen.
    const after = await snapshot(remote.cloneGitdir)
    expect(after.refs).toBe(before.refs)
    expect(await rollbackOperations.resetBackups({ gitdir: remote.cloneGitdir }, ctx)).toEqual([])
  })

  it('refuses the undo the same way when master moved after the reset, and keeps the backup', async () => {
    const { remote, ctx } = await setUp()
    const target = scenario().ids.edit
    const result = await rollbackOperations.reset({ ...view(remote), oid: target, head: scenario().head }, ctx)
    const theirs = await pushFromElsewhere(remote, 'undo-lease')
    const error = await caught(
      rollbackOperations.undoReset(
        { ...view(remote, [{ env: 'dev', oid: target, ref: null }]), backupRef: result.backupRef as string },
        ctx,
      ),
    )
    expect(error.code).toBe('git_lease')
    expect(error.message).toContain('would discard their commits')
    expect(await master(remote)).toBe(theirs)
    expect(await rollbackOperations.resetBackups({ gitdir: remote.cloneGitdir }, ctx)).toMatchObject([
      { ref: result.backupRef, savedHead: scenario().head, resetTo: target },
    ])
  })

  it('refuses to undo with a ref that is not a reset backup', async () => {
    const { remote, ctx } = await setUp()
    const error = await caught(
      rollbackOperations.undoReset({ ...view(remote), backupRef: 'refs/remotes/origin/master' }, ctx),
    )
    expect(error.code).toBe('git_missing_object')
    expect(await master(remote)).toBe(scenario().head)
  })
})
