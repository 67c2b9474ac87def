/**
 * Deploys through the same router the page uses, against a real embedded platform (small demo
 * seed): the previews count what `git rev-list` counts on the platform's own repository, from
 * the code log's labels before the history is cloned and from the clone after; live needs the
 * typed "live"; a deploy to test with "Sync content from live" moves test to dev's commit on a
 * new deploy tag and gives it live's database; nothing to deploy is refused with the reason, also
 * after dev was reset behind test.
 */
import { mkdtemp, readFile } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { HistoryOverview } from '../../../src/shared/history'
import type { Environment, Site, SiteDetails, Workflow } from '../../../src/shared/platform-types'
import type { DeployPreview } from '../../../src/shared/rollback'
import { gitIn } from '../git/clone-helpers'
import { useEmbeddedMain } from '../support/embedded-main'

const main = useEmbeddedMain('deploy')
const { call, refused } = main
let site: Site
let repo: string

async function environments(): Promise<Record<string, Environment>> {
  const { environments: list } = await call<SiteDetails>('sites:open', { siteId: site.id })
  return Object.fromEntries(list.map((env) => [env.name, env]))
}

const revCount = async (range: string): Promise<number> => Number(await gitIn(repo, ['rev-list', '--count', range]))
const revList = async (range: string): Promise<string[]> =>
  (await gitIn(repo, ['rev-list', range])).split('\n').filter(Boolean)

async function finished(workflow: Workflow): Promise<Workflow> {
  const client = await main.services.connections.client()
  let last = workflow
  await vi.waitFor(
    async () => {
      last = await client.getWorkflow(site.id, workflow.id)
      expect(last.finished).toBe(true)
    },
    { timeout: 60_000, interval: 250 },
  )
  return last
}

const deployOptions = { annotation: '', updatedb: false, clearCache: false, syncContent: false, confirm: '' }

beforeAll(async () => {
  site = await main.site('demo-drupal')
  repo = main.platformRepo(site.id)
})

