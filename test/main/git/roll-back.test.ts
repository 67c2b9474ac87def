/**
 * Roll back: one new commit on dev's head whose tree is the chosen commit's (history kept), with
 * a message that names the commit and how many it undoes; the preview is `git diff head target`.
 */
import { describe, expect, it } from 'vitest'
import { rollbackOperations } from '../../../src/main/git/rollback-operations'
import { useRollbackFixture } from './support/rollback-fixture'
import { AUTHOR, devAt, gitAt, TIME, TOKEN } from './support/rollback-repo'

const { scenario, served, context } = useRollbackFixture()

async function setUp() {
  const remote = await served()
  return { remote, ctx: context(), view: { gitdir: remote.cloneGitdir, envs: devAt(scenario().head) } }
}

describe('roll back', () => {
  it('makes one commit on the head with the chosen commit’s tree, and pushes it', async () => {
    const { remote, ctx, view } = await setUp()
    const target = scenario().ids.exec
    const args = { ...view, oid: target, mode: 'roll-back' as const, head: scenario().head }
    const preview = await rollbackOperations.revertPreview(args, ctx)
    const undone = Number(await gitAt(scenario().work.dir, ['rev-list', '--count', `${target}..${scenario().head}`]))
    expect(preview.message).toBe(
      `Roll back to ${target.slice(0, 10)} "Make run.sh executable"\n\nThis restores the files of commit ${target},\nundoing the ${undone} commits made after it.\n`,
    )
    expect(preview.conflicts).toEqual([])
    expect(preview.empty).toBe(false)
    // The preview is what git diff shows between the head and the chosen commit.
    const nameStatus = await gitAt(scenario().work.dir, ['diff', '--name-status', '-M', scenario().head, target])
    expect(
      preview.files.map(
        (file) => `${file.status[0]?.toUpperCase()}\t${file.oldPath ? `${file.oldPath}\t` : ''}${file.path}`,
      ),
    ).toEqual(nameStatus.split('\n').map((line) => line.replace(/^R\d+/, 'R')))
    const numstat = await gitAt(scenario().work.dir, ['diff', '--numstat', '-M', scenario().head, target])
    const added = numstat.split('\n').reduce((sum, line) => sum + (Number(line.split('\t')[0]) || 0), 0)
    expect(preview.totals.added).toBe(added)

    const result = await rollbackOperations.revert(
      { ...args, remote: { url: remote.url, token: TOKEN }, author: AUTHOR, time: TIME },
      ctx,
    )
    const tree = (rev: string): Promise<string> => gitAt(remote.remoteDir, ['rev-parse', `${rev}^{tree}`])
    expect(await tree(result.newHead)).toBe(await tree(target))
    expect(await gitAt(remote.remoteDir, ['rev-parse', 'master'])).toBe(result.newHead)
    expect(await gitAt(remote.remoteDir, ['rev-list', '--parents', '-n', '1', result.newHead])).toBe(
      `${result.newHead} ${scenario().head}`,
    )
    // History is kept: every commit of the head is still in dev's history.
    expect(await gitAt(remote.remoteDir, ['merge-base', '--is-ancestor', scenario().head, 'master'])).toBe('')
    expect(await gitAt(remote.remoteDir, ['log', '-1', '--format=%an <%ae> %at|%cn <%ce> %ct', result.newHead])).toBe(
      `${AUTHOR.name} <${AUTHOR.email}> ${TIME}|${AUTHOR.name} <${AUTHOR.email}> ${TIME}`,
    )
    expect(await gitAt(remote.remoteDir, ['fsck', '--no-progress'])).toBe('')
  })

  it('rolls back past a merge to the first commit, and the first commit’s tree comes back', async () => {
    const { remote, ctx, view } = await setUp()
    const result = await rollbackOperations.revert(
      {
        ...view,
        remote: { url: remote.url, token: TOKEN },
        oid: scenario().ids.root,
        mode: 'roll-back',
        head: scenario().head,
        author: AUTHOR,
        time: TIME,
      },
      ctx,
    )
    expect(await gitAt(remote.remoteDir, ['rev-parse', `${result.newHead}^{tree}`])).toBe(
      await gitAt(remote.remoteDir, ['rev-parse', `${scenario().ids.root}^{tree}`]),
    )
  })

  it('says there is nothing to do when the head’s files are the chosen commit’s already', async () => {
    const { ctx, view } = await setUp()
    const preview = await rollbackOperations.revertPreview(
      { ...view, oid: scenario().head, mode: 'roll-back', head: scenario().head },
      ctx,
    )
    expect(preview).toMatchObject({ empty: true, files: [], totals: { files: 0, added: 0, removed: 0 } })
    expect(preview.message).toContain('undoing the 0 commits made after it')
  })
})
