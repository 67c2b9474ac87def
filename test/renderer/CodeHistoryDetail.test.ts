/** A commit's detail: message, people, parents, files with statuses and counts, diffs, Show all. */
import { flushPromises } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import type { CommitDetail, FileChange } from '../../src/shared/history'
import { accessibleName, getByRole, queryAllByRole } from './support/by-role'
import { FakeIpcFailure, installFakeBridge, type FakeHandlers } from './support/fake-bridge'
import { commitDetail, fileChange, historyCommit, historyHandlers, hunk, oidOf } from './support/history-fixtures'
import { siteHandlers } from './support/mount-site'
import { useHistoryViewTests, mountHistory } from './support/mount-history'

useHistoryViewTests()

const body = () => document.body
const panel = () => body().querySelector<HTMLElement>('[data-testid="commit-detail"]')!
const files = () => queryAllByRole(getByRole(panel(), 'list', 'Files changed'), 'listitem')
const fileNamed = (path: string) => files().find((item) => item.dataset.path === path)!

const longLines = Array.from({ length: 30 }, (_, index) => ({
  kind: '+' as const,
  text: `line ${index + 1}`,
  oldNumber: null,
  newNumber: index + 1,
}))

/** Commit 5 changes four files: one of each status, a mode change, a binary, a cut diff. */
function detailOfFive(): CommitDetail {
  return commitDetail(5, {
    commit: historyCommit(5, { parents: [oidOf(6), oidOf(40)] }),
    message: 'Commit number 5\n\nMerge the cart work.\n\nIt keeps the basket between visits.\n',
    committerName: 'Deploy Bot',
    committerEmail: 'bot@example.com',
    comparedWith: oidOf(6),
    files: [
      fileChange({ path: 'web/new.php', status: 'added', oldMode: null, newMode: '100644', added: 12, removed: 0 }),
      fileChange({ path: 'web/index.php', status: 'modified', added: 1, removed: 1 }),
      fileChange({ path: 'web/old.php', status: 'deleted', oldMode: '100644', newMode: null, added: 0, removed: 3 }),
      fileChange({
        path: 'web/lib/cart.php',
        oldPath: 'web/cart.php',
        status: 'renamed',
        similarity: 92,
        added: 2,
        removed: 1,
      }),
      fileChange({ path: 'scripts/deploy.sh', oldMode: '100644', newMode: '100755', added: 0, removed: 0, hunks: [] }),
      fileChange({ path: 'web/logo.png', binary: true, added: null, removed: null, hunks: null }),
      fileChange({
        path: 'web/big.php',
        status: 'added',
        added: 30,
        removed: 0,
        hunks: [hunk(longLines.slice(0, 5), { oldStart: 0, oldLines: 0, newLines: 30 })],
        cut: true,
      }),
      fileChange({ path: 'web/huge.sql', added: 4000, removed: 10, hunks: null, cut: true }),
    ],
    totals: { files: 8, added: 4045, removed: 15 },
  })
}

function setUp(overrides: FakeHandlers = {}) {
  const fake = historyHandlers(150, {
    'history:commit': ({ oid }) => (oid === oidOf(5) ? detailOfFive() : commitDetail(6)),
    'history:file-diff': ({ oid, path }) => {
      const change: FileChange =
        path === 'web/big.php'
          ? fileChange({ path, status: 'added', added: 30, removed: 0, hunks: [hunk(longLines)], cut: false })
          : fileChange({ path, cut: false })
      return { oid, change }
    },
    ...overrides,
  })
  return installFakeBridge(siteHandlers(fake.handlers))
}

async function openFive() {
  const mounted = mountHistory(`/sites/site-1/code-history/${oidOf(5)}`)
  await flushPromises()
  return mounted
}

