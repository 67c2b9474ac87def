/**
 * The revert's push to dev with a lease, against `git http-backend`: a remote that moved since
 * the preview (before the push, or between its advertisement and its upload) is a lease error and
 * keeps the other person's commit; a hook's refusal is reported in the remote's words; a bad
 * token is an auth error; in every case the clone's refs stay where they were.
 */
import { chmod, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cloneRepository } from '../../../src/main/git/clone'
import { rollbackOperations } from '../../../src/main/git/rollback-operations'
import { startPlatform } from '../../../src/platform/index'
import { removeDir, tempDir } from './clone-helpers'
import { caught, remoteMaster as master, useRollbackFixture } from './support/rollback-fixture'
import { AUTHOR, devAt, gitAt, snapshot, TIME, TOKEN, type Served } from './support/rollback-repo'

const { scenario, defer, served, context, pushFromElsewhere } = useRollbackFixture()

async function setUp() {
  const remote = await served()
  const ctx = context()
  const args = {
    gitdir: remote.cloneGitdir,
    envs: devAt(scenario().head),
    oid: scenario().ids.edit,
    mode: 'revert' as const,
    head: scenario().head,
  }
  const apply = (token = TOKEN) =>
    rollbackOperations.revert({ ...args, remote: { url: remote.url, token }, author: AUTHOR, time: TIME }, ctx)
  return { remote, ctx, args, apply }
}

async function hook(remote: Served, script: string): Promise<void> {
  const file = path.join(remote.remoteDir, 'hooks', 'pre-receive')
  await writeFile(file, `#!/bin/sh\n${script}\n`)
  await chmod(file, 0o755)
}

describe('the revert’s push with a lease', () => {
  it('pushes and reports progress', async () => {
    const { remote, ctx, apply } = await setUp()
    const result = await apply()
    expect(await master(remote)).toBe(result.newHead)
    expect(ctx.progressSeen.map((progress) => progress.phase)).toContain('Merging')
  })

  it('refuses with git_lease when someone pushed between the preview and the revert, and keeps their commit', async () => {
    const { remote, ctx, args, apply } = await setUp()
    await rollbackOperations.revertPreview(args, ctx)
    const theirs = await pushFromElsewhere(remote, 'push-lease')
    const before = await snapshot(remote.cloneGitdir)
    const error = await caught(apply())
    expect(error.code).toBe('git_lease')
    expect(error.message).toBe(
      `Dev moved since you looked (someone pushed): you looked at ${scenario().head.slice(0, 10)}, dev is at ${theirs.slice(0, 10)} now; refresh and look again. Nothing was changed.`,
    )
    expect(await master(remote)).toBe(theirs)
    expect((await snapshot(remote.cloneGitdir)).refs).toBe(before.refs)
  })

  it('refuses with git_lease when the remote moves between its advertisement and the upload', async () => {
    const { remote, apply } = await setUp()
    // The hook moves master (outside the push's quarantine) just before receive-pack updates it.
    await hook(
      remote,
      `env -u GIT_QUARANTINE_PATH -u GIT_OBJECT_DIRECTORY -u GIT_ALTERNATE_OBJECT_DIRECTORIES git update-ref refs/heads/master ${scenario().ids.edit}`,
    )
    const before = await snapshot(remote.cloneGitdir)
    const error = await caught(apply())
    expect(error.code).toBe('git_lease')
    expect(error.message).toContain('dev moved while the push was on its way')
    expect(await master(remote)).toBe(scenario().ids.edit)
    expect((await snapshot(remote.cloneGitdir)).refs).toBe(before.refs)
  })

  it('reports a hook’s refusal in the remote’s words, and moves nothing', async () => {
    const { remote, apply } = await setUp()
    await hook(remote, 'echo "Dev is frozen for the release." >&2\nexit 1')
    const before = await snapshot(remote.cloneGitdir)
    const error = await caught(apply())
    expect(error.code).toBe('git_push_refused')
    expect(error.message).toContain('Dev is frozen for the release.')
    expect(error.message).toContain('pre-receive hook declined')
    expect(error.message).toContain('Nothing was changed on dev')
    expect(await master(remote)).toBe(scenario().head)
    expect((await snapshot(remote.cloneGitdir)).refs).toBe(before.refs)
  })

  it('reports a refused token as git_auth, without the token', async () => {
    const { remote, apply } = await setUp()
    const error = await caught(apply('not-the-token'))
    expect(error.code).toBe('git_auth')
    expect(error.message).not.toContain('not-the-token')
    expect(await master(remote)).toBe(scenario().head)
  })
})

describe('against the embedded platform', () => {
  it('reverts, resets and undoes the reset of a seeded site’s dev, the platform taking each push', async () => {
    const root = await tempDir('rollback-platform')
    defer(() => removeDir(root))
    const platform = await startPlatform({
      dataDir: path.join(root, 'platform'),
      seed: 'demo',
      seedScale: 'small',
      machineToken: 'platform-token',
    })
    defer(() => platform.close())
    const url = `${platform.url}/git/demo-drupal.git`
    const remote = { url, token: 'platform-token' }
    const { gitdir } = await cloneRepository({
      ...remote,
      folder: path.join(root, 'clone'),
      signal: new AbortController().signal,
      onProgress: () => undefined,
    })
    const ctx = context()
    const head = await gitAt(gitdir, ['rev-parse', 'refs/remotes/origin/master'])
    const view = { gitdir, envs: devAt(head) }
    let target: string | null = null
    for (const oid of (await gitAt(gitdir, ['rev-list', '--first-parent', '-n', '10', head])).split('\n')) {
      const preview = await rollbackOperations.revertPreview({ ...view, oid, mode: 'revert', head }, ctx)
      if (preview.conflicts.length === 0 && !preview.empty) {
        target = oid
        break
      }
    }
    expect(target).not.toBeNull()
    const reverted = await rollbackOperations.revert(
      { ...view, remote, oid: target as string, mode: 'revert', head, author: AUTHOR, time: TIME },
      ctx,
    )
    const platformMaster = async (): Promise<string> =>
      (
        await gitAt(gitdir, [
          'ls-remote',
          url.replace('http://', 'http://restore-desk:platform-token@'),
          'refs/heads/master',
        ])
      ).split('\t')[0] as string
    expect(await platformMaster()).toBe(reverted.newHead)

    const older = await gitAt(gitdir, ['rev-parse', `${head}~3`])
    const reset = await rollbackOperations.reset(
      { ...view, envs: devAt(reverted.newHead), ...remote, oid: older, head: reverted.newHead },
      ctx,
    )
    expect(await platformMaster()).toBe(older)
    await rollbackOperations.undoReset({ ...view, ...remote, backupRef: reset.backupRef as string }, ctx)
    expect(await platformMaster()).toBe(reverted.newHead)
  }, 120_000)
})
