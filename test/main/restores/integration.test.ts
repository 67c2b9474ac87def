/**
 * Restores, undo, imports from another environment, the one-at-a-time rule, a failed part and a
 * restart mid-job, against the real embedded platform (small demo seed), through the same router
 * the page uses. The platform runs every workflow for real (archives unpacked, files swapped), so
 * these take tens of seconds; one services instance serves them all, restarted once on purpose.
 */
import { lstat, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { list as listTar } from 'tar'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startMainServices, type MainServices, type MainServicesOptions } from '../../../src/main/app'
import type { ClonePreview, Job, RestorePreview, SiteActivity } from '../../../src/shared/jobs'
import type { IpcResult } from '../../../src/shared/ipc'
import type { Backup, Environment, Site, SiteDetails } from '../../../src/shared/platform-types'

let root: string
let dataDir: string
let services: MainServices
const notifications: { title: string; body: string }[] = []

function options(): MainServicesOptions {
  return {
    mode: 'browser',
    dataDir,
    downloadsRoot: path.join(root, 'Downloads'),
    embedded: { seedScale: 'small' },
    jobWatch: { intervalMs: 1000 },
    desktop: {
      revealFile: () => {},
      chooseFolder: async () => null,
      notify: (title, body) => notifications.push({ title, body }),
    },
    log: () => {},
  }
}

async function invoke<T>(channel: string, payload?: unknown): Promise<IpcResult<T>> {
  return (await services.router.invoke(channel, payload)) as IpcResult<T>
}

async function call<T>(channel: string, payload?: unknown): Promise<T> {
  const result = await invoke<T>(channel, payload)
  if (!result.ok) throw new Error(`${channel}: ${result.error.code}: ${result.error.message}`)
  return result.value
}

async function siteNamed(name: string): Promise<Site> {
  const site = (await call<Site[]>('sites:list')).find((s) => s.name === name)
  if (!site) throw new Error(`The demo seed has no site ${name}.`)
  return site
}

async function environment(siteId: string, env: string): Promise<Environment> {
  return (await call<SiteDetails>('sites:open', { siteId })).environments.find((e) => e.name === env)!
}

/** Polls the activity (as the page does) until the job has ended. */
async function finished(siteId: string, jobId: string): Promise<Job> {
  let job: Job | undefined
  await vi.waitFor(
    async () => {
      job = (await call<SiteActivity>('activity:site', { siteId })).jobs.find((j) => j.id === jobId)
      expect(job?.state).not.toBe('running')
    },
    { timeout: 120_000, interval: 500 },
  )
  return job!
}

const envDir = (siteId: string, env: string) => path.join(dataDir, 'platform', 'sites', siteId, 'envs', env)
const backupFile = (siteId: string, env: string, backup: Backup, part: 'database' | 'files') =>
  path.join(envDir(siteId, env), 'backups', backup.folder, backup.parts[part]!.filename)

/** An environment's files: every regular file's path (from its files folder) and size. */
async function filesOf(siteId: string, env: string): Promise<string[]> {
  const link = path.join(envDir(siteId, env), 'files')
  const top = path.resolve(path.dirname(link), await readlink(link))
  const out: string[] = []
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name
      if (entry.isDirectory()) await walk(path.join(dir, entry.name), rel)
      else if (entry.isFile()) out.push(`${rel} ${(await lstat(path.join(dir, entry.name))).size}`)
    }
  }
  await walk(top, '')
  return out.sort()
}

/** A files archive's regular files, without its one top folder, with their sizes. */
async function filesIn(archive: string): Promise<string[]> {
  const out: string[] = []
  await listTar({
    file: archive,
    onReadEntry: (entry) => {
      if (entry.type === 'File') out.push(`${entry.path.split('/').slice(1).join('/')} ${entry.size}`)
    },
  })
  return out.sort()
}

async function snapshot(siteId: string, env: string) {
  return {
    commit: (await environment(siteId, env)).targetCommit,
    database: await readFile(path.join(envDir(siteId, env), 'database.sql.gz')),
    files: await filesOf(siteId, env),
  }
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rd-restores-'))
  dataDir = path.join(root, 'data')
  services = await startMainServices(options())
  await services.connections.client()
}, 240_000)

afterAll(async () => {
  await services?.close()
  await rm(root, { recursive: true, force: true })
})

