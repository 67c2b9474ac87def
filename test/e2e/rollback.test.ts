/**
 * Issue 11 end to end, in Chromium against browser mode on the embedded platform, by role and
 * name: pick a commit in demo-drupal's code history, see what a revert and what a reset would
 * each do, revert it and see dev move to a commit whose tree is native `git revert`'s (with no
 * long task on the page meanwhile), reset dev with the typed confirmation and a force push, undo
 * the reset, and deploy dev to test and see test move.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { platformState, useE2eSession, watchLongTasks, type LongTasks } from './support/app-page'
import { withScreenshot } from './support/chromium'
import { startWebMode, type RunningWebMode } from './support/web-mode'

const run = promisify(execFile)
const session = useE2eSession()
const MOVE_TIMEOUT = 90_000

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  LC_ALL: 'C',
  GIT_AUTHOR_NAME: 'Native Git',
  GIT_AUTHOR_EMAIL: 'native@example.com',
  GIT_COMMITTER_NAME: 'Native Git',
  GIT_COMMITTER_EMAIL: 'native@example.com',
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: GIT_ENV, maxBuffer: 64 * 1024 * 1024 })
  return stdout.trim()
}

async function envCommit(dataDir: string, siteId: string, env: string): Promise<string> {
  return (await platformState(dataDir)).environments[siteId]?.[env]?.targetCommit ?? ''
}

describe('roll back and deploy in browser mode', () => {
  let web: RunningWebMode
  let page: Page
  let longTasks: LongTasks
  let scratch: string
  let siteId: string
  let repo: string

  beforeAll(async () => {
    web = await startWebMode({ env: { HOME: session.home }, args: ['--demo-seed', 'small'] })
    scratch = await mkdtemp(path.join(os.tmpdir(), 'rd-rollback-e2e-'))
    page = await session.newPage()
    longTasks = await watchLongTasks(page)
  })
  afterAll(async () => {
    await page?.close()
    await web?.stop()
    if (scratch) await rm(scratch, { recursive: true, force: true })
  })

  /** The row of a commit in the history list, by its short id. */
  const row = (oid: string): Locator =>
    page
      .getByRole('list', { name: 'Commits' })
      .getByRole('listitem')
      .filter({ hasText: oid.slice(0, 7) })

  /** Opens a commit's detail from its row (scrolling the list if needed) and waits for its ways back. */
  async function openCommit(oid: string): Promise<void> {
    await page.getByRole('searchbox', { name: 'Search commits' }).fill(oid.slice(0, 10))
    await row(oid).first().click()
    await page.getByRole('region', { name: 'Ways back' }).waitFor()
  }

  it('reverts a commit, resets dev and undoes it, then deploys dev to test', async () => {
    await page.goto(web.url)
    await page.getByTestId('site-link-demo-drupal').click({ timeout: 120_000 })
    const state = await platformState(web.dataDir)
    siteId = state.sites.find((site) => site.name === 'demo-drupal')?.id ?? ''
    repo = path.join(web.dataDir, 'platform', 'sites', siteId, 'repo.git')
    const head = await envCommit(web.dataDir, siteId, 'dev')
    // A commit a few back on dev's first-parent line, not a merge, whose revert native git makes
    // without a conflict; native git's tree is the reference for ours.
    const native = path.join(scratch, 'native')
    await git(scratch, 'clone', '--quiet', repo, native)
    const line = (await git(repo, 'rev-list', '--first-parent', '--parents', head)).split('\n')
    let chosen = ''
    let nativeTree = ''
    for (const ids of line.slice(1).map((entry) => entry.split(' '))) {
      if (ids.length !== 2) continue
      await git(native, 'checkout', '--quiet', '--detach', head)
      try {
        await git(native, 'revert', '--no-edit', ids[0]!)
      } catch {
        await git(native, 'revert', '--abort').catch(() => '')
        continue
      }
      chosen = ids[0]!
      nativeTree = await git(native, 'rev-parse', 'HEAD^{tree}')
      break
    }
    expect(chosen).toMatch(/^[0-9a-f]{40}$/)

    await page.getByRole('link', { name: 'Code history' }).click()
    await page.getByRole('list', { name: 'Commits' }).getByRole('listitem').first().waitFor({ timeout: 120_000 })
    await openCommit(chosen)

    // Both ways, previewed: what a revert writes, what a reset discards.
    await withScreenshot(page, 'rollback-revert-preview', async () => {
      await page.getByRole('button', { name: 'Revert this commit' }).click()
      const dialog = page.getByRole('dialog', { name: /^Revert/ })
      await expect.poll(() => dialog.textContent(), { timeout: 60_000 }).toContain(`This reverts commit ${chosen}.`)
      await dialog.getByRole('button', { name: 'Cancel' }).click()
    })
    const discarded = Number(await git(repo, 'rev-list', '--count', `${chosen}..${head}`))
    await withScreenshot(page, 'rollback-reset-preview', async () => {
      await page.getByRole('button', { name: 'Reset dev to this commit' }).click()
      const dialog = page.getByRole('dialog', { name: /^Reset/ })
      await expect
        .poll(() => dialog.getByTestId('reset-count').textContent(), { timeout: 60_000 })
        .toContain(String(discarded))
      await dialog.getByRole('button', { name: 'Cancel' }).click()
    })

    // Revert it: dev moves to a new commit whose tree is native git revert's.
    await page.getByRole('button', { name: 'Revert this commit' }).click()
    const revertDialog = page.getByRole('dialog', { name: /^Revert/ })
    await expect.poll(() => revertDialog.textContent(), { timeout: 60_000 }).toContain(`This reverts commit ${chosen}.`)
    await longTasks.reset()
    await withScreenshot(page, 'rollback-reverted', async () => {
      await revertDialog.getByRole('button', { name: 'Revert', exact: true }).click()
      await expect.poll(() => revertDialog.textContent(), { timeout: MOVE_TIMEOUT }).toContain('Dev is now at')
    })
    await expect.poll(() => envCommit(web.dataDir, siteId, 'dev'), { timeout: MOVE_TIMEOUT }).not.toBe(head)
    const reverted = await envCommit(web.dataDir, siteId, 'dev')
    expect(await git(repo, 'rev-parse', `${reverted}^`)).toBe(head)
    expect(await git(repo, 'rev-parse', `${reverted}^{tree}`)).toBe(nativeTree)
    expect(await git(repo, 'log', '-1', '--format=%B', reverted)).toContain(`This reverts commit ${chosen}.`)
    expect(await longTasks.longest()).toBeLessThan(200)
    await revertDialog.getByRole('button', { name: 'Done' }).click()

    // Reset dev back to where it was before the revert, with the typed confirmation and a force push.
    await openCommit(head)
    await page.getByRole('button', { name: 'Reset dev to this commit' }).click()
    const resetDialog = page.getByRole('dialog', { name: /^Reset/ })
    await resetDialog.getByTestId('reset-count').waitFor({ timeout: 60_000 })
    const resetButton = resetDialog.getByRole('button', { name: /^Reset/ }).last()
    expect(await resetButton.isDisabled()).toBe(true)
    await resetDialog.getByRole('textbox', { name: 'Type dev to confirm' }).fill('dev')
    await withScreenshot(page, 'rollback-reset', async () => {
      await resetDialog.getByRole('button', { name: 'Reset dev', exact: true }).click()
      await expect.poll(() => envCommit(web.dataDir, siteId, 'dev'), { timeout: MOVE_TIMEOUT }).toBe(head)
    })
    expect(await git(repo, 'rev-parse', 'refs/heads/master')).toBe(head)
    await resetDialog.getByRole('button', { name: 'Done' }).click()

    // Undo the reset: dev goes back to the revert commit.
    await withScreenshot(page, 'rollback-undo-reset', async () => {
      await page.getByRole('button', { name: 'Undo reset' }).click({ timeout: 30_000 })
      const undo = page.getByRole('dialog', { name: /^Undo reset/ })
      await undo.getByRole('textbox', { name: 'Type dev to confirm' }).fill('dev', { timeout: 60_000 })
      await undo.getByRole('button', { name: 'Undo reset', exact: true }).click()
      await expect.poll(() => envCommit(web.dataDir, siteId, 'dev'), { timeout: MOVE_TIMEOUT }).toBe(reverted)
      await undo.getByRole('button', { name: 'Done' }).click()
    })
    expect(await git(repo, 'rev-parse', 'refs/heads/master')).toBe(reverted)

    // Deploy dev to test: test moves to dev's commit on a new deploy tag.
    const testBefore = await envCommit(web.dataDir, siteId, 'test')
    await withScreenshot(page, 'rollback-deploy', async () => {
      await page
        .getByRole('region', { name: 'test', exact: true })
        .getByRole('button', { name: 'Deploy to test' })
        .click({ timeout: 30_000 })
      const deploy = page.getByRole('dialog', { name: /^Deploy to test/ })
      await deploy.getByTestId('deploy-count').waitFor({ timeout: 60_000 })
      const count = Number(await git(repo, 'rev-list', '--count', `${testBefore}..${reverted}`))
      expect(await deploy.getByTestId('deploy-count').textContent()).toContain(String(count))
      await deploy.getByRole('button', { name: 'Deploy', exact: true }).click()
      await expect.poll(() => envCommit(web.dataDir, siteId, 'test'), { timeout: MOVE_TIMEOUT }).toBe(reverted)
    })
  })
})
