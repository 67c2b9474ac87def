/**
 * What the browser-mode end-to-end tests share: one Chromium and one fake home folder per file,
 * a desktop-sized page, opening a site's environment, the finished backup rows, and digests of
 * files on disk.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import type { Browser, Locator, Page } from 'playwright-core'
import { launchChromium } from './chromium'
import type { RunningWebMode } from './web-mode'

/** The file's Chromium and home folder, made before its tests and removed after them. */
export interface E2eSession {
  readonly browser: Browser
  /** A fresh HOME for the app (Downloads land under it). */
  readonly home: string
  /** A page the size of a desktop window. */
  newPage(): Promise<Page>
}

/** Registers beforeAll/afterAll that launch Chromium and make a home folder for this file. */
export function useE2eSession(): E2eSession {
  let browser: Browser | undefined
  let home: string | undefined
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'rd-home-'))
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    if (home) await rm(home, { recursive: true, force: true })
  })
  const session: E2eSession = {
    get browser() {
      if (!browser) throw new Error('Chromium is not running yet (use the session inside tests or hooks)')
      return browser
    },
    get home() {
      if (!home) throw new Error('the home folder is not made yet (use the session inside tests or hooks)')
      return home
    },
    newPage: () => session.browser.newPage({ viewport: { width: 1600, height: 1000 } }),
  }
  return session
}

/** Opens the app, the site by its name and the environment's tab, and waits for its timeline. */
export async function openEnvironment(page: Page, web: RunningWebMode, site: string, env: string): Promise<void> {
  await page.goto(web.url)
  await page.getByTestId(`site-link-${site}`).click({ timeout: 120_000 })
  await page.getByTestId(`env-tab-${env}`).click()
  await page.getByTestId('backup-row').first().waitFor({ timeout: 60_000 })
}

/** Backups that have finished (a scheduled one may be in the making when the platform starts). */
export function finishedRows(page: Page): Locator {
  return page.getByTestId('backup-row').filter({ hasNot: page.getByTestId('backup-in-progress') })
}

/** The SHA-256 of a file, hex. */
export async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex')
}

/** The embedded platform's folder of one environment of a site, by the site's name (under the app's data). */
export async function platformEnvDir(dataDir: string, siteName: string, env: string): Promise<string> {
  const state = JSON.parse(await readFile(path.join(dataDir, 'platform', 'state.json'), 'utf8')) as {
    sites: { id: string; name: string }[]
  }
  const site = state.sites.find((candidate) => candidate.name === siteName)
  if (!site) throw new Error(`the platform has no site ${siteName}`)
  return path.join(dataDir, 'platform', 'sites', site.id, 'envs', env)
}
