/**
 * Restores of each part on test and live (dev's are in workflows.test.ts), as the API document
 * describes them: code goes back to a `pantheon_<env>_N` tag that stands on the archived commit
 * (even when the backup's own tag was moved since), database and files are replaced by the
 * archive's; and the path the app takes to restore test from live's backup: a signed link to
 * live's backup part, imported into test, which then holds exactly that backup, while an
 * expired link fails the import and leaves test as it was.
 */
import { execFile } from 'node:child_process'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { envFingerprint, pushCommit, startTestPlatform, tempDir, type Json, type TestPlatform } from './helpers'

const run = promisify(execFile)

let t: TestPlatform
let siteId: string
let scratch: string

beforeAll(async () => {
  t = await startTestPlatform()
  siteId = await t.siteId('demo-drupal')
  scratch = await tempDir('restores')
})

afterAll(async () => {
  await t?.close()
  if (scratch) await rm(scratch, { recursive: true, force: true })
})

/** The backup entries of `element` in `env`, newest first, each with its restore key and file. */
async function backups(p: TestPlatform, env: string, element: 'code' | 'database' | 'files') {
  const reply = await p.call('GET', `/api/sites/${siteId}/environments/${env}/backups/catalog`)
  expect(reply.status).toBe(200)
  return Object.entries(reply.body as Record<string, Json>)
    .filter(([key]) => key.endsWith(`_${element}`))
    .map(([, entry]) => entry)
    .sort((a, b) => b.timestamp - a.timestamp)
    .map((entry) => ({
      entry,
      key: `${siteId}/${env}/${entry.folder}/${entry.filename}`,
      file: join(p.dataDir, 'sites', siteId, 'envs', env, 'backups', entry.folder, entry.filename),
    }))
}

async function environment(p: TestPlatform, env: string): Promise<Json> {
  return (await p.call('GET', `/api/sites/${siteId}/environments`)).body[env]
}

function repo(p: TestPlatform): string {
  return join(p.dataDir, 'sites', siteId, 'repo.git')
}

/** The commit a ref of the site's repository stands on (a tag peeled to its commit). */
async function commitOf(p: TestPlatform, ref: string): Promise<string> {
  return (await run('git', ['--git-dir', repo(p), 'rev-parse', `${ref}^{commit}`])).stdout.trim()
}

/** The commit a code backup's archive holds (`HEAD` of the bare repository in it). */
async function archivedCommit(file: string, env: string): Promise<string> {
  const out = join(scratch, `code-${Math.random().toString(36).slice(2)}`)
  await mkdir(out)
  await run('tar', ['xzf', file, '-C', out])
  return (await run('git', ['--git-dir', join(out, `code_${env}`), 'rev-parse', 'HEAD'])).stdout.trim()
}

/** `sha256  ./path` lines of every file under `dir`, sorted. */
async function listing(dir: string): Promise<string> {
  return (await run('bash', ['-c', `cd "${dir}" && find . -type f -exec sha256sum {} + | sort`])).stdout
}

/** The listing of a files backup's archive (its one top folder `files_<env>/`). */
async function archiveListing(file: string, env: string): Promise<string> {
  const out = join(scratch, `files-${Math.random().toString(36).slice(2)}`)
  await mkdir(out)
  await run('tar', ['xzf', file, '-C', out])
  return listing(join(out, `files_${env}`))
}

async function envFiles(p: TestPlatform, env: string): Promise<string> {
  return listing(join(p.dataDir, 'sites', siteId, 'envs', env, 'files/'))
}

async function databaseBytes(p: TestPlatform, env: string): Promise<Buffer> {
  return readFile(join(p.dataDir, 'sites', siteId, 'envs', env, 'database.sql.gz'))
}

/** A signed download link for a backup part, as the app asks for one. */
async function signedLink(p: TestPlatform, env: string, folder: string, element: string): Promise<string> {
  const reply = await p.call(
    'POST',
    `/api/sites/${siteId}/environments/${env}/backups/catalog/${folder}/${element}/s3token`,
    { method: 'get' },
  )
  expect(reply.status).toBe(200)
  return reply.body.url as string
}

