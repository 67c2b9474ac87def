/**
 * Issue 4 end to end, in Chromium against browser mode on the embedded
 * platform: open demo-drupal, read the timeline, download parts and check them
 * byte for byte against the platform's archives, survive link expiry and a
 * restart of the app mid-download.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { finishedRows, openEnvironment, sha256, useE2eSession } from './support/app-page'
import { withScreenshot } from './support/chromium'
import { startWebMode, type RunningWebMode } from './support/web-mode'

const session = useE2eSession()

/** The platform's own copy of a backup archive (its data folder lives inside the app's). */
async function platformArchive(dataDir: string, folder: string, filename: string): Promise<string> {
  const sitesDir = path.join(dataDir, 'platform', 'sites')
  for (const siteId of await readdir(sitesDir)) {
    for (const env of ['dev', 'test', 'live']) {
      const candidate = path.join(sitesDir, siteId, 'envs', env, 'backups', folder, filename)
      try {
        await readFile(candidate, { flag: 'r' })
        return candidate
      } catch {
        // not this one
      }
    }
  }
  throw new Error(`the platform has no archive ${folder}/${filename}`)
}

async function openDownloads(page: Page): Promise<void> {
  if (!(await page.getByTestId('downloads-panel').isVisible())) await page.getByTestId('downloads-toggle').click()
  await page.getByTestId('downloads-panel').waitFor()
}

function downloadItem(page: Page, element: string): Locator {
  return page.locator(`[data-testid="download-item"][data-element="${element}"]`)
}

describe('timeline and downloads in Chromium', () => {
  let web: RunningWebMode
  let page: Page

  beforeAll(async () => {
    web = await startWebMode({ env: { HOME: session.home }, args: ['--demo-seed', 'small'] })
    page = await session.newPage()
  })
  afterAll(async () => {
    await page?.close()
    await web?.stop()
  })

  it('shows demo-drupal’s three environments, live marked, and their backups newest first', async () => {
    await withScreenshot(page, 'timeline', async () => {
      await openEnvironment(page, web, 'demo-drupal', 'dev')
      for (const env of ['dev', 'test', 'live']) await page.getByTestId(`env-tab-${env}`).waitFor()
      await page.getByTestId('live-marker').first().waitFor()
      await page.getByTestId('env-commit').waitFor()
      const folders = await page
        .getByTestId('backup-row')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-folder') ?? ''))
      expect(folders.length).toBeGreaterThan(3)
      const epochs = folders.map((f) => Number(f.split('_')[0]))
      expect(epochs).toEqual([...epochs].sort((a, b) => b - a))
      expect(folders.some((f) => f.endsWith('_automated'))).toBe(true)
      expect(folders.some((f) => f.endsWith('_backup'))).toBe(true)
      await page.getByTestId('env-tab-test').click()
      await page.getByTestId('env-deploy-tag').waitFor()
      expect(await page.getByTestId('env-deploy-tag').textContent()).toMatch(/pantheon_test_\d+/)
    })
  })

  it('downloads a database part whose sha256 matches the platform’s archive', async () => {
    await withScreenshot(page, 'download-database', async () => {
      await openEnvironment(page, web, 'demo-drupal', 'dev')
      const row = finishedRows(page).first()
      const folder = (await row.getAttribute('data-folder'))!
      await row.getByTestId('part-download-database').click()
      await openDownloads(page)
      const item = downloadItem(page, 'database').first()
      await item.and(page.locator('[data-state="done"]')).waitFor({ timeout: 60_000 })
      const finalPath = (await item.getByTestId('download-final-path').textContent())!.trim()
      expect(finalPath.startsWith(path.join(session.home, 'Downloads', 'Restore Desk', 'demo-drupal', 'dev'))).toBe(
        true,
      )
      const original = await platformArchive(web.dataDir, folder, path.basename(finalPath))
      expect(await sha256(finalPath)).toBe(await sha256(original))
      // The digest the list shows, made as the bytes arrived, is that of the bytes served.
      const shown = (await item.getByTestId('download-sha256').textContent())?.trim()
      expect(shown).toBe(await sha256(original))
    })
  })

  it('downloads a full backup: three verified files on disk', async () => {
    await withScreenshot(page, 'download-all', async () => {
      await openEnvironment(page, web, 'demo-drupal', 'live')
      const row = finishedRows(page).nth(1)
      const folder = (await row.getAttribute('data-folder'))!
      await row.getByTestId('backup-download-all').click()
      await openDownloads(page)
      const dir = path.join(session.home, 'Downloads', 'Restore Desk', 'demo-drupal', 'live')
      for (const element of ['code', 'database', 'files']) {
        await page
          .locator(`[data-testid="download-item"][data-element="${element}"][data-state="done"]`)
          .first()
          .waitFor({ timeout: 60_000 })
      }
      const saved = (await readdir(dir)).filter((f) => !f.startsWith('.'))
      const mine = saved.filter((f) =>
        f.includes(new Date(Number(folder.split('_')[0]) * 1000).toISOString().slice(0, 10)),
      )
      expect(mine.map((f) => f.replace(/^.*_UTC_/, '')).sort()).toEqual([
        'code.tar.gz',
        'database.sql.gz',
        'files.tar.gz',
      ])
      for (const file of mine)
        expect(await sha256(path.join(dir, file))).toBe(await sha256(await platformArchive(web.dataDir, folder, file)))
    })
  })
})