describe('restores on the embedded platform', () => {
  let drupal: Site
  let restoreJob: Job

  it('restores dev from yesterday’s backup behind a safety backup, refusing a second one meanwhile', async () => {
    drupal = await siteNamed('demo-drupal')
    const before = await snapshot(drupal.id, 'dev')
    const backups = await call<Backup[]>('backups:list', { siteId: drupal.id, env: 'dev' })
    // The newest scheduled backup whose code is not dev's current code: yesterday's, in the seed.
    const backup = backups.find(
      (b) => b.kind === 'scheduled' && b.finished && b.parts.code?.commit && b.parts.code.commit !== before.commit,
    )!
    expect(backup.parts.database && backup.parts.files).toBeTruthy()

    const preview = await call<RestorePreview>('restore:preview', {
      siteId: drupal.id,
      env: 'dev',
      sourceEnv: 'dev',
      folder: backup.folder,
    })
    expect(preview.restorableParts).toEqual(['code', 'files', 'database'])
    expect(preview.code).toMatchObject({
      currentCommit: before.commit,
      backupCommit: backup.parts.code!.commit,
      backupCommitSource: 'platform',
    })
    expect(preview.code!.lostCount).toBeGreaterThan(0)
    expect(preview.code!.newestLost!.subject).not.toBe('')
    expect(preview.lossSentence).toMatch(/^You will lose (\d+ (hours?|days)|less than an hour) of changes on dev\.$/)
    expect(preview.busy).toBeNull()

    const request = {
      siteId: drupal.id,
      env: 'dev',
      sourceEnv: 'dev',
      folder: backup.folder,
      parts: ['database', 'code', 'files'],
      safetyBackup: true,
    }
    const mistyped = await invoke('restore:start', { ...request, confirm: 'Dev' })
    expect(mistyped).toMatchObject({ ok: false, error: { code: 'bad_request' } })
    expect(!mistyped.ok && mistyped.error.message).toMatch(/Type dev to confirm/)

    const job = await call<Job>('restore:start', { ...request, confirm: 'dev' })
    expect(job.steps.map((s) => s.id)).toEqual(['safety', 'code', 'files', 'database'])
    const second = await invoke('restore:start', { ...request, confirm: 'dev' })
    expect(second).toMatchObject({ ok: false, error: { code: 'busy' } })
    expect(!second.ok && second.error.message).toMatch(/dev/)
    expect((await call<SiteActivity>('activity:site', { siteId: drupal.id })).busy).toHaveProperty('dev')

    restoreJob = await finished(drupal.id, job.id)
    expect(restoreJob.state).toBe('succeeded')
    expect(restoreJob.summary).toMatch(/^Restored code, files and database on dev from the backup of /)
    expect(restoreJob.steps.every((s) => s.state === 'succeeded' && s.attempts === 1)).toBe(true)
    // Told once the job is on disk, a moment after the page sees it end.
    await vi.waitFor(() =>
      expect(notifications.at(-1)).toEqual({ title: 'Restore of dev finished', body: restoreJob.summary }),
    )

    const after = await snapshot(drupal.id, 'dev')
    expect(after.commit).toBe(backup.parts.code!.commit)
    expect(after.database.equals(await readFile(backupFile(drupal.id, 'dev', backup, 'database')))).toBe(true)
    expect(after.files).toEqual(await filesIn(backupFile(drupal.id, 'dev', backup, 'files')))

    const safety = (await call<Backup[]>('backups:list', { siteId: drupal.id, env: 'dev' })).find(
      (b) => b.folder === restoreJob.safety.folder,
    )
    expect(safety).toMatchObject({ kind: 'manual', finished: true })
    expect(Object.keys(safety!.parts).sort()).toEqual(['code', 'database', 'files'])
    // Kept 30 days (the earliest part's expiry against the last part's finish: within the backup's run).
    expect(Math.abs(safety!.expiresAt! - safety!.finishedAt! - 30 * 86_400_000)).toBeLessThan(60_000)

    // The undo brings dev back to where it was.
    const activity = await call<SiteActivity>('activity:site', { siteId: drupal.id })
    expect(activity.busy).not.toHaveProperty('dev')
    expect(activity.undo.dev).toMatchObject({
      jobId: job.id,
      label: 'Undo restore',
      parts: ['code', 'files', 'database'],
    })
    const undoPreview = await call<RestorePreview>('restore:undo-preview', { jobId: job.id })
    expect(undoPreview).toMatchObject({
      folder: restoreJob.safety.folder,
      restorableParts: ['code', 'files', 'database'],
    })
    expect(undoPreview.code!.backupCommit).toBe(before.commit)
    const undo = await call<Job>('restore:undo', { jobId: job.id, safetyBackup: false, confirm: 'dev' })
    expect(undo).toMatchObject({ kind: 'undo', undoes: job.id })
    const undone = await finished(drupal.id, undo.id)
    expect(undone.state).toBe('succeeded')
    const back = await snapshot(drupal.id, 'dev')
    expect(back.commit).toBe(before.commit)
    expect(back.database.equals(before.database)).toBe(true)
    expect(back.files).toEqual(before.files)
    const later = await call<SiteActivity>('activity:site', { siteId: drupal.id })
    expect(later.jobs.find((j) => j.id === job.id)?.undoneBy).toBe(undo.id)
    expect(later.undo).not.toHaveProperty('dev')
  }, 300_000)

  it('restores test from live’s backup: database and files through imports, code refused', async () => {
    const backup = (await call<Backup[]>('backups:list', { siteId: drupal.id, env: 'live' })).find(
      (b) => b.finished && b.parts.database && b.parts.files,
    )!
    const preview = await call<RestorePreview>('restore:preview', {
      siteId: drupal.id,
      env: 'test',
      sourceEnv: 'live',
      folder: backup.folder,
    })
    expect(preview.restorableParts).toEqual(['files', 'database'])
    expect(preview.code).toBeNull()
    expect(preview.backupCommit).toBe(backup.parts.code?.commit ?? null)
    expect(preview.lossSentence).toMatch(
      /^Test's files and database are replaced by live's from .+; changes on test since its newest backup \(.+ ago\) are lost\.$/,
    )
    expect(preview.content.map((c) => c.part)).toEqual(['files', 'database'])
    expect(preview.content[1]!.current.size).toBeGreaterThan(0)

    const request = { siteId: drupal.id, env: 'test', sourceEnv: 'live', folder: backup.folder, safetyBackup: true }
    const withCode = await invoke('restore:start', { ...request, parts: ['code', 'database'], confirm: 'test' })
    expect(withCode).toMatchObject({ ok: false, error: { code: 'bad_request' } })
    expect(!withCode.ok && withCode.error.message).toMatch(/Code does not move/)

    const job = await call<Job>('restore:start', { ...request, parts: ['database', 'files'], confirm: 'test' })
    expect(job.steps.map((s) => [s.id, s.kind, s.workflowType])).toEqual([
      ['safety', 'safety-backup', 'do_export'],
      ['files', 'import', 'do_import'],
      ['database', 'import', 'do_import'],
    ])
    const done = await finished(drupal.id, job.id)
    expect(done.state).toBe('succeeded')
    const test = await snapshot(drupal.id, 'test')
    expect(test.database.equals(await readFile(backupFile(drupal.id, 'live', backup, 'database')))).toBe(true)
    expect(test.files).toEqual(await filesIn(backupFile(drupal.id, 'live', backup, 'files')))
    const activity = await call<SiteActivity>('activity:site', { siteId: drupal.id })
    const imports = activity.workflows.filter((w) => w.type === 'do_import' && w.environment === 'test')
    expect(imports.map((w) => w.id)).toEqual(
      expect.arrayContaining([done.steps[1]!.workflowId, done.steps[2]!.workflowId]),
    )
    expect(activity.workflows.map((w) => w.createdAt)).toEqual(
      [...activity.workflows.map((w) => w.createdAt)].sort((a, b) => (b ?? 0) - (a ?? 0)),
    )
  }, 300_000)

  it('stops at a failed part, says what was restored and what not, and offers the undo', async () => {
    const backups = await call<Backup[]>('backups:list', { siteId: drupal.id, env: 'dev' })
    const backup = backups.find((b) => b.kind === 'scheduled' && b.finished && b.folder !== restoreJob.source.folder)!
    await writeFile(backupFile(drupal.id, 'dev', backup, 'files'), Buffer.alloc(backup.parts.files!.size, 7))
    const job = await call<Job>('restore:start', {
      siteId: drupal.id,
      env: 'dev',
      sourceEnv: 'dev',
      folder: backup.folder,
      parts: ['code', 'files', 'database'],
      safetyBackup: true,
      confirm: 'dev',
    })
    const done = await finished(drupal.id, job.id)
    expect(done.state).toBe('failed')
    expect(done.steps.map((s) => s.state)).toEqual(['succeeded', 'succeeded', 'failed', 'skipped'])
    expect(done.steps[2]!.error).toMatch(/\S/)
    expect(done.summary).toMatch(
      /^Restored code on dev\. The files were not restored: .+ The database was not restored either \(skipped after that failure\)\. Undo restore puts back what changed\.$/,
    )
    await vi.waitFor(() =>
      expect(notifications.at(-1)).toEqual({ title: 'Restore of dev stopped', body: done.summary }),
    )
    const activity = await call<SiteActivity>('activity:site', { siteId: drupal.id })
    expect(activity.undo.dev).toMatchObject({ jobId: job.id, parts: ['code', 'files'], folder: done.safety.folder })
  }, 300_000)

  it('clones the files from live into test with Pantheon’s options (no confirmation below live)', async () => {
    const preview = await call<ClonePreview>('clone:preview', { siteId: drupal.id, from: 'live', to: 'test' })
    expect(preview).toMatchObject({ cms: 'drupal', toIsLive: false, fromDomain: 'live-demo-drupal.pantheonsite.io' })
    expect(preview.lossSentence).toMatch(/^Test's database and files are replaced by live's current ones; /)
    const request = {
      siteId: drupal.id,
      from: 'test',
      to: 'live',
      database: false,
      files: true,
      updatedb: false,
      clearCache: true,
      replaceUrl: null,
      safetyBackup: false,
    }
    expect(await invoke('clone:start', { ...request, confirm: '' })).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    })
    const job = await call<Job>('clone:start', { ...request, from: 'live', to: 'test', confirm: '' })
    const done = await finished(drupal.id, job.id)
    expect(done).toMatchObject({ state: 'succeeded', kind: 'clone', parts: ['files'] })
    expect(done.summary).toMatch(/^Cloned files from live to test\. No safety backup was taken/)
    expect(await filesOf(drupal.id, 'test')).toEqual(await filesOf(drupal.id, 'live'))
  }, 300_000)

  it('resumes a job that was running when the app stopped, without running a step twice', async () => {
    const wordpress = await siteNamed('demo-wordpress')
    const backup = (await call<Backup[]>('backups:list', { siteId: wordpress.id, env: 'dev' })).find(
      (b) => b.kind === 'scheduled' && b.finished && b.parts.code && b.parts.database && b.parts.files,
    )!
    let running = false
    const stop = services.context.events.subscribe((channel, payload) => {
      if (channel === 'jobs:changed' && (payload as Job).steps.some((s) => s.id === 'code' && s.workflowId))
        running = true
    })
    const job = await call<Job>('restore:start', {
      siteId: wordpress.id,
      env: 'dev',
      sourceEnv: 'dev',
      folder: backup.folder,
      parts: ['code', 'files', 'database'],
      safetyBackup: true,
      confirm: 'dev',
    })
    await vi.waitFor(() => expect(running).toBe(true), { timeout: 120_000, interval: 100 })
    stop()
    await services.close()
    services = await startMainServices(options())

    const done = await finished(wordpress.id, job.id)
    expect(done.state).toBe('succeeded')
    expect(done.steps.map((s) => s.attempts)).toEqual([1, 1, 1, 1])
    expect((await environment(wordpress.id, 'dev')).targetCommit).toBe(backup.parts.code!.commit)
    const workflows = (await call<SiteActivity>('activity:site', { siteId: wordpress.id })).workflows.filter(
      (w) => w.environment === 'dev' && (w.createdAt ?? 0) >= job.createdAt - 1000,
    )
    for (const type of ['do_export', 'restore_code', 'restore_files', 'restore_database'])
      expect(workflows.filter((w) => w.type === type)).toHaveLength(1)
  }, 300_000)

  it('clones WordPress’s database from live into test with its URLs replaced (the preview’s domains)', async () => {
    const wordpress = await siteNamed('demo-wordpress')
    const preview = await call<ClonePreview>('clone:preview', { siteId: wordpress.id, from: 'live', to: 'test' })
    expect(preview).toMatchObject({
      cms: 'wordpress',
      fromDomain: 'live-demo-wordpress.pantheonsite.io',
      toDomain: 'test-demo-wordpress.pantheonsite.io',
    })
    const job = await call<Job>('clone:start', {
      siteId: wordpress.id,
      from: 'live',
      to: 'test',
      database: true,
      files: false,
      updatedb: false,
      clearCache: false,
      replaceUrl: { from: preview.fromDomain, to: preview.toDomain },
      safetyBackup: true,
      confirm: '',
    })
    const done = await finished(wordpress.id, job.id)
    expect(done.state).toBe('succeeded')
    const dump = gunzipSync(await readFile(path.join(envDir(wordpress.id, 'test'), 'database.sql.gz'))).toString('utf8')
    expect(dump).toContain('://test-demo-wordpress.pantheonsite.io')
    expect(dump).not.toContain('://live-demo-wordpress.pantheonsite.io')
    expect((await call<SiteActivity>('activity:site', { siteId: wordpress.id })).undo.test).toMatchObject({
      jobId: job.id,
      label: 'Undo clone',
      parts: ['database'],
    })
  }, 300_000)
})
