/**
 * What the browser-mode end-to-end tests share: one Chromium and one fake home folder per file,
 * a desktop-sized page, the page's longest main-thread task, opening a site's environment, the
 * finished backup rows, digests of files on disk, and the embedded platform's saved state.
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

/** The longest main-thread task a page ran, read from the page itself. */
export interface LongTasks {
  /** The longest since the page loaded or since `reset`, in ms. */
  longest(): Promise<number>
  /** Starts counting again from now. */
  reset(): Promise<void>
}

/**
 * Watches the page's main thread for long tasks from the first script of every document it
 * loads (a PerformanceObserver added before the app's own code); call it before `page.goto`.
 */
export async function watchLongTasks(page: Page): Promise<LongTasks> {
  await page.addInitScript(() => {
    interface LongTaskScope {
      __longest?: number
      PerformanceObserver: new (callback: (list: { getEntries(): { duration: number }[] }) => void) => {
        observe(options: { type: string; buffered: boolean }): void
      }
    }
    const scope = globalThis as unknown as LongTaskScope
    scope.__longest = 0
    new scope.PerformanceObserver((list) => {
      for (const entry of list.getEntries()) scope.__longest = Math.max(scope.__longest ?? 0, entry.duration)
    }).observe({ type: 'longtask', buffered: true })
  })
  return {
    longest: () => page.evaluate(() => (globalThis as unknown as { __longest?: number }).__longest ?? 0),
    reset: () =>
      page.evaluate(() => {
        ;(globalThis as unknown as { __longest?: number }).__longest = 0
      }),
  }
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

/** The embedded platform's saved state (under the app's data), as far as the tests read it. */
export interface PlatformState {
  readonly sites: readonly { readonly id: string; readonly name: string }[]
  readonly environments: Record<string, Record<string, { targetCommit?: string }>>
}

export async function platformState(dataDir: string): Promise<PlatformState> {
  return JSON.parse(await readFile(path.join(dataDir, 'platform', 'state.json'), 'utf8')) as PlatformState
}

/** The embedded platform's folder of one environment of a site, by the site's name (under the app's data). */
export async function platformEnvDir(dataDir: string, siteName: string, env: string): Promise<string> {
  const site = (await platformState(dataDir)).sites.find((candidate) => candidate.name === siteName)
  if (!site) throw new Error(`the platform has no site ${siteName}`)
  return path.join(dataDir, 'platform', 'sites', site.id, 'envs', env)
}