describe('downloads that outlive their links and the app', () => {
  it('finishes a download whose 2-second link expired while it was paused, and one interrupted by a restart', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rd-e2e-slow-'))
    // 48 KiB/s makes the ~200 KB files part take several seconds: long enough to pause and to restart.
    const args = ['--demo-seed', 'small', '--platform-link-ttl', '2', '--download-limit', '48k']
    let web = await startWebMode({ dataDir, env: { HOME: session.home }, args })
    let page = await session.newPage()
    try {
      await withScreenshot(page, 'link-expiry', async () => {
        await openEnvironment(page, web, 'demo-wordpress', 'dev')
        const row = finishedRows(page).first()
        const folder = (await row.getAttribute('data-folder'))!
        await row.getByTestId('part-download-files').click()
        await openDownloads(page)
        const item = downloadItem(page, 'files').first()
        await item.and(page.locator('[data-state="downloading"]')).waitFor()
        await item.getByTestId('download-pause').click()
        await item.and(page.locator('[data-state="paused"]')).waitFor()
        // Let the signed link expire before resuming: the app must fetch a fresh one and continue.
        await page.waitForTimeout(3000)
        await item.getByTestId('download-resume').click()
        await item.and(page.locator('[data-state="done"]')).waitFor({ timeout: 60_000 })
        const finalPath = (await item.getByTestId('download-final-path').textContent())!.trim()
        const served = await sha256(await platformArchive(dataDir, folder, path.basename(finalPath)))
        expect(await sha256(finalPath)).toBe(served)
        expect((await item.getByTestId('download-sha256').textContent())?.trim()).toBe(served)
      })

      // Start another slow download, then stop the app in the middle of it.
      let folder = ''
      await withScreenshot(page, 'restart-before', async () => {
        await openEnvironment(page, web, 'demo-wordpress', 'test')
        const row = finishedRows(page).first()
        folder = (await row.getAttribute('data-folder'))!
        await row.getByTestId('part-download-files').click()
        await openDownloads(page)
        await page
          .locator('[data-testid="download-item"][data-element="files"][data-state="downloading"]')
          .first()
          .waitFor()
        await page.waitForTimeout(1500)
      })
      await page.close()
      await web.stop()
      const saved = JSON.parse(await readFile(path.join(dataDir, 'downloads.json'), 'utf8')) as {
        downloads: Array<{ item: { folder: string; element: string; receivedBytes: number } }>
      }
      const interrupted = saved.downloads.map((d) => d.item).find((i) => i.folder === folder && i.element === 'files')
      expect(interrupted?.receivedBytes ?? 0).toBeGreaterThan(0)

      web = await startWebMode({ dataDir, env: { HOME: session.home }, args })
      page = await session.newPage()
      await withScreenshot(page, 'restart-after', async () => {
        await page.goto(web.url)
        await openDownloads(page)
        const resumed = page
          .locator(`[data-testid="download-item"][data-element="files"]`)
          .filter({ hasText: 'test' })
          .first()
        await resumed.and(page.locator('[data-state="done"]')).waitFor({ timeout: 60_000 })
        const finalPath = (await resumed.getByTestId('download-final-path').textContent())!.trim()
        const served = await sha256(await platformArchive(dataDir, folder, path.basename(finalPath)))
        expect(await sha256(finalPath)).toBe(served)
        // Resumed in a new process: the kept part was read once through the check, then the rest.
        expect((await resumed.getByTestId('download-sha256').textContent())?.trim()).toBe(served)
      })
    } finally {
      await page.close().catch(() => {})
      await web.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
