/**
 * Issue 12 point 4 end to end, in Chromium against browser mode on the embedded platform: axe-core
 * finds no violation on any view (home, a site's timeline, connections, code history with a commit
 * open) or dialog (back up now, restore, clone content, import, revert, reset, undo reset, deploy,
 * the downloads and activity drawers), with the OS in light and in dark; the theme choice pins a
 * theme and is remembered; the downloads drawer takes the focus, Escape closes it and the focus
 * returns to its button.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { finishedRows, openEnvironment, useE2eSession } from './support/app-page'
import { axeViolations } from './support/axe'
import { withScreenshot } from './support/chromium'
import { startWebMode, type RunningWebMode } from './support/web-mode'

const session = useE2eSession()
const SCHEMES = ['light', 'dark'] as const

describe('accessibility in both themes', () => {
  let web: RunningWebMode
  let page: Page
  const found: string[] = []

  /** Runs axe in the page as it stands, with the OS in light and then in dark, and keeps what it finds. */
  async function check(place: string): Promise<void> {
    for (const scheme of SCHEMES) {
      await page.emulateMedia({ colorScheme: scheme })
      // Transitions settle before colours are measured.
      await page.waitForTimeout(50)
      const violations = await axeViolations(page)
      if (violations) found.push(`${place}, ${scheme}:\n${violations}`)
    }
    await page.emulateMedia({ colorScheme: 'light' })
  }

  async function checkDialog(place: string, dialog: Locator, ready?: Locator): Promise<void> {
    await dialog.waitFor({ timeout: 60_000 })
    if (ready) await ready.waitFor({ timeout: 60_000 })
    await check(place)
    await dialog.getByRole('button', { name: 'Cancel' }).first().click()
    await dialog.waitFor({ state: 'detached' })
  }

  beforeAll(async () => {
    web = await startWebMode({ env: { HOME: session.home }, args: ['--demo-seed', 'small'] })
    page = await session.newPage()
  })
  afterAll(async () => {
    await page?.close()
    await web?.stop()
  })

  it('finds no violation on the views and dialogs of a site', async () => {
    await withScreenshot(page, 'axe-site', async () => {
      await page.goto(web.url)
      await page.getByTestId('site-link-demo-drupal').waitFor({ timeout: 120_000 })
      await check('home')
      await page.getByTestId('connections-open').click()
      await page.getByRole('heading', { level: 1 }).waitFor()
      await check('connections')

      await openEnvironment(page, web, 'demo-drupal', 'dev')
      await check('site timeline')
      // The compact timeline of a short window has its own layout and colours to check.
      const size = page.viewportSize()!
      await page.setViewportSize({ width: 1024, height: 700 })
      await page.locator('[data-testid="backup-row"].compact').first().waitFor()
      await check('site timeline at 1024x700')
      await page.setViewportSize(size)
      const row = finishedRows(page).first()
      const downloadAll = row.getByRole('button', { name: /^Download all parts of the .+ backup$/ })
      expect(await downloadAll.count()).toBe(1)

      await page.getByTestId('backup-now').click()
      await checkDialog('back up now', page.getByRole('dialog', { name: /^Back up/ }))
      await row.getByRole('button', { name: /^Restore dev from / }).click()
      await checkDialog('restore', page.getByRole('dialog', { name: /^Restore dev/ }))
      await page.getByRole('button', { name: /^Clone content/ }).click()
      await checkDialog('clone content', page.getByRole('dialog', { name: /^Clone/ }))
      await page.getByTestId('import-url-open').click()
      await check('import from URL open')
      await page.getByRole('textbox', { name: 'Import from URL' }).fill('https://example.com/site.tar.gz')
      await page.getByTestId('import-url-submit').click()
      await checkDialog('import', page.getByRole('dialog', { name: /^Import/ }))

      await page.getByTestId('activity-toggle').click()
      await page.getByTestId('activity-panel').waitFor()
      await check('activity drawer')
      await page.keyboard.press('Escape')

      // The downloads drawer: focus in on open, Escape out, focus back on its button.
      await page.getByTestId('downloads-toggle').focus()
      await page.keyboard.press('Enter')
      const drawer = page.getByTestId('downloads-panel')
      await drawer.waitFor()
      expect(await drawer.evaluate((element) => element.contains(element.ownerDocument.activeElement))).toBe(true)
      await check('downloads drawer')
      await page.keyboard.press('Escape')
      await drawer.waitFor({ state: 'detached' })
      expect(
        await page
          .getByTestId('downloads-toggle')
          .evaluate((element) => element === element.ownerDocument.activeElement),
      ).toBe(true)
    })
    expect(found.join('\n\n')).toBe('')
  })

  it('finds no violation in code history with a commit open, nor in its revert, reset, undo and deploy dialogs', async () => {
    found.length = 0
    await withScreenshot(page, 'axe-history', async () => {
      await openEnvironment(page, web, 'demo-drupal', 'dev')
      await page.getByRole('link', { name: 'Code history' }).click()
      const commits = page.getByRole('list', { name: 'Commits' }).getByRole('listitem')
      await commits.nth(1).waitFor({ timeout: 120_000 })
      await commits.nth(1).click()
      await page.getByRole('region', { name: 'Ways back' }).waitFor()
      await check('code history with a commit open')

      await page.getByRole('button', { name: 'Revert this commit' }).click()
      const revert = page.getByRole('dialog', { name: /^Revert/ })
      await checkDialog('revert', revert, revert.getByText('This reverts commit'))
      await page.getByRole('button', { name: 'Reset dev to this commit' }).click()
      const reset = page.getByRole('dialog', { name: /^Reset/ })
      await reset.getByTestId('reset-count').waitFor({ timeout: 60_000 })
      await check('reset')
      // Reset for real, so that its undo can be checked too.
      await reset.getByRole('textbox', { name: 'Type dev to confirm' }).fill('dev')
      await reset.getByRole('button', { name: 'Reset dev', exact: true }).click()
      await reset.getByRole('button', { name: 'Done' }).click({ timeout: 90_000 })
      await page.getByRole('button', { name: 'Undo reset' }).click({ timeout: 30_000 })
      await checkDialog('undo reset', page.getByRole('dialog', { name: /^Undo reset/ }))

      await page
        .getByRole('region', { name: 'test', exact: true })
        .getByRole('button', { name: 'Deploy to test' })
        .click({ timeout: 30_000 })
      const deploy = page.getByRole('dialog', { name: /^Deploy to test/ })
      await checkDialog('deploy', deploy, deploy.getByTestId('deploy-count'))
    })
    expect(found.join('\n\n')).toBe('')
  })

  it('pins the chosen theme over the OS and remembers it after a reload', async () => {
    await page.emulateMedia({ colorScheme: 'light' })
    await page
      .getByRole('radiogroup', { name: 'Theme' })
      .or(page.getByRole('group', { name: 'Theme' }))
      .waitFor()
    await page.getByRole('radio', { name: 'Dark' }).check()
    const background = () =>
      page.locator('html').evaluate((root) => {
        const view = globalThis as unknown as { getComputedStyle(element: unknown): { backgroundColor: string } }
        return view.getComputedStyle(root).backgroundColor
      })
    expect(await background()).toBe('rgb(20, 23, 30)')
    await page.reload()
    await page.getByRole('radio', { name: 'Dark' }).waitFor()
    expect(await page.getByRole('radio', { name: 'Dark' }).isChecked()).toBe(true)
    expect(await background()).toBe('rgb(20, 23, 30)')
    await page.getByRole('radio', { name: 'System' }).check()
    expect(await background()).toBe('rgb(246, 247, 249)')
    // "System" follows the OS, both ways.
    await page.emulateMedia({ colorScheme: 'dark' })
    expect(await background()).toBe('rgb(20, 23, 30)')
    await page.emulateMedia({ colorScheme: 'light' })
  })
})
