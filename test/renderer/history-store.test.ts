/** The code history's store: pages through cursors, refreshes, a stale cursor, progress, search. */
import { flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { setApiClient } from '../../src/renderer/src/api/client'
import { SEARCH_DEBOUNCE_MS, useHistoryStore } from '../../src/renderer/src/stores/history'
import type { HistoryPage } from '../../src/shared/history'
import { FakeIpcFailure, installFakeBridge } from './support/fake-bridge'
import { historyHandlers, oidOf, overview, position, repoStatus } from './support/history-fixtures'

beforeEach(() => {
  setActivePinia(createPinia())
  localStorage.clear()
})
afterEach(() => setApiClient(null))

const rest = () => new Promise((resolve) => setTimeout(resolve, SEARCH_DEBOUNCE_MS + 20))

describe('history store: pages', () => {
  it('opens, loads the first page, then each next page by its cursor down to the first commit', async () => {
    const { handlers } = historyHandlers(250)
    const fake = installFakeBridge(handlers)
    const history = useHistoryStore()
    await history.open('site-1')
    await flushPromises()
    expect(fake.callsTo('history:open')).toEqual([{ siteId: 'site-1' }])
    expect(fake.callsTo('history:page')).toEqual([{ siteId: 'site-1', cursor: null }])
    expect(history.pages.commits).toHaveLength(100)

    await history.loadMore()
    await history.loadMore()
    expect(fake.callsTo('history:page')).toEqual([
      { siteId: 'site-1', cursor: null },
      { siteId: 'site-1', cursor: 'p100' },
      { siteId: 'site-1', cursor: 'p200' },
    ])
    expect(history.pages.commits.map((commit) => commit.oid)).toEqual(
      Array.from({ length: 250 }, (_, index) => oidOf(index)),
    )
    expect(history.pages.complete).toBe(true)
    // At the first commit: nothing more is asked.
    await history.loadMore()
    expect(fake.callsTo('history:page')).toHaveLength(3)
  })

  it('asks each page once, however often the list asks for more while it is on its way', async () => {
    const { handlers } = historyHandlers(250)
    const fake = installFakeBridge(handlers)
    const history = useHistoryStore()
    await history.open('site-1')
    await flushPromises()
    await Promise.all([history.loadMore(), history.loadMore(), history.loadMore()])
    expect(fake.callsTo('history:page').map((call) => (call as { cursor: string | null }).cursor)).toEqual([
      null,
      'p100',
    ])
    expect(new Set(history.pages.commits.map((commit) => commit.oid)).size).toBe(200)
  })

  it('keeps the list on a refresh where dev, test and live did not move, and reads it again when they did', async () => {
    const { state, handlers } = historyHandlers(250)
    const fake = installFakeBridge(handlers)
    const history = useHistoryStore()
    await history.open('site-1')
    await flushPromises()
    await history.loadMore()

    await history.refresh()
    await flushPromises()
    expect(fake.callsTo('history:open').at(-1)).toEqual({ siteId: 'site-1', refresh: true })
    expect(history.pages.commits).toHaveLength(200)
    expect(fake.callsTo('history:page')).toHaveLength(2)

    // dev moved on: the list starts again from its newest commit.
    state.overview = overview({
      totalCommits: 251,
      positions: [position('dev', 0, { oid: 'f'.repeat(40) }), position('test', 4), position('live', 11)],
    })
    await history.refresh()
    await flushPromises()
    expect(fake.callsTo('history:page').at(-1)).toEqual({ siteId: 'site-1', cursor: null })
    expect(history.pages.commits).toHaveLength(100)
  })

  it('reads the history again from the top when main says the cursor is stale', async () => {
    const { handlers } = historyHandlers(250)
    let stale = true
    const fake = installFakeBridge({
      ...handlers,
      'history:page': (request) => {
        if (request.cursor === 'p100' && stale) {
          stale = false
          throw new FakeIpcFailure('git_stale_cursor', 'The history moved since this page was read.')
        }
        return (handlers['history:page'] as (r: typeof request) => HistoryPage)(request)
      },
    })
    const history = useHistoryStore()
    await history.open('site-1')
    await flushPromises()
    await history.loadMore()
    await flushPromises()
    expect(fake.callsTo('history:page').map((call) => (call as { cursor: string | null }).cursor)).toEqual([
      null,
      'p100',
      null,
    ])
    expect(history.pages.commits).toHaveLength(100)
    expect(history.pages.error).toBeNull()
    expect(history.pages.notice).toMatch(/read again from the top/)
    await history.loadMore()
    expect(history.pages.commits).toHaveLength(200)
  })

  it('shows any other failure with its message and asks the same page again on retry', async () => {
    const { handlers } = historyHandlers(250)
    let fail = true
    const fake = installFakeBridge({
      ...handlers,
      'history:page': (request) => {
        if (request.cursor === 'p100' && fail) throw new FakeIpcFailure('git_failed', 'The pack file is damaged.')
        return (handlers['history:page'] as (r: typeof request) => HistoryPage)(request)
      },
    })
    const history = useHistoryStore()
    await history.open('site-1')
    await flushPromises()
    await history.loadMore()
    expect(history.pages.error).toEqual({ code: 'git_failed', message: 'The pack file is damaged.' })
    expect(history.pages.canLoadMore).toBe(false)
    // No retry loop: asking for more while failed asks nothing.
    await history.loadMore()
    expect(fake.callsTo('history:page')).toHaveLength(2)
    fail = false
    await history.pages.retry()
    expect(fake.callsTo('history:page').at(-1)).toEqual({ siteId: 'site-1', cursor: 'p100' })
    expect(history.pages.commits).toHaveLength(200)
  })

  it('drops a page that does not start where the list ends, and reads from the top instead', async () => {
    const { handlers } = historyHandlers(250)
    const fake = installFakeBridge({
      ...handlers,
      'history:page': (request) => {
        const page = (handlers['history:page'] as (r: typeof request) => HistoryPage)(request)
        return request.cursor === 'p100' ? { ...page, offset: 0 } : page
      },
    })
    const history = useHistoryStore()
    await history.open('site-1')
    await flushPromises()
    await history.loadMore()
    await flushPromises()
    expect(new Set(history.pages.commits.map((commit) => commit.oid)).size).toBe(history.pages.commits.length)
    expect(history.pages.commits).toHaveLength(100)
    expect(fake.callsTo('history:page')).toHaveLength(3)
    // The same again right after: shown as a fault, not looped on.
    await history.loadMore()
    await flushPromises()
    expect(history.pages.error?.code).toBe('out_of_step')
    expect(history.pages.commits).toHaveLength(100)
  })
})

describe('history store: the repository', () => {
  it('follows progress events for its site only, and takes the answer as newer than them', async () => {
    let answer: (value: ReturnType<typeof overview>) => void = () => {}
    const fake = installFakeBridge({
      ...historyHandlers(10).handlers,
      'history:open': () => new Promise((resolve) => (answer = resolve)),
    })
    const history = useHistoryStore()
    const opening = history.open('site-1')
    const cloning = repoStatus({
      state: 'cloning',
      progress: { phase: 'Receiving objects', loaded: 40, total: 100, bytes: 2048 },
    })
    fake.emit('history:progress', cloning)
    fake.emit('history:progress', repoStatus({ siteId: 'site-2', state: 'failed' }))
    expect(history.status).toEqual(cloning)
    expect(history.transferring).toBe(true)
    answer(overview())
    await opening
    expect(history.status?.state).toBe('ready')
    expect(history.transferring).toBe(false)
  })

  it('cancels through history:cancel and shows why a cancel failed', async () => {
    const fake = installFakeBridge({
      ...historyHandlers(10).handlers,
      'history:cancel': () => {
        throw new FakeIpcFailure('not_running', 'Nothing is running for this site.')
      },
    })
    const history = useHistoryStore()
    await history.open('site-1')
    await history.cancel()
    expect(fake.callsTo('history:cancel')).toEqual([{ siteId: 'site-1' }])
    expect(history.actionError).toBe('Nothing is running for this site.')
  })

  it('opens a local clone and forgets it', async () => {
    const needs = overview({
      repo: repoStatus({ state: 'needs-local-clone', source: null, transportNote: 'Pantheon’s git is SSH only.' }),
      positions: [],
      gaps: [],
      totalCommits: null,
    })
    const local = overview({ repo: repoStatus({ source: 'local-clone', localPath: '/home/me/site' }) })
    const fake = installFakeBridge({
      ...historyHandlers(150).handlers,
      'history:open': () => needs,
      'history:open-local': () => local,
      'history:close-local': () => needs.repo,
    })
    const history = useHistoryStore()
    await history.open('site-1')
    await flushPromises()
    expect(history.hasHistory).toBe(false)
    expect(fake.callsTo('history:page')).toEqual([])

    expect(await history.openLocal('/home/me/site')).toBe(true)
    await flushPromises()
    expect(fake.callsTo('history:open-local')).toEqual([{ siteId: 'site-1', path: '/home/me/site' }])
    expect(history.status?.localPath).toBe('/home/me/site')
    expect(history.pages.commits).toHaveLength(100)

    await history.closeLocal()
    expect(history.hasHistory).toBe(false)
    expect(history.status?.state).toBe('needs-local-clone')
    expect(history.pages.commits).toEqual([])
  })
})

describe('history store: search and diff mode', () => {
  it('searches once typing rests, pages the matches by their cursor, and clears back to the history', async () => {
    const { handlers } = historyHandlers(250)
    const fake = installFakeBridge(handlers)
    const history = useHistoryStore()
    await history.open('site-1')
    await flushPromises()
    history.setQuery('num')
    history.setQuery('number 1')
    expect(history.searching).toBe(true)
    await rest()
    await flushPromises()
    expect(fake.callsTo('history:search')).toEqual([{ siteId: 'site-1', query: 'number 1', cursor: null }])
    // "number 1", "number 10".."number 19", "number 100".."number 199" lie in all three chunks.
    expect(history.pager.commits.map((commit) => commit.subject).slice(0, 3)).toEqual([
      'Commit number 1',
      'Commit number 10',
      'Commit number 11',
    ])
    await history.loadMore()
    expect(fake.callsTo('history:search').at(-1)).toEqual({ siteId: 'site-1', query: 'number 1', cursor: 's100' })
    expect(history.matches.last?.scanned).toBe(200)

    history.clearSearch()
    expect(history.searching).toBe(false)
    expect(history.pager.commits).toHaveLength(100)
    expect(history.query).toBe('')
  })

  it('remembers the diff mode across visits, and ignores a stored value it does not know', () => {
    installFakeBridge()
    const first = useHistoryStore()
    expect(first.diffMode).toBe('unified')
    first.setDiffMode('split')
    setActivePinia(createPinia())
    expect(useHistoryStore().diffMode).toBe('split')
    localStorage.setItem('restore-desk:diff-mode', '"sideways"')
    setActivePinia(createPinia())
    expect(useHistoryStore().diffMode).toBe('unified')
  })
})
