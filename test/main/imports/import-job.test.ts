/**
 * The import job through the ImportService and the JobRunner, against a scripted platform whose
 * upload links go to a real HTTP server on 127.0.0.1: the order (safety backup, files, then the
 * database, each uploaded, then imported), transfer progress, cancel mid-upload, a restart
 * mid-upload, an expired upload link, conversion before upload, the undo offer, refusals before
 * anything starts, and the staged files removed once the job ends.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { PlatformClient } from '../../../src/main/api/client'
import { EventHub } from '../../../src/main/events'
import type { ArchiveTools } from '../../../src/main/imports/archive-tools'
import { ImportInspector } from '../../../src/main/imports/inspect'
import { ImportService } from '../../../src/main/imports/service'
import { StagingStore } from '../../../src/main/imports/staging'
import { createUploadStepRunner } from '../../../src/main/imports/upload-step'
import { JobStore } from '../../../src/main/restores/job-store'
import { undoOffer } from '../../../src/main/restores/rules'
import { JobRunner } from '../../../src/main/restores/runner'
import type { DatabaseInspection, FilesInspection } from '../../../src/shared/imports'
import type { Job } from '../../../src/shared/jobs'
import type { Backup, Environment, UploadTarget, Workflow } from '../../../src/shared/platform-types'
import { backup, clock, NOW, workflow } from '../restores/fixtures'

const MiB = 1024 * 1024

const dbDetail: DatabaseInspection = {
  kind: 'database',
  format: 'sql.gz',
  tool: 'mysqldump',
  serverVersion: '8.0.36',
  tables: [
    { name: 'wp_options', rows: 120 },
    { name: 'wp_posts', rows: 48 },
  ],
  uncompressedBytes: 38 * MiB,
  innerName: null,
}
const filesDetail: FilesInspection = {
  kind: 'files',
  format: 'tar.gz',
  fileCount: 1204,
  dirCount: 37,
  totalBytes: 310 * MiB,
  topFolder: 'files',
  largest: [],
}

/** Upload links on a real server: what each PUT delivered, and a hold to keep one in flight. */
class UploadServer {
  readonly received = new Map<string, { sha: string; bytes: number }>()
  /** Upload numbers whose PUT is held (not read) until released. */
  readonly held = new Set<number>()
  readonly #waiting: IncomingMessage[] = []
  readonly #server = createServer((req, res) => {
    const id = req.url!.split('/')[2]!
    const hash = createHash('sha256')
    let bytes = 0
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk)
      bytes += chunk.length
    })
    req.on('end', () => {
      this.received.set(id, { sha: hash.digest('hex'), bytes })
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ size: bytes }))
    })
    if (this.held.has(Number(id))) {
      req.pause()
      this.#waiting.push(req)
    }
  })
  base = ''

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    this.base = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  /** Resolves once some PUT is being held. */
  async holding(): Promise<void> {
    while (this.#waiting.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  }

  release(): void {
    this.held.clear()
    for (const req of this.#waiting.splice(0)) req.resume()
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

type Outcome = { readonly ok: true } | { readonly ok: false; readonly reason: string }

/** A platform in memory whose workflows end at their first poll; uploads go to the server. */
class ScriptedPlatform {
  readonly started: Workflow[] = []
  readonly uploads: { filename: string; size: number; target: UploadTarget }[] = []
  readonly catalog: Backup[] = []
  outcome: (type: string, params: Record<string, unknown>) => Outcome = () => ({ ok: true })
  now = NOW
  formats = ['sql', 'sql.gz', 'sql.zip', 'tar.gz', 'tar', 'zip']
  environments: Environment[] = ['dev', 'test', 'live'].map(
    (name) => ({ id: name, name, isLive: name === 'live' }) as unknown as Environment,
  )

  constructor(private readonly server: UploadServer) {}

  async getSite(siteId: string) {
    return { id: siteId, name: 'demo' }
  }
  async listSites() {
    return [{ id: 's1', name: 'demo' }]
  }
  async listEnvironments() {
    return this.environments
  }
  async uploadLimits() {
    return { maxBytes: 64 * MiB, formats: this.formats }
  }
  async createUpload(_site: string, _env: string, upload: { filename: string; size: number }) {
    const n = this.uploads.length + 1
    const target: UploadTarget = {
      url: `${this.server.base}/put/${n}`,
      downloadUrl: `${this.server.base}/get/${n}`,
      expiresAt: NOW + 15 * 60_000,
    }
    this.uploads.push({ ...upload, target })
    return target
  }
  async startWorkflow(_site: string, env: string, type: string, params: object): Promise<Workflow> {
    this.now += 10_000
    const w = workflow({
      id: `w${this.started.length + 1}`,
      type,
      environment: env,
      params: params as Record<string, unknown>,
      createdAt: this.now,
      startedAt: this.now,
    })
    this.started.push(w)
    return w
  }
  async getWorkflow(_site: string, id: string): Promise<Workflow> {
    const at = this.started.findIndex((s) => s.id === id)
    const w = this.started[at]!
    if (w.finished) return w
    const outcome = this.outcome(w.type, w.params as Record<string, unknown>)
    if (w.type === 'do_export' && outcome.ok) this.catalog.unshift(backup(w.createdAt!, undefined, 'manual'))
    const done: Workflow = {
      ...w,
      phase: 'finished',
      result: outcome.ok ? 'succeeded' : 'failed',
      finished: true,
      succeeded: outcome.ok,
      finishedAt: (w.createdAt ?? 0) + 3000,
      failureReason: outcome.ok ? null : outcome.reason,
    }
    this.started[at] = done
    return done
  }
  async listWorkflows(): Promise<Workflow[]> {
    return [...this.started].reverse()
  }
  async backupCatalog(): Promise<Backup[]> {
    return this.catalog
  }
  async getBackupDownloadUrl(): Promise<string> {
    throw new Error('Imports of staged files ask for no backup link.')
  }
}

/** Inspects by content: `DB…` is a dump, `FILES…` a files archive, `SQL…` a plain .sql, else refused. */
const tools: ArchiveTools = {
  inspect: async (file) => {
    const head = (await readFile(file)).subarray(0, 5).toString()
    if (head.startsWith('DB')) return { ok: true, detail: dbDetail }
    if (head.startsWith('FILES')) return { ok: true, detail: filesDetail }
    if (head.startsWith('SQL')) return { ok: true, detail: { ...dbDetail, format: 'sql' } }
    return {
      ok: false,
      refusal: { code: 'corrupt', problem: 'The gzip stream is damaged.', todo: 'Make the dump again.' },
    }
  },
  convert: async (file, _detail, out, options) => {
    await writeFile(out, gzipSync(await readFile(file)))
    converted.push(`${file} ${options.maxUncompressedBytes}`)
    return 'sql.gz'
  },
}
let converted: string[]

let dir: string
let server: UploadServer
let platform: ScriptedPlatform
let store: JobStore
let staging: StagingStore
let runner: JobRunner
let service: ImportService
let changes: Job[]

function build(): void {
  const events = new EventHub()
  events.subscribe((channel, payload) => {
    if (channel === 'jobs:changed') changes.push(payload as Job)
  })
  staging = new StagingStore({ root: path.join(dir, 'imports'), events })
  let imports: ImportService | null = null
  runner = new JobRunner({
    store,
    clientFor: async () => platform as unknown as PlatformClient,
    events,
    clock,
    watch: { intervalMs: 1000, sleep: async () => {} },
    uploads: createUploadStepRunner({ staging, convert: tools.convert }),
    onEnd: (stored) => void imports?.jobEnded(stored),
  })
  imports = new ImportService({
    mode: 'electron',
    staging,
    inspector: new ImportInspector({ staging, inspect: tools.inspect, events }),
    runner,
    active: async () => ({
      client: platform as unknown as PlatformClient,
      connectionId: 'embedded',
      kind: 'embedded',
    }),
    clock,
    newId: () => `job-${String(changes.length).padStart(6, '0')}-${Math.random().toString(36).slice(2, 8)}`,
  })
  service = imports
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rd-import-job-'))
  server = new UploadServer()
  await server.start()
  platform = new ScriptedPlatform(server)
  store = new JobStore({ file: path.join(dir, 'jobs.json') })
  await store.load()
  changes = []
  converted = []
  build()
  await staging.load(new Set())
})
afterEach(async () => {
  await runner.close()
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

/** Writes a file, stages it by path and inspects it, as the page does after a drop. */
async function dropped(name: string, content: Buffer): Promise<string> {
  const file = path.join(dir, name)
  await writeFile(file, content)
  const staged = await service.stagePath(file)
  const inspection = await service.inspect(staged.token)
  expect(inspection.ok).toBe(true)
  return staged.token
}

async function settle(job: Job): Promise<Job> {
  await runner.settled(job.id)
  return runner.get(job.id)!
}

const dump = Buffer.concat([Buffer.from('DB'), Buffer.alloc(2 * MiB, 1)])
const archive = Buffer.concat([Buffer.from('FILES'), Buffer.alloc(700_000, 2)])

describe('an import job', () => {
  it('takes the safety backup, then uploads and imports the files, then the database', async () => {
    const database = await dropped('wp-dump.sql.gz', dump)
    const files = await dropped('site-files.tar.gz', archive)
    const started = await service.start({ siteId: 's1', env: 'dev', database, files, safetyBackup: true, confirm: '' })
    expect(started.steps.map((s) => [s.id, s.kind])).toEqual([
      ['safety', 'safety-backup'],
      ['files-upload', 'upload'],
      ['files', 'import'],
      ['database-upload', 'upload'],
      ['database', 'import'],
    ])
    const done = await settle(started)
    expect(done.state).toBe('succeeded')
    expect(platform.uploads.map((u) => [u.filename, u.size])).toEqual([
      ['site-files.tar.gz', archive.length],
      ['wp-dump.sql.gz', dump.length],
    ])
    expect(server.received.get('1')).toEqual({ sha: sha(archive), bytes: archive.length })
    expect(server.received.get('2')).toEqual({ sha: sha(dump), bytes: dump.length })
    expect(platform.started.map((w) => [w.type, w.params])).toEqual([
      ['do_export', { code: false, database: true, files: true, entry_type: 'backup', ttl: 30 * 86_400 }],
      ['do_import', { files: 1, url: `${server.base}/get/1` }],
      ['do_import', { database: 1, url: `${server.base}/get/2` }],
    ])
    expect(done.imports).toEqual({
      files: { name: 'site-files.tar.gz', size: archive.length, fromUrl: false, description: '1,204 files, 310 MiB' },
      database: {
        name: 'wp-dump.sql.gz',
        size: dump.length,
        fromUrl: false,
        description: '2 tables, 38.0 MiB uncompressed',
      },
    })
    expect(done.summary).toMatch(
      /^Imported site-files\.tar\.gz \(1,204 files, 310 MiB\) into dev's files\. Imported wp-dump\.sql\.gz \(2 tables, 38\.0 MiB uncompressed\) into dev's database\. Undo import puts back what it replaced \(the safety backup of .*, kept 30 days\)\.$/,
    )
    expect(undoOffer('dev', runner.jobsOf('embedded', 's1'), clock)).toMatchObject({
      jobId: done.id,
      label: 'Undo import',
      parts: ['files', 'database'],
    })
    // The job has ended: what was staged for it goes (right after, not in the same tick).
    await expect.poll(() => [staging.get(database), staging.get(files)]).toEqual([undefined, undefined])
  })

  it('reports the upload’s bytes, rate and time left on its step, ending at the whole file', async () => {
    const database = await dropped('wp-dump.sql.gz', dump)
    await settle(
      await service.start({ siteId: 's1', env: 'dev', database, files: null, safetyBackup: false, confirm: '' }),
    )
    const transfers = changes
      .map((job) => job.steps.find((s) => s.id === 'database-upload')?.progress?.transfer)
      .filter((t) => t !== undefined)
    expect(transfers[0]).toMatchObject({ sent: 0, total: dump.length })
    expect(transfers.at(-1)).toMatchObject({ sent: dump.length, total: dump.length, secondsLeft: 0 })
    // Progress is pushed to the page, not written to disk at every step.
    const saved = JSON.parse(await readFile(path.join(dir, 'jobs.json'), 'utf8'))
    expect(saved.jobs[0].job.state).toBe('succeeded')
  })

  it('stops at a cancelled upload: nothing imported from that file, the files before it stay', async () => {
    const database = await dropped('wp-dump.sql.gz', dump)
    const files = await dropped('site-files.tar.gz', archive)
    server.held.add(2)
    const started = await service.start({ siteId: 's1', env: 'dev', database, files, safetyBackup: true, confirm: '' })
    await server.holding()
    const cancelled = await service.cancel(started.id)
    expect(cancelled.state).toBe('failed')
    expect(cancelled.steps.map((s) => s.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'failed', 'skipped'])
    expect(platform.started.map((w) => w.type)).toEqual(['do_export', 'do_import'])
    expect(cancelled.summary).toBe(
      "Imported site-files.tar.gz (1,204 files, 310 MiB) into dev's files. Nothing was imported from wp-dump.sql.gz: the upload was cancelled. Undo import puts back what changed.",
    )
    expect(undoOffer('dev', runner.jobsOf('embedded', 's1'), clock)).toMatchObject({ parts: ['files'] })
  })

  it('changes nothing when the only upload is cancelled, and keeps the earlier undo offer', async () => {
    const first = await settle(
      await service.start({
        siteId: 's1',
        env: 'dev',
        database: null,
        files: await dropped('a.tar.gz', archive),
        safetyBackup: true,
        confirm: '',
      }),
    )
    const database = await dropped('wp-dump.sql.gz', dump)
    server.held.add(2)
    const started = await service.start({
      siteId: 's1',
      env: 'dev',
      database,
      files: null,
      safetyBackup: true,
      confirm: '',
    })
    await server.holding()
    const cancelled = await service.cancel(started.id)
    expect(cancelled.summary).toBe(
      'Nothing was imported from wp-dump.sql.gz: the upload was cancelled. Nothing on dev was changed; its safety backup stays in its backups.',
    )
    expect(undoOffer('dev', runner.jobsOf('embedded', 's1'), clock)?.jobId).toBe(first.id)
  })

  it('uploads again with a new link after a restart mid-upload', async () => {
    const database = await dropped('wp-dump.sql.gz', dump)
    server.held.add(1)
    const started = await service.start({
      siteId: 's1',
      env: 'dev',
      database,
      files: null,
      safetyBackup: false,
      confirm: '',
    })
    await server.holding()
    await runner.close()
    server.release()
    expect(new JobStore({ file: path.join(dir, 'jobs.json') })).toBeDefined()

    // The next start: the job store and staging read back from disk, the job resumed.
    store = new JobStore({ file: path.join(dir, 'jobs.json') })
    await store.load()
    build()
    await staging.load(service.tokensInUse())
    expect(staging.get(database)).toBeDefined()
    runner.resume('embedded')
    const done = await settle(started)
    expect(done.state).toBe('succeeded')
    expect(done.steps[0]).toMatchObject({ id: 'database-upload', state: 'succeeded', attempts: 2 })
    expect(platform.uploads).toHaveLength(2)
    expect(server.received.get('2')).toEqual({ sha: sha(dump), bytes: dump.length })
    expect(platform.started.map((w) => w.params.url)).toEqual([`${server.base}/get/2`])
  })

  it('uploads again when the platform found the uploaded archive’s link expired', async () => {
    let expired = 1
    platform.outcome = (type) =>
      type === 'do_import' && expired-- > 0
        ? {
            ok: false,
            reason: 'The download link was refused (403: "This link has expired; ask the platform for a new one.").',
          }
        : { ok: true }
    const database = await dropped('wp-dump.sql.gz', dump)
    const done = await settle(
      await service.start({ siteId: 's1', env: 'dev', database, files: null, safetyBackup: false, confirm: '' }),
    )
    expect(done.state).toBe('succeeded')
    expect(platform.uploads).toHaveLength(2)
    expect(platform.started.map((w) => w.params.url)).toEqual([`${server.base}/get/1`, `${server.base}/get/2`])
  })

  it('converts a plain .sql to .sql.gz before the upload when the platform reads only gzipped dumps', async () => {
    platform.formats = ['sql.gz', 'tar.gz']
    const plain = Buffer.from('SQL dump\nCREATE TABLE a (id int);\n')
    const database = await dropped('dump.sql', plain)
    const inspection = await service.inspect(database)
    expect(inspection).toMatchObject({ ok: true, convertForUpload: true })
    const done = await settle(
      await service.start({ siteId: 's1', env: 'dev', database, files: null, safetyBackup: false, confirm: '' }),
    )
    expect(done.state).toBe('succeeded')
    expect(done.steps[0]!.label).toBe(`Upload dump.sql (${plain.length} bytes, converted to .sql.gz)`)
    expect(converted).toEqual([`${path.join(dir, 'dump.sql')} ${16 * 64 * MiB}`])
    const gz = gzipSync(plain)
    expect(platform.uploads[0]).toMatchObject({ filename: 'dump.sql.gz', size: gz.length })
    expect(server.received.get('1')).toEqual({ sha: sha(gz), bytes: gz.length })
  })

  it('refuses at upload a file that changed after it was staged and inspected', async () => {
    const file = path.join(dir, 'wp-dump.sql.gz')
    const database = await dropped('wp-dump.sql.gz', dump)
    platform.outcome = (type) => {
      // The person edits the file while the safety backup runs.
      if (type === 'do_export') void writeFile(file, Buffer.concat([dump, Buffer.from('more')]))
      return { ok: true }
    }
    const done = await settle(
      await service.start({ siteId: 's1', env: 'dev', database, files: null, safetyBackup: true, confirm: '' }),
    )
    expect(done.state).toBe('failed')
    expect(platform.uploads).toHaveLength(0)
    expect(done.summary).toMatch(
      /^Nothing was imported from wp-dump\.sql\.gz: wp-dump\.sql\.gz changed after it was staged/,
    )
  })

  it('imports by URL in one step, naming the URL without its query', async () => {
    const done = await settle(
      await service.startUrl({
        siteId: 's1',
        env: 'dev',
        kind: 'database',
        url: 'https://files.example.com/dumps/site.sql.gz?X-Amz-Signature=secret',
        safetyBackup: false,
        confirm: '',
      }),
    )
    expect(done.steps.map((s) => [s.id, s.kind, s.label])).toEqual([
      ['database', 'import', "Import files.example.com/dumps/site.sql.gz into dev's database"],
    ])
    expect(platform.started[0]!.params).toEqual({
      database: 1,
      url: 'https://files.example.com/dumps/site.sql.gz?X-Amz-Signature=secret',
    })
    expect(done.summary).toMatch(
      /^Imported files\.example\.com\/dumps\/site\.sql\.gz into dev's database\. No safety backup/,
    )
  })
})

describe('refusals before anything starts', () => {
  it('refuses a file the inspection refused, the wrong kind, one file as both, and live without its name', async () => {
    const file = path.join(dir, 'broken.sql.gz')
    await writeFile(file, 'garbage')
    const broken = (await service.stagePath(file)).token
    expect(await service.inspect(broken)).toMatchObject({ ok: false, refusal: { code: 'corrupt' } })
    await expect(
      service.start({ siteId: 's1', env: 'dev', database: broken, files: null, safetyBackup: false, confirm: '' }),
    ).rejects.toMatchObject({
      code: 'refused',
      message:
        'broken.sql.gz cannot be imported: The gzip stream is damaged. Make the dump again. Nothing was started.',
    })
    const database = await dropped('wp-dump.sql.gz', dump)
    await expect(
      service.start({ siteId: 's1', env: 'dev', database: null, files: database, safetyBackup: false, confirm: '' }),
    ).rejects.toMatchObject({ message: 'wp-dump.sql.gz is a database dump, not a files archive. Nothing was started.' })
    await expect(
      service.start({ siteId: 's1', env: 'dev', database, files: database, safetyBackup: false, confirm: '' }),
    ).rejects.toMatchObject({ code: 'bad_request' })
    await expect(
      service.start({ siteId: 's1', env: 'live', database, files: null, safetyBackup: true, confirm: 'liv' }),
    ).rejects.toMatchObject({ message: expect.stringContaining('Type live to confirm the import into live') })
    expect(platform.started).toHaveLength(0)
    expect(platform.uploads).toHaveLength(0)
  })

  it('refuses a file over the upload limit without reading it', async () => {
    platform.uploadLimits = async () => ({ maxBytes: 1000, formats: ['sql.gz'] })
    build()
    const file = path.join(dir, 'big.sql.gz')
    await writeFile(file, Buffer.alloc(1001))
    const staged = await service.stagePath(file)
    expect(await service.inspect(staged.token)).toMatchObject({ ok: false, refusal: { code: 'too_large' } })
  })

  it('keeps a staged file a running job still uploads from, even when the page discards it', async () => {
    const database = await dropped('wp-dump.sql.gz', dump)
    server.held.add(1)
    const started = await service.start({
      siteId: 's1',
      env: 'dev',
      database,
      files: null,
      safetyBackup: false,
      confirm: '',
    })
    await server.holding()
    await service.discard(database)
    expect(staging.get(database)).toBeDefined()
    server.release()
    expect((await settle(started)).state).toBe('succeeded')
  })

  it('refuses a second import of the environment while one runs', async () => {
    const database = await dropped('wp-dump.sql.gz', dump)
    server.held.add(1)
    await service.start({ siteId: 's1', env: 'dev', database, files: null, safetyBackup: false, confirm: '' })
    await server.holding()
    const other = await dropped('other.tar.gz', archive)
    await expect(
      service.start({ siteId: 's1', env: 'dev', database: null, files: other, safetyBackup: false, confirm: '' }),
    ).rejects.toMatchObject({
      code: 'busy',
      message: expect.stringMatching(/^An import of dev started from Restore Desk/),
    })
    server.release()
  })
})
