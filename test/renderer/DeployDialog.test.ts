/**
 * Deploys dev → test and test → live, from the code history's standings and from the site's
 * test and live tabs: the deployable commits listed first, what a deploy leaves behind, nothing
 * to deploy disabling the button with the reason, the options (message, update.php, caches, and
 * for test syncing content from live), live's typed confirmation, then the workflow's progress
 * and the history read again when it lands.
 */
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { accessibleName, descriptionOf, getByRole, queryAllByRole } from './support/by-role'
import { FakeIpcFailure, installFakeBridge, type FakeHandlers } from './support/fake-bridge'
import { historyCommit, historyHandlers, oidOf } from './support/history-fixtures'
import { mountHistory, useHistoryViewTests } from './support/mount-history'
import { mountSite, siteHandlers } from './support/mount-site'
import {
  click,
  deployPreview,
  deployWorkflow,
  dialogNamed,
  pressEscape,
  toggle,
  type,
} from './support/rollback-fixtures'

useHistoryViewTests()

const body = () => document.body
const standing = (env: string) => body().querySelector<HTMLElement>(`[data-testid="standing-${env}"]`)!

function setUp(overrides: FakeHandlers = {}) {
  const fake = historyHandlers(150, {
    'rollback:reset-undo-info': () => null,
    'deploy:preview': ({ to }) => deployPreview(to),
    'deploy:start': ({ to }) => deployWorkflow(to),
    ...overrides,
  })
  return installFakeBridge(siteHandlers(fake.handlers))
}

async function openFromStanding(env: 'test' | 'live') {
  mountHistory('/sites/site-1/code-history')
  await flushPromises()
  const opener = getByRole(standing(env), 'button', `Deploy to ${env}`)
  opener.focus()
  await click(opener)
  return { dialog: dialogNamed('Deploy to'), opener }
}

