/**
 * The code history's service through the same router the page uses, against a real embedded
 * platform (small demo seed): the first open clones demo-drupal with progress, every tag comes
 * along, where dev, test and live stand matches the platform, later opens fetch instead of
 * cloning, a push made with native git shows after a refresh, a cancelled clone leaves nothing,
 * and bad requests get clean errors.
 */
import { readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { CommitDetail, HistoryOverview, HistoryPage, RepoStatus } from '../../../src/shared/history'
import type { Site, SiteDetails } from '../../../src/shared/platform-types'
import { useEmbeddedMain } from '../support/embedded-main'
import { gitIn } from './clone-helpers'

const main = useEmbeddedMain('history')
const { call, refused } = main
let drupal: Site
let wordpress: Site

function recordStatuses(): { statuses: RepoStatus[]; stop: () => void } {
  const statuses: RepoStatus[] = []
  const stop = main.services.context.events.subscribe((channel, payload) => {
    if (channel === 'history:progress') statuses.push(payload as RepoStatus)
  })
  return { statuses, stop }
}

const cloneDir = (site: Site): string => path.join(main.dataDir, 'repos', 'embedded', site.id)

beforeAll(async () => {
  drupal = await main.site('demo-drupal')
  wordpress = await main.site('demo-wordpress')
})

describe('the code history on the embedded platform', () => {
  let overview: HistoryOverview

  it('clones demo-drupal on first open, with progress, and every tag', async () => {
    const { statuses, stop } = recordStatuses()
    overview = await call<HistoryOverview>('history:open', { siteId: drupal.id })
    stop()
    expect(overview.repo).toMatchObject({ state: 'ready', source: 'app-clone', canPush: true, error: null })
    expect(overview.repo.fetchedAt).not.toBeNull()
    const cloning = statuses.filter((s) => s.state === 'cloning')
    const phases = new Set(cloning.map((s) => s.progress?.phase).filter(Boolean))
    expect(phases.has('Receiving objects')).toBe(true)
    expect(phases.has('Resolving deltas')).toBe(true)
    expect(Math.max(...cloning.map((s) => s.progress?.bytes ?? 0))).toBeGreaterThan(0)
    expect(statuses.at(-1)?.state).toBe('ready')

    const gitdir = path.join(cloneDir(drupal), '.git')
    const platformRepo = main.platformRepo(drupal.id)
    const refs = (dir: string, prefix: string) =>
      gitIn(dir, ['for-each-ref', '--format=%(refname:short) %(objectname)', prefix])
    expect(await refs(gitdir, 'refs/tags')).toBe(await refs(platformRepo, 'refs/tags'))
    expect(await refs(gitdir, 'refs/tags')).toMatch(/pantheon_test_\d+ [0-9a-f]{40}\npantheon_test_/)
    expect(await gitIn(gitdir, ['rev-parse', 'refs/remotes/origin/master'])).toBe(
      await gitIn(platformRepo, ['rev-parse', 'master']),
    )
    // Nothing was checked out, nothing half-made is left.
    expect(await readdir(cloneDir(drupal))).toEqual(['.git'])
    expect(await readdir(path.dirname(cloneDir(drupal)))).toEqual([drupal.id])
  })

  it('shows dev, test and live where the platform says, and what each lacks as git counts it', async () => {
    const { environments } = await call<SiteDetails>('sites:open', { siteId: drupal.id })
    const gitdir = path.join(cloneDir(drupal), '.git')
    expect(overview.positions.map((p) => [p.env, p.oid, p.ref, p.inClone])).toEqual(
      ['dev', 'test', 'live'].map((name) => {
        const env = environments.find((e) => e.name === name)!
        return [name, env.targetCommit, env.targetRef, true]
      }),
    )
    const [dev, test, live] = overview.positions.map((p) => p.oid!)
    expect(overview.positions[0]!.subject).toBe(await gitIn(gitdir, ['log', '-1', '--format=%s', dev!]))
    expect(overview.totalCommits).toBe(Number(await gitIn(gitdir, ['rev-list', '--count', dev!, test!, live!])))
    const devTest = overview.gaps.find((g) => g.from === 'dev' && g.to === 'test')!
    const testLive = overview.gaps.find((g) => g.from === 'test' && g.to === 'live')!
    expect(devTest.count).toBe(Number(await gitIn(gitdir, ['rev-list', '--count', `${test}..${dev}`])))
    expect(testLive.count).toBe(Number(await gitIn(gitdir, ['rev-list', '--count', `${live}..${test}`])))
    expect(devTest.count).toBeGreaterThan(0)
    expect(devTest.commits.map((c) => c.oid)).toEqual(
      (await gitIn(gitdir, ['rev-list', `${test}..${dev}`])).split('\n').slice(0, 50),
    )
    expect(devTest.reverseCount).toBe(0)
  })

  it('pages the whole history with badges and deploy tags', async () => {
    const seen: string[] = []
    let page = await call<HistoryPage>('history:page', { siteId: drupal.id, cursor: null })
    for (;;) {
      expect(page.offset).toBe(seen.length)
      seen.push(...page.commits.map((c) => c.oid))
      if (page.cursor === null) break
      page = await call<HistoryPage>('history:page', { siteId: drupal.id, cursor: page.cursor })
    }
    const [dev, test, live] = overview.positions.map((p) => p.oid!)
    const gitdir = path.join(cloneDir(drupal), '.git')
    expect(seen).toEqual((await gitIn(gitdir, ['rev-list', dev!, test!, live!])).split('\n'))
    const first = await call<HistoryPage>('history:page', { siteId: drupal.id, cursor: null })
    const liveRow = first.commits.find((c) => c.oid === live)!
    expect(liveRow.envsAt).toContain('live')
    expect(liveRow.envsContaining).toEqual(expect.arrayContaining(['dev', 'test', 'live']))
    expect(liveRow.tags.some((t) => t.startsWith('pantheon_live_'))).toBe(true)
  })

  it('does not fetch again within a minute, and fetches (never re-clones) on Refresh', async () => {
    const { statuses, stop } = recordStatuses()
    const again = await call<HistoryOverview>('history:open', { siteId: drupal.id })
    expect(statuses.map((s) => s.state)).toEqual(['ready'])
    const refreshed = await call<HistoryOverview>('history:open', { siteId: drupal.id, refresh: true })
    stop()
    expect(statuses.some((s) => s.state === 'fetching')).toBe(true)
    expect(statuses.some((s) => s.state === 'cloning')).toBe(false)
    expect(refreshed.repo.fetchedAt!).toBeGreaterThanOrEqual(again.repo.fetchedAt!)
  })

  it('shows a commit pushed to master with native git after a refresh', async () => {
    const work = path.join(main.root, 'work')
    await gitIn(main.root, ['clone', '-q', await main.gitUrlAs(drupal.id, 'someone'), work])
    await writeFile(path.join(work, 'pushed.txt'), 'from native git\n')
    await gitIn(work, ['add', 'pushed.txt'])
    await gitIn(work, ['commit', '-q', '-m', 'Pushed by native git'])
    const pushed = await gitIn(work, ['rev-parse', 'HEAD'])
    await gitIn(work, ['push', '-q', 'origin', 'master'])
    // The platform moves dev to the pushed commit in a sync_code workflow.
    await vi.waitFor(
      async () => {
        const { environments } = await call<SiteDetails>('sites:open', { siteId: drupal.id })
        expect(environments.find((e) => e.name === 'dev')?.targetCommit).toBe(pushed)
      },
      { timeout: 30_000, interval: 200 },
    )
    const refreshed = await call<HistoryOverview>('history:open', { siteId: drupal.id, refresh: true })
    expect(refreshed.positions[0]).toMatchObject({
      env: 'dev',
      oid: pushed,
      inClone: true,
      subject: 'Pushed by native git',
    })
    expect(refreshed.gaps[0]!.count).toBe(overview.gaps[0]!.count + 1)
    const first = await call<HistoryPage>('history:page', { siteId: drupal.id, cursor: null })
    expect(first.commits[0]).toMatchObject({ oid: pushed, envsAt: ['dev'], subject: 'Pushed by native git' })
  })

  it('finds commits by a word of their message and by a hash prefix', async () => {
    const first = await call<HistoryPage>('history:page', { siteId: drupal.id, cursor: null })
    const target = first.commits[3]!
    const word = target.subject
      .split(/\s+/)
      .find((w) => w.length > 4)!
      .toLowerCase()
    const gitdir = path.join(cloneDir(drupal), '.git')
    const found = await call<{ commits: { oid: string }[]; cursor: string | null }>('history:search', {
      siteId: drupal.id,
      query: word,
      cursor: null,
    })
    const [dev, test, live] = (await call<HistoryOverview>('history:open', { siteId: drupal.id })).positions.map(
      (p) => p.oid!,
    )
    const expected = (
      await gitIn(gitdir, ['rev-list', '-i', '--fixed-strings', `--grep=${word}`, dev!, test!, live!])
    ).split('\n')
    expect(found.commits.map((c) => c.oid)).toEqual(expect.arrayContaining(expected))
    expect(found.commits.map((c) => c.oid)).toContain(target.oid)
    const byHash = await call<{ commits: { oid: string }[] }>('history:search', {
      siteId: drupal.id,
      query: target.oid.slice(0, 8),
      cursor: null,
    })
    expect(byHash.commits.map((c) => c.oid)).toEqual([target.oid])
  })

  it('gives a commit’s files with the +/- counts git gives (exact renames as git -M100% finds them)', async () => {
    const first = await call<HistoryPage>('history:page', { siteId: drupal.id, cursor: null })
    const gitdir = path.join(cloneDir(drupal), '.git')
    for (const row of first.commits.slice(0, 8)) {
      const detail = await call<CommitDetail>('history:commit', { siteId: drupal.id, oid: row.oid })
      expect(detail.commit.oid).toBe(row.oid)
      expect(detail.comparedWith).toBe(row.parents[0] ?? null)
      const against = row.parents[0] ?? (await gitIn(gitdir, ['hash-object', '-t', 'tree', '/dev/null']))
      // -z: a rename is "added TAB removed TAB NUL old NUL new NUL"; other files "added TAB removed TAB path NUL".
      const fields = (await gitIn(gitdir, ['diff', '--numstat', '-z', '-M100%', against, row.oid])).split('\0')
      const expected: { path: string; oldPath: string | null; added: number | null; removed: number | null }[] = []
      for (let i = 0; i < fields.length && fields[i] !== '';) {
        const [added, removed, file] = fields[i]!.split('\t')
        const count = (n: string | undefined) => (n === '-' ? null : Number(n))
        if (file === '') {
          expected.push({ path: fields[i + 2]!, oldPath: fields[i + 1]!, added: count(added), removed: count(removed) })
          i += 3
        } else {
          expected.push({ path: file!, oldPath: null, added: count(added), removed: count(removed) })
          i += 1
        }
      }
      const got = detail.files.map((f) => ({ path: f.path, oldPath: f.oldPath, added: f.added, removed: f.removed }))
      const byPath = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path)
      expect(got.sort(byPath)).toEqual(expected.sort(byPath))
      expect(detail.totals.files).toBe(expected.length)
    }
  })

  it('a clone cancelled through history:cancel leaves no folder behind', async () => {
    let cancelled = false
    const stop = main.services.context.events.subscribe((channel, payload) => {
      const status = payload as RepoStatus
      if (
        channel === 'history:progress' &&
        status.siteId === wordpress.id &&
        status.state === 'cloning' &&
        !cancelled
      ) {
        cancelled = true
        void main.services.router.invoke('history:cancel', { siteId: wordpress.id })
      }
    })
    const error = await refused('history:open', { siteId: wordpress.id })
    stop()
    expect(cancelled).toBe(true)
    expect(error.code).toBe('git_cancelled')
    expect(error.message).toContain('nothing was kept')
    expect((await readdir(path.dirname(cloneDir(wordpress)))).filter((n) => n.includes(wordpress.id))).toEqual([])
    // Opening again clones it whole.
    const reopened = await call<HistoryOverview>('history:open', { siteId: wordpress.id })
    expect(reopened.repo.state).toBe('ready')
    expect(reopened.positions.every((p) => p.inClone)).toBe(true)
  })

  it('answers an unknown site, a cursor from elsewhere and a malformed payload with clean errors', async () => {
    const unknown = await refused('history:open', { siteId: 'no-such-site' })
    expect(unknown.code).toBe('not_found')
    expect(unknown.message).not.toMatch(/Error:|at \//)
    const stale = await refused('history:page', { siteId: drupal.id, cursor: '0123456789ab:100' })
    expect(stale).toMatchObject({ code: 'git_stale_cursor' })
    expect(stale.message).toContain('starts again from the newest commit')
    const garbage = await refused('history:page', { siteId: drupal.id, cursor: 'not a cursor!' })
    expect(garbage.code).toBe('bad_request')
    const missing = await refused('history:commit', { siteId: drupal.id, oid: 'f'.repeat(40) })
    expect(missing.code).toBe('git_missing_object')
    const notOpened = await refused('history:page', { siteId: 'no-such-site', cursor: null })
    expect(notOpened.code).toBe('git_no_repository')
    expect(await call('history:choose-local', { siteId: drupal.id })).toBeNull()
  })
})
