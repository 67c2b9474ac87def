/**
 * The "done when" story, as a person with curl, git and tar would live it: log in,
 * list the backups, download one with a signed link (refused once it expires), clone the
 * code, push a commit, see dev move, deploy it to test, restore dev from yesterday's backup.
 */
import { execFile } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startPlatform, type RunningPlatform } from '../../src/platform/index'
import { git, seededDataDir, tempDir } from './helpers'
import type { Json } from './helpers'

const run = promisify(execFile)
let platform: RunningPlatform
let dir: string
let work: string

beforeAll(async () => {
  dir = await seededDataDir()
  work = await tempDir('story-work')
  platform = await startPlatform({ dataDir: dir, seed: 'demo', machineToken: 'secret', linkTtlSeconds: 2 })
})

afterAll(async () => {
  await platform?.close()
  for (const path of [dir, work]) if (path) await rm(path, { recursive: true, force: true })
})

async function curl(args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', ['-s', '-w', '\n%{http_code}', ...args])
  const at = stdout.lastIndexOf('\n')
  return { status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) }
}

it('log in, download a backup, clone, push, see dev move, deploy to test, restore dev from yesterday', async () => {
  const api = platform.apiBase
  const login = await curl([
    '-X',
    'POST',
    '-H',
    'Content-Type: application/json',
    '-d',
    '{"machine_token":"secret","client":"curl"}',
    `${api}/authorize/machine-token`,
  ])
  expect(login.status).toBe(200)
  const { session, user_id: userId } = JSON.parse(login.body)
  const auth = ['-H', `Authorization: Bearer ${session}`]
  const getJson = async (path: string) => JSON.parse((await curl([...auth, `${api}${path}`])).body)
  const post = async (path: string, body: unknown) =>
    curl([...auth, '-X', 'POST', '-H', 'Content-Type: application/json', '-d', JSON.stringify(body), `${api}${path}`])

  const sites = await getJson(`/users/${userId}/memberships/sites`)
  const site = sites.find((m: Json) => m.site.name === 'demo-drupal').site
  const catalog = await getJson(`/sites/${site.id}/environments/dev/backups/catalog`)
  const codeEntry = (Object.values(catalog) as Json[])
    .filter((e) => e.filename?.endsWith('_code.tar.gz'))
    .sort((a, b) => b.timestamp - a.timestamp)[0]

  // Download with a signed link, check it is a real git repository, then see the link expire.
  const link = JSON.parse(
    (
      await post(`/sites/${site.id}/environments/dev/backups/catalog/${codeEntry.folder}/code/s3token`, {
        method: 'get',
      })
    ).body,
  ).url
  const archive = join(work, codeEntry.filename)
  expect((await curl(['-o', archive, link])).status).toBe(200)
  await run('tar', ['xzf', archive, '-C', work])
  const { stdout: archivedLog } = await run('git', ['--git-dir', join(work, 'code_dev'), 'log', '--oneline'])
  expect(archivedLog.split('\n').length).toBeGreaterThan(5)
  await new Promise((resolve) => setTimeout(resolve, 3100))
  expect((await curl(['-o', '/dev/null', link])).status).toBe(403)

  // Clone, commit, push; dev moves.
  const info = await getJson(`/sites/${site.id}/environments/dev/connection-info`)
  const url = new URL(info.git_url)
  url.username = 'me'
  url.password = 'secret'
  await git(work, ['clone', '--quiet', url.toString(), 'site'])
  const repo = join(work, 'site')
  await run('bash', ['-c', `echo '/* story */' >> "${repo}/story.css"`])
  await git(repo, ['add', '-A'])
  await git(repo, ['commit', '--quiet', '-m', 'Story change'])
  await git(repo, ['push', '--quiet', 'origin', 'HEAD:master'])
  const pushed = (await git(repo, ['rev-parse', 'HEAD'])).trim()
  const waitFor = async (id: string) => {
    for (;;) {
      const wf = await getJson(`/sites/${site.id}/workflows/${id}`)
      if (wf.result !== null) return wf
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  const sync = (await getJson(`/sites/${site.id}/workflows`)).find((w: Json) => w.type === 'sync_code')
  expect((await waitFor(sync.id)).result).toBe('succeeded')
  expect((await getJson(`/sites/${site.id}/environments`)).dev.target_commit).toBe(pushed)

  // Deploy to test.
  const deploy = JSON.parse(
    (
      await post(`/sites/${site.id}/environments/test/workflows`, {
        type: 'deploy',
        params: { annotation: 'Story deploy', updatedb: 0, clear_cache: 0 },
      })
    ).body,
  )
  expect((await waitFor(deploy.id)).result).toBe('succeeded')
  expect((await getJson(`/sites/${site.id}/environments`)).test.target_commit).toBe(pushed)

  // Restore dev's database, files and code from yesterday's automated backup.
  const yesterday = new Date(Date.now() - 86400_000).toISOString().slice(0, 10)
  const entries = Object.values(await getJson(`/sites/${site.id}/environments/dev/backups/catalog`)) as Json[]
  const fromYesterday = entries.filter(
    (e) =>
      e.folder.endsWith('_automated') &&
      new Date(Number.parseInt(e.folder, 10) * 1000).toISOString().startsWith(yesterday),
  )
  expect(fromYesterday.map((e) => e.filename ?? 'manifest').length).toBe(4)
  for (const element of ['database', 'files', 'code']) {
    const entry = fromYesterday.find((e) => e.filename?.includes(`_${element}.`))
    const started = JSON.parse(
      (
        await post(`/sites/${site.id}/environments/dev/workflows`, {
          type: `restore_${element}`,
          params: { key: `${site.id}/dev/${entry.folder}/${entry.filename}` },
        })
      ).body,
    )
    expect((await waitFor(started.id)).result).toBe('succeeded')
  }
  const dbEntry = fromYesterday.find((e) => e.filename?.endsWith('_database.sql.gz'))
  expect(await readFile(join(dir, 'sites', site.id, 'envs', 'dev', 'database.sql.gz'))).toEqual(
    await readFile(join(dir, 'sites', site.id, 'envs', 'dev', 'backups', dbEntry.folder, dbEntry.filename)),
  )
  const dev = (await getJson(`/sites/${site.id}/environments`)).dev
  expect(dev.target_commit).not.toBe(pushed)
  const { stdout: contains } = await run('git', [
    '--git-dir',
    join(dir, 'sites', site.id, 'repo.git'),
    'merge-base',
    '--is-ancestor',
    dev.target_commit,
    pushed,
  ]).then(
    () => ({ stdout: 'ancestor' }),
    () => ({ stdout: 'not' }),
  )
  expect(contains).toBe('ancestor')
})
