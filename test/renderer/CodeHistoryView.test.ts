/** The code history view: the way in and back, the repository's states, dev/test/live side by side, refresh. */
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { useAppStore } from '../../src/renderer/src/stores/app'
import type { HistoryOverview } from '../../src/shared/history'
import { getByRole, queryAllByRole } from './support/by-role'
import { FakeIpcFailure, installFakeBridge, type FakeHandlers } from './support/fake-bridge'
import { appInfo } from './support/fixtures'
import { gap, historyCommit, historyHandlers, oidOf, overview, position, repoStatus } from './support/history-fixtures'
import { mountSite, siteHandlers } from './support/mount-site'
import { useHistoryViewTests, mountHistory, renderedRows } from './support/mount-history'

useHistoryViewTests()

const body = () => document.body
const standing = (env: string) => body().querySelector<HTMLElement>(`[data-testid="standing-${env}"]`)!

async function type(input: HTMLElement, text: string): Promise<void> {
  ;(input as HTMLInputElement).value = text
  input.dispatchEvent(new Event('input'))
  await flushPromises()
}

function setUp(total = 150, overrides: FakeHandlers = {}) {
  const fake = historyHandlers(total, overrides)
  return { ...fake, bridge: installFakeBridge(siteHandlers(fake.handlers)) }
}

const NEEDS_LOCAL: HistoryOverview = overview({
  repo: repoStatus({
    state: 'needs-local-clone',
    source: null,
    canPush: false,
    fetchedAt: null,
    transportNote: 'Pantheon serves git over SSH only, which Restore Desk cannot speak.',
  }),
  positions: [],
  gaps: [],
  totalCommits: null,
})

describe('the way in', () => {
  it('the site’s page links to its code history, which names itself in the title and links back', async () => {
    setUp()
    const { router } = mountSite('dev')
    await flushPromises()
    getByRole(body(), 'link', 'Code history').click()
    await flushPromises()
    expect(router.currentRoute.value.name).toBe('code-history')
    expect(router.currentRoute.value.params.siteId).toBe('site-1')
    expect(document.title).toBe('Code history · Demo Drupal – Restore Desk')
    expect(getByRole(body(), 'heading', 'Code history')).toBeTruthy()

    getByRole(body(), 'link', /^Back to /).click()
    await flushPromises()
    expect(router.currentRoute.value.name).toBe('site')
  })
})

describe('the repository', () => {
  it('shows a clone’s phase, objects and bytes with a progress bar and Cancel, then the history', async () => {
    let answer: (value: HistoryOverview) => void = () => {}
    const { bridge } = setUp(150, {
      'history:open': () => new Promise((resolve) => (answer = resolve)),
      'history:cancel': () => undefined,
    })
    mountHistory()
    await flushPromises()
    bridge.emit(
      'history:progress',
      repoStatus({ state: 'cloning', progress: { phase: 'Receiving objects', loaded: 40, total: 100, bytes: 2048 } }),
    )
    await flushPromises()
    const progress = body().querySelector('progress')!
    expect(progress.getAttribute('value')).toBe('40')
    expect(progress.getAttribute('max')).toBe('100')
    expect(body().querySelector('[data-testid="repo-progress-counts"]')?.textContent).toBe(
      'Receiving objects: 40 of 100 objects, 2.0 KiB received',
    )
    expect(getByRole(body(), 'heading', 'Cloning the site’s repository…')).toBeTruthy()
    getByRole(body(), 'button', 'Cancel').click()
    await flushPromises()
    expect(bridge.callsTo('history:cancel')).toEqual([{ siteId: 'site-1' }])

    answer(overview({ totalCommits: 150 }))
    await flushPromises()
    expect(body().querySelector('[data-testid="repo-progress"]')).toBeNull()
    expect(renderedRows().length).toBeGreaterThan(0)
  })

  it('on Pantheon says why, and opens a local clone by its folder, then forgets it', async () => {
    const local = overview({
      repo: repoStatus({ source: 'local-clone', localPath: '/home/me/sites/shop', canPush: false }),
    })
    const { bridge } = setUp(150, {
      'history:open': () => NEEDS_LOCAL,
      'history:choose-local': () => null,
      'history:open-local': () => local,
      'history:close-local': () => NEEDS_LOCAL.repo,
    })
    mountHistory()
    await flushPromises()
    expect(body().querySelector('[data-testid="transport-note"]')?.textContent).toBe(
      'Pantheon serves git over SSH only, which Restore Desk cannot speak.',
    )
    expect(queryAllByRole(body(), 'list', 'Commits')).toHaveLength(0)
    expect(queryAllByRole(body(), 'button', 'Refresh')).toHaveLength(0)

    // The picker answers null where there is none (browser mode): its button goes.
    getByRole(body(), 'button', 'Choose folder…').click()
    await flushPromises()
    expect(bridge.callsTo('history:choose-local')).toEqual([{ siteId: 'site-1' }])
    expect(queryAllByRole(body(), 'button', 'Choose folder…')).toHaveLength(0)

    const open = getByRole(body(), 'button', 'Open') as HTMLButtonElement
    expect(open.disabled).toBe(true)
    await type(getByRole(body(), 'textbox', 'Local clone folder'), '/home/me/sites/shop')
    open.click()
    await flushPromises()
    expect(bridge.callsTo('history:open-local')).toEqual([{ siteId: 'site-1', path: '/home/me/sites/shop' }])
    expect(body().textContent).toContain('/home/me/sites/shop')
    expect(body().textContent).toContain('push from a terminal')
    expect(renderedRows().length).toBeGreaterThan(0)

    getByRole(body(), 'button', 'Forget this folder').click()
    await flushPromises()
    expect(bridge.callsTo('history:close-local')).toEqual([{ siteId: 'site-1' }])
    expect(getByRole(body(), 'textbox', 'Local clone folder')).toBeTruthy()
    expect(queryAllByRole(body(), 'list', 'Commits')).toHaveLength(0)
  })

  it('hides the folder picker in browser mode, and shows why a folder could not be opened', async () => {
    setUp(150, {
      'app:info': () => appInfo({ mode: 'browser' }),
      'history:open': () => NEEDS_LOCAL,
      'history:open-local': () => {
        throw new FakeIpcFailure('not_a_repository', '/tmp/empty holds no git repository: choose the clone’s folder.')
      },
    })
    mountHistory()
    await useAppStore().load()
    await flushPromises()
    expect(queryAllByRole(body(), 'button', 'Choose folder…')).toHaveLength(0)
    await type(getByRole(body(), 'textbox', 'Local clone folder'), '/tmp/empty')
    getByRole(body(), 'button', 'Open').click()
    await flushPromises()
    expect(getByRole(body(), 'alert').textContent).toContain('/tmp/empty holds no git repository')
  })

  it('shows why the history could not be opened, and opens it on Try again', async () => {
    let fail = true
    const { bridge } = setUp(150, {
      'history:open': () => {
        if (fail) throw new FakeIpcFailure('host_unreachable', 'The platform did not answer: check the connection.')
        return overview({ totalCommits: 150 })
      },
    })
    mountHistory()
    await flushPromises()
    expect(getByRole(body(), 'alert').textContent).toContain('The platform did not answer')
    fail = false
    getByRole(body(), 'button', 'Try again').click()
    await flushPromises()
    expect(bridge.callsTo('history:open')).toHaveLength(2)
    expect(renderedRows().length).toBeGreaterThan(0)
  })

  it('Refresh fetches and keeps the list when nothing moved; a failed fetch is shown over the kept history', async () => {
    let fail = false
    const { bridge, state } = setUp(150, {
      'history:open': ({ refresh }) => {
        if (refresh && fail) throw new FakeIpcFailure('git_fetch_failed', 'The fetch was refused: the token expired.')
        return state.overview
      },
    })
    mountHistory()
    await flushPromises()
    getByRole(body(), 'button', 'Refresh').click()
    await flushPromises()
    expect(bridge.callsTo('history:open')).toEqual([{ siteId: 'site-1' }, { siteId: 'site-1', refresh: true }])
    expect(bridge.callsTo('history:page')).toHaveLength(1)
    fail = true
    getByRole(body(), 'button', 'Refresh').click()
    await flushPromises()
    expect(getByRole(body(), 'alert').textContent).toContain('The fetch was refused: the token expired.')
    expect(renderedRows().length).toBeGreaterThan(0)
  })
})

