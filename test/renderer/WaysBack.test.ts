/**
 * The ways back in a commit's detail, and the revert and roll back dialogs: the preview's facts
 * (the change against dev, the message, conflicts, empty, blocked), the apply carrying the
 * preview's head, progress while it pushes, where dev is afterwards with its code sync, the
 * history read again, the deploy offered, a lease refusal with a fresh look, and the keyboard.
 */
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import type { CodeMoveResult, RevertPreview } from '../../src/shared/rollback'
import { accessibleName, descriptionOf, getByRole, queryAllByRole } from './support/by-role'
import { FakeIpcFailure, installFakeBridge, type FakeHandlers } from './support/fake-bridge'
import { commitDetail, historyCommit, historyHandlers, oidOf } from './support/history-fixtures'
import { mountHistory, useHistoryViewTests } from './support/mount-history'
import { siteHandlers } from './support/mount-site'
import {
  click,
  codeMoveResult,
  deferred,
  deployPreview,
  dialogNamed,
  PICKED,
  pressEscape,
  revertMessage,
  revertPreview,
  syncWorkflow,
} from './support/rollback-fixtures'

useHistoryViewTests()

const body = () => document.body
const waysBack = () => getByRole(body(), 'region', 'Ways back')

function setUp(overrides: FakeHandlers = {}) {
  const fake = historyHandlers(150, {
    'rollback:revert-preview': ({ mode }) => revertPreview(mode),
    'rollback:revert': () => codeMoveResult(),
    'rollback:reset-undo-info': () => null,
    'deploy:preview': ({ to }) => deployPreview(to),
    ...overrides,
  })
  return installFakeBridge(siteHandlers(fake.handlers))
}

async function openPicked() {
  const mounted = mountHistory(`/sites/site-1/code-history/${oidOf(PICKED)}`)
  await flushPromises()
  return mounted
}

describe('ways back', () => {
  it('shows revert and reset side by side in the commit’s detail', async () => {
    setUp()
    await openPicked()
    const section = waysBack()
    expect(section.closest('[data-testid="commit-detail"]')).not.toBeNull()
    expect(getByRole(section, 'button', 'Revert this commit')).toBeTruthy()
    expect(getByRole(section, 'button', 'Roll back to this commit')).toBeTruthy()
    expect(getByRole(section, 'button', 'Reset dev to this commit')).toBeTruthy()
    expect(section.querySelector('[data-testid="way-revert"]')?.textContent).toContain('history kept')
    expect(section.querySelector('[data-testid="way-reset"]')?.textContent).toContain('history rewritten')
  })

  it('says when the app cannot push', async () => {
    const fake = historyHandlers(150, { 'rollback:reset-undo-info': () => null })
    fake.state.overview = { ...fake.state.overview, repo: { ...fake.state.overview.repo, canPush: false } }
    installFakeBridge(siteHandlers(fake.handlers))
    await openPicked()
    expect(waysBack().querySelector('[data-testid="ways-back-no-push"]')?.textContent).toContain('from a terminal')
  })

  it('says when dev is at the commit: a revert undoes it, a roll back or reset changes nothing', async () => {
    setUp({
      'history:commit': ({ oid }) =>
        oid === oidOf(0)
          ? commitDetail(0, { commit: historyCommit(0, { envsAt: ['dev'], envsContaining: ['dev'] }) })
          : commitDetail(1),
    })
    mountHistory(`/sites/site-1/code-history/${oidOf(0)}`)
    await flushPromises()
    expect(waysBack().querySelector('[data-testid="ways-back-dev-here"]')?.textContent).toContain(
      'rolling back or resetting to it changes nothing',
    )
    // Still open: the previews say so in full.
    expect((getByRole(waysBack(), 'button', 'Reset dev to this commit') as HTMLButtonElement).disabled).toBe(false)
  })
})

