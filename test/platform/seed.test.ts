/**
 * The full demo seed, once: two sites with long histories, deploy tags, dev ahead of test
 * ahead of live, and per environment 7 daily, 3 weekly and 2 manual backups whose archives
 * hold the content of their time. A second start over a seeded folder changes nothing.
 */
import { execFile } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startPlatform } from '../../src/platform/index'
import { startTestPlatform, tempDir, type TestPlatform } from './helpers'
import type { Json } from './helpers'

const run = promisify(execFile)
let t: TestPlatform
let dir: string

beforeAll(async () => {
  dir = await tempDir('seed')
  t = await startTestPlatform({ seedScale: 'full' }, dir)
}, 120_000)

afterAll(async () => {
  await t?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

it('seeds two sites with long histories, deploys, and 7 daily + 3 weekly + 2 manual backups per environment', async () => {
  const now = Date.now() / 1000
  for (const [name, framework] of [
    ['demo-drupal', 'drupal8'],
    ['demo-wordpress', 'wordpress'],
  ] as const) {
    const siteId = await t.siteId(name)
    expect((await t.call('GET', `/api/sites/${siteId}`)).body.framework).toBe(framework)
    const repo = join(dir, 'sites', siteId, 'repo.git')
    const { stdout: count } = await run('git', ['--git-dir', repo, 'rev-list', '--count', 'refs/heads/master'])
    expect(Number(count)).toBeGreaterThanOrEqual(150)
    const { stdout: oldest } = await run('git', [
      '--git-dir',
      repo,
      'log',
      '--reverse',
      '--format=%ct',
      'refs/heads/master',
    ])
    expect(now - Number(oldest.split('\n')[0])).toBeGreaterThanOrEqual(90 * 86400)
    const { stdout: authors } = await run('git', ['--git-dir', repo, 'log', '--format=%an', 'refs/heads/master'])
    expect(new Set(authors.trim().split('\n')).size).toBeGreaterThanOrEqual(3)
    const { stdout: merges } = await run('git', [
      '--git-dir',
      repo,
      'rev-list',
      '--merges',
      '--count',
      'refs/heads/master',
    ])
    expect(Number(merges)).toBeGreaterThanOrEqual(1)
    const envs = (await t.call('GET', `/api/sites/${siteId}/environments`)).body
    expect(Number(envs.test.target_ref.split('_').at(-1))).toBeGreaterThanOrEqual(3)
    expect(Number(envs.live.target_ref.split('_').at(-1))).toBeGreaterThanOrEqual(3)
    const ancestor = (a: string, b: string) =>
      run('git', ['--git-dir', repo, 'merge-base', '--is-ancestor', a, b]).then(
        () => true,
        () => false,
      )
    expect(envs.dev.target_commit).not.toBe(envs.test.target_commit)
    expect(envs.test.target_commit).not.toBe(envs.live.target_commit)
    expect(await ancestor(envs.test.target_commit, envs.dev.target_commit)).toBe(true)
    expect(await ancestor(envs.live.target_commit, envs.test.target_commit)).toBe(true)

    for (const env of ['dev', 'test', 'live']) {
      const catalog = (await t.call('GET', `/api/sites/${siteId}/environments/${env}/backups/catalog`)).body
      const manifests = Object.entries(catalog)
        .filter(([key]) => key.endsWith('_manifest'))
        .map(([, entry]) => entry as Json)
      expect(
        manifests.filter((m) => m.folder.endsWith('_automated') && m.ttl === 8 * 86400).length,
      ).toBeGreaterThanOrEqual(7)
      expect(
        manifests.filter((m) => m.folder.endsWith('_automated') && m.ttl === 32 * 86400).length,
      ).toBeGreaterThanOrEqual(3)
      expect(manifests.filter((m) => m.folder.endsWith('_backup')).length).toBeGreaterThanOrEqual(2)
      for (const manifest of manifests) {
        expect(manifest.timestamp).toBeLessThan(now)
        expect(manifest.timestamp + manifest.ttl).toBeGreaterThan(now)
        for (const element of ['code', 'database', 'files'])
          expect(catalog[`${manifest.folder}_${element}`]?.size).toBeGreaterThan(0)
      }
      // The oldest backup's code is the commit the environment had then, not today's.
      const oldest = manifests.sort((a, b) => a.timestamp - b.timestamp)[0]
      const code = catalog[`${oldest.folder}_code`]
      const out = await tempDir('seed-code')
      try {
        await run('tar', [
          'xzf',
          join(dir, 'sites', siteId, 'envs', env, 'backups', oldest.folder, code.filename),
          '-C',
          out,
        ])
        const { stdout: head } = await run('git', ['--git-dir', join(out, `code_${env}`), 'rev-parse', 'HEAD'])
        const { stdout: time } = await run('git', ['--git-dir', repo, 'log', '-1', '--format=%ct', head.trim()])
        expect(Number(time)).toBeLessThanOrEqual(Number.parseInt(oldest.folder, 10))
        if (env === 'dev') expect(head.trim()).not.toBe(envs.dev.target_commit)
      } finally {
        await rm(out, { recursive: true, force: true })
      }
      const filesEntry = catalog[`${oldest.folder}_files`]
      const { stdout: listing } = await run('tar', [
        'tzf',
        join(dir, 'sites', siteId, 'envs', env, 'backups', oldest.folder, filesEntry.filename),
      ])
      expect(listing.split('\n').every((line) => line === '' || line.startsWith(`files_${env}/`))).toBe(true)
      expect(listing).toMatch(/\.(png|jpe?g|gif|webp)$/m)
      const db = catalog[`${oldest.folder}_database`]
      const sql = gunzipSync(
        await readFile(join(dir, 'sites', siteId, 'envs', env, 'backups', oldest.folder, db.filename)),
      ).toString()
      expect(sql.match(/CREATE TABLE/g)?.length ?? 0).toBeGreaterThanOrEqual(10)
    }
  }
})

it('leaves an already seeded folder alone', async () => {
  const before = await readFile(join(dir, 'state.json'), 'utf8')
  await t.platform.close()
  const again = await startPlatform({ dataDir: dir, seed: 'demo' })
  await again.close()
  expect(await readFile(join(dir, 'state.json'), 'utf8')).toBe(before)
})
