/**
 * Issue 10 end to end, in Chromium against browser mode on the embedded platform (the full demo
 * seed, so the history is longer than a page), by role and name: open demo-drupal's code
 * history, see where dev, test and live stand, scroll to the very first commit, search by a word
 * of a message, copy a commit's id and read its diff in both views, with every number checked
 * against native git on the platform's own repository, and no main-thread task of the page
 * running long while the history loads.
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { platformState, useE2eSession, watchLongTasks, type LongTasks } from './support/app-page'
import { withScreenshot } from './support/chromium'
import { startWebMode, type RunningWebMode } from './support/web-mode'

const run = promisify(execFile)
/** Git's empty tree: what the first commit is compared with. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'
const session = useE2eSession()

/** Native git on the platform's bare repository of a site. */
async function platformGit(dataDir: string, siteId: string, ...args: string[]): Promise<string> {
  const gitdir = path.join(dataDir, 'platform', 'sites', siteId, 'repo.git')
  const { stdout } = await run('git', ['--git-dir', gitdir, '-c', 'core.quotePath=false', ...args], {
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' },
    maxBuffer: 64 * 1024 * 1024,
  })
  return stdout
}

/** The new path of a `git diff --numstat -M` line's path part (`a => b`, `dir/{a => b}/file`). */
function newPathOf(pathPart: string): string {
  const braced = /^(.*)\{(.*) => (.*)\}(.*)$/.exec(pathPart)
  if (braced) return `${braced[1]}${braced[3]}${braced[4]}`.replace(/\/\//g, '/')
  const plain = pathPart.split(' => ')
  return plain.at(-1) ?? pathPart
}

describe('code history in browser mode', () => {
  let web: RunningWebMode
  let page: Page
  let longTasks: LongTasks

  beforeAll(async () => {
    web = await startWebMode({ env: { HOME: session.home } })
    page = await session.newPage()
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web.origin })
    longTasks = await watchLongTasks(page)
  })
  afterAll(async () => {
    await page?.close()
    await web?.stop()
  })

  it('shows demo-drupal from its newest commit to its first, where each environment stands, a search and a diff', async () => {
    await page.goto(web.url)
    await page.getByTestId('site-link-demo-drupal').click({ timeout: 120_000 })
    // From here on: the app's own start (parsing its bundle) is not the history's doing.
    await page.getByRole('link', { name: 'Code history' }).waitFor()
    await longTasks.reset()
    const state = await platformState(web.dataDir)
    const siteId = state.sites.find((site) => site.name === 'demo-drupal')?.id ?? ''
    const commitOf = (env: string) => state.environments[siteId]?.[env]?.targetCommit ?? ''
    const tips = ['dev', 'test', 'live'].map(commitOf)
    const expected = (await platformGit(web.dataDir, siteId, 'rev-list', ...tips)).trim().split('\n')
    expect(expected.length).toBeGreaterThan(100)

    await withScreenshot(page, 'history-open', async () => {
      await page.getByRole('link', { name: 'Code history' }).click()
      await page.getByRole('heading', { name: 'Code history', level: 1 }).waitFor()
      // The clone happens on first open: wait for the list.
      await page.getByRole('list', { name: 'Commits' }).getByRole('listitem').first().waitFor({ timeout: 120_000 })
    })
    await expect.poll(() => page.title()).toBe('Code history · Demo Drupal – Restore Desk')

    // Where dev, test and live stand, and what each lacks, as git counts it.
    for (const env of ['dev', 'test', 'live']) {
      const column = page.getByRole('region', { name: env, exact: true })
      await expect.poll(() => column.textContent()).toContain(commitOf(env).slice(0, 7))
    }
    const testLacks = Number(
      (await platformGit(web.dataDir, siteId, 'rev-list', '--count', `${tips[1]}..${tips[0]}`)).trim(),
    )
    const liveLacks = Number(
      (await platformGit(web.dataDir, siteId, 'rev-list', '--count', `${tips[2]}..${tips[1]}`)).trim(),
    )
    expect(testLacks).toBeGreaterThan(0)
    const standings = page.getByRole('region', { name: 'Where dev, test and live stand' })
    await expect.poll(() => standings.textContent()).toContain(`test lacks ${testLacks} commit`)
    if (liveLacks > 0) await expect.poll(() => standings.textContent()).toContain(`live lacks ${liveLacks} commit`)

    // The newest row is git's newest, with dev's badge on it.
    const list = page.getByRole('list', { name: 'Commits' })
    const firstRow = list.getByRole('listitem').first()
    await expect.poll(() => firstRow.textContent()).toContain(expected[0]!.slice(0, 7))

    // Scroll to the very first commit: pages load as the end comes near.
    await withScreenshot(page, 'history-end', async () => {
      const scroller = page.getByTestId('commit-scroll')
      // Scroll to the bottom until the history is complete and the bottom stays put once the
      // rows that came into view have measured themselves.
      for (let i = 0; i < 80; i += 1) {
        await scroller.evaluate((element) => element.scrollTo({ top: element.scrollHeight }))
        await page.waitForTimeout(200)
        const stayed = await scroller.evaluate(
          (element) => element.scrollTop + element.clientHeight >= element.scrollHeight - 2,
        )
        if (stayed && (await page.getByTestId('history-end').count()) > 0) break
      }
      await page.getByTestId('history-end').waitFor({ timeout: 30_000 })
    })
    const summary = await page.getByTestId('list-summary').textContent()
    expect(summary?.replace(/,/g, '')).toContain(`${expected.length} of ${expected.length} commits`)
    const lastRow = list.getByRole('listitem').filter({ hasText: expected.at(-1)!.slice(0, 7) })
    await lastRow.waitFor()
    const firstSubject = (await platformGit(web.dataDir, siteId, 'log', '-1', '--format=%s', expected.at(-1)!)).trim()
    expect(await lastRow.textContent()).toContain(firstSubject)
    // It is on screen, inside the list's viewport.
    const [rowBox, listBox] = await Promise.all([
      lastRow.boundingBox(),
      page.getByTestId('commit-scroll').boundingBox(),
    ])
    expect(
      rowBox && listBox && rowBox.y >= listBox.y && rowBox.y + rowBox.height <= listBox.y + listBox.height + 1,
    ).toBe(true)

    // Search by a word of a message: the matches are git's.
    const word = 'markup'
    const grep = (await platformGit(web.dataDir, siteId, 'log', '--format=%H', '-i', '-F', `--grep=${word}`, ...tips))
      .trim()
      .split('\n')
      .filter(Boolean)
    const byAuthor = (
      await platformGit(web.dataDir, siteId, 'log', '--format=%H', '-i', '-F', `--author=${word}`, ...tips)
    )
      .trim()
      .split('\n')
      .filter(Boolean)
    const matches = new Set([...grep, ...byAuthor])
    expect(matches.size).toBeGreaterThan(0)
    await withScreenshot(page, 'history-search', async () => {
      await page.getByRole('searchbox', { name: 'Search commits' }).fill(word)
      await expect.poll(() => page.getByTestId('list-summary').textContent()).toMatch(/match/)
    })
    await expect
      .poll(() => page.getByTestId('list-summary').textContent())
      .toContain(`${matches.size} match${matches.size === 1 ? '' : 'es'}`)
    expect(((await list.getByRole('listitem').first().textContent()) ?? '').toLowerCase()).toContain(word)

    // A match with text changes (not only a binary logo), found through git.
    const numstatOf = async (oid: string): Promise<string[]> => {
      const parent = (await platformGit(web.dataDir, siteId, 'rev-parse', `${oid}^1`).catch(() => '')).trim()
      const out = await platformGit(web.dataDir, siteId, 'diff', '--numstat', '-M', parent || EMPTY_TREE, oid)
      return out.trim().split('\n').filter(Boolean)
    }
    let chosen: { oid: string; numstat: string[] } | null = null
    for (const oid of grep) {
      const numstat = await numstatOf(oid)
      if (numstat.some((line) => !line.startsWith('-\t-\t'))) {
        chosen = { oid, numstat }
        break
      }
    }
    if (!chosen) throw new Error(`no commit matching "${word}" changes a text file`)
    const found = list.getByRole('listitem').filter({ hasText: chosen.oid.slice(0, 7) })

    // Copy its id: the clipboard holds the full id.
    await found.getByRole('button', { name: /^Copy commit ID/ }).click()
    const copied = await page.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    )
    expect(copied).toBe(chosen.oid)

    // Its diff: files, statuses and counts as git diff --numstat -M gives them.
    await withScreenshot(page, 'history-diff', async () => {
      await found.click()
      await page.getByTestId('commit-detail').getByRole('list', { name: 'Files changed' }).waitFor()
    })
    expect(page.url()).toContain(copied)
    const numstat = chosen.numstat
    const files = page.getByTestId('file-change')
    await expect.poll(() => files.count()).toBe(numstat.length)
    for (const line of numstat) {
      const [added, removed, ...rest] = line.split('\t')
      const row = page.locator(`[data-testid="file-change"][data-path="${newPathOf(rest.join('\t'))}"]`)
      if (added === '-') await row.getByTestId('binary-note').waitFor()
      else expect(await row.getByTestId('file-counts').textContent()).toContain(`${added} added, ${removed} removed`)
    }

    // Split view, then back to unified.
    const detail = page.getByTestId('commit-detail')
    await withScreenshot(page, 'history-split', async () => {
      await detail.getByRole('radio', { name: 'Split' }).check()
      await expect.poll(() => detail.getByTestId('split-row').count()).toBeGreaterThan(0)
    })
    await detail.getByRole('radio', { name: 'Unified' }).check()
    await expect.poll(() => detail.getByTestId('diff-line').count()).toBeGreaterThan(0)

    // Back to the whole history with Escape in the search box.
    await page.getByRole('searchbox', { name: 'Search commits' }).press('Escape')
    await expect.poll(() => page.getByTestId('list-summary').textContent()).toContain('commits')

    // The page never froze: no task of its main thread took 200 ms or more.
    expect(await longTasks.longest()).toBeLessThan(200)
  })
})
