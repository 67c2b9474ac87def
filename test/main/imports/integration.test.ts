/**
 * Imports against the real embedded platform (small demo seed), through the router the page
 * uses, in desktop mode (files staged by path): a real backup's `.sql.gz` staged, inspected and
 * imported into dev, which then holds it byte for byte, with its undo offered; a `.zip` files
 * archive imported; and a corrupt dump refused at inspection with nothing uploaded (no upload
 * link asked for: the platform's uploads folder stays empty).
 */
import { copyFile, lstat, readdir, readFile, readlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { ImportCapabilities, ImportInspection, StagedFile } from '../../../src/shared/imports'
import type { IpcResult } from '../../../src/shared/ipc'
import type { Job, SiteActivity } from '../../../src/shared/jobs'
import type { Backup, Site } from '../../../src/shared/platform-types'
import { useEmbeddedMain } from '../support/embedded-main'
import { zipOf } from './zip-file'

// Desktop mode: files are staged by path.
const main = useEmbeddedMain('imports-it', { mode: 'electron', jobWatch: { intervalMs: 1000 } })
const { call } = main
let site: Site

async function invoke<T>(channel: string, payload?: unknown): Promise<IpcResult<T>> {
  return (await main.services.router.invoke(channel, payload)) as IpcResult<T>
}

async function finished(jobId: string): Promise<Job> {
  let job: Job | undefined
  await vi.waitFor(
    async () => {
      job = (await call<SiteActivity>('activity:site', { siteId: site.id })).jobs.find((j) => j.id === jobId)
      expect(job?.state).not.toBe('running')
    },
    { timeout: 120_000, interval: 500 },
  )
  return job!
}

const envDir = (env: string) => path.join(main.dataDir, 'platform', 'sites', site.id, 'envs', env)

async function filesOf(env: string): Promise<string[]> {
  const link = path.join(envDir(env), 'files')
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

async function uploadsKept(): Promise<string[]> {
  return readdir(path.join(main.dataDir, 'platform', 'uploads')).catch(() => [])
}

/** Stages a file by path, as the preload does for a dropped file, and inspects it. */
async function dropped(file: string): Promise<{ staged: StagedFile; inspection: ImportInspection }> {
  const staged = await call<StagedFile>('imports:stage-path', { path: file })
  return { staged, inspection: await call<ImportInspection>('imports:inspect', { token: staged.token }) }
}

beforeAll(async () => {
  site = (await call<Site[]>('sites:list')).find((s) => s.name === 'demo-drupal')!
  const capabilities = await call<ImportCapabilities>('imports:capabilities', { siteId: site.id, env: 'dev' })
  expect(capabilities).toMatchObject({ upload: true, uploadNote: null, maxUploadBytes: 2 * 1024 ** 3 })
})

describe('imports into the embedded platform', () => {
  it('refuses a corrupt dump at inspection and uploads nothing', async () => {
    const broken = path.join(main.root, 'broken.sql.gz')
    const good = await readFile(path.join(envDir('test'), 'database.sql.gz'))
    // A real gzip header and start, then garbage: the stream breaks part-way.
    await writeFile(broken, Buffer.concat([good.subarray(0, 200), Buffer.alloc(4000, 0x5a)]))
    const { staged, inspection } = await dropped(broken)
    expect(inspection.ok).toBe(false)
    const refused = await invoke('imports:start', {
      siteId: site.id,
      env: 'dev',
      database: staged.token,
      files: null,
      safetyBackup: true,
      confirm: '',
    })
    expect(refused).toMatchObject({ ok: false, error: { code: 'refused' } })
    expect(!refused.ok && refused.error.message).toMatch(
      /^broken\.sql\.gz cannot be imported: .* Nothing was started\.$/,
    )
    expect(await uploadsKept()).toEqual([])
    const activity = await call<SiteActivity>('activity:site', { siteId: site.id })
    expect(activity.busy.dev).toBeUndefined()
  })

  it('imports a real backup’s .sql.gz into dev, which then holds it byte for byte, undoably', async () => {
    const [backup] = (await call<Backup[]>('backups:list', { siteId: site.id, env: 'live' })).filter(
      (b) => b.finished && b.parts.database?.finished,
    )
    const dump = path.join(main.root, 'live-dump.sql.gz')
    await copyFile(path.join(envDir('live'), 'backups', backup!.folder, backup!.parts.database!.filename), dump)
    const before = await readFile(path.join(envDir('dev'), 'database.sql.gz'))
    expect(before.equals(await readFile(dump))).toBe(false)

    const { staged, inspection } = await dropped(dump)
    expect(inspection).toMatchObject({
      ok: true,
      convertForUpload: false,
      detail: { kind: 'database', format: 'sql.gz' },
    })
    const tables = inspection.ok && inspection.detail.kind === 'database' ? inspection.detail.tables.length : 0
    expect(tables).toBeGreaterThan(0)

    const started = await call<Job>('imports:start', {
      siteId: site.id,
      env: 'dev',
      database: staged.token,
      files: null,
      safetyBackup: true,
      confirm: '',
    })
    const done = await finished(started.id)
    expect(done.state).toBe('succeeded')
    expect(done.steps.map((s) => [s.kind, s.state])).toEqual([
      ['safety-backup', 'succeeded'],
      ['upload', 'succeeded'],
      ['import', 'succeeded'],
    ])
    expect((await readFile(path.join(envDir('dev'), 'database.sql.gz'))).equals(await readFile(dump))).toBe(true)
    expect(done.summary).toMatch(
      new RegExp(
        `^Imported live-dump\\.sql\\.gz \\(${tables} tables, .* uncompressed\\) into dev's database\\. Undo import puts back`,
      ),
    )
    const activity = await call<SiteActivity>('activity:site', { siteId: site.id })
    expect(activity.undo.dev).toMatchObject({ jobId: done.id, label: 'Undo import', parts: ['database'] })
    expect(activity.busy.dev).toBeUndefined()
    // The job has ended: its staged file is no longer held (the person's own file stays).
    await vi.waitFor(async () => expect((await invoke('imports:inspect', { token: staged.token })).ok).toBe(false))
    expect((await lstat(dump)).isFile()).toBe(true)
  })

  it('imports a .zip files archive into dev', async () => {
    const archive = path.join(main.root, 'site-files.zip')
    await writeFile(
      archive,
      zipOf([
        { path: 'files/', body: null },
        { path: 'files/readme.txt', body: Buffer.from('Imported from a zip.\n') },
        { path: 'files/images/', body: null },
        { path: 'files/images/logo.bin', body: Buffer.alloc(12_345, 9) },
      ]),
    )
    const { staged, inspection } = await dropped(archive)
    expect(inspection).toMatchObject({ ok: true, detail: { kind: 'files', format: 'zip', fileCount: 2 } })
    const done = await finished(
      (
        await call<Job>('imports:start', {
          siteId: site.id,
          env: 'dev',
          database: null,
          files: staged.token,
          safetyBackup: false,
          confirm: '',
        })
      ).id,
    )
    expect(done.state).toBe('succeeded')
    expect(await filesOf('dev')).toEqual(['images/logo.bin 12345', 'readme.txt 21'])
  })
})

describe('imports into a platform that reads only .sql.gz and .tar.gz (as Pantheon’s imports)', () => {
  const narrow = useEmbeddedMain('imports-narrow', {
    mode: 'electron',
    jobWatch: { intervalMs: 1000 },
    importFormats: ['sql.gz', 'tar.gz'],
  })
  const narrowCall = narrow.call

  it('converts a plain .sql and a files .zip in a stream before uploading them', async () => {
    const target = (await narrowCall<Site[]>('sites:list')).find((s) => s.name === 'demo-wordpress')!
    await narrowCall('imports:capabilities', { siteId: target.id, env: 'test' })
    const envOf = (env: string) => path.join(narrow.dataDir, 'platform', 'sites', target.id, 'envs', env)
    const sql = gunzipSync(await readFile(path.join(envOf('live'), 'database.sql.gz')))
    const plain = path.join(narrow.root, 'dump.sql')
    await writeFile(plain, sql)
    const zip = path.join(narrow.root, 'media.zip')
    await writeFile(zip, zipOf([{ path: 'media/photo.bin', body: Buffer.alloc(4096, 1) }]))

    const tokens: string[] = []
    for (const file of [plain, zip]) {
      const staged = await narrowCall<StagedFile>('imports:stage-path', { path: file })
      expect(await narrowCall<ImportInspection>('imports:inspect', { token: staged.token })).toMatchObject({
        ok: true,
        convertForUpload: true,
      })
      tokens.push(staged.token)
    }
    const started = await narrowCall<Job>('imports:start', {
      siteId: target.id,
      env: 'test',
      database: tokens[0],
      files: tokens[1],
      safetyBackup: false,
      confirm: '',
    })
    expect(started.steps.map((s) => s.label)).toEqual([
      expect.stringMatching(/^Upload media\.zip \(.*, converted to \.tar\.gz\)$/),
      "Import media.zip into test's files",
      expect.stringMatching(/^Upload dump\.sql \(.*, converted to \.sql\.gz\)$/),
      "Import dump.sql into test's database",
    ])
    let done: Job | undefined
    await vi.waitFor(
      async () => {
        done = (await narrowCall<SiteActivity>('activity:site', { siteId: target.id })).jobs.find(
          (j) => j.id === started.id,
        )
        expect(done?.state).not.toBe('running')
      },
      { timeout: 120_000, interval: 500 },
    )
    expect(done).toMatchObject({ state: 'succeeded' })
    expect(gunzipSync(await readFile(path.join(envOf('test'), 'database.sql.gz'))).equals(sql)).toBe(true)
    const files = path.resolve(envOf('test'), await readlink(path.join(envOf('test'), 'files')))
    expect(await readdir(files)).toEqual(['photo.bin'])
    expect((await lstat(path.join(files, 'photo.bin'))).size).toBe(4096)
  })
})
