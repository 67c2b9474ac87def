/**
 * The link browser mode prints, and what the README promises about it: the token is good
 * for as long as the process runs (open the link again, or in a second browser, as with
 * Jupyter), it is traded for an HttpOnly cookie, and another start has another token.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMainServices, type MainServices } from '../../../src/main/app'
import { startWebHost, type WebHost } from '../../../src/main/web/server'
import { repoRoot } from '../../helpers/fixtures'

let root: string
let staticDir: string
let services: MainServices
let host: WebHost

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rd-link-'))
  staticDir = path.join(root, 'static')
  await mkdir(staticDir, { recursive: true })
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><div id="app"></div>')
  services = await startMainServices({
    mode: 'browser',
    dataDir: path.join(root, 'data'),
    log: () => {},
    // This suite is about the link; the embedded platform has its own tests.
    embedded: { start: () => new Promise(() => {}) },
  })
  host = await startWebHost({ router: services.router, events: services.context.events, staticDir })
})

afterAll(async () => {
  await host?.close()
  await services?.close()
  await rm(root, { recursive: true, force: true })
})

/** Opens the printed link as a fresh browser would: no cookies; returns the cookie it is given. */
async function openLink(url: string): Promise<{ status: number; cookie: string | undefined }> {
  const res = await fetch(url, { redirect: 'manual' })
  await res.body?.cancel()
  return { status: res.status, cookie: res.headers.getSetCookie()[0] }
}

async function pageWith(cookie: string): Promise<number> {
  const res = await fetch(`${host.origin}/`, { headers: { Cookie: cookie.split(';')[0]! } })
  await res.body?.cancel()
  return res.status
}

describe('the printed link', () => {
  it('works again, and in a second browser, while the process runs', async () => {
    const first = await openLink(host.url)
    const second = await openLink(host.url)
    for (const browser of [first, second]) {
      expect(browser.status).toBe(303)
      expect(browser.cookie).toMatch(/HttpOnly/)
      expect(await pageWith(browser.cookie!)).toBe(200)
    }
    // The first browser is still signed in after the second used the link.
    expect(await pageWith(first.cookie!)).toBe(200)
  })

  it('is retired by the next start, which makes a new token', async () => {
    const next = await startWebHost({ router: services.router, events: services.context.events, staticDir })
    try {
      expect(next.token).not.toBe(host.token)
      expect((await openLink(`${next.origin}/?token=${host.token}`)).status).toBe(401)
      expect((await openLink(next.url)).status).toBe(303)
    } finally {
      await next.close()
    }
  })

  it('is described in the README as it behaves', async () => {
    const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8')
    const paragraphs = readme.split(/\n\s*\n/).map((p) => p.replace(/\s+/g, ' '))
    const words = paragraphs.find((p) => /access token/.test(p) && /link/.test(p))
    expect(words, 'the README has a paragraph on the printed link and its access token').toBeDefined()
    expect(words!).not.toMatch(/one-time|single-use|only once/i)
    expect(words).toMatch(/as long as that process runs/)
    expect(words).toMatch(/open the link again, or in a second browser/)
    expect(words).toMatch(/HttpOnly cookie/)
    expect(words).toMatch(/keep it to yourself/)
    expect(words).toMatch(/new token and retires the old link/)
  })
})
