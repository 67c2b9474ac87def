/**
 * Workflows against a real platform: every type of the contract, their guarantees (order
 * per environment, a failure leaves the environment byte for byte as it was) and every bad
 * input of the contract's list.
 */
import { execFile } from 'node:child_process'
import { readFile, readdir, rename, writeFile, mkdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  envFingerprint,
  pushCommit,
  rawTarGz,
  sqlGz,
  startTestPlatform,
  tempDir,
  upload,
  type RawTarEntry,
  type TestPlatform,
} from './helpers'
import type { Json } from './helpers'

const run = promisify(execFile)

let t: TestPlatform
let siteId: string
let scratch: string

beforeAll(async () => {
  t = await startTestPlatform()
  siteId = await t.siteId('demo-drupal')
  scratch = await tempDir('wf')
})

afterAll(async () => {
  await t?.close()
  if (scratch) await rm(scratch, { recursive: true, force: true })
})

async function catalog(env: string): Promise<Record<string, Json>> {
  const reply = await t.call('GET', `/api/sites/${siteId}/environments/${env}/backups/catalog`)
  expect(reply.status).toBe(200)
  return reply.body
}

/** The newest backup entry of `element` in `env`, with its restore key and path on disk. */
async function latest(env: string, element: 'code' | 'database' | 'files', pick = 0) {
  const entries = Object.entries(await catalog(env))
    .filter(([key]) => key.endsWith(`_${element}`))
    .map(([, entry]) => entry)
    .sort((a, b) => b.timestamp - a.timestamp)
  const entry = entries[pick === -1 ? entries.length - 1 : pick]
  expect(entry).toBeDefined()
  return {
    entry,
    key: `${siteId}/${env}/${entry.folder}/${entry.filename}`,
    file: join(t.dataDir, 'sites', siteId, 'envs', env, 'backups', entry.folder, entry.filename),
  }
}

async function databaseBytes(env: string): Promise<Buffer> {
  return readFile(join(t.dataDir, 'sites', siteId, 'envs', env, 'database.sql.gz'))
}

async function environments(): Promise<Record<string, Json>> {
  return (await t.call('GET', `/api/sites/${siteId}/environments`)).body
}

