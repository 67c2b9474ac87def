/**
 * Issue 12's honest status and layout in Chromium against browser mode: the header says
 * Unreachable when the active platform (another embedded platform, a process this test starts
 * and kills) stops answering, tells it once, and says Connected again by itself when it is back;
 * the timeline's count under a filter; the window titles; the timeline at 1024x700; Home's
 * newest-backup ages and live warnings, checked against the platform's own catalogs.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { finishedRows, openEnvironment, useE2eSession } from './support/app-page'
import { withScreenshot } from './support/chromium'
import { startWebMode, type RunningWebMode } from './support/web-mode'

const session = useE2eSession()
const TOKEN = 'status-layout-token'

/** A port nobody listens on now, so the platform can be started again on the same one. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

interface RunningPlatform {
  readonly url: string
  stop(): Promise<void>
}

/** `npm run platform` as its own process on `port`, with `dataDir` kept across restarts. */
async function startPlatformProcess(dataDir: string, port: number): Promise<RunningPlatform> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/platform/cli.ts',
      '--data',
      dataDir,
      '--port',
      String(port),
      '--token',
      TOKEN,
      '--seed',
      'demo',
      '--seed-scale',
      'small',
      '--no-schedule',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the platform did not start within 120 s:\n${output}`)), 120_000)
    child.stdout?.on('data', () => {
      const match = /Platform listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the platform exited with ${code}:\n${output}`))
    })
  })
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      // SIGKILL: a platform that goes away without a word, as a crashed or unplugged one does.
      child.kill('SIGKILL')
      await exited
    },
  }
}

