/**
 * The roll back through the same router the page uses, against a real embedded platform (small
 * demo seed) and the real git worker: a revert of dev's newest commit is previewed on the
 * platform's master, pushed, and dev's `target_commit` follows in the `sync_code` the push
 * started; a push made elsewhere after a preview makes the next move fail with the lease
 * message and keeps the other person's commit; a reset with "dev" typed moves master back and
 * its undo puts it where it was.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { LEASE_MESSAGE } from '../../../src/main/git/rollback-service'
import type { HistoryOverview } from '../../../src/shared/history'
import type { Site, SiteDetails } from '../../../src/shared/platform-types'
import type { CodeMoveResult, ResetPreview, ResetUndo, RevertPreview } from '../../../src/shared/rollback'
import { useEmbeddedMain } from '../support/embedded-main'
import { gitIn } from './clone-helpers'

const main = useEmbeddedMain('rollback')
const { call, refused } = main
let site: Site
let repo: string

const master = (): Promise<string> => gitIn(repo, ['rev-parse', 'refs/heads/master'])
const treeOf = (rev: string): Promise<string> => gitIn(repo, ['rev-parse', `${rev}^{tree}`])

async function devAt(commit: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const { environments } = await call<SiteDetails>('sites:open', { siteId: site.id })
      expect(environments.find((env) => env.name === 'dev')?.targetCommit).toBe(commit)
    },
    { timeout: 30_000, interval: 250 },
  )
}

beforeAll(async () => {
  site = await main.site('demo-drupal')
  repo = main.platformRepo(site.id)
  const overview = await call<HistoryOverview>('history:open', { siteId: site.id })
  expect(overview.repo.state).toBe('ready')
}, 120_000)

describe('roll back on the embedded platform', () => {
  it('reverts dev’s newest commit: pushed, and dev follows in the push’s sync_code', async () => {
    const head = await master()
    const preview = await call<RevertPreview>('rollback:revert-preview', { siteId: site.id, oid: head, mode: 'revert' })
    const subject = await gitIn(repo, ['log', '-1', '--format=%s', head])
    expect(preview).toMatchObject({ head, conflicts: [], empty: false, blocked: null })
    expect(preview.message).toBe(`Revert "${subject}"\n\nThis reverts commit ${head}.\n`)
    const result = await call<CodeMoveResult>('rollback:revert', {
      siteId: site.id,
      oid: head,
      mode: 'revert',
      head: preview.head,
    })
    expect(result).toMatchObject({ previousHead: head, backupRef: null })
    expect(await master()).toBe(result.newHead)
    expect(await gitIn(repo, ['rev-parse', `${result.newHead}^`])).toBe(head)
    // Reverting the newest commit gives its parent's files.
    expect(await treeOf(result.newHead)).toBe(await treeOf(`${head}^`))
    expect(result.commit).toMatchObject({ oid: result.newHead, subject: `Revert "${subject}"`, envsAt: ['dev'] })
    expect(result.workflow).toMatchObject({ type: 'sync_code', environment: 'dev' })
    await devAt(result.newHead)
  })

  it('refuses a move on a dev someone pushed to since the preview, and keeps their commit', async () => {
    const head = await master()
    const preview = await call<ResetPreview>('rollback:reset-preview', { siteId: site.id, oid: `${head}` })
    expect(preview.discardedCount).toBe(0)
    const target = await gitIn(repo, ['rev-parse', `${head}~2`])
    const reset = await call<ResetPreview>('rollback:reset-preview', { siteId: site.id, oid: target })
    expect(reset).toMatchObject({ head, discardedCount: 2, notAncestor: false, blocked: null })
    // Someone else pushes from a terminal.
    const work = path.join(main.root, 'elsewhere')
    await gitIn(main.root, ['clone', '-q', await main.gitUrlAs(site.id, 'someone'), work])
    await writeFile(path.join(work, 'theirs.txt'), 'pushed by someone else\n')
    await gitIn(work, ['add', 'theirs.txt'])
    await gitIn(work, ['commit', '-q', '-m', 'Their commit'])
    await gitIn(work, ['push', '-q', 'origin', 'master'])
    const theirs = await gitIn(work, ['rev-parse', 'HEAD'])
    for (const [channel, payload] of [
      ['rollback:reset', { siteId: site.id, oid: target, head, confirm: 'dev' }],
      ['rollback:revert', { siteId: site.id, oid: head, mode: 'revert', head }],
    ] as const) {
      expect(await refused(channel, payload)).toEqual({ code: 'git_lease', message: LEASE_MESSAGE })
      expect(await master()).toBe(theirs)
    }
    await devAt(theirs)
  })

  it('resets dev with "dev" typed, keeps a backup ref, and undoes it', async () => {
    const head = await master()
    const target = await gitIn(repo, ['rev-parse', `${head}~3`])
    const preview = await call<ResetPreview>('rollback:reset-preview', { siteId: site.id, oid: target })
    expect(preview.head).toBe(head)
    expect(preview.discardedCount).toBe(Number(await gitIn(repo, ['rev-list', '--count', `${target}..${head}`])))
    expect(preview.discarded.map((c) => c.oid)).toEqual(
      (await gitIn(repo, ['rev-list', `${target}..${head}`])).split('\n'),
    )
    expect((await refused('rollback:reset', { siteId: site.id, oid: target, head, confirm: 'Dev' })).code).toBe(
      'confirm_mismatch',
    )
    expect(await master()).toBe(head)

    const reset = await call<CodeMoveResult>('rollback:reset', { siteId: site.id, oid: target, head, confirm: 'dev' })
    expect(reset).toMatchObject({ previousHead: head, newHead: target, commit: { oid: target, envsAt: ['dev'] } })
    expect(reset.backupRef).toMatch(/^refs\/restore-desk\/reset-backups\//)
    expect(await master()).toBe(target)
    await devAt(target)

    const undo = await call<ResetUndo | null>('rollback:reset-undo-info', { siteId: site.id })
    expect(undo).toMatchObject({ backupRef: reset.backupRef, from: target, restores: { oid: head } })
    const undone = await call<CodeMoveResult>('rollback:undo-reset', {
      siteId: site.id,
      backupRef: undo!.backupRef,
      confirm: 'dev',
    })
    expect(undone).toMatchObject({ previousHead: target, newHead: head })
    expect(await master()).toBe(head)
    await devAt(head)
    expect(await call<ResetUndo | null>('rollback:reset-undo-info', { siteId: site.id })).toBeNull()
  })
})
