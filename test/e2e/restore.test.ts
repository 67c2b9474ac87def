/**
 * Issue 8 end to end, in Chromium against browser mode on the embedded platform, by role and
 * name as a person with a screen reader would: restore dev from yesterday's backup and find
 * dev's commit, database and files equal to it, with a safety backup taken first; undo it; restore
 * test from live's backup; live's warning and the safer way; a second restore refused while one
 * runs; a restart of the app mid-restore, after which the job shows its progress and ends.
 */
import { mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { list as listTar } from 'tar'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { finishedRows, openEnvironment, platformEnvDir as envDir, sha256, useE2eSession } from './support/app-page'
import { withScreenshot } from './support/chromium'
import { startWebMode, type RunningWebMode } from './support/web-mode'

const session = useE2eSession()

const JOB_TIMEOUT = 150_000

/** What an environment holds now: its commit (from the platform's state), dump digest, file list. */
async function envContent(dataDir: string, siteName: string, env: string) {
  const dir = await envDir(dataDir, siteName, env)
  const state = JSON.parse(await readFile(path.join(dataDir, 'platform', 'state.json'), 'utf8')) as {
    sites: { id: string; name: string }[]
    environments: Record<string, Record<string, { targetCommit?: string }>>
  }
  const siteId = state.sites.find((site) => site.name === siteName)?.id ?? ''
  const commit = state.environments[siteId]?.[env]?.targetCommit ?? null
  const filesDir = path.join(dir, await readlink(path.join(dir, 'files')))
  const files = (await readdir(filesDir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(filesDir, path.join(entry.parentPath, entry.name)))
    .sort()
  return { commit, database: await sha256(path.join(dir, 'database.sql.gz')), files }
}

/** What a backup holds: its code commit, its dump digest, the files its archive lists. */
async function backupContent(dataDir: string, siteName: string, env: string, folder: string) {
  const dir = path.join(await envDir(dataDir, siteName, env), 'backups', folder)
  const record = JSON.parse(await readFile(path.join(dir, 'backup.json'), 'utf8')) as {
    code?: { targetCommit: string }
  }
  const names = await readdir(dir)
  const database = names.find((name) => name.endsWith('_database.sql.gz'))
  const filesArchive = names.find((name) => name.endsWith('_files.tar.gz'))
  const files: string[] = []
  if (filesArchive) {
    await listTar({
      file: path.join(dir, filesArchive),
      onReadEntry: (entry) => {
        if (entry.type === 'File') files.push(entry.path.split('/').slice(1).join('/'))
      },
    })
  }
  return {
    commit: record.code?.targetCommit ?? null,
    database: database ? await sha256(path.join(dir, database)) : null,
    files: files.sort(),
  }
}

/** The newest finished scheduled backup taken more than `hours` ago. */
async function backupOlderThan(page: Page, hours: number): Promise<{ row: Locator; folder: string }> {
  const folders = await finishedRows(page).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-folder') ?? ''))
  const limit = Date.now() / 1000 - hours * 3600
  const folder = folders.find((f) => f.endsWith('_automated') && Number(f.split('_')[0]) < limit)
  if (!folder) throw new Error(`no scheduled backup older than ${hours} hours among ${folders.join(', ')}`)
  return { row: page.locator(`[data-testid="backup-row"][data-folder="${folder}"]`), folder }
}

/** The job card of the open environment, newest first. */
function jobCard(page: Page): Locator {
  return page.getByTestId('job-progress').first()
}

async function waitForJob(page: Page, state: 'succeeded' | 'failed' = 'succeeded'): Promise<void> {
  await jobCard(page)
    .and(page.locator(`[data-state="${state}"]`))
    .waitFor({ timeout: JOB_TIMEOUT })
}

/** Types the environment's name and starts the job with the button `action` names. */
async function confirmAndStart(dialog: Locator, env: string, action: RegExp): Promise<void> {
  const submit = dialog.getByRole('button', { name: action })
  expect(await submit.isDisabled()).toBe(true)
  await dialog.getByRole('textbox', { name: `Type ${env} to confirm` }).fill(env.slice(0, -1))
  expect(await submit.isDisabled()).toBe(true)
  await dialog.getByRole('textbox', { name: `Type ${env} to confirm` }).fill(env)
  await submit.click()
  await dialog.waitFor({ state: 'detached' })
}

describe('restores in Chromium', () => {
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

  it('restores dev from yesterday’s backup after a safety backup, and undoes it in one click', async () => {
    let before: Awaited<ReturnType<typeof envContent>> | undefined
    const startedAt = Date.now() / 1000
    let folder = ''
    await withScreenshot(page, 'restore-dev', async () => {
      await openEnvironment(page, web, 'demo-drupal', 'dev')
      before = await envContent(web.dataDir, 'demo-drupal', 'dev')
      const found = await backupOlderThan(page, 20)
      folder = found.folder
      await found.row.getByRole('button', { name: /^Restore dev from / }).click()
      const dialog = page.getByRole('dialog', { name: /^Restore dev from / })
      await dialog.waitFor()
      for (const part of ['Code', 'Database', 'Files'])
        expect(await dialog.getByRole('checkbox', { name: part, exact: true }).isChecked()).toBe(true)
      expect(await dialog.getByRole('checkbox', { name: 'Take a safety backup first' }).isChecked()).toBe(true)
      await dialog.getByText(/You will lose \d+ (day|hour)s? of changes on dev/).waitFor()
      await confirmAndStart(dialog, 'dev', /^Restore dev$/)
      await waitForJob(page)
    })
    const backup = await backupContent(web.dataDir, 'demo-drupal', 'dev', folder)
    const after = await envContent(web.dataDir, 'demo-drupal', 'dev')
    expect(after.commit).toBe(backup.commit)
    expect(after.database).toBe(backup.database)
    expect(after.files).toEqual(backup.files)
    expect(after.database).not.toBe(before?.database)
    // The page shows dev at the backup's commit.
    await page.getByTestId('env-commit').locator(`[title="${backup.commit}"]`).waitFor()

    // The safety backup is in dev's timeline: a manual backup taken since the restore began.
    const folders = await finishedRows(page).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-folder') ?? ''))
    expect(folders.some((f) => f.endsWith('_backup') && Number(f.split('_')[0]) >= Math.floor(startedAt) - 1)).toBe(
      true,
    )

    await withScreenshot(page, 'undo-restore', async () => {
      await page.getByRole('button', { name: 'Undo restore' }).click()
      const dialog = page.getByRole('dialog', { name: /^Undo restore/ })
      await dialog.waitFor()
      await confirmAndStart(dialog, 'dev', /^Undo restore/)
      await waitForJob(page)
    })
    const undone = await envContent(web.dataDir, 'demo-drupal', 'dev')
    expect(undone).toEqual(before)
  })

  it('restores test from live’s backup (database and files), after live’s warning and the safer way', async () => {
    let testBefore: Awaited<ReturnType<typeof envContent>> | undefined
    let folder = ''
    await withScreenshot(page, 'restore-test-from-live', async () => {
      await openEnvironment(page, web, 'demo-drupal', 'live')
      testBefore = await envContent(web.dataDir, 'demo-drupal', 'test')
      const row = finishedRows(page).first()
      folder = (await row.getAttribute('data-folder'))!
      await row.getByRole('button', { name: /^Restore live from / }).click()
      const dialog = page.getByRole('dialog', { name: /^Restore live/ })
      await dialog.waitFor()
      await dialog.getByText('Restoring live directly is not advised.').waitFor()
      await dialog.getByRole('button', { name: 'Restore to test instead' }).click()
      // The dialog now restores test from live's backup, and says so in its name.
      const intoTest = page.getByRole('dialog', { name: /^Restore test from live/ })
      await intoTest.waitFor()
      expect(await intoTest.getByRole('combobox', { name: 'Restore into' }).inputValue()).toBe('test')
      await intoTest.getByRole('button', { name: 'Copy commit ID' }).waitFor()
      await intoTest.getByText('Code does not move this way').waitFor()
      expect(await intoTest.getByRole('checkbox', { name: 'Code', exact: true }).count()).toBe(0)
      expect(await intoTest.getByRole('checkbox', { name: 'Database', exact: true }).isChecked()).toBe(true)
      expect(await intoTest.getByRole('checkbox', { name: 'Files', exact: true }).isChecked()).toBe(true)
      await confirmAndStart(intoTest, 'test', /^Restore test$/)
      await page.getByRole('tab', { name: /^test/, selected: true }).waitFor()
      await waitForJob(page)
    })
    const backup = await backupContent(web.dataDir, 'demo-drupal', 'live', folder)
    const after = await envContent(web.dataDir, 'demo-drupal', 'test')
    expect(after.database).toBe(backup.database)
    expect(after.files).toEqual(backup.files)
    // Code does not move this way.
    expect(after.commit).toBe(testBefore?.commit)
  })

  it('refuses a second restore of an environment while one runs, saying why', async () => {
    await withScreenshot(page, 'restore-busy', async () => {
      await openEnvironment(page, web, 'demo-wordpress', 'dev')
      const rows = finishedRows(page)
      await rows
        .nth(1)
        .getByRole('button', { name: /^Restore dev from / })
        .click()
      await confirmAndStart(page.getByRole('dialog', { name: /^Restore dev/ }), 'dev', /^Restore dev$/)
      const other = rows.nth(2).getByRole('button', { name: /^Restore dev from / })
      await expect.poll(() => other.isDisabled(), { timeout: 10_000 }).toBe(true)
      await page.getByTestId('env-busy').waitFor()
      expect(await page.getByTestId('env-busy').textContent()).toMatch(/restore/i)
      await waitForJob(page)
      await expect.poll(() => other.isDisabled(), { timeout: 30_000 }).toBe(false)
    })
  })
})

describe('a restore that outlives the app', () => {
  it('shows the job’s progress again after a restart mid-restore, and finishes it', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rd-e2e-restart-'))
    let web = await startWebMode({ dataDir, env: { HOME: session.home }, args: ['--demo-seed', 'small'] })
    let page = await session.newPage()
    let folder = ''
    try {
      await withScreenshot(page, 'restart-mid-restore', async () => {
        await openEnvironment(page, web, 'demo-wordpress', 'test')
        const found = await backupOlderThan(page, 20)
        folder = found.folder
        await found.row.getByRole('button', { name: /^Restore test from / }).click()
        await confirmAndStart(page.getByRole('dialog', { name: /^Restore test/ }), 'test', /^Restore test$/)
        await jobCard(page).and(page.locator('[data-state="running"]')).waitFor()
      })
      await page.close()
      await web.stop()
      const saved = JSON.parse(await readFile(path.join(dataDir, 'jobs.json'), 'utf8')) as unknown
      expect(JSON.stringify(saved)).toContain('"state":"running"')

      web = await startWebMode({ dataDir, env: { HOME: session.home }, args: ['--demo-seed', 'small'] })
      page = await session.newPage()
      await withScreenshot(page, 'restart-after', async () => {
        await openEnvironment(page, web, 'demo-wordpress', 'test')
        await jobCard(page).waitFor({ timeout: 30_000 })
        await waitForJob(page)
      })
      const backup = await backupContent(dataDir, 'demo-wordpress', 'test', folder)
      const after = await envContent(dataDir, 'demo-wordpress', 'test')
      expect(after.commit).toBe(backup.commit)
      expect(after.database).toBe(backup.database)
      expect(after.files).toEqual(backup.files)
    } finally {
      await page.close()
      await web.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