describe('honest status and layout in Chromium', () => {
  let web: RunningWebMode
  let page: Page

  beforeAll(async () => {
    web = await startWebMode({
      env: { HOME: session.home, RESTORE_DESK_HEALTH_INTERVAL_MS: '1000' },
    })
    page = await session.newPage()
  })
  afterAll(async () => {
    await page?.close()
    await web?.stop()
  })

  it('titles each view, and counts "n of m backups" under a filter', async () => {
    await page.goto(web.url)
    await page.getByTestId('site-link-demo-drupal').waitFor({ timeout: 120_000 })
    await expect.poll(() => page.title()).toBe('Home – Restore Desk')
    await openEnvironment(page, web, 'demo-drupal', 'live')
    await expect.poll(() => page.title()).toBe('live · Demo Drupal – Restore Desk')
    // The tab already open, chosen again: the title keeps its names.
    await page.getByTestId('env-tab-live').click()
    await page.waitForTimeout(200)
    expect(await page.title()).toBe('live · Demo Drupal – Restore Desk')

    const count = page.getByTestId('backup-count')
    const total = Number(/^(\d+) backups$/.exec((await count.textContent()) ?? '')?.[1])
    expect(total).toBeGreaterThan(2)
    await page.getByTestId('filter-kind-manual').click()
    const manual = await page.getByTestId('backup-row').count()
    expect(manual).toBeGreaterThan(0)
    expect(manual).toBeLessThan(total)
    await expect.poll(() => count.textContent()).toBe(`${manual} of ${total} backups`)
    await page.getByTestId('filter-kind-all').click()
    await expect.poll(() => count.textContent()).toBe(`${total} backups`)
    // Scheduled backups say which: the demo platform keeps daily ones 8 days and weekly ones 32.
    const badges = await page.locator('[data-testid="backup-row"] .badge').allTextContents()
    expect(badges.map((b) => b.trim())).toContain('Daily')

    await page.getByRole('link', { name: 'Code history' }).click()
    await expect.poll(() => page.title()).toBe('Code history · Demo Drupal – Restore Desk')
    // Choosing a commit changes the address, not the view: the title stays the site's.
    await page
      .getByRole('button', { name: /^Open commit / })
      .first()
      .click({ timeout: 120_000 })
    await expect.poll(() => page.url()).toMatch(/code-history\/[0-9a-f]{40}/)
    await page.waitForTimeout(200)
    expect(await page.title()).toBe('Code history · Demo Drupal – Restore Desk')
    await page.getByTestId('connections-open').click()
    await expect.poll(() => page.title()).toBe('Connections – Restore Desk')
  })

  it('at 1024x700 shows at least 8 backup rows as the environment opens, none of their text cut off', async () => {
    await page.setViewportSize({ width: 1024, height: 700 })
    try {
      await withScreenshot(page, 'timeline-1024', async () => {
        await openEnvironment(page, web, 'demo-drupal', 'live')
        /** The backup rows wholly inside both the window and the timeline's scroller, and any text they cut. */
        const seen = () =>
          page.locator('[data-testid="backup-row"]').evaluateAll((rows) => {
            const doc = rows[0]!.ownerDocument
            const view = doc.defaultView!
            const scroller = rows[0]!.closest('.timeline-scroll')!.getBoundingClientRect()
            const top = Math.max(0, scroller.top)
            const bottom = Math.min(view.innerHeight, scroller.bottom)
            const whole = rows.filter((row) => {
              const box = row.getBoundingClientRect()
              return box.height > 0 && box.top >= top - 1 && box.bottom <= bottom + 1
            })
            const cut: string[] = []
            for (const row of whole) {
              for (const element of row.querySelectorAll('*')) {
                if (element.children.length || !element.textContent?.trim()) continue
                const style = view.getComputedStyle(element)
                if (style.display === 'none') continue
                const wide = element.scrollWidth > element.clientWidth + 1 && style.overflow !== 'visible'
                const tall = element.scrollHeight > element.clientHeight + 1 && style.overflow !== 'visible'
                if (wide || tall) cut.push(element.textContent.trim())
              }
              // The row's own box holds its columns: nothing spills over its edges.
              const box = row.getBoundingClientRect()
              for (const column of row.children) {
                const inner = column.getBoundingClientRect()
                if (inner.top < box.top - 1 || inner.bottom > box.bottom + 1) cut.push(column.textContent!.trim())
              }
            }
            return { backups: whole.length, cut, scrolled: doc.querySelector('.app-main')!.scrollTop }
          })
        // As it opens, with nothing scrolled: the compact timeline (no day headings, each row its date).
        const landing = await seen()
        expect(landing.scrolled).toBe(0)
        expect(landing.backups).toBeGreaterThanOrEqual(8)
        expect(landing.cut).toEqual([])
        expect(await page.getByTestId('timeline-day').count()).toBe(0)
        expect(await page.getByTestId('backup-row').first().locator('.backup-exact').textContent()).toMatch(
          /^\s*\d{1,2} \w{3}/,
        )
        // Scrolled to the toolbar, the timeline fills the window under it: more rows still.
        await page.locator('.timeline-toolbar').evaluate((toolbar) => toolbar.scrollIntoView({ block: 'start' }))
        const scrolled = await seen()
        expect(scrolled.backups).toBeGreaterThan(landing.backups)
        expect(scrolled.cut).toEqual([])

        // Code history, where the detail sits under the list at this width: choosing a commit
        // brings its detail into sight.
        await page.getByRole('link', { name: 'Code history' }).click()
        await page
          .getByRole('button', { name: /^Open commit / })
          .nth(2)
          .click({ timeout: 120_000 })
        const detail = page.getByTestId('commit-detail')
        await detail.waitFor()
        await expect
          .poll(() => detail.evaluate((element) => element.getBoundingClientRect().top))
          .toBeLessThan(700 - 100)
      })
    } finally {
      await page.setViewportSize({ width: 1600, height: 1000 })
    }
  })

  it('at 1600x1000 leaves no empty band in a timeline row', async () => {
    await openEnvironment(page, web, 'demo-drupal', 'live')
    const gaps = await finishedRows(page).evaluateAll((rows) =>
      rows.slice(0, 4).map((row) => {
        const parts = [...row.querySelectorAll('.backup-part')].map((part) => part.getBoundingClientRect())
        const side = row.querySelector('.backup-side')!.getBoundingClientRect()
        return side.left - Math.max(...parts.map((part) => part.right))
      }),
    )
    expect(gaps.length).toBeGreaterThan(0)
    for (const gap of gaps) expect(gap).toBeLessThan(48)
  })

  it("Home lists each environment's newest backup, warning only where live's is over a day old", async () => {
    // The demo's backups are hours old; the page's clock three days on makes every live one stale.
    const now = Date.now() + 3 * 24 * 3600 * 1000
    const home = await session.newPage()
    try {
      await home.clock.setFixedTime(now)
      await home.goto(web.url)
      const envs = home.getByTestId('overview-env')
      await envs.first().waitFor({ timeout: 60_000 })
      await expect.poll(() => home.getByText('checking…').count(), { timeout: 60_000 }).toBe(0)
      const lines = await envs.evaluateAll((items) =>
        items.map((item) => ({
          env: item.getAttribute('data-env'),
          at: item.querySelector('time')?.getAttribute('datetime') ?? null,
          age: item.querySelector('time')?.textContent ?? null,
          warning: item.querySelector('[data-testid="overview-warning"]')?.textContent?.trim() ?? null,
        })),
      )
      expect(lines.length).toBeGreaterThanOrEqual(6)
      for (const line of lines) {
        expect(line.at, `${line.env} has a backup`).not.toBeNull()
        expect(line.age).toMatch(/days? ago/)
        expect(line.warning, `${line.env} at ${line.at}`).toBe(
          line.env === 'live' && now - Date.parse(line.at!) > 24 * 3600 * 1000
            ? '⚠ Live’s newest backup is more than a day old'
            : null,
        )
      }
      expect(lines.filter((line) => line.warning !== null).length).toBeGreaterThanOrEqual(2)
    } finally {
      await home.close()
    }
  })

  it('says Unreachable when the active platform stops answering, tells it once, and recovers by itself', async () => {
    const platformDir = await mkdtemp(path.join(os.tmpdir(), 'rd-status-platform-'))
    const port = await freePort()
    let platform = await startPlatformProcess(platformDir, port)
    try {
      await page.goto(web.url)
      await page.getByTestId('connections-open').click()
      await page.getByTestId('connection-add').click()
      await page.getByTestId('connection-kind-remote').check()
      await page.getByTestId('connection-label').fill('Second platform')
      await page.getByTestId('connection-url').fill(platform.url)
      await page.getByTestId('connection-token').fill('short')
      await expect
        .poll(() => page.getByTestId('connection-token-error').textContent())
        .toContain('at least 8 characters; this one has 5')
      await page.getByTestId('connection-token').fill(TOKEN)
      await page.getByTestId('connection-add-submit').click()
      const status = page.getByTestId('connection-status')
      await expect.poll(() => status.textContent(), { timeout: 30_000 }).toContain('Connected to Second platform')

      await platform.stop()
      await expect.poll(() => status.textContent(), { timeout: 30_000 }).toContain('Unreachable: Second platform')
      expect(await status.getAttribute('data-status')).toBe('unreachable')
      // The Connections list, open under the header, says the same of the active connection.
      await expect
        .poll(() => page.locator('[data-testid="connection-item"]', { hasText: 'Second platform' }).textContent())
        .toContain('Unreachable')
      const notices = page.locator('.app-notices .notice')
      await expect.poll(() => notices.count()).toBe(1)
      const notice = (await notices.first().textContent()) ?? ''
      expect(notice).toContain('Second platform does not answer')
      expect(notice).not.toMatch(/\/api|\/users|\/sites\/|127\.0\.0\.1/)
      // Asked every second: still one notice a few probes later.
      await page.waitForTimeout(3000)
      expect(await notices.count()).toBe(1)

      platform = await startPlatformProcess(platformDir, port)
      await expect.poll(() => status.textContent(), { timeout: 30_000 }).toContain('Connected to Second platform')
      await expect.poll(() => notices.count()).toBe(0)
    } finally {
      await platform.stop()
      await rm(platformDir, { recursive: true, force: true })
    }
  })
})