describe('dev, test and live side by side', () => {
  it('shows where each stands and what each lacks of the one it is deployed from', async () => {
    setUp()
    mountHistory()
    await flushPromises()
    expect(getByRole(standing('dev'), 'heading', 'dev')).toBeTruthy()
    expect(standing('dev').textContent).toContain('a000000')
    expect(standing('dev').textContent).toContain('Commit number 0')
    expect(standing('dev').textContent).toContain('master')
    expect(standing('test').textContent).toContain('pantheon_test_3')
    expect(standing('test').querySelector('[data-testid="gap-lacks"]')?.textContent?.trim()).toBe(
      'test lacks 4 commits of dev',
    )
    expect(standing('live').querySelector('[data-testid="gap-lacks"]')?.textContent?.trim()).toBe(
      'live lacks 7 commits of test',
    )
    const brought = queryAllByRole(standing('test'), 'listitem').map((item) => item.textContent?.trim())
    expect(brought).toEqual([0, 1, 2, 3].map((index) => `a00000${index} Commit number ${index}`))
  })

  it('says up to date, never deployed, what the clone lacks, and the commits only the target has', async () => {
    const bridge = installFakeBridge(
      siteHandlers(
        historyHandlers(150, {
          'history:open': () =>
            overview({
              positions: [position('dev', 0), position('test', 2, { inClone: false }), position('live', null)],
              gaps: [
                gap('dev', 'test', 0, {
                  reverseCount: 2,
                  reverseCommits: [historyCommit(7, { subject: 'Hotfix on test' }), historyCommit(8)],
                }),
                gap('test', 'live', 3),
              ],
            }),
        }).handlers,
      ),
    )
    const { router } = mountHistory()
    await flushPromises()
    expect(standing('test').querySelector('[data-testid="gap-lacks"]')?.textContent?.trim()).toBe('Up to date with dev')
    expect(standing('test').querySelector('[data-testid="gap-extra"]')?.textContent).toContain(
      'test has 2 commits dev no longer has',
    )
    expect(standing('test').textContent).toContain('Hotfix on test')
    expect(standing('test').querySelector('[data-testid="not-in-clone"]')?.textContent).toContain(
      'The clone does not have this commit',
    )
    expect(standing('live').textContent).toContain('Never deployed')

    getByRole(standing('dev'), 'button', 'Open commit a000000').click()
    await flushPromises()
    expect(router.currentRoute.value.params.oid).toBe(oidOf(0))
    expect(bridge.callsTo('history:commit')).toEqual([{ siteId: 'site-1', oid: oidOf(0) }])
  })
})
