/** The code history's list: rows and badges, measured rows, infinite scroll, copy, keyboard, search. */
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { SEARCH_DEBOUNCE_MS } from '../../src/renderer/src/stores/history'
import { accessibleName, getByRole, queryAllByRole } from './support/by-role'
import { installFakeBridge } from './support/fake-bridge'
import { historyCommit, historyHandlers, oidOf } from './support/history-fixtures'
import { siteHandlers } from './support/mount-site'
import {
  useHistoryViewTests,
  mountHistory,
  renderedRows,
  ROW,
  scrollList,
  scrollListToEnd,
  TALL_ROW,
} from './support/mount-history'

useHistoryViewTests()

const body = () => document.body
const list = () => getByRole(body(), 'list', 'Commits')
const summary = () => body().querySelector('[data-testid="list-summary"]')?.textContent?.trim()
const rest = () => new Promise((resolve) => setTimeout(resolve, SEARCH_DEBOUNCE_MS + 20))

/** A history of `total` commits where dev, test and live stand at 0, 4 and 11, as the demo's do. */
function setUp(total = 250) {
  const fake = historyHandlers(total)
  fake.state.commits[0] = historyCommit(0, { envsAt: ['dev'], envsContaining: ['dev'] })
  fake.state.commits[2] = historyCommit(2, {
    subject: 'Merge branch feature into master',
    parents: [oidOf(3), oidOf(90)],
    envsContaining: ['dev'],
  })
  fake.state.commits[4] = historyCommit(4, {
    envsAt: ['test'],
    envsContaining: ['dev', 'test'],
    tags: ['pantheon_test_3'],
  })
  const bridge = installFakeBridge(siteHandlers(fake.handlers))
  return { ...fake, bridge }
}

async function type(input: HTMLElement, text: string): Promise<void> {
  ;(input as HTMLInputElement).value = text
  input.dispatchEvent(new Event('input'))
  await flushPromises()
}

function press(target: HTMLElement, key: string): void {
  target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }))
}

