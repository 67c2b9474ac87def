import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, withScreenshot } from './support/chromium'
import { startWebMode, type RunningWebMode } from './support/web-mode'

let web: RunningWebMode
let browser: Browser
let page: Page

beforeAll(async () => {
  // The small seed: the routes test opens a site, and the small one is ready in seconds.
  web = await startWebMode({ args: ['--demo-seed', 'small'] })
  browser = await launchChromium()
  page = await browser.newPage()
})

afterAll(async () => {
  await browser?.close()
  await web?.stop()
})

describe('browser mode in Chromium', () => {
  it('loads the app shell with data that came through the contract', async () => {
    await withScreenshot(page, 'shell-loads', async () => {
      await page.goto(web.url)
      expect(new URL(page.url()).searchParams.has('token')).toBe(false)
      await page.getByTestId('app-version').waitFor()
      expect(await page.getByTestId('app-mode').textContent()).toBe('Browser mode')
      expect(await page.getByTestId('app-data-dir').textContent()).toBe(web.dataDir)
    })
  })

  it('the page can call the contract, and a bad payload is refused with a clear error', async () => {
    await withScreenshot(page, 'bad-payload', async () => {
      const result = await page.evaluate(async () => {
        const response = await fetch('/api/invoke/app:info', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ payload: { evil: true } }),
        })
        return response.json()
      })
      expect(result).toMatchObject({ ok: false, error: { code: 'bad_request' } })
    })
  })

  it('keeps the place across the back button and a reload; "Skip to content" only moves focus', async () => {
    await withScreenshot(page, 'routes', async () => {
      await page.goto(web.url)
      await page.getByTestId('site-link-demo-drupal').click({ timeout: 120_000 })
      await page.getByRole('tab', { name: 'test' }).click()
      await page.waitForURL(/#\/sites\/[^/]+\/test$/)
      const siteUrl = page.url()
      await page.getByRole('button', { name: 'Connections' }).first().click()
      await page.waitForURL(/#\/connections$/)
      await page.goBack()
      await page.waitForURL(siteUrl)
      await page.getByRole('tab', { name: 'test', selected: true }).waitFor()
      await page.reload()
      await page.getByRole('tab', { name: 'test', selected: true }).waitFor({ timeout: 60_000 })

      await page.getByRole('button', { name: 'Connections' }).first().click()
      await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor()
      await page.getByRole('link', { name: 'Skip to content' }).focus()
      await page.keyboard.press('Enter')
      expect(new URL(page.url()).hash).toBe('#/connections')
      expect(await page.locator('main#main-content:focus').count()).toBe(1)
      expect(await page.getByRole('heading', { name: 'Connections', level: 1 }).isVisible()).toBe(true)
    })
  })

  it('a page without the token gets nothing', async () => {
    const context = await browser.newContext()
    const stranger = await context.newPage()
    const response = await stranger.goto(web.origin + '/')
    expect(response?.status()).toBe(401)
    expect(await stranger.textContent('body')).toContain('Open the link Restore Desk printed')
    await context.close()
  })
})
