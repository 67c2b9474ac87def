/**
 * Reset dev to a commit, and undo it: every discarded commit listed and marked, which test or
 * live hold, the rewrite and the force push with a lease said plainly, "dev" typed before the
 * button works, the apply carrying the preview's head, a lease refusal with its message and a
 * fresh look; "Undo reset" only while main offers one, with the same confirmation.
 */
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import type { ResetUndo } from '../../src/shared/rollback'
import { accessibleName, descriptionOf, getByRole, queryAllByRole } from './support/by-role'
import { FakeIpcFailure, installFakeBridge, type FakeHandlers } from './support/fake-bridge'
import { historyCommit, historyHandlers, oidOf } from './support/history-fixtures'
import { mountHistory, useHistoryViewTests } from './support/mount-history'
import { siteHandlers } from './support/mount-site'
import {
  BACKUP_REF,
  click,
  codeMoveResult,
  dialogNamed,
  PICKED,
  pressEscape,
  resetPreview,
  resetUndo,
  type,
} from './support/rollback-fixtures'

useHistoryViewTests()

const body = () => document.body
const waysBack = () => getByRole(body(), 'region', 'Ways back')
const short = (index: number) => oidOf(index).slice(0, 7)

function setUp(overrides: FakeHandlers = {}) {
  const fake = historyHandlers(150, {
    'rollback:reset-preview': () => resetPreview(),
    'rollback:reset': () =>
      codeMoveResult({
        commit: historyCommit(PICKED, { envsAt: ['dev'] }),
        newHead: oidOf(PICKED),
        backupRef: BACKUP_REF,
      }),
    'rollback:reset-undo-info': () => null,
    ...overrides,
  })
  return installFakeBridge(siteHandlers(fake.handlers))
}

async function openReset() {
  mountHistory(`/sites/site-1/code-history/${oidOf(PICKED)}`)
  await flushPromises()
  await click(getByRole(waysBack(), 'button', 'Reset dev to this commit'))
  return dialogNamed('Reset')
}