describe('revert dialog', () => {
  it('previews the change against dev’s commit: files with status and counts, totals and git’s message', async () => {
    const bridge = setUp()
    await openPicked()
    await click(getByRole(waysBack(), 'button', 'Revert this commit'))

    const dialog = dialogNamed('Revert')
    expect(accessibleName(dialog)).toBe(`Revert ${oidOf(PICKED).slice(0, 7)}`)
    expect(bridge.callsTo('rollback:revert-preview')).toEqual([
      { siteId: 'site-1', oid: oidOf(PICKED), mode: 'revert' },
    ])
    expect(dialog.querySelector('[data-testid="revert-head"]')?.textContent).toContain(oidOf(0).slice(0, 7))

    const files = queryAllByRole(getByRole(dialog, 'list', 'Files changed'), 'listitem')
    expect(files.map((item) => item.dataset.path)).toEqual(['web/index.php', 'web/new.php'])
    expect(files.map((item) => item.querySelector('[data-testid="file-status"]')?.textContent)).toEqual([
      'Modified',
      'Deleted',
    ])
    expect(accessibleName(files[1]!.querySelector('[data-testid="file-counts"]')!)).toBe('0 added, 12 removed')
    // The diff view of the commit detail, without a whole diff to ask for.
    expect(files[0]!.querySelectorAll('[data-testid="diff-line"]')).toHaveLength(4)
    expect(dialog.querySelector('[data-testid="revert-totals"]')?.textContent).toBe(
      '2 files changed, 1 added, 13 removed',
    )
    const message = dialog.querySelector('pre')!
    expect(message.textContent).toBe(revertMessage(PICKED))
    expect(accessibleName(message)).toBe('Commit message')

    const apply = getByRole(dialog, 'button', 'Revert') as HTMLButtonElement
    expect(apply.disabled).toBe(false)
  })

  it('reverts on the preview’s head, shows progress while it pushes, then where dev is and its code sync', async () => {
    const push = deferred<CodeMoveResult>()
    const bridge = setUp({ 'rollback:revert': () => push.promise })
    await openPicked()
    await click(getByRole(waysBack(), 'button', 'Revert this commit'))
    const opens = bridge.callsTo('history:open').length

    await click(getByRole(dialogNamed('Revert'), 'button', 'Revert'))
    expect(bridge.callsTo('rollback:revert')).toEqual([
      { siteId: 'site-1', oid: oidOf(PICKED), mode: 'revert', head: oidOf(0) },
    ])
    expect(dialogNamed('Revert').querySelector('[data-testid="revert-pushing"]')?.textContent).toContain('pushing')
    expect((getByRole(dialogNamed('Revert'), 'button', 'Cancel') as HTMLButtonElement).disabled).toBe(true)

    push.resolve(codeMoveResult())
    await flushPromises()
    const dialog = dialogNamed('Revert')
    expect(dialog.querySelector('[data-testid="move-headline"]')?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'Dev is now at f00dfee',
    )
    // The pressed button is gone: focus moves to Done.
    expect(document.activeElement).toBe(getByRole(dialog, 'button', 'Done'))
    const card = dialog.querySelector('[data-testid="workflow-progress"]')!
    expect(card.textContent).toContain('Sync code on dev')
    expect(card.textContent).toContain('Step 1 of 2')
    // The history is fetched again, so dev moves in the standings and the list.
    expect(bridge.callsTo('history:open').slice(opens)).toContainEqual({ siteId: 'site-1', refresh: true })

    // The code sync's end moves it on, and reads the history once more.
    const before = bridge.callsTo('history:open').length
    bridge.emit('workflows:progress', {
      siteId: 'site-1',
      env: 'dev',
      workflow: syncWorkflow({ phase: 'finished', result: 'succeeded', finished: true, succeeded: true }),
      stalled: false,
    })
    await flushPromises()
    expect(dialogNamed('Revert').querySelector('[data-testid="workflow-progress"]')?.textContent).toContain(
      'dev now runs the new commit.',
    )
    expect(bridge.callsTo('history:open').length).toBeGreaterThan(before)
  })

  it('offers the deploy to test once done, and Escape then returns focus to the way it was opened from', async () => {
    const bridge = setUp()
    await openPicked()
    const opener = getByRole(waysBack(), 'button', 'Revert this commit')
    opener.focus()
    await click(opener)
    await click(getByRole(dialogNamed('Revert'), 'button', 'Revert'))
    await click(getByRole(dialogNamed('Revert'), 'button', 'Deploy to test'))

    expect(queryAllByRole(body(), 'dialog', /^Revert/)).toHaveLength(0)
    const deploy = dialogNamed('Deploy to')
    expect(accessibleName(deploy)).toBe('Deploy to test')
    expect(bridge.callsTo('deploy:preview')).toEqual([{ siteId: 'site-1', to: 'test' }])
    await pressEscape(document.activeElement ?? deploy)
    expect(queryAllByRole(body(), 'dialog')).toHaveLength(0)
    expect(document.activeElement).toBe(getByRole(waysBack(), 'button', 'Revert this commit'))
  })

  it('in a local clone the app cannot push from, says the commit waits there for the person’s push', async () => {
    const fake = historyHandlers(150, {
      'rollback:revert-preview': ({ mode }) => revertPreview(mode),
      'rollback:revert': () => codeMoveResult({ workflow: null }),
      'rollback:reset-undo-info': () => null,
    })
    const repo = {
      ...fake.state.overview.repo,
      source: 'local-clone' as const,
      canPush: false,
      localPath: '/home/me/site',
    }
    fake.state.overview = { ...fake.state.overview, repo }
    installFakeBridge(siteHandlers(fake.handlers))
    await openPicked()
    await click(getByRole(waysBack(), 'button', 'Revert this commit'))
    await click(getByRole(dialogNamed('Revert'), 'button', 'Revert'))
    const dialog = dialogNamed('Revert')
    expect(dialog.querySelector('[data-testid="move-headline"]')?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'Your clone is now at f00dfee',
    )
    expect(dialog.querySelector('[data-testid="move-local-only"]')?.textContent).toContain(
      'in your clone at /home/me/site',
    )
  })

  it('rolls back: its own dialog, message and button, with the mode sent', async () => {
    const bridge = setUp({ 'rollback:revert': () => codeMoveResult({ workflow: null }) })
    await openPicked()
    await click(getByRole(waysBack(), 'button', 'Roll back to this commit'))
    const dialog = dialogNamed('Roll back')
    expect(accessibleName(dialog)).toBe(`Roll back dev to ${oidOf(PICKED).slice(0, 7)}`)
    expect(dialog.querySelector('[data-testid="revert-intro"]')?.textContent).toContain('every change made after')
    expect(dialog.querySelector('pre')?.textContent).toBe(`Roll back to a000005 "Commit number ${PICKED}"\n`)

    await click(getByRole(dialog, 'button', 'Roll back'))
    expect(bridge.callsTo('rollback:revert')).toEqual([
      { siteId: 'site-1', oid: oidOf(PICKED), mode: 'roll-back', head: oidOf(0) },
    ])
    expect(dialogNamed('Roll back').querySelector('[data-testid="move-no-sync"]')).not.toBeNull()
  })

  it('lists the conflicts and keeps Revert disabled, saying why', async () => {
    const conflicted: RevertPreview = revertPreview('revert', {
      conflicts: [
        { path: 'web/index.php', reason: 'changed on both sides' },
        { path: 'web/logo.png', reason: 'binary file changed on both sides' },
      ],
      blocked: null,
    })
    const bridge = setUp({ 'rollback:revert-preview': () => conflicted })
    await openPicked()
    await click(getByRole(waysBack(), 'button', 'Revert this commit'))
    const dialog = dialogNamed('Revert')

    const listed = queryAllByRole(getByRole(dialog, 'list', 'Conflicting files'), 'listitem')
    expect(listed.map((item) => item.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      'web/index.php changed on both sides',
      'web/logo.png binary file changed on both sides',
    ])
    expect(dialog.querySelector('[data-testid="revert-conflicts"]')?.textContent).toContain('nothing was changed')
    const apply = getByRole(dialog, 'button', 'Revert') as HTMLButtonElement
    expect(apply.disabled).toBe(true)
    expect(descriptionOf(apply)).toContain('2 files conflict')
    await click(apply)
    expect(bridge.callsTo('rollback:revert')).toEqual([])
  })

  it('explains an empty change and a blocked one, each disabling the button', async () => {
    let preview = revertPreview('revert', { empty: true, files: [], totals: { files: 0, added: 0, removed: 0 } })
    setUp({ 'rollback:revert-preview': () => preview })
    await openPicked()
    await click(getByRole(waysBack(), 'button', 'Revert this commit'))
    let dialog = dialogNamed('Revert')
    expect(dialog.querySelector('[data-testid="revert-empty"]')?.textContent).toContain('would change nothing')
    expect((getByRole(dialog, 'button', 'Revert') as HTMLButtonElement).disabled).toBe(true)
    await click(getByRole(dialog, 'button', 'Cancel'))

    preview = revertPreview('revert', { blocked: 'dev is busy: Restore dev from 30 Nov 02:00 is running.' })
    await click(getByRole(waysBack(), 'button', 'Revert this commit'))
    dialog = dialogNamed('Revert')
    const apply = getByRole(dialog, 'button', 'Revert') as HTMLButtonElement
    expect(apply.disabled).toBe(true)
    expect(descriptionOf(apply)).toBe('dev is busy: Restore dev from 30 Nov 02:00 is running.')
  })

  it('shows a lease refusal with Refresh, which makes the preview again for the new head', async () => {
    let head = oidOf(0)
    const bridge = setUp({
      'rollback:revert-preview': ({ mode }) => revertPreview(mode, { head }),
      'rollback:revert': () => {
        throw new FakeIpcFailure('git_lease', 'Dev moved since you looked: someone pushed. Refresh and look again.')
      },
    })
    await openPicked()
    await click(getByRole(waysBack(), 'button', 'Revert this commit'))
    await click(getByRole(dialogNamed('Revert'), 'button', 'Revert'))
    const error = dialogNamed('Revert').querySelector('[data-testid="revert-error"]')!
    expect(error.textContent).toContain('Dev moved since you looked')

    head = 'beef'.padEnd(40, '1')
    bridge.handle('rollback:revert', () => codeMoveResult())
    await click(getByRole(dialogNamed('Revert'), 'button', 'Refresh'))
    expect(bridge.callsTo('rollback:revert-preview')).toHaveLength(2)
    expect(dialogNamed('Revert').querySelector('[data-testid="revert-error"]')).toBeNull()
    await click(getByRole(dialogNamed('Revert'), 'button', 'Revert'))
    expect(bridge.callsTo('rollback:revert').at(-1)).toEqual({
      siteId: 'site-1',
      oid: oidOf(PICKED),
      mode: 'revert',
      head,
    })
  })

  it('says when the preview fails, and tries again', async () => {
    let fail = true
    setUp({
      'rollback:revert-preview': ({ mode }) => {
        if (fail) throw new FakeIpcFailure('git_remote', 'The platform’s git did not answer. Try again in a moment.')
        return revertPreview(mode)
      },
    })
    await openPicked()
    await click(getByRole(waysBack(), 'button', 'Revert this commit'))
    expect(getByRole(dialogNamed('Revert'), 'alert').textContent).toContain('did not answer')
    expect((getByRole(dialogNamed('Revert'), 'button', 'Revert') as HTMLButtonElement).disabled).toBe(true)
    fail = false
    await click(getByRole(dialogNamed('Revert'), 'button', 'Try again'))
    expect((getByRole(dialogNamed('Revert'), 'button', 'Revert') as HTMLButtonElement).disabled).toBe(false)
  })
})