describe('commit detail', () => {
  it('opens the commit the address names, with its message, people and parents', async () => {
    const bridge = setUp()
    const { router } = await openFive()
    expect(bridge.callsTo('history:commit')).toEqual([{ siteId: 'site-1', oid: oidOf(5) }])
    expect(getByRole(panel(), 'heading', 'Commit number 5')).toBeTruthy()
    expect(panel().querySelector('[data-testid="commit-message"]')?.textContent).toBe(
      'Merge the cart work.\n\nIt keeps the basket between visits.',
    )
    const text = panel().textContent ?? ''
    expect(text).toContain(oidOf(5))
    expect(text).toContain('Grace Hopper')
    expect(text).toContain('Deploy Bot')
    expect(text).toContain('changes shown against a000006')
    expect(getByRole(panel(), 'button', 'Copy commit ID')).toBeTruthy()

    getByRole(panel(), 'button', 'Open parent a000028').click()
    await flushPromises()
    expect(router.currentRoute.value.params.oid).toBe(oidOf(40))
    expect(bridge.callsTo('history:commit').at(-1)).toEqual({ siteId: 'site-1', oid: oidOf(40) })
  })

  it('lists the files with their status, the rename’s old and new path, mode changes, counts and totals', async () => {
    setUp()
    await openFive()
    expect(panel().querySelector('[data-testid="commit-totals"]')?.textContent).toBe(
      '8 files changed, 4,045 added, 15 removed',
    )
    const statuses = files().map((item) => item.querySelector('[data-testid="file-status"]')?.textContent)
    expect(statuses).toEqual(['Added', 'Modified', 'Deleted', 'Renamed', 'Modified', 'Modified', 'Added', 'Modified'])
    expect(accessibleName(fileNamed('web/new.php').querySelector('[data-testid="file-counts"]')!)).toBe(
      '12 added, 0 removed',
    )
    expect(fileNamed('web/new.php').querySelector('[data-testid="file-counts"]')?.textContent).toContain('+12')
    expect(fileNamed('web/old.php').querySelector('[data-testid="file-counts"]')?.textContent).toContain('−3')
    const renamed = fileNamed('web/lib/cart.php').querySelector('.file-path')!
    expect(accessibleName(renamed)).toBe('web/cart.php renamed to web/lib/cart.php (92% similar)')
    expect(fileNamed('scripts/deploy.sh').querySelector('[data-testid="file-mode"]')?.textContent).toBe(
      'file → executable (100644 → 100755)',
    )
    expect(fileNamed('scripts/deploy.sh').textContent).toContain('No lines changed.')
    expect(fileNamed('web/logo.png').querySelector('[data-testid="binary-note"]')?.textContent).toBe(
      'Binary file not shown',
    )
  })

  it('shows the diff unified with line numbers and signs, or split side by side, and remembers the choice', async () => {
    setUp()
    await openFive()
    const unified = getByRole(panel(), 'radio', 'Unified') as HTMLInputElement
    expect(unified.checked).toBe(true)
    const lines = [...fileNamed('web/index.php').querySelectorAll('[data-testid="diff-line"]')].map((row) =>
      [...row.querySelectorAll('td')].map((cell) => cell.textContent),
    )
    expect(lines).toEqual([
      ['1', '1', ' ', '<?php'],
      ['2', '', '-', "echo 'old';"],
      ['', '2', '+', "echo 'new';"],
      ['3', '3', ' ', '// end'],
    ])
    expect(fileNamed('web/index.php').querySelectorAll('[data-testid="diff-line"].removed')).toHaveLength(1)
    expect(fileNamed('web/index.php').querySelector('.hunk-header')?.textContent).toBe('@@ -1,3 +1,3 @@')

    getByRole(panel(), 'radio', 'Split').click()
    await flushPromises()
    expect((getByRole(panel(), 'radio', 'Split') as HTMLInputElement).checked).toBe(true)
    const split = [...fileNamed('web/index.php').querySelectorAll('[data-testid="split-row"]')].map((row) =>
      [...row.querySelectorAll('td')].map((cell) => cell.textContent),
    )
    expect(split).toEqual([
      ['1', ' ', '<?php', '1', ' ', '<?php'],
      ['2', '-', "echo 'old';", '2', '+', "echo 'new';"],
      ['3', ' ', '// end', '3', ' ', '// end'],
    ])
    expect(fileNamed('web/index.php').querySelectorAll('[data-testid="diff-line"]')).toHaveLength(0)

    // The next visit opens split too.
    expect(localStorage.getItem('restore-desk:diff-mode')).toBe('split')
  })

  it('“Show all” fetches a cut file’s whole diff and shows it in place of the first hunks', async () => {
    const bridge = setUp()
    await openFive()
    const big = fileNamed('web/big.php')
    expect(big.querySelectorAll('[data-testid="diff-line"]')).toHaveLength(5)
    expect(big.textContent).toContain('Some of this file’s diff was left out.')
    getByRole(big, 'button', 'Show all').click()
    await flushPromises()
    expect(bridge.callsTo('history:file-diff')).toEqual([{ siteId: 'site-1', oid: oidOf(5), path: 'web/big.php' }])
    expect(fileNamed('web/big.php').querySelectorAll('[data-testid="diff-line"]')).toHaveLength(30)
    expect(queryAllByRole(fileNamed('web/big.php'), 'button', 'Show all')).toHaveLength(0)

    // A file left out of a large commit altogether offers the same.
    const huge = fileNamed('web/huge.sql')
    expect(huge.textContent).toContain('left out')
    getByRole(huge, 'button', 'Show all').click()
    await flushPromises()
    expect(bridge.callsTo('history:file-diff').at(-1)).toEqual({
      siteId: 'site-1',
      oid: oidOf(5),
      path: 'web/huge.sql',
    })
    expect(fileNamed('web/huge.sql').querySelectorAll('[data-testid="diff-line"]')).toHaveLength(4)
  })

  it('says why a whole diff or the commit could not be read, and tries again', async () => {
    let fail = true
    const bridge = setUp({
      'history:file-diff': () => {
        throw new FakeIpcFailure('git_failed', 'The blob is missing from the clone.')
      },
      'history:commit': ({ oid }) => {
        if (fail) throw new FakeIpcFailure('not_found', 'No commit a000005 in this repository.')
        return oid === oidOf(5) ? detailOfFive() : commitDetail(6)
      },
    })
    await openFive()
    expect(getByRole(panel(), 'alert').textContent).toContain('No commit a000005 in this repository.')
    fail = false
    getByRole(panel(), 'button', 'Try again').click()
    await flushPromises()
    expect(bridge.callsTo('history:commit')).toHaveLength(2)
    getByRole(fileNamed('web/big.php'), 'button', 'Show all').click()
    await flushPromises()
    expect(getByRole(fileNamed('web/big.php'), 'alert').textContent).toContain('The blob is missing from the clone.')
    expect(fileNamed('web/big.php').querySelectorAll('[data-testid="diff-line"]')).toHaveLength(5)
  })

  it('closes back to the history alone', async () => {
    setUp()
    const { router } = await openFive()
    getByRole(panel(), 'button', 'Close the commit').click()
    await flushPromises()
    expect(router.currentRoute.value.params.oid).toBeUndefined()
    expect(body().querySelector('[data-testid="commit-detail"]')).toBeNull()
  })
})
