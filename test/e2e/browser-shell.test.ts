import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, withScreenshot } from './support/chromium'
import { startWebMode, type RunningWebMode } from './support/web-mode'

let web: RunningWebMode
let browser: Browser
let page: Page

beforeAll(async () => {
  web = await startWebMode()
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

  it('a page without the token gets nothing', async () => {
    const context = await browser.newContext()
    const stranger = await context.newPage()
    const response = await stranger.goto(web.origin + '/')
    expect(response?.status()).toBe(401)
    expect(await stranger.textContent('body')).toContain('Open the link Restore Desk printed')
    await context.close()
  })
})