describe('backups', () => {
  it('do_export makes a <now>_backup folder with the chosen elements and a manifest', async () => {
    const before = Math.floor(Date.now() / 1000)
    const wf = await t.runWorkflow(siteId, 'dev', 'do_export', {
      code: true,
      database: true,
      files: false,
      entry_type: 'backup',
      ttl: 3600,
    })
    expect(wf.result).toBe('succeeded')
    expect(wf.step).toBe(wf.number_of_tasks)
    const all = await catalog('dev')
    const folder = Object.keys(all)
      .find((key) => key.endsWith('_backup_manifest') && Number.parseInt(key, 10) >= before)
      ?.replace(/_manifest$/, '')
    expect(folder).toMatch(/^\d+_backup$/)
    expect(all[`${folder}_code`]).toMatchObject({
      folder,
      ttl: 3600,
      filename: expect.stringMatching(/^demo-drupal_dev_\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d_UTC_code\.tar\.gz$/),
    })
    expect(all[`${folder}_database`].filename).toMatch(/_UTC_database\.sql\.gz$/)
    expect(all[`${folder}_database`].size).toBeGreaterThan(0)
    expect(all[`${folder}_files`]).toBeUndefined()
    expect(all[`${folder}_manifest`]).toMatchObject({ folder, size: 0, ttl: 3600 })
    expect(all[`${folder}_manifest`].filename).toBeUndefined()
    // The file name's time is the folder's epoch.
    const epoch = Number.parseInt(folder ?? '', 10)
    const iso = new Date(epoch * 1000).toISOString()
    expect(all[`${folder}_code`].filename).toContain(
      `${iso.slice(0, 10)}T${iso.slice(11, 19).replaceAll(':', '-')}_UTC`,
    )
    // The database backup holds exactly the environment's dump.
    const { file } = await latest('dev', 'database')
    expect(await readFile(file)).toEqual(await databaseBytes('dev'))
  })

  it('drops an expired backup from the catalog and deletes its files', async () => {
    const wf = await t.runWorkflow(siteId, 'test', 'do_export', {
      code: false,
      database: true,
      files: false,
      entry_type: 'backup',
      ttl: 1,
    })
    expect(wf.result).toBe('succeeded')
    const folder = Object.keys(await catalog('test')).find(
      (key) => key.endsWith('_manifest') && key.startsWith(String(Math.floor(wf.created_at))),
    )
    const dir = join(t.dataDir, 'sites', siteId, 'envs', 'test', 'backups', (folder ?? '').replace(/_manifest$/, ''))
    expect(folder).toBeDefined()
    expect(
      await stat(dir).then(
        () => true,
        () => false,
      ),
    ).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 1600))
    expect(Object.keys(await catalog('test')).some((key) => key.startsWith(String(Math.floor(wf.created_at))))).toBe(
      false,
    )
    expect(
      await stat(dir).then(
        () => true,
        () => false,
      ),
    ).toBe(false)
  })

  it('do_export refuses a ttl that is not a whole number of seconds from 1 s to 365 days with 400', async () => {
    const newest = async (): Promise<string> => (await t.call('GET', `/api/sites/${siteId}/workflows`)).body[0]?.id
    const before = await newest()
    for (const ttl of [1e300, 365 * 86400 + 1, 0, -5, 1.5, '600', true, [600], { s: 1 }]) {
      const reply = await t.startWorkflow(siteId, 'dev', 'do_export', { database: true, entry_type: 'backup', ttl })
      expect(reply.status, `ttl ${JSON.stringify(ttl)}`).toBe(400)
      expect(reply.body).toMatch(/"ttl" must be a whole number of seconds from 1 to 31536000 \(365 days\)/)
    }
    // None of them became a workflow.
    expect(await newest()).toBe(before)
    const longest = await t.startWorkflow(siteId, 'dev', 'do_export', { database: true, ttl: 365 * 86400 })
    expect(longest.status).toBe(202)
    expect((await t.waitWorkflow(siteId, longest.body.id)).result).toBe('succeeded')
  })

  it('automated_backup makes an <epoch>_automated folder with all three archives', async () => {
    const wf = await t.runWorkflow(siteId, 'live', 'automated_backup')
    expect(wf.result).toBe('succeeded')
    const newest = Object.keys(await catalog('live'))
      .filter((key) => key.includes('_automated_'))
      .sort()
      .at(-1)
    expect(Number.parseInt(newest ?? '0', 10)).toBeGreaterThanOrEqual(Math.floor(wf.created_at))
  })

  it('the schedule lists seven days with the weekly ttl the largest', async () => {
    const reply = await t.call('GET', `/api/sites/${siteId}/environments/dev/backups/schedule`)
    expect(Object.keys(reply.body).sort()).toEqual(['0', '1', '2', '3', '4', '5', '6'])
    const ttls = Object.values(reply.body).map((day: Json) => day.ttl)
    expect(Math.max(...ttls)).toBe(32 * 86400)
    expect(ttls.filter((ttl) => ttl === 8 * 86400)).toHaveLength(6)
  })
})

