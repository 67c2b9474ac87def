/**
 * The client against the real embedded platform (src/platform), demo-seeded in
 * a temporary folder: the same code that talks to Pantheon must work here.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PlatformClient } from '../../../src/main/api/client'
import { PlatformApiError } from '../../../src/main/api/api-error'
import { watchWorkflow } from '../../../src/main/api/workflows'
import type { WorkflowUpdate } from '../../../src/main/api/workflows'
import { startPlatform } from '../../../src/platform/index'
import type { RunningPlatform } from '../../../src/platform/index'
import type { Site } from '../../../src/shared/platform-types'

const MACHINE_TOKEN = 'embedded-test-token-0123456789'

let dataDir: string
let platform: RunningPlatform
let client: PlatformClient
let site: Site

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'restore-desk-api-'))
  platform = await startPlatform({ dataDir, port: 0, machineToken: MACHINE_TOKEN, seed: 'demo', seedScale: 'small' })
  client = new PlatformClient({ baseUrl: platform.apiBase, machineToken: platform.machineToken })
  const found = await client.findSiteByName('demo-drupal')
  if (!found) throw new Error('The demo seed has no demo-drupal site.')
  site = found
}, 120_000)

afterAll(async () => {
  await platform?.close()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

describe('the client against the embedded platform', () => {
  it('logs in and reads the user and the demo sites', async () => {
    const session = await client.login()
    expect(session.userId).toMatch(/\S/)
    const user = await client.currentUser()
    expect(user.id).toBe(session.userId)
    const sites = await client.listSites()
    expect(sites.map((s) => s.name)).toEqual(['demo-drupal', 'demo-wordpress'])
    expect(sites[0]).toMatchObject({ id: site.id, label: 'Demo Drupal', framework: 'drupal8' })
    expect(await client.findSiteByName('no-such-site')).toBeNull()
  })

  it('refuses a wrong machine token with a clear error', async () => {
    const wrong = new PlatformClient({ baseUrl: platform.apiBase, machineToken: 'not-the-token' })
    const error = await wrong.login().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PlatformApiError)
    expect(error).toMatchObject({ code: 'unauthorized', status: 401 })
    expect((error as Error).message).not.toContain('not-the-token')
  })

  it('reads dev, test and live with their code', async () => {
    const envs = await client.listEnvironments(site.id)
    expect(envs.slice(0, 3).map((e) => e.name)).toEqual(['dev', 'test', 'live'])
    const [dev, test, live] = envs
    expect(dev).toMatchObject({ branch: 'master', initialized: true })
    expect(test!.deployTag).toMatch(/^pantheon_test_\d+$/)
    expect(live).toMatchObject({ isLive: true })
    expect(live!.deployTag).toMatch(/^pantheon_live_\d+$/)
    const log = await client.codeLog(site.id, 'dev')
    expect(log.length).toBeGreaterThan(0)
    expect(log[0]!.hash).toBe(dev!.targetCommit)
    expect(log[0]!.labels).toContain('dev')
    const connection = await client.getConnectionInfo(site.id, 'dev')
    expect(connection?.gitUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//)
  })

  it('reads the catalog and the schedule, and a signed link fetches a part without a session', async () => {
    const backups = await client.backupCatalog(site.id, 'live')
    expect(backups.length).toBeGreaterThan(0)
    expect(backups.some((b) => b.kind === 'scheduled')).toBe(true)
    for (let i = 1; i < backups.length; i++)
      expect(backups[i - 1]!.startedAt).toBeGreaterThanOrEqual(backups[i]!.startedAt)
    const backup = backups.find((b) => b.finished && b.parts.database)!
    const part = backup.parts.database!
    expect(part.filename).toMatch(
      new RegExp(`^demo-drupal_live_\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d_UTC_database\\.sql\\.gz$`),
    )
    expect(backup.expiresAt).toBeGreaterThan(backup.finishedAt!)

    const url = await client.getBackupDownloadUrl(site.id, 'live', backup.folder, 'database')
    const head = await fetch(url, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(Number(head.headers.get('content-length'))).toBe(part.size)

    const schedule = await client.backupSchedule(site.id, 'live')
    expect(schedule.days).toHaveLength(7)
    expect(schedule.enabled).toBe(true)
  })

  it('reads what a restore preview needs: the code backup’s commit, the current content, the domain', async () => {
    const log = await client.codeLog(site.id, 'dev')
    const withCode = (await client.backupCatalog(site.id, 'dev')).filter((b) => b.parts.code?.finished)
    expect(withCode.length).toBeGreaterThan(0)
    for (const backup of withCode) expect(log.map((c) => c.hash)).toContain(backup.parts.code!.commit)
    const content = await client.contentSummary(site.id, 'dev')
    expect(content!.database.size).toBeGreaterThan(0)
    expect(content!.files.count).toBeGreaterThan(0)
    expect(content!.files.modifiedAt).toBeGreaterThan(Date.UTC(2020, 0, 1))
    expect(await client.platformDomain(site.id, 'test')).toBe('test-demo-drupal.pantheonsite.io')
  })

  it('starts a database backup and watches it to completion', async () => {
    const before = await client.backupCatalog(site.id, 'dev')
    const started = await client.startWorkflow(site.id, 'dev', 'do_export', {
      code: false,
      database: true,
      files: false,
      entry_type: 'backup',
      ttl: 86400,
    })
    expect(started).toMatchObject({ type: 'do_export', environment: 'dev' })
    const updates: WorkflowUpdate[] = []
    const done = await watchWorkflow(client, site.id, started.id, {
      intervalMs: 1000,
      onUpdate: (u) => updates.push(u),
    })
    expect(done).toMatchObject({ id: started.id, finished: true, succeeded: true, failureReason: null })
    expect(updates.at(-1)!.stalled).toBe(false)

    const after = await client.backupCatalog(site.id, 'dev')
    expect(after.length).toBe(before.length + 1)
    const fresh = after.find((b) => !before.some((old) => old.folder === b.folder))!
    expect(fresh).toMatchObject({ kind: 'manual', finished: true })
    expect(Object.keys(fresh.parts)).toEqual(['database'])
    expect(fresh.expiresAt! - fresh.parts.database!.finishedAt!).toBe(86400_000)

    const listed = await client.listWorkflows(site.id)
    expect(listed.find((w) => w.id === started.id)?.succeeded).toBe(true)
  })

  it('uploads a downloaded database part and imports it back', async () => {
    const [backup] = (await client.backupCatalog(site.id, 'test')).filter((b) => b.finished && b.parts.database)
    const part = backup!.parts.database!
    const dump = Buffer.from(
      await (await fetch(await client.getBackupDownloadUrl(site.id, 'test', backup!.folder, 'database'))).arrayBuffer(),
    )
    expect(dump.length).toBe(part.size)

    const target = await client.createUpload(site.id, 'test', { filename: part.filename, size: dump.length })
    const put = await fetch(target.url, {
      method: 'PUT',
      body: dump,
      headers: { 'Content-Length': String(dump.length) },
    })
    expect(put.ok).toBe(true)
    const started = await client.startWorkflow(site.id, 'test', 'do_import', { database: 1, url: target.downloadUrl })
    const done = await watchWorkflow(client, site.id, started.id, { intervalMs: 1000 })
    expect(done).toMatchObject({ type: 'do_import', succeeded: true, failureReason: null })
  })

  it('reads why a workflow failed', async () => {
    const junk = Buffer.from('this is not a database dump\n')
    const target = await client.createUpload(site.id, 'dev', { filename: 'junk.sql.gz', size: junk.length })
    expect((await fetch(target.url, { method: 'PUT', body: junk })).ok).toBe(true)
    const started = await client.startWorkflow(site.id, 'dev', 'do_import', { database: 1, url: target.downloadUrl })
    const done = await watchWorkflow(client, site.id, started.id, { intervalMs: 1000 })
    expect(done).toMatchObject({ finished: true, succeeded: false, result: 'failed' })
    expect(done.failureReason).toMatch(/not a SQL dump/)
  })

  it('reports a missing site as not found', async () => {
    const error = await client.getSite('00000000-0000-0000-0000-000000000000').catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'not_found', status: 404 })
  })
})
