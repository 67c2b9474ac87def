/**
 * Issue 9 end to end, in Chromium against browser mode on the embedded platform, with real drop
 * events (a `DataTransfer` holding `File`s): a mysqldump `.sql.gz` dropped on dev is inspected
 * (its tables shown before anything is sent) and ends as dev's database byte for byte; a corrupt
 * dump and a hostile `.tar.gz` are refused before a byte is uploaded, leaving dev as it was; a
 * files `.zip` is imported.
 */
import { readFile, readdir, readlink } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it, beforeAll, afterAll } from 'vitest'
import type { Page } from 'playwright-core'
import { tarGzBytes } from '../lib/archives/craft'
import { zipArchive } from '../lib/archives/zip-craft'
import { openEnvironment, platformEnvDir as envDir, sha256, useE2eSession } from './support/app-page'
import { withScreenshot } from './support/chromium'
import { startWebMode, type RunningWebMode } from './support/web-mode'

const session = useE2eSession()
const JOB_TIMEOUT = 150_000

/** The environment's database digest and its files (path → bytes). */
async function envContent(dataDir: string, siteName: string, env: string) {
  const dir = await envDir(dataDir, siteName, env)
  const filesDir = path.join(dir, await readlink(path.join(dir, 'files')))
  const files = new Map<string, string>()
  for (const entry of await readdir(filesDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const full = path.join(entry.parentPath, entry.name)
    files.set(path.relative(filesDir, full), await readFile(full, 'utf8'))
  }
  return { database: await sha256(path.join(dir, 'database.sql.gz')), files }
}

/** What the platform holds in its uploads folder (nothing, when nothing was sent). */
async function uploads(dataDir: string): Promise<string[]> {
  return readdir(path.join(dataDir, 'platform', 'uploads'), { recursive: true }).catch(() => [])
}

/** Drops files on the environment's panel the way a browser does: dragenter, dragover, drop. */
async function dropFiles(page: Page, files: readonly { name: string; bytes: Buffer }[]): Promise<void> {
  const transfer = await page.evaluateHandle(
    (list) => {
      // Runs in the page, where DataTransfer exists (the test's own types are Node's).
      const Transfer = (globalThis as unknown as { DataTransfer: new () => { items: { add(file: File): unknown } } })
        .DataTransfer
      const data = new Transfer()
      for (const file of list) {
        const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0))
        data.items.add(new File([bytes], file.name))
      }
      return data
    },
    files.map((file) => ({ name: file.name, base64: file.bytes.toString('base64') })),
  )
  const panel = page.locator('#env-panel')
  for (const type of ['dragenter', 'dragover', 'drop']) await panel.dispatchEvent(type, { dataTransfer: transfer })
}

async function waitForJob(page: Page): Promise<void> {
  await page
    .getByTestId('job-progress')
    .first()
    .and(page.locator('[data-state="succeeded"]'))
    .waitFor({ timeout: JOB_TIMEOUT })
}