describe('restores', () => {
  it("restore_database takes another environment's backup, byte for byte", async () => {
    const { key, file } = await latest('live', 'database')
    const wf = await t.runWorkflow(siteId, 'dev', 'restore_database', { key, bucket: 'local' })
    expect(wf.result).toBe('succeeded')
    expect(await databaseBytes('dev')).toEqual(await readFile(file))
  })

  it("restore_files replaces the files with the archive's content", async () => {
    const { key, file } = await latest('dev', 'files', -1)
    const wf = await t.runWorkflow(siteId, 'dev', 'restore_files', { key })
    expect(wf.result).toBe('succeeded')
    const out = join(scratch, 'restored-files')
    await mkdir(out)
    await run('tar', ['xzf', file, '-C', out])
    const { stdout: expected } = await run('bash', [
      '-c',
      `cd ${out}/files_dev && find . -type f -exec sha256sum {} + | sort`,
    ])
    const envFiles = join(t.dataDir, 'sites', siteId, 'envs', 'dev', 'files')
    const { stdout: actual } = await run('bash', [
      '-c',
      `cd ${envFiles}/ && find . -type f -exec sha256sum {} + | sort`,
    ])
    expect(actual).toBe(expected)
    expect(actual.length).toBeGreaterThan(0)
  })

  it('restore_code on dev moves master and dev to the archived commit', async () => {
    const { key, file } = await latest('dev', 'code', -1)
    const out = join(scratch, 'code-archive')
    await mkdir(out)
    await run('tar', ['xzf', file, '-C', out])
    const { stdout } = await run('git', ['--git-dir', join(out, 'code_dev'), 'rev-parse', 'HEAD'])
    const archived = stdout.trim()
    const wf = await t.runWorkflow(siteId, 'dev', 'restore_code', { key })
    expect(wf.result).toBe('succeeded')
    const dev = (await environments()).dev
    expect(dev).toMatchObject({ target_ref: 'refs/heads/master', target_commit: archived })
    const { stdout: master } = await run('git', [
      '--git-dir',
      join(t.dataDir, 'sites', siteId, 'repo.git'),
      'rev-parse',
      'refs/heads/master',
    ])
    expect(master.trim()).toBe(archived)
  })

  it('restore_code on test goes back to the archived deploy tag', async () => {
    const { key, file } = await latest('test', 'code', -1)
    const out = join(scratch, 'code-archive-test')
    await mkdir(out)
    await run('tar', ['xzf', file, '-C', out])
    const { stdout } = await run('git', ['--git-dir', join(out, 'code_test'), 'rev-parse', 'HEAD'])
    const wf = await t.runWorkflow(siteId, 'test', 'restore_code', { key })
    expect(wf.result).toBe('succeeded')
    const test = (await environments()).test
    expect(test.target_ref).toMatch(/^refs\/tags\/pantheon_test_\d+$/)
    expect(test.target_commit).toBe(stdout.trim())
  })
})