describe('deploys on the embedded platform', () => {
  it('previews test and live from the code log before the history is cloned, as git rev-list counts', async () => {
    const env = await environments()
    const dev = env.dev!.targetCommit!
    const test = env.test!.targetCommit!
    const live = env.live!.targetCommit!
    const toTest = await call<DeployPreview>('deploy:preview', { siteId: site.id, to: 'test' })
    expect(toTest).toMatchObject({ from: 'dev', to: 'test', fromCommit: dev, toCommit: test, nothingReason: null })
    expect(toTest.count).toBe(await revCount(`${test}..${dev}`))
    expect(toTest.count).toBeGreaterThan(0)
    expect(new Set(toTest.commits.map((c) => c.oid))).toEqual(new Set(await revList(`${test}..${dev}`)))
    expect(toTest.leftBehindCount).toBe(0)
    expect(toTest.busy).toBeNull()
    const toLive = await call<DeployPreview>('deploy:preview', { siteId: site.id, to: 'live' })
    expect(toLive).toMatchObject({ from: 'test', fromCommit: test, toCommit: live })
    expect(toLive.count).toBe(await revCount(`${live}..${test}`))
    // Nothing was cloned for it.
    expect(
      await readFile(path.join(main.dataDir, 'repos', 'embedded', site.id, '.git', 'HEAD')).catch(() => null),
    ).toBe(null)
  })

  it('previews from the history’s clone once it is open: the same commits, in git’s order', async () => {
    const overview = await call<HistoryOverview>('history:open', { siteId: site.id })
    expect(overview.repo.state).toBe('ready')
    const [dev, test] = overview.positions.map((p) => p.oid!)
    const toTest = await call<DeployPreview>('deploy:preview', { siteId: site.id, to: 'test' })
    expect(toTest.count).toBe(await revCount(`${test}..${dev}`))
    expect(toTest.commits.map((c) => c.oid)).toEqual((await revList(`${test}..${dev}`)).slice(0, 50))
    expect(toTest.commits[0]).toMatchObject({ oid: dev, envsAt: ['dev'] })
  })

  it('refuses live without the typed "live", and starts nothing', async () => {
    const client = await main.services.connections.client()
    const before = (await client.listWorkflows(site.id)).length
    const error = await refused('deploy:start', { siteId: site.id, to: 'live', ...deployOptions, confirm: 'Live' })
    expect(error.code).toBe('confirm_mismatch')
    expect(error.message).toMatch(/Type live to confirm/)
    expect((await client.listWorkflows(site.id)).length).toBe(before)
  })

  it('deploys dev to test with content synced from live: test on dev’s commit, a new tag, live’s database', async () => {
    const before = await environments()
    const envDir = (env: string) => path.join(main.dataDir, 'platform', 'sites', site.id, 'envs', env)
    const database = (env: string) => readFile(path.join(envDir(env), 'database.sql.gz'))
    expect(await database('test')).not.toEqual(await database('live'))
    const started = await call<Workflow>('deploy:start', {
      siteId: site.id,
      to: 'test',
      ...deployOptions,
      annotation: 'Release from the deploy test',
      syncContent: true,
    })
    expect(started).toMatchObject({ type: 'deploy', environment: 'test' })
    expect(started.params).toMatchObject({
      annotation: 'Release from the deploy test',
      clone_database: { from_environment: 'live' },
      clone_files: { from_environment: 'live' },
    })
    const done = await finished(started)
    expect(done.succeeded).toBe(true)
    const after = await environments()
    expect(after.test!.targetCommit).toBe(before.dev!.targetCommit)
    expect(after.test!.deployNumber).toBe((before.test!.deployNumber ?? 0) + 1)
    expect(after.test!.targetRef).toBe(`refs/tags/pantheon_test_${after.test!.deployNumber}`)
    expect(await gitIn(repo, ['rev-parse', `${after.test!.deployTag}^{commit}`])).toBe(before.dev!.targetCommit)
    expect(await database('test')).toEqual(await database('live'))
  })

  it('says test already has every commit of dev, and refuses a second deploy with that reason', async () => {
    const preview = await call<DeployPreview>('deploy:preview', { siteId: site.id, to: 'test' })
    expect(preview).toMatchObject({
      count: 0,
      leftBehindCount: 0,
      nothingReason: 'test already has every commit of dev.',
    })
    const error = await refused('deploy:start', { siteId: site.id, to: 'test', ...deployOptions })
    expect(error).toEqual({
      code: 'nothing_to_deploy',
      message: 'test already has every commit of dev. Nothing was started.',
    })
  })

  it('deploys test to live with "live" typed', async () => {
    const before = await environments()
    const count = await revCount(`${before.live!.targetCommit}..${before.test!.targetCommit}`)
    expect((await call<DeployPreview>('deploy:preview', { siteId: site.id, to: 'live' })).count).toBe(count)
    const started = await call<Workflow>('deploy:start', {
      siteId: site.id,
      to: 'live',
      ...deployOptions,
      confirm: 'live',
    })
    expect((await finished(started)).succeeded).toBe(true)
    const after = await environments()
    expect(after.live!.targetCommit).toBe(before.test!.targetCommit)
    expect(after.live!.deployTag).toBe(`pantheon_live_${(before.live!.deployNumber ?? 0) + 1}`)
  })

  it('after dev is reset behind test, says test holds commits dev no longer has (from the clone)', async () => {
    const before = await environments()
    const target = await gitIn(repo, ['rev-parse', `${before.dev!.targetCommit}~2`])
    await resetDev(site, target)
    await call<HistoryOverview>('history:open', { siteId: site.id, refresh: true })
    const preview = await call<DeployPreview>('deploy:preview', { siteId: site.id, to: 'test' })
    expect(preview).toMatchObject({ count: 0, commits: [], fromCommit: target })
    expect(preview.leftBehindCount).toBe(await revCount(`${target}..${before.test!.targetCommit}`))
    expect(preview.leftBehind.map((c) => c.oid)).toEqual(await revList(`${target}..${before.test!.targetCommit}`))
    expect(preview.nothingReason).toBe(
      'dev was reset behind test: test holds 2 commits dev no longer has; a deploy would not remove them — push a revert instead.',
    )
    expect((await refused('deploy:start', { siteId: site.id, to: 'test', ...deployOptions })).code).toBe(
      'nothing_to_deploy',
    )
  })

  it('says the same from the code log of a site with no clone', async () => {
    const wordpress = await main.site('demo-wordpress')
    const wpRepo = main.platformRepo(wordpress.id)
    const { environments: list } = await call<SiteDetails>('sites:open', { siteId: wordpress.id })
    const test = list.find((env) => env.name === 'test')!.targetCommit!
    const target = await gitIn(wpRepo, ['rev-parse', `${test}~1`])
    await resetDev(wordpress, target)
    const preview = await call<DeployPreview>('deploy:preview', { siteId: wordpress.id, to: 'test' })
    expect(preview).toMatchObject({ count: 0, leftBehindCount: 1, fromCommit: target, toCommit: test })
    expect(preview.leftBehind.map((c) => c.oid)).toEqual([test])
    expect(preview.leftBehind[0]).toMatchObject({ envsAt: ['test'], tags: [expect.stringMatching(/^pantheon_test_/)] })
    expect(preview.nothingReason).toBe(
      'dev was reset behind test: test holds 1 commit dev no longer has; a deploy would not remove them — push a revert instead.',
    )
  })
})

/** A reset made elsewhere (a terminal): master force-pushed to `target`, then dev moved by its sync_code. */
async function resetDev(of: Site, target: string): Promise<void> {
  const work = await mkdtemp(path.join(main.root, 'work-'))
  await gitIn(work, ['clone', '-q', await main.gitUrlAs(of.id, 'someone'), 'repo'])
  await gitIn(path.join(work, 'repo'), ['push', '-q', '--force', 'origin', `${target}:refs/heads/master`])
  await vi.waitFor(
    async () => {
      const { environments: list } = await call<SiteDetails>('sites:open', { siteId: of.id })
      expect(list.find((env) => env.name === 'dev')?.targetCommit).toBe(target)
    },
    { timeout: 30_000, interval: 250 },
  )
}