describe('reset dialog', () => {
  it('lists every commit it discards, marked, which test holds and what that means, and the force push', async () => {
    const bridge = setUp()
    const dialog = await openReset()
    expect(accessibleName(dialog)).toBe(`Reset dev to ${short(PICKED)}`)
    expect(bridge.callsTo('rollback:reset-preview')).toEqual([{ siteId: 'site-1', oid: oidOf(PICKED) }])

    expect(dialog.querySelector('[data-testid="reset-count"]')?.textContent).toBe(
      'Resetting discards 5 commits from dev:',
    )
    const discarded = queryAllByRole(getByRole(dialog, 'list', 'Commits to discard'), 'listitem')
    expect(discarded).toHaveLength(5)
    for (const [index, item] of discarded.entries()) {
      expect(item.querySelector('s')?.textContent).toContain(short(index))
      expect(accessibleName(item)).toMatch(new RegExp(`^discarded: ${short(index)} Commit number ${index}`))
    }
    expect(discarded[3]!.querySelector('[data-testid="held-test"]')?.textContent).toBe('in test')
    expect(discarded[0]!.querySelector('[data-testid="held-test"]')).toBeNull()

    const held = dialog.querySelector('[data-testid="reset-held-test"]')!
    expect(held.textContent).toContain('test holds 3 of them.')
    expect(held.textContent).toContain('the next deploy from dev takes them out of test')
    const rewrite = dialog.querySelector('[data-testid="reset-rewrite"]')!.textContent ?? ''
    expect(rewrite).toContain('rewrites dev’s history')
    expect(rewrite).toContain('force-pushed')
    expect(rewrite).toContain('with a lease')
    expect(rewrite).toContain('backup ref')
  })

  it('keeps Reset dev disabled until “dev” is typed, then resets on the preview’s head', async () => {
    const bridge = setUp()
    const dialog = await openReset()
    const apply = getByRole(dialog, 'button', 'Reset dev') as HTMLButtonElement
    const confirm = getByRole(dialog, 'textbox', 'Type dev to confirm')
    expect(apply.disabled).toBe(true)
    await type(confirm, 'Dev')
    expect(apply.disabled).toBe(true)
    await type(confirm, 'dev ')
    expect(apply.disabled).toBe(true)
    await click(apply)
    expect(bridge.callsTo('rollback:reset')).toEqual([])

    await type(confirm, 'dev')
    expect(apply.disabled).toBe(false)
    const opens = bridge.callsTo('history:open').length
    await click(apply)
    expect(bridge.callsTo('rollback:reset')).toEqual([
      { siteId: 'site-1', oid: oidOf(PICKED), head: oidOf(0), confirm: 'dev' },
    ])
    const done = dialogNamed('Reset')
    expect(done.querySelector('[data-testid="move-headline"]')?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      `Dev is now at ${short(PICKED)}`,
    )
    expect(done.querySelector('[data-testid="move-backup-ref"]')?.textContent).toContain(BACKUP_REF)
    expect(bridge.callsTo('history:open').slice(opens)).toContainEqual({ siteId: 'site-1', refresh: true })
    // Whether an undo is on offer now is asked again.
    expect(bridge.callsTo('rollback:reset-undo-info').length).toBeGreaterThanOrEqual(2)
  })

  it('shows a lease refusal’s message and a Refresh that reloads the preview', async () => {
    const bridge = setUp({
      'rollback:reset': () => {
        throw new FakeIpcFailure('git_lease', 'Dev moved since you looked: someone pushed. Refresh and look again.')
      },
    })
    const dialog = await openReset()
    await type(getByRole(dialog, 'textbox', 'Type dev to confirm'), 'dev')
    await click(getByRole(dialog, 'button', 'Reset dev'))
    expect(getByRole(dialogNamed('Reset'), 'alert').textContent).toContain(
      'Dev moved since you looked: someone pushed. Refresh and look again.',
    )

    bridge.handle('rollback:reset-preview', () => resetPreview({ head: oidOf(200), discardedCount: 6 }))
    await click(getByRole(dialogNamed('Reset'), 'button', 'Refresh'))
    expect(bridge.callsTo('rollback:reset-preview')).toHaveLength(2)
    const fresh = dialogNamed('Reset')
    expect(fresh.querySelector('[data-testid="reset-count"]')?.textContent).toContain('6 commits')
    expect(queryAllByRole(fresh, 'alert')).toHaveLength(0)
    // A fresh look asks for the name again.
    expect((getByRole(fresh, 'textbox', 'Type dev to confirm') as HTMLInputElement).value).toBe('')
    expect(fresh.querySelector('[data-testid="discarded-more"]')?.textContent).toBe('and 1 more')
  })

  it('refuses a commit outside dev’s history, and one dev is at, saying why', async () => {
    const bridge = setUp({ 'rollback:reset-preview': () => resetPreview({ notAncestor: true }) })
    mountHistory(`/sites/site-1/code-history/${oidOf(PICKED)}`)
    await flushPromises()
    const opener = getByRole(waysBack(), 'button', 'Reset dev to this commit')
    opener.focus()
    await click(opener)
    let dialog = dialogNamed('Reset')
    let apply = getByRole(dialog, 'button', 'Reset dev') as HTMLButtonElement
    expect(apply.disabled).toBe(true)
    expect(descriptionOf(apply)).toContain('not in dev’s history')
    expect(queryAllByRole(dialog, 'textbox', 'Type dev to confirm')).toHaveLength(0)
    await pressEscape(document.activeElement ?? dialog)
    expect(queryAllByRole(body(), 'dialog')).toHaveLength(0)
    expect(document.activeElement).toBe(opener)

    bridge.handle('rollback:reset-preview', () => resetPreview({ discardedCount: 0, discarded: [], heldBy: [] }))
    await click(getByRole(waysBack(), 'button', 'Reset dev to this commit'))
    dialog = dialogNamed('Reset')
    apply = getByRole(dialog, 'button', 'Reset dev') as HTMLButtonElement
    expect(apply.disabled).toBe(true)
    expect(descriptionOf(apply)).toContain('would discard nothing')
  })
})