describe('imports by drag and drop in Chromium', () => {
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

  it('imports a dropped mysqldump .sql.gz into dev after showing its tables: dev’s database is then that dump', async () => {
    let dumpFile = ''
    await withScreenshot(page, 'import-dump', async () => {
      await openEnvironment(page, web, 'demo-wordpress', 'dev')
      // A real dump: live's oldest backup of the WordPress demo (mysqldump's format).
      const backups = path.join(await envDir(web.dataDir, 'demo-wordpress', 'live'), 'backups')
      const folder = (await readdir(backups)).filter((name) => /^\d+_/.test(name)).sort()[0]!
      const dumpName = (await readdir(path.join(backups, folder))).find((name) => name.endsWith('_database.sql.gz'))!
      dumpFile = path.join(backups, folder, dumpName)
      const dump = await readFile(dumpFile)
      await page.getByText('Drop a dump or an archive').first().waitFor()
      await dropFiles(page, [{ name: 'wp-dump.sql.gz', bytes: dump }])
      const dialog = page.getByRole('dialog', { name: /^Import/ })
      await dialog.waitFor({ timeout: 60_000 })
      await dialog.getByText(/Replaces dev's database with wp-dump\.sql\.gz: \d+ tables/).waitFor()
      await dialog.getByText('wp_options').first().waitFor({ state: 'attached' })
      expect(await dialog.getByRole('checkbox', { name: 'Take a safety backup first' }).isChecked()).toBe(true)
      expect(await uploads(web.dataDir)).toEqual([])
    })
    await withScreenshot(page, 'import-dump-done', async () => {
      const dialog = page.getByRole('dialog', { name: /^Import/ })
      await dialog.getByRole('button', { name: /^Import/ }).click()
      await dialog.waitFor({ state: 'detached' })
      await waitForJob(page)
      const after = await envContent(web.dataDir, 'demo-wordpress', 'dev')
      expect(after.database).toBe(await sha256(dumpFile))
    })
  })

  it('refuses a corrupt dump and a hostile .tar.gz before a byte is uploaded, leaving dev as it was', async () => {
    await withScreenshot(page, 'import-refused', async () => {
      await openEnvironment(page, web, 'demo-drupal', 'dev')
      const before = await envContent(web.dataDir, 'demo-drupal', 'dev')
      const sent = await uploads(web.dataDir)
      const dir = await envDir(web.dataDir, 'demo-drupal', 'dev')
      const dump = await readFile(path.join(dir, 'database.sql.gz'))
      await dropFiles(page, [{ name: 'broken.sql.gz', bytes: dump.subarray(0, Math.floor(dump.length / 2)) }])
      const brokenAlert = page.getByRole('alert').filter({ hasText: 'broken.sql.gz' })
      await brokenAlert.waitFor({ timeout: 60_000 })
      expect(await page.getByRole('dialog', { name: /^Import/ }).count()).toBe(0)

      const hostile = tarGzBytes([
        { name: 'files/ok.txt', data: 'fine\n' },
        { name: '../../escape.txt', data: 'gotcha\n' },
      ])
      await dropFiles(page, [{ name: 'hostile.tar.gz', bytes: hostile }])
      const hostileAlert = page.getByRole('alert').filter({ hasText: 'hostile.tar.gz' })
      await hostileAlert.waitFor({ timeout: 60_000 })
      expect(await hostileAlert.textContent()).toMatch(/\.\./)
      expect(await page.getByRole('dialog', { name: /^Import/ }).count()).toBe(0)

      expect(await uploads(web.dataDir)).toEqual(sent)
      expect(await envContent(web.dataDir, 'demo-drupal', 'dev')).toEqual(before)
    })
  })

  it('imports a dropped files .zip into test', async () => {
    await withScreenshot(page, 'import-zip', async () => {
      await openEnvironment(page, web, 'demo-drupal', 'test')
      const zip = zipArchive([
        { name: 'files/', unixMode: 0o040755 },
        { name: 'files/hello.txt', data: 'Hello from a zip\n' },
        { name: 'files/docs/readme.md', data: '# Imported\n' },
      ])
      await dropFiles(page, [{ name: 'site-files.zip', bytes: zip }])
      const dialog = page.getByRole('dialog', { name: /^Import/ })
      await dialog.waitFor({ timeout: 60_000 })
      await dialog
        .getByText(/site-files\.zip/)
        .first()
        .waitFor()
      // Quicker without the safety backup; the typed confirmation is only asked on live.
      await dialog.getByRole('checkbox', { name: 'Take a safety backup first' }).uncheck()
      await dialog.getByRole('button', { name: /^Import/ }).click()
      await dialog.waitFor({ state: 'detached' })
      await waitForJob(page)
      const after = await envContent(web.dataDir, 'demo-drupal', 'test')
      expect([...after.files.keys()].sort()).toEqual(['docs/readme.md', 'hello.txt'])
      expect(after.files.get('hello.txt')).toBe('Hello from a zip\n')
    })
  })
})
