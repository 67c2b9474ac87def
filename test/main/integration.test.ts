/**
 * The main-process services against a real embedded platform (small demo seed):
 * the same router the page uses, end to end through the API client, the
 * workflow tracker and the download manager.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import type { DownloadChange, DownloadItem } from '../../src/shared/downloads'
import type { Backup, Site, SiteDetails, Workflow, WorkflowProgress } from '../../src/shared/platform-types'
import { useEmbeddedMain } from './support/embedded-main'

const main = useEmbeddedMain('int')
const { call } = main

describe('main services on the embedded platform', () => {
  let site: Site

  it('lists the demo sites once the embedded platform is up, with no login', async () => {
    const sites = await call<Site[]>('sites:list')
    expect(sites.map((s) => s.name)).toEqual(['demo-drupal', 'demo-wordpress'])
    site = sites[0]!
    expect(main.services.context.platform()).toMatchObject({ id: 'embedded', status: 'ready' })
  })

  it('opens a site with dev, test and live in order, live marked', async () => {
    const details = await call<SiteDetails>('sites:open', { siteId: site.id })
    expect(details.environments.slice(0, 3).map((e) => e.name)).toEqual(['dev', 'test', 'live'])
    expect(details.environments.find((e) => e.name === 'live')?.isLive).toBe(true)
    expect(details.environments.find((e) => e.name === 'test')?.deployTag).toMatch(/^pantheon_test_\d+$/)
  })

  it('backs up now: progress events, then the new backup in the timeline', async () => {
    const before = await call<Backup[]>('backups:list', { siteId: site.id, env: 'dev' })
    const progress: WorkflowProgress[] = []
    const stop = main.services.context.events.subscribe((channel, payload) => {
      if (channel === 'workflows:progress') progress.push(payload as WorkflowProgress)
    })
    const started = await call<Workflow>('backups:create', {
      siteId: site.id,
      env: 'dev',
      parts: { code: true, database: true, files: false },
      keepForDays: 3,
    })
    expect(started.type).toBe('do_export')
    await vi.waitFor(() => expect(progress.at(-1)?.workflow.finished).toBe(true), { timeout: 60_000, interval: 200 })
    stop()
    expect(progress.at(-1)?.workflow.succeeded).toBe(true)
    const after = await call<Backup[]>('backups:list', { siteId: site.id, env: 'dev' })
    // Scheduled backups may appear meanwhile (the platform runs its schedule); ours is the one manual newcomer.
    const newcomers = after.filter((b) => b.kind === 'manual' && !before.some((o) => o.folder === b.folder))
    expect(newcomers).toHaveLength(1)
    const fresh = newcomers[0]!
    expect(Object.keys(fresh.parts).sort()).toEqual(['code', 'database'])
    const ttlDays = (fresh.expiresAt! - fresh.finishedAt!) / 86_400_000
    expect(ttlDays).toBeCloseTo(3, 1)
  })

  it('downloads every part of a backup, verified, identical to the platform’s archives', async () => {
    const backups = await call<Backup[]>('backups:list', { siteId: site.id, env: 'live' })
    const backup = backups.find((b) => b.parts.code && b.parts.database && b.parts.files && b.finished)!
    const changes: DownloadChange[] = []
    const stop = main.services.context.events.subscribe((channel, payload) => {
      if (channel === 'downloads:changed') changes.push(payload as DownloadChange)
    })
    const items = await call<DownloadItem[]>('downloads:start', {
      siteId: site.id,
      env: 'live',
      folder: backup.folder,
      elements: ['code', 'database', 'files'],
    })
    expect(items).toHaveLength(3)
    expect(items[0]!.destDir).toBe(path.join(main.root, 'Downloads', 'demo-drupal', 'live'))
    await vi.waitFor(
      async () => {
        const list = await call<DownloadItem[]>('downloads:list')
        expect(list.filter((i) => items.some((x) => x.id === i.id)).map((i) => i.state)).toEqual([
          'done',
          'done',
          'done',
        ])
      },
      { timeout: 60_000, interval: 200 },
    )
    stop()
    expect(changes.some((c) => c.item.state === 'verifying')).toBe(true)
    const client = await main.services.connections.client()
    for (const item of await call<DownloadItem[]>('downloads:list')) {
      if (!items.some((x) => x.id === item.id)) continue
      const url = await client.getBackupDownloadUrl(site.id, 'live', backup.folder, item.element)
      const original = Buffer.from(await (await fetch(url)).arrayBuffer())
      const local = await readFile(item.finalPath!)
      expect(local.length).toBe(backup.parts[item.element]!.size)
      expect(createHash('sha256').update(local).digest('hex')).toBe(createHash('sha256').update(original).digest('hex'))
    }
  })

  it('refuses a download request the page made up', async () => {
    const result = await main.services.router.invoke('downloads:start', {
      siteId: site.id,
      env: 'dev',
      folder: '../../etc',
      elements: ['database'],
    })
    expect(result).toMatchObject({ ok: false, error: { code: 'bad_request' } })
    const missing = await main.services.router.invoke('downloads:start', {
      siteId: site.id,
      env: 'dev',
      folder: '1000000000_backup',
      elements: ['database'],
    })
    expect(missing).toMatchObject({
      ok: false,
      error: { code: 'not_found', message: expect.stringMatching(/no longer in dev's catalog/) },
    })
  })
})