describe('code history list', () => {
  it('shows the newest page with how much is loaded, and each row’s hash, subject, author and date', async () => {
    setUp()
    mountHistory()
    await flushPromises()
    expect(summary()).toBe('100 of 250 commits')
    const rows = queryAllByRole(list(), 'listitem')
    expect(rows.length).toBeGreaterThan(10)
    expect(rows.length).toBeLessThan(40)
    const first = rows[0]!
    expect(first.textContent).toContain('a000000')
    expect(first.textContent).toContain('Commit number 0')
    expect(first.textContent).toContain('Ada Lovelace')
    const time = first.querySelector('time')!
    expect(time.getAttribute('datetime')).toBe(new Date(historyCommit(0).committedAt).toISOString())
    expect(time.getAttribute('title')).toBeTruthy()
    expect(time.textContent).toMatch(/ago$/)
    expect(first.getAttribute('aria-setsize')).toBe('250')
    expect(first.getAttribute('aria-posinset')).toBe('1')
  })

  it('badges an environment strongly where it is at the commit and lightly where it contains it, naming both', async () => {
    setUp()
    mountHistory()
    await flushPromises()
    const [first, , merge, , atTest] = renderedRows()
    expect(accessibleName(first!)).toContain('dev is at this commit')
    expect(first!.querySelector('[data-testid="badge-dev"]')?.classList.contains('env-at')).toBe(true)
    expect(accessibleName(atTest!)).toContain('test is at this commit')
    expect(accessibleName(atTest!)).toContain('in dev')
    expect(atTest!.querySelector('[data-testid="badge-dev"]')?.classList.contains('env-in')).toBe(true)
    expect(atTest!.textContent).toContain('pantheon_test_3')
    expect(merge!.querySelector('[data-testid="merge-badge"]')?.textContent).toBe('Merge')
    expect(atTest!.querySelector('[data-testid="merge-badge"]')).toBeNull()
    expect(renderedRows()[1]!.querySelector('.commit-badges')).toBeNull()
  })

  it('places each row by the height it measured, not one fixed height', async () => {
    setUp()
    mountHistory()
    await flushPromises()
    const tops = renderedRows()
      .slice(0, 6)
      .map((row) => Number(/translateY\((\d+)px\)/.exec(row.style.transform)?.[1]))
    // Rows 0, 2 and 4 carry badges (taller); 1, 3 and 5 do not.
    expect(tops).toEqual([
      0,
      TALL_ROW,
      TALL_ROW + ROW,
      2 * TALL_ROW + ROW,
      2 * TALL_ROW + 2 * ROW,
      3 * TALL_ROW + 2 * ROW,
    ])
  })

  it('asks for the next page as the end comes near, and marks the beginning of history at the first commit', async () => {
    const { bridge } = setUp()
    mountHistory()
    await flushPromises()
    expect(bridge.callsTo('history:page')).toEqual([{ siteId: 'site-1', cursor: null }])
    expect(body().querySelector('[data-testid="history-end"]')).toBeNull()

    scrollList(20 * ROW)
    await flushPromises()
    expect(bridge.callsTo('history:page')).toHaveLength(1)

    scrollListToEnd()
    await flushPromises()
    expect(bridge.callsTo('history:page')).toEqual([
      { siteId: 'site-1', cursor: null },
      { siteId: 'site-1', cursor: 'p100' },
    ])
    expect(summary()).toBe('200 of 250 commits')

    scrollListToEnd()
    await flushPromises()
    expect(bridge.callsTo('history:page')).toHaveLength(3)
    scrollListToEnd()
    await flushPromises()
    expect(bridge.callsTo('history:page')).toHaveLength(3)
    expect(summary()).toBe('250 of 250 commits')
    const rows = renderedRows()
    expect(rows.at(-1)?.textContent).toContain('Commit number 249')
    expect(body().querySelector('[data-testid="history-end"]')?.textContent).toContain('Beginning of history')
  })

  it('copies a row’s full commit ID and says so, without opening the commit', async () => {
    const writeText = vi.fn(async (_text: string) => undefined)
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    try {
      setUp()
      const { router } = mountHistory()
      await flushPromises()
      const row = renderedRows()[1]!
      const copy = getByRole(row, 'button', /^Copy commit ID/)
      expect(accessibleName(copy)).toBe('Copy commit ID a000001')
      copy.click()
      await flushPromises()
      expect(writeText).toHaveBeenCalledWith(oidOf(1))
      expect(getByRole(row, 'status').textContent).toBe('Copied')
      expect(router.currentRoute.value.params.oid).toBeUndefined()
    } finally {
      Reflect.deleteProperty(navigator, 'clipboard')
    }
  })

  it('opens a commit by click or Enter, putting it in the address, and moves between rows with Up and Down', async () => {
    setUp()
    const { router } = mountHistory()
    await flushPromises()
    renderedRows()[3]!.click()
    await flushPromises()
    expect(router.currentRoute.value.params.oid).toBe(oidOf(3))
    expect(renderedRows()[3]!.getAttribute('aria-current')).toBe('true')
    expect(renderedRows()[3]!.tabIndex).toBe(0)
    expect(renderedRows()[0]!.tabIndex).toBe(-1)

    const third = renderedRows()[3]!
    third.focus()
    press(third, 'ArrowDown')
    await flushPromises()
    expect(document.activeElement).toBe(renderedRows()[4])
    press(document.activeElement as HTMLElement, 'ArrowUp')
    press(renderedRows()[3]!, 'ArrowUp')
    await flushPromises()
    expect(document.activeElement).toBe(renderedRows()[2])
    press(document.activeElement as HTMLElement, 'Enter')
    await flushPromises()
    expect(router.currentRoute.value.params.oid).toBe(oidOf(2))
    expect(router.currentRoute.value.name).toBe('code-history')
  })

  it('replaces the list with a search’s matches, pages them by scroll, and Escape brings the history back', async () => {
    const { bridge } = setUp()
    mountHistory()
    await flushPromises()
    const search = getByRole(body(), 'searchbox', 'Search commits')
    await type(search, 'number 2')
    await rest()
    await flushPromises()
    expect(bridge.callsTo('history:search')[0]).toEqual({ siteId: 'site-1', query: 'number 2', cursor: null })
    // The first chunk of 100 holds "number 20".."number 29" (commit 2 is the merge); the list asks
    // on while its last rows are near the end, so the next chunks are searched too.
    const subjects = renderedRows().map((row) => row.querySelector('.commit-subject')?.textContent)
    expect(subjects.slice(0, 3)).toEqual(['Commit number 20', 'Commit number 21', 'Commit number 22'])
    expect(subjects.every((subject) => subject?.includes('number 2'))).toBe(true)
    expect(summary()).toMatch(/^\d+ matches, searched (100|200|250) commits$/)
    await flushPromises()

    press(search, 'Escape')
    await flushPromises()
    expect((search as HTMLInputElement).value).toBe('')
    expect(summary()).toBe('100 of 250 commits')
    expect(renderedRows()[1]!.textContent).toContain('Commit number 1')
  })

  it('says when nothing matches, and the clear button also returns to the history', async () => {
    setUp(120)
    mountHistory()
    await flushPromises()
    await type(getByRole(body(), 'searchbox', 'Search commits'), 'no such words')
    await rest()
    await flushPromises()
    await flushPromises()
    expect(body().querySelector('[data-testid="no-matches"]')?.textContent).toContain(
      'No commit matches “no such words”',
    )
    expect(summary()).toBe('0 matches, searched 120 commits')
    expect(renderedRows()).toHaveLength(0)
    getByRole(body(), 'button', 'Clear search').click()
    await flushPromises()
    expect(summary()).toBe('100 of 120 commits')
    expect(renderedRows().length).toBeGreaterThan(0)
  })
})