describe('scratch space', () => {
  it('code backups and restore_code work under the data folder, not the OS temp folder', async () => {
    // os.tmpdir() follows TMPDIR: pointed at a missing folder, any use of it fails.
    const saved = process.env.TMPDIR
    process.env.TMPDIR = join(scratch, 'no-such-tmp')
    try {
      const exported = await t.runWorkflow(siteId, 'dev', 'do_export', { code: true, entry_type: 'backup' })
      expect(exported.result).toBe('succeeded')
      const before = (await environments()).dev
      const restored = await t.runWorkflow(siteId, 'dev', 'restore_code', { key: (await latest('dev', 'code')).key })
      expect(restored.result).toBe('succeeded')
      expect((await environments()).dev).toEqual(before)
    } finally {
      if (saved === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = saved
    }
    expect(await readdir(join(t.dataDir, 'sites', siteId, 'envs', 'dev', 'tmp'))).toEqual([])
  })
})

describe('clones, deploys and locks', () => {
  it('clone_database and clone_files copy another environment', async () => {
    expect(
      (
        await t.runWorkflow(siteId, 'dev', 'clone_database', {
          from_environment: 'live',
          updatedb: 0,
          clear_cache: false,
        })
      ).result,
    ).toBe('succeeded')
    expect(await databaseBytes('dev')).toEqual(await databaseBytes('live'))
    expect((await t.runWorkflow(siteId, 'dev', 'clone_files', { from_environment: 'live' })).result).toBe('succeeded')
    const dev = await envFingerprint(t, siteId, 'dev')
    const live = await envFingerprint(t, siteId, 'live')
    expect(dev.files).toEqual(live.files)
  })

  it('deploy tags pantheon_test_<N+1> with the annotation, then refuses with 400 when nothing is left', async () => {
    const repo = join(t.dataDir, 'sites', siteId, 'repo.git')
    const { sha } = await pushCommit(t, siteId, 'Deployable change')
    const { stdout: tags } = await run('git', ['--git-dir', repo, 'tag', '--list', 'pantheon_test_*'])
    const n = Math.max(
      ...tags
        .trim()
        .split('\n')
        .map((tag) => Number(tag.split('_').at(-1))),
    )
    const log = await t.call('GET', `/api/sites/${siteId}/environments/test/code-log`)
    expect(log.status).toBe(200)
    expect(log.body.find((c: Json) => c.hash === sha).labels).toEqual(['dev'])
    const wf = await t.runWorkflow(siteId, 'test', 'deploy', {
      annotation: 'Ship the header fix',
      updatedb: 0,
      clear_cache: 0,
    })
    expect(wf.result).toBe('succeeded')
    const test = (await environments()).test
    expect(test.target_ref).toBe(`refs/tags/pantheon_test_${n + 1}`)
    expect(test.target_commit).toBe(sha)
    const { stdout: tagObject } = await run('git', [
      '--git-dir',
      repo,
      'cat-file',
      '-p',
      `refs/tags/pantheon_test_${n + 1}`,
    ])
    expect(tagObject).toContain(`object ${sha}`)
    expect(tagObject).toContain('Ship the header fix')
    const again = await t.startWorkflow(siteId, 'test', 'deploy', { annotation: 'again' })
    expect(again.status).toBe(400)
    expect(String(again.body)).toMatch(/nothing to deploy/i)
    expect((await t.startWorkflow(siteId, 'dev', 'deploy', {})).status).toBe(400)
    const labelled = (await t.call('GET', `/api/sites/${siteId}/environments/dev/code-log`)).body.find(
      (c: Json) => c.hash === sha,
    )
    expect([...labelled.labels].sort()).toEqual(['dev', 'test'])
  })

  it("deploy to live takes test's commit; a test deploy can clone database and files from live", async () => {
    const wf = await t.runWorkflow(siteId, 'live', 'deploy', { annotation: 'Go live', updatedb: 0, clear_cache: 0 })
    expect(wf.result).toBe('succeeded')
    let envs = await environments()
    expect(envs.live.target_commit).toBe(envs.test.target_commit)
    expect(envs.live.target_ref).toMatch(/^refs\/tags\/pantheon_live_\d+$/)
    const dump = sqlGz('live-marker')
    expect(
      (
        await t.runWorkflow(siteId, 'live', 'do_import', {
          database: 1,
          url: await upload(t, siteId, 'live', 'live.sql.gz', dump),
        })
      ).result,
    ).toBe('succeeded')
    const { sha } = await pushCommit(t, siteId, 'Second change')
    const deploy = await t.runWorkflow(siteId, 'test', 'deploy', {
      annotation: 'Deploy test',
      updatedb: 0,
      clear_cache: 0,
      clone_database: { from_environment: 'live' },
      clone_files: { from_environment: 'live' },
    })
    expect(deploy.result).toBe('succeeded')
    expect(deploy.number_of_tasks).toBe(4)
    envs = await environments()
    expect(envs.test.target_commit).toBe(sha)
    expect(await databaseBytes('test')).toEqual(dump)
    expect((await envFingerprint(t, siteId, 'test')).files).toEqual((await envFingerprint(t, siteId, 'live')).files)
  })

  it('a deploy that cannot clone is refused, or fails, leaving code, tags, database and files as they were', async () => {
    const repo = join(t.dataDir, 'sites', siteId, 'repo.git')
    const tags = async () => (await run('git', ['--git-dir', repo, 'for-each-ref', 'refs/tags'])).stdout
    const { sha } = await pushCommit(t, siteId, 'Change deployed with a clone')
    const tagsBefore = await tags()
    const before = await envFingerprint(t, siteId, 'test')

    const refused = await t.startWorkflow(siteId, 'test', 'deploy', {
      annotation: 'Clone from nowhere',
      clone_database: { from_environment: 'staging' },
    })
    expect(refused.status).toBe(400)
    expect(String(refused.body)).toMatch(/"staging" does not exist/)
    const malformed = await t.startWorkflow(siteId, 'test', 'deploy', { clone_files: 'live' })
    expect(malformed.status).toBe(400)
    expect(String(malformed.body)).toMatch(/clone_files/)

    // A clone that breaks while running (live's database is gone) fails before the code moves.
    const liveDatabase = join(t.dataDir, 'sites', siteId, 'envs', 'live', 'database.sql.gz')
    await rename(liveDatabase, `${liveDatabase}.away`)
    try {
      const failed = await t.runWorkflow(siteId, 'test', 'deploy', {
        annotation: 'Deploy with a broken clone',
        clone_database: { from_environment: 'live' },
        clone_files: { from_environment: 'live' },
      })
      expect(failed.result).toBe('failed')
    } finally {
      await rename(`${liveDatabase}.away`, liveDatabase)
    }
    expect(await envFingerprint(t, siteId, 'test')).toEqual(before)
    expect(await tags()).toBe(tagsBefore)

    const deployed = await t.runWorkflow(siteId, 'test', 'deploy', {
      annotation: 'Deploy with a clone',
      clone_database: { from_environment: 'live' },
    })
    expect(deployed.result).toBe('succeeded')
    expect((await environments()).test.target_commit).toBe(sha)
    expect(await databaseBytes('test')).toEqual(await databaseBytes('live'))
  })

  it('lock_environment and unlock_environment set the lock object', async () => {
    expect(
      (await t.runWorkflow(siteId, 'test', 'lock_environment', { username: 'pantheon', password: 'pw' })).result,
    ).toBe('succeeded')
    expect((await environments()).test.lock).toEqual({ locked: true, username: 'pantheon', password: 'pw' })
    expect((await t.runWorkflow(siteId, 'test', 'unlock_environment', {})).result).toBe('succeeded')
    expect((await environments()).test.lock).toEqual({ locked: false, username: null, password: null })
  })
})

describe('queue', () => {
  it("runs one environment's workflows one at a time, in start order", async () => {
    const ids: string[] = []
    for (const type of ['do_export', 'lock_environment', 'do_export', 'unlock_environment']) {
      const reply = await t.startWorkflow(
        siteId,
        'live',
        type,
        type === 'do_export' ? { database: true, ttl: 600 } : { username: 'a', password: 'b' },
      )
      expect(reply.status).toBe(202)
      expect(reply.body).toMatchObject({ type, phase: expect.stringMatching(/created|started/), result: null })
      ids.push(reply.body.id)
    }
    const done = []
    for (const id of ids) done.push(await t.waitWorkflow(siteId, id))
    for (let i = 1; i < done.length; i += 1) expect(done[i].started_at).toBeGreaterThanOrEqual(done[i - 1].finished_at)
    expect(done.every((w) => w.result === 'succeeded')).toBe(true)
    const list = (await t.call('GET', `/api/sites/${siteId}/workflows`)).body
    expect(list.slice(0, 4).map((w: Json) => w.id)).toEqual([...ids].reverse())
    expect(list.length).toBeLessThanOrEqual(100)
    const paged = (await t.call('GET', `/api/sites/${siteId}/workflows?limit=2&start=${list[0].id}`)).body
    expect(paged.map((w: Json) => w.id)).toEqual(list.slice(1, 3).map((w: Json) => w.id))
  })

  it('refuses unknown types and platform-started ones with 400', async () => {
    expect((await t.startWorkflow(siteId, 'dev', 'make_coffee')).status).toBe(400)
    expect((await t.startWorkflow(siteId, 'dev', 'sync_code')).status).toBe(400)
    expect((await t.startWorkflow(siteId, 'nope', 'do_export')).status).toBe(404)
  })
})

describe('imports', () => {
  it('do_import replaces the database and the files with an uploaded archive', async () => {
    const dump = sqlGz('imported-marker')
    const wf = await t.runWorkflow(siteId, 'dev', 'do_import', {
      database: 1,
      url: await upload(t, siteId, 'dev', 'db.sql.gz', dump),
    })
    expect(wf.result).toBe('succeeded')
    expect(await databaseBytes('dev')).toEqual(dump)
    const files = rawTarGz([
      { name: 'files/', type: '5' },
      { name: 'files/images/', type: '5' },
      { name: 'files/images/a.txt', data: 'hello' },
    ])
    const wf2 = await t.runWorkflow(siteId, 'dev', 'do_import', {
      files: 1,
      url: await upload(t, siteId, 'dev', 'files.tar.gz', files),
    })
    expect(wf2.result).toBe('succeeded')
    expect((await envFingerprint(t, siteId, 'dev')).files).toEqual([
      'images/',
      `images/a.txt ${'2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'}`,
    ])
  })

  /** do_import params that upload `bytes` to dev as `filename` and import it as the database. */
  const importDatabase = (filename: string, bytes: Buffer) => async () => ({
    database: 1,
    url: await upload(t, siteId, 'dev', filename, bytes),
  })
  /** do_import params that upload a tar.gz of `entries` to dev as `filename` and import it as the files. */
  const importFiles = (filename: string, entries: readonly RawTarEntry[]) => async () => ({
    files: 1,
    url: await upload(t, siteId, 'dev', filename, rawTarGz(entries)),
  })

  const badInputs: Array<{
    name: string
    type: string
    params: () => Promise<Record<string, unknown>>
    reason: RegExp
  }> = [
    {
      name: 'neither a dump nor an archive',
      type: 'do_import',
      params: importDatabase('a.sql.gz', Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')),
      reason: /database archive was refused: The file is a PDF document, which cannot be imported/,
    },
    {
      name: 'truncated gzip',
      type: 'do_import',
      params: importDatabase('b.sql.gz', sqlGz('x'.repeat(5000)).subarray(0, 40)),
      reason: /cut short|truncated|incomplete/i,
    },
    {
      name: 'not a SQL dump',
      type: 'do_import',
      params: importDatabase('c.sql.gz', rawTarGz([{ name: 'x.txt', data: 'hi' }])),
      reason: /SQL dump/i,
    },
    {
      name: 'absolute path',
      type: 'do_import',
      params: importFiles('d.tar.gz', [{ name: '/etc/evil', data: 'x' }]),
      reason: /absolute/i,
    },
    {
      name: '..',
      type: 'do_import',
      params: importFiles('e.tar.gz', [{ name: 'files/../../evil', data: 'x' }]),
      reason: /\.\./,
    },
    {
      name: 'symlink',
      type: 'do_import',
      params: importFiles('f.tar.gz', [
        { name: 'files/', type: '5' },
        { name: 'files/link', type: '2', linkname: '/etc/passwd' },
      ]),
      reason: /link/i,
    },
    {
      name: 'hard link',
      type: 'do_import',
      params: importFiles('g.tar.gz', [
        { name: 'files/a', data: 'x' },
        { name: 'files/b', type: '1', linkname: 'files/a' },
      ]),
      reason: /link/i,
    },
    {
      name: 'device',
      type: 'do_import',
      params: importFiles('h.tar.gz', [
        { name: 'files/', type: '5' },
        { name: 'files/tty', type: '3' },
      ]),
      reason: /device/i,
    },
    {
      name: 'a file and a folder of the same name',
      type: 'do_import',
      params: importFiles('i.tar.gz', [
        { name: 'files/', type: '5' },
        { name: 'files/logo', data: 'x' },
        { name: 'files/logo/', type: '5' },
      ]),
      reason: /both a file and a folder named "files\/logo" \(at entry "files\/logo\/"\)/,
    },
    {
      name: 'a folder and a file of the same name',
      type: 'do_import',
      params: importFiles('j.tar.gz', [
        { name: 'files/logo/a.png', data: 'x' },
        { name: 'files/logo', data: 'x' },
      ]),
      reason: /both a file and a folder named "files\/logo" \(at entry "files\/logo"\)/,
    },
    {
      name: 'unknown backup key',
      type: 'restore_database',
      params: async () => ({ key: `${siteId}/dev/123_backup/nope_database.sql.gz` }),
      reason: /backup/i,
    },
    {
      name: 'malformed backup key',
      type: 'restore_files',
      params: async () => ({ key: '../../etc/passwd' }),
      reason: /key/i,
    },
    {
      name: 'backup key of the wrong element',
      type: 'restore_files',
      params: async () => ({ key: (await latest('dev', 'database')).key }),
      reason: /backup/i,
    },
    {
      name: 'unreachable URL',
      type: 'do_import',
      params: async () => ({ database: 1, url: 'http://127.0.0.1:9/nothing.sql.gz' }),
      reason: /reach/i,
    },
    { name: 'missing URL', type: 'do_import', params: async () => ({ database: 1 }), reason: /url/i },
    {
      name: 'clone from itself',
      type: 'clone_database',
      params: async () => ({ from_environment: 'dev' }),
      reason: /itself/i,
    },
    {
      name: 'clone from an unknown environment',
      type: 'clone_files',
      params: async () => ({ from_environment: 'qa' }),
      reason: /does not exist/i,
    },
    {
      name: 'lock without a password',
      type: 'lock_environment',
      params: async () => ({ username: 'x' }),
      reason: /password/i,
    },
  ]
  for (const bad of badInputs) {
    it(`fails on ${bad.name} with a reason and leaves dev byte for byte as it was`, async () => {
      const params = await bad.params()
      const before = await envFingerprint(t, siteId, 'dev')
      const wf = await t.runWorkflow(siteId, 'dev', bad.type, params)
      expect(wf.result).toBe('failed')
      expect(wf.final_task.reason).toMatch(bad.reason)
      expect(Object.values(wf.final_task.messages).some((m: Json) => m.level === 'error')).toBe(true)
      expect(await envFingerprint(t, siteId, 'dev')).toEqual(before)
    })
  }

  it('a corrupt code backup fails restore_code and leaves the code where it was', async () => {
    const { file, key } = await latest('dev', 'code')
    const saved = await readFile(file)
    await writeFile(file, saved.subarray(0, Math.floor(saved.length / 2)))
    try {
      const before = await envFingerprint(t, siteId, 'dev')
      const wf = await t.runWorkflow(siteId, 'dev', 'restore_code', { key })
      expect(wf.result).toBe('failed')
      expect(wf.final_task.reason).toMatch(/code backup/i)
      expect(await envFingerprint(t, siteId, 'dev')).toEqual(before)
    } finally {
      await writeFile(file, saved)
    }
  })
})

describe('scheduled backups', () => {
  it('start one automated_backup per environment after the backup hour, and not twice a day', async () => {
    const { startPlatform } = await import('../../src/platform/index')
    await t.platform.close()
    const today = new Date().toISOString().slice(0, 10)
    const auth = { Authorization: `Bearer ${t.session}` }
    const automated = async (url: string) =>
      ((await (await fetch(`${url}/api/sites/${siteId}/workflows`, { headers: auth })).json()) as Json[]).filter(
        (w) => w.type === 'automated_backup',
      )
    const startAt = (time: string) =>
      startPlatform({ dataDir: t.dataDir, automatedBackups: true, clock: () => new Date(`${today}T${time}Z`) })

    const morning = await startAt('09:00:00')
    const before = await automated(morning.url)
    await morning.close()
    expect(before.map((w) => w.environment)).toEqual(['live']) // started by hand above

    const afternoon = await startAt('16:30:00')
    let started: Json[] = []
    try {
      for (let i = 0; i < 400; i += 1) {
        started = (await automated(afternoon.url)).filter((w) => !before.some((b) => b.id === w.id))
        if (started.length >= 2 && started.every((w) => w.result !== null)) break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    } finally {
      await afternoon.close()
    }
    // live already has today's backup, so only dev and test get one.
    expect(started.map((w) => w.environment).sort()).toEqual(['dev', 'test'])
    expect(started.every((w) => w.result === 'succeeded')).toBe(true)

    const later = await startAt('18:00:00')
    try {
      expect((await automated(later.url)).length).toBe(before.length + started.length)
    } finally {
      await later.close()
    }
  })
})