describe('undo reset', () => {
  it('is offered only while main answers with a reset to undo', async () => {
    const bridge = setUp()
    mountHistory('/sites/site-1/code-history')
    await flushPromises()
    expect(bridge.callsTo('rollback:reset-undo-info')).toEqual([{ siteId: 'site-1' }])
    expect(queryAllByRole(body(), 'button', 'Undo reset')).toHaveLength(0)
  })

  it('is not offered when main cannot say (an error), and the history still works', async () => {
    setUp({
      'rollback:reset-undo-info': () => {
        throw new FakeIpcFailure('git_no_repository', 'The site has no clone yet.')
      },
    })
    mountHistory('/sites/site-1/code-history')
    await flushPromises()
    expect(queryAllByRole(body(), 'button', 'Undo reset')).toHaveLength(0)
    expect(getByRole(body(), 'heading', 'Code history')).toBeTruthy()
  })

  it('says what it restores, asks for “dev”, and undoes by the backup ref', async () => {
    let offer: ResetUndo | null = resetUndo()
    const bridge = setUp({
      'rollback:reset-undo-info': () => offer,
      'rollback:undo-reset': () => {
        offer = null
        return codeMoveResult({
          commit: historyCommit(0, { envsAt: ['dev'] }),
          newHead: oidOf(0),
          previousHead: oidOf(PICKED),
        })
      },
    })
    mountHistory('/sites/site-1/code-history')
    await flushPromises()
    const opener = getByRole(body(), 'button', 'Undo reset')
    expect(opener.closest('header')).not.toBeNull()
    await click(opener)

    const dialog = dialogNamed('Undo reset')
    const facts = dialog.querySelector('[data-testid="undo-reset-preview"]')!.textContent ?? ''
    expect(facts).toContain(`Puts dev back at ${short(0)} “Commit number 0”`)
    expect(facts).toContain(`dev is at ${short(PICKED)} now`)
    expect(facts).toContain('force-pushes')
    expect(facts).toContain('lease')
    const apply = getByRole(dialog, 'button', 'Undo reset') as HTMLButtonElement
    expect(apply.disabled).toBe(true)
    await type(getByRole(dialog, 'textbox', 'Type dev to confirm'), 'dev')
    expect(apply.disabled).toBe(false)
    await click(apply)
    expect(bridge.callsTo('rollback:undo-reset')).toEqual([{ siteId: 'site-1', backupRef: BACKUP_REF, confirm: 'dev' }])
    expect(dialogNamed('Undo reset').querySelector('[data-testid="move-headline"]')?.textContent).toContain(
      `Dev is now at ${short(0)}`,
    )
    await click(getByRole(dialogNamed('Undo reset'), 'button', 'Done'))
    // Nothing left to undo: main says so, and the button goes.
    expect(queryAllByRole(body(), 'button', 'Undo reset')).toHaveLength(0)
  })

  it('shows a lease refusal with Refresh, which asks main again', async () => {
    let offer: ResetUndo | null = resetUndo()
    const bridge = setUp({
      'rollback:reset-undo-info': () => offer,
      'rollback:undo-reset': () => {
        throw new FakeIpcFailure('git_lease', 'Dev moved since the reset: someone pushed. Refresh and look again.')
      },
    })
    mountHistory('/sites/site-1/code-history')
    await flushPromises()
    await click(getByRole(body(), 'button', 'Undo reset'))
    await type(getByRole(dialogNamed('Undo reset'), 'textbox', 'Type dev to confirm'), 'dev')
    await click(getByRole(dialogNamed('Undo reset'), 'button', 'Undo reset'))
    expect(getByRole(dialogNamed('Undo reset'), 'alert').textContent).toContain('Dev moved since the reset')

    offer = null
    const asked = bridge.callsTo('rollback:reset-undo-info').length
    await click(getByRole(dialogNamed('Undo reset'), 'button', 'Refresh'))
    expect(bridge.callsTo('rollback:reset-undo-info').length).toBe(asked + 1)
    expect(dialogNamed('Undo reset').querySelector('[data-testid="undo-reset-none"]')?.textContent).toContain(
      'no reset of dev to undo',
    )
    expect((getByRole(dialogNamed('Undo reset'), 'button', 'Undo reset') as HTMLButtonElement).disabled).toBe(true)
  })
})
