/** jobs.json: saved atomically, read back through its schema, damaged files set aside with a notice, history pruned. */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startMainServices } from '../../../src/main/app'
import { JobStore, KEEP_FINISHED_PER_SITE, type StoredJob } from '../../../src/main/restores/job-store'
import type { DamagedFile } from '../../../src/lib/saved-state'
import type { AppInfo } from '../../../src/shared/app'
import type { IpcResult } from '../../../src/shared/ipc'
import { planImport } from '../../../src/main/restores/plan-import'
import { clock, NOW, restorePlan, target, withStates } from './fixtures'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rd-jobs-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function stored(id: string, fields: Partial<StoredJob['job']> = {}, running = false): StoredJob {
  const planned = restorePlan({}, id)
  const job = running ? planned.job : withStates(planned.job, ['succeeded', 'succeeded', 'succeeded', 'succeeded'])
  return { job: { ...job, ...fields }, requests: planned.requests, starting: {} }
}

describe('JobStore', () => {
  it('has the job on disk when put resolves, and reads it back the same', async () => {
    const file = path.join(dir, 'jobs.json')
    const store = new JobStore({ file })
    await store.load()
    const job = { ...stored('job-0001', {}, true), starting: { safety: { at: NOW, url: null } } }
    await store.put(job)
    expect(JSON.parse(await readFile(file, 'utf8')).jobs[0].job.id).toBe('job-0001')
    const again = new JobStore({ file })
    await again.load()
    expect(again.get('job-0001')).toEqual(job)
  })

  it('keeps the newest finished jobs of each site, and every running one', async () => {
    const store = new JobStore({ file: path.join(dir, 'jobs.json') })
    await store.load()
    await store.put(stored('running-0001', { createdAt: NOW - 10_000_000 }, true))
    for (let i = 0; i < KEEP_FINISHED_PER_SITE + 5; i++) {
      await store.put(stored(`job-s1-${String(i).padStart(4, '0')}`, { createdAt: NOW - 1_000_000 + i }))
    }
    await store.put(stored('job-other-site', { siteId: 's2', createdAt: NOW - 20_000_000 }))
    const ids = store.all().map((s) => s.job.id)
    expect(ids).toHaveLength(KEEP_FINISHED_PER_SITE + 2)
    expect(ids).toContain('running-0001')
    expect(ids).toContain('job-other-site')
    expect(ids).not.toContain('job-s1-0004')
    expect(ids).toContain('job-s1-0005')
  })

  it('reads a job saved before imports as having none, and an import job with its uploads back the same', async () => {
    const file = path.join(dir, 'jobs.json')
    const old = stored('job-0001')
    const { imports: _imports, ...withoutImports } = old.job
    await writeFile(file, JSON.stringify({ version: 1, jobs: [{ ...old, job: withoutImports }] }))
    const store = new JobStore({ file })
    await store.load()
    expect(store.get('job-0001')?.job.imports).toBeNull()

    const planned = planImport(
      {
        ...target,
        files: null,
        safetyBackup: true,
        database: {
          token: 'tok_0123456789abcdef0123456789ab',
          name: 'dump.sql',
          size: 2048,
          convert: true,
          maxUncompressedBytes: 32_768,
          detail: {
            kind: 'database',
            format: 'sql',
            tool: 'mysqldump',
            serverVersion: null,
            tables: [{ name: 'users', rows: 3 }],
            uncompressedBytes: 2048,
            innerName: null,
          },
        },
      },
      { id: 'job-import-1', clock },
    )
    const imported: StoredJob = {
      ...planned,
      starting: {},
      uploaded: {
        'database-upload': { downloadUrl: 'http://127.0.0.1:9/links/uploads/u/dump.sql.gz', expiresAt: NOW },
      },
    }
    await store.put(imported)
    const again = new JobStore({ file })
    await again.load()
    expect(again.get('job-import-1')).toEqual(imported)
    expect(again.get('job-import-1')?.requests['database-upload']).toMatchObject({
      type: 'upload',
      convert: { format: 'sql' },
    })
  })

  it('sets a damaged file aside, says so, and starts empty', async () => {
    const file = path.join(dir, 'jobs.json')
    for (const body of [
      '{"version": 1, "jobs": [',
      JSON.stringify({ version: 1, jobs: [{ ...stored('job-0001'), requests: {} }] }),
      JSON.stringify({
        version: 1,
        jobs: [{ ...stored('job-0001'), job: { ...stored('job-0001').job, state: 'paused' } }],
      }),
    ]) {
      await writeFile(file, body)
      const damage: DamagedFile[] = []
      const store = new JobStore({ file, onDamaged: (d) => damage.push(d) })
      await store.load()
      expect(store.all()).toEqual([])
      expect(damage).toHaveLength(1)
      expect(damage[0]!.message).toContain(file)
      expect(damage[0]!.message).toMatch(/The saved restores, undos, clones and imports/)
    }
    expect((await readdir(dir)).filter((name) => name.startsWith('jobs.json.damaged-'))).toHaveLength(3)
  })

  it('becomes an app notice when the app starts', async () => {
    const data = path.join(dir, 'data')
    await mkdir(data, { recursive: true })
    await writeFile(path.join(data, 'jobs.json'), 'not json')
    const services = await startMainServices({
      mode: 'browser',
      dataDir: data,
      downloadsRoot: path.join(dir, 'Downloads'),
      embedded: {
        start: async () => ({ apiBase: 'http://127.0.0.1:9/api', machineToken: 'x', close: async () => {} }),
      },
      log: () => {},
    })
    try {
      const info = (await services.router.invoke('app:info', undefined)) as IpcResult<AppInfo>
      expect(info.ok && info.value.notices.map((n) => n.message)).toEqual([
        expect.stringContaining(path.join(data, 'jobs.json')),
      ])
    } finally {
      await services.close()
    }
  })
})