describe('restore_code on live', () => {
  beforeAll(async () => {
    // Live moves on past every backup it has: a new commit deployed to test, then to live.
    await pushCommit(t, siteId, 'A change deployed past the backups')
    for (const env of ['test', 'live'])
      expect((await t.runWorkflow(siteId, env, 'deploy', { annotation: `Deploy to ${env}` })).result).toBe('succeeded')
  })

  it('goes back to the pantheon_live_N tag of the backup', async () => {
    const [oldest] = (await backups(t, 'live', 'code')).slice(-1)
    const archived = await archivedCommit(oldest!.file, 'live')
    expect((await environment(t, 'live')).target_commit).not.toBe(archived)
    expect(oldest!.entry.target_ref).toMatch(/^refs\/tags\/pantheon_live_\d+$/)
    const wf = await t.runWorkflow(siteId, 'live', 'restore_code', { key: oldest!.key, bucket: 'local' })
    expect(wf.result).toBe('succeeded')
    const live = await environment(t, 'live')
    expect(live).toMatchObject({ target_ref: oldest!.entry.target_ref, target_commit: archived })
    expect(await commitOf(t, live.target_ref)).toBe(archived)
  })

  it("still works when the backup's tag was moved since: live stands on a tag of the archived commit", async () => {
    const [newest] = await backups(t, 'live', 'code')
    const archived = await archivedCommit(newest!.file, 'live')
    const tag = String(newest!.entry.target_ref).replace('refs/tags/', '')
    // Pushes cannot move pantheon_ tags; someone moves it by hand in the platform's repository.
    const other = await commitOf(t, `${archived}^`)
    await run('git', ['--git-dir', repo(t), 'tag', '--force', '--annotate', '--message', 'Moved by hand', tag, other])
    expect(await commitOf(t, `refs/tags/${tag}`)).toBe(other)
    const tags = async (): Promise<string[]> =>
      (await run('git', ['--git-dir', repo(t), 'tag', '--list', 'pantheon_live_*'])).stdout.trim().split('\n')
    const tagsBefore = await tags()

    const wf = await t.runWorkflow(siteId, 'live', 'restore_code', { key: newest!.key })
    expect(wf.result).toBe('succeeded')
    const live = await environment(t, 'live')
    expect(live.target_commit).toBe(archived)
    expect(live.target_ref).toMatch(/^refs\/tags\/pantheon_live_\d+$/)
    expect(live.target_ref).not.toBe(`refs/tags/${tag}`)
    expect(await commitOf(t, live.target_ref)).toBe(archived)
    // The moved tag stays where it was put; at most one tag is added.
    expect(await commitOf(t, `refs/tags/${tag}`)).toBe(other)
    const tagsAfter = await tags()
    expect(tagsAfter.length).toBeLessThanOrEqual(tagsBefore.length + 1)

    // Restoring it again reuses that tag rather than making another.
    const again = await t.runWorkflow(siteId, 'live', 'restore_code', { key: newest!.key })
    expect(again.result).toBe('succeeded')
    expect((await environment(t, 'live')).target_ref).toBe(live.target_ref)
    expect(await tags()).toEqual(tagsAfter)
  })
})

describe('restore_database and restore_files on test and live', () => {
  for (const env of ['test', 'live'] as const) {
    it(`restore_database on ${env} puts back its backup byte for byte`, async () => {
      const [, older] = await backups(t, env, 'database')
      expect(await databaseBytes(t, env)).not.toEqual(await readFile(older!.file))
      const wf = await t.runWorkflow(siteId, env, 'restore_database', { key: older!.key, bucket: 'local' })
      expect(wf.result).toBe('succeeded')
      expect(await databaseBytes(t, env)).toEqual(await readFile(older!.file))
    })

    it(`restore_files on ${env} replaces the files with the archive's`, async () => {
      const [oldest] = (await backups(t, env, 'files')).slice(-1)
      const expected = await archiveListing(oldest!.file, env)
      expect(expected.length).toBeGreaterThan(0)
      expect(await envFiles(t, env)).not.toBe(expected)
      const wf = await t.runWorkflow(siteId, env, 'restore_files', { key: oldest!.key })
      expect(wf.result).toBe('succeeded')
      expect(await envFiles(t, env)).toBe(expected)
    })
  }
})

describe("restoring test from live's backup (a signed link, then do_import)", () => {
  it("imports live's database backup into test, byte for byte", async () => {
    const [backup] = await backups(t, 'live', 'database')
    const url = await signedLink(t, 'live', backup!.entry.folder, 'database')
    const wf = await t.runWorkflow(siteId, 'test', 'do_import', { database: 1, url })
    expect(wf.result).toBe('succeeded')
    expect(await databaseBytes(t, 'test')).toEqual(await readFile(backup!.file))
  })

  it("imports live's files backup into test, as the archive lists them", async () => {
    const [backup] = await backups(t, 'live', 'files')
    const expected = await archiveListing(backup!.file, 'live')
    expect(await envFiles(t, 'test')).not.toBe(expected)
    const url = await signedLink(t, 'live', backup!.entry.folder, 'files')
    const wf = await t.runWorkflow(siteId, 'test', 'do_import', { files: 1, url })
    expect(wf.result).toBe('succeeded')
    expect(await envFiles(t, 'test')).toBe(expected)
  })
})

describe('an expired link', () => {
  let short: TestPlatform
  beforeAll(async () => {
    short = await startTestPlatform({ linkTtlSeconds: 1 })
  })
  afterAll(async () => {
    await short?.close()
  })

  it("words another store's refusal from its body (S3's XML <Message>)", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(403, { 'Content-Type': 'application/xml' })
      res.end('<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const before = await envFingerprint(t, siteId, 'test')
      const wf = await t.runWorkflow(siteId, 'test', 'do_import', {
        database: 1,
        url: `http://127.0.0.1:${port}/bucket/db.sql.gz?X-Amz-Expires=1`,
      })
      expect(wf.result).toBe('failed')
      expect(wf.final_task.reason).toMatch(/^The download link was refused \(403: "Request has expired"\)/)
      expect(await envFingerprint(t, siteId, 'test')).toEqual(before)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  for (const element of ['database', 'files'] as const) {
    it(`fails the import of live's ${element} into test with a reason, leaving test as it was`, async () => {
      const [backup] = await backups(short, 'live', element)
      const url = await signedLink(short, 'live', backup!.entry.folder, element)
      await new Promise((resolve) => setTimeout(resolve, 2100))
      const before = await envFingerprint(short, siteId, 'test')
      const wf = await short.runWorkflow(siteId, 'test', 'do_import', { [element]: 1, url })
      expect(wf.result).toBe('failed')
      expect(wf.final_task.reason).toMatch(
        /^The download link was refused \(403: "This link has expired; .*"\)\. Get a fresh link/,
      )
      expect(await envFingerprint(short, siteId, 'test')).toEqual(before)
    })
  }
})