describe('deploy to test', () => {
  it('lists the commits dev would bring first, with the options and Sync content from live', async () => {
    const bridge = setUp()
    const { dialog } = await openFromStanding('test')
    expect(accessibleName(dialog)).toBe('Deploy to test')
    expect(bridge.callsTo('deploy:preview')).toEqual([{ siteId: 'site-1', to: 'test' }])
    expect(dialog.querySelector('[data-testid="deploy-count"]')?.textContent).toBe('4 commits from dev that test lacks')
    const commits = queryAllByRole(getByRole(dialog, 'list', 'Commits to deploy'), 'listitem')
    expect(
      commits.map((item) => item.textContent?.replace(/\s+/g, ' ').trim().split(' ').slice(0, 4).join(' ')),
    ).toEqual([0, 1, 2, 3].map((index) => `${oidOf(index).slice(0, 7)} Commit number ${index}`))
    // The commits come before the options.
    const message = getByRole(dialog, 'textbox', 'Deploy message')
    expect(commits[3]!.compareDocumentPosition(message) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy()
    expect((getByRole(dialog, 'checkbox', 'Run update.php (update database)') as HTMLInputElement).checked).toBe(false)
    expect((getByRole(dialog, 'checkbox', 'Clear caches') as HTMLInputElement).checked).toBe(true)
    const sync = getByRole(dialog, 'checkbox', 'Sync content from live') as HTMLInputElement
    expect(sync.checked).toBe(false)
    expect(descriptionOf(sync)).toContain('Copies live’s database and files into test')
    expect(queryAllByRole(dialog, 'textbox', 'Type test to confirm')).toHaveLength(0)
    expect((getByRole(dialog, 'button', 'Deploy') as HTMLButtonElement).disabled).toBe(false)
  })

  it('starts the deploy with what was chosen, shows its progress, and reads the history again when it lands', async () => {
    const bridge = setUp()
    const { dialog } = await openFromStanding('test')
    await type(getByRole(dialog, 'textbox', 'Deploy message'), '  Undo the cart change  ')
    await toggle(getByRole(dialog, 'checkbox', 'Run update.php (update database)'))
    await toggle(getByRole(dialog, 'checkbox', 'Clear caches'))
    await toggle(getByRole(dialog, 'checkbox', 'Sync content from live'))
    await click(getByRole(dialog, 'button', 'Deploy'))
    expect(bridge.callsTo('deploy:start')).toEqual([
      {
        siteId: 'site-1',
        to: 'test',
        annotation: 'Undo the cart change',
        updatedb: true,
        clearCache: false,
        syncContent: true,
        confirm: 'test',
      },
    ])
    const started = dialogNamed('Deploy to')
    const card = started.querySelector('[data-testid="workflow-progress"]')!
    expect(card.textContent).toContain('Deploy code to test')
    expect(card.textContent).toContain('Step 1 of 3')
    expect(queryAllByRole(started, 'button', 'Deploy')).toHaveLength(0)

    const opens = bridge.callsTo('history:open').length
    bridge.emit('workflows:progress', {
      siteId: 'site-1',
      env: 'test',
      workflow: deployWorkflow('test', { phase: 'finished', result: 'succeeded', finished: true, succeeded: true }),
      stalled: false,
    })
    await flushPromises()
    expect(dialogNamed('Deploy to').querySelector('[data-testid="workflow-progress"]')?.textContent).toContain(
      'test now runs the deployed code.',
    )
    expect(bridge.callsTo('history:open').slice(opens)).toContainEqual({ siteId: 'site-1', refresh: true })
    await click(getByRole(dialogNamed('Deploy to'), 'button', 'Done'))
    expect(queryAllByRole(body(), 'dialog')).toHaveLength(0)
  })

  it('disables Deploy with the reason when there is nothing to deploy, and explains what a reset left behind', async () => {
    const reason =
      'dev was reset behind test: test holds 2 commits dev no longer has; a deploy would not remove them — push a revert instead.'
    const bridge = setUp({
      'deploy:preview': ({ to }) =>
        deployPreview(to, {
          commits: [],
          count: 0,
          leftBehind: [historyCommit(20), historyCommit(21)],
          leftBehindCount: 2,
          nothingReason: reason,
        }),
    })
    const { dialog, opener } = await openFromStanding('test')
    expect(dialog.querySelector('[data-testid="deploy-count"]')).toBeNull()
    expect(dialog.querySelector('[data-testid="deploy-left-behind"]')?.textContent).toContain(
      'test has 2 commits dev no longer has (dev was reset since)',
    )
    const apply = getByRole(dialog, 'button', 'Deploy') as HTMLButtonElement
    expect(apply.disabled).toBe(true)
    expect(descriptionOf(apply)).toBe(reason)
    await click(apply)
    expect(bridge.callsTo('deploy:start')).toEqual([])

    await pressEscape(document.activeElement ?? dialog)
    expect(queryAllByRole(body(), 'dialog')).toHaveLength(0)
    expect(document.activeElement).toBe(opener)
  })

  it('disables Deploy while the environment is busy, and shows a refused start’s message', async () => {
    const bridge = setUp({
      'deploy:preview': ({ to }) => deployPreview(to, { busy: 'test is busy: a clone of content is running.' }),
    })
    const { dialog } = await openFromStanding('test')
    expect(descriptionOf(getByRole(dialog, 'button', 'Deploy'))).toBe('test is busy: a clone of content is running.')

    bridge.handle('deploy:preview', ({ to }) => deployPreview(to))
    bridge.handle('deploy:start', () => {
      throw new FakeIpcFailure('env_busy', 'test is busy now: wait for its workflow to finish, then deploy.')
    })
    await click(getByRole(dialog, 'button', 'Cancel'))
    await click(getByRole(standing('test'), 'button', 'Deploy to test'))
    await click(getByRole(dialogNamed('Deploy to'), 'button', 'Deploy'))
    expect(getByRole(dialogNamed('Deploy to'), 'alert').textContent).toContain('test is busy now')
  })
})

describe('deploy to live', () => {
  it('needs “live” typed, offers no content sync, and sends the confirmation', async () => {
    const bridge = setUp()
    const { dialog } = await openFromStanding('live')
    expect(accessibleName(dialog)).toBe('Deploy to live')
    expect(dialog.querySelector('[data-testid="deploy-count"]')?.textContent).toBe(
      '7 commits from test that live lacks',
    )
    expect(queryAllByRole(dialog, 'checkbox', 'Sync content from live')).toHaveLength(0)
    const apply = getByRole(dialog, 'button', 'Deploy') as HTMLButtonElement
    expect(apply.disabled).toBe(true)
    const confirm = getByRole(dialog, 'textbox', 'Type live to confirm')
    await type(confirm, 'Live')
    expect(apply.disabled).toBe(true)
    await type(confirm, 'live')
    expect(apply.disabled).toBe(false)
    await click(apply)
    expect(bridge.callsTo('deploy:start')).toEqual([
      {
        siteId: 'site-1',
        to: 'live',
        annotation: '',
        updatedb: false,
        clearCache: true,
        syncContent: false,
        confirm: 'live',
      },
    ])
  })
})

describe('deploy from the site page', () => {
  it('offers Deploy to test on test’s tab and Deploy to live on live’s, and none on dev’s', async () => {
    const bridge = setUp()
    const { router } = mountSite('dev')
    await flushPromises()
    expect(queryAllByRole(body(), 'button', /^Deploy to/)).toHaveLength(0)

    await router.push('/sites/site-1/test')
    await flushPromises()
    await click(getByRole(body(), 'button', 'Deploy to test'))
    expect(accessibleName(dialogNamed('Deploy to'))).toBe('Deploy to test')
    expect(bridge.callsTo('deploy:preview')).toEqual([{ siteId: 'site-1', to: 'test' }])
    await click(getByRole(dialogNamed('Deploy to'), 'button', 'Deploy'))
    // The deploy's card shows on test's page too, where the person returns to.
    await click(getByRole(dialogNamed('Deploy to'), 'button', 'Done'))
    expect(body().querySelector('[data-testid="workflow-progress"]')?.textContent).toContain('Deploy code to test')

    await router.push('/sites/site-1/live')
    await flushPromises()
    expect(getByRole(body(), 'button', 'Deploy to live')).toBeTruthy()
  })
})
