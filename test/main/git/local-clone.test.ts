/**
 * Local clones for the code history: a clone made with native git opened through the router
 * against the embedded platform, folders that are not repositories refused, the choice kept
 * across a restart and a damaged local-clones.json set aside; and on a Pantheon connection
 * (SSH-only git: a hand-written client stands in for Pantheon's API) the history asks for a
 * local clone and then reads it.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { EventHub } from '../../../src/main/events'
import { HistoryService } from '../../../src/main/git/history-service'
import { LocalCloneStore } from '../../../src/main/git/local-clones'
import { GitWorkerHost } from '../../../src/main/git/worker-host'
import type { HistoryOverview, HistoryPage, RepoStatus } from '../../../src/shared/history'
import type { Environment, Site } from '../../../src/shared/platform-types'
import { useEmbeddedMain } from '../support/embedded-main'
import { gitIn, makeRepo, removeDir, tempDir } from './clone-helpers'

const main = useEmbeddedMain('local')
const { call, refused } = main
let site: Site
let clone: string

beforeAll(async () => {
  site = await main.site('demo-drupal')
  clone = path.join(main.root, 'my clone')
  await gitIn(main.root, ['clone', '-q', await main.gitUrlAs(site.id, 'me'), clone])
}, 120_000)

describe('a local clone on the embedded platform', () => {
  it('opens a clone made with native git and reads its history', async () => {
    const overview = await call<HistoryOverview>('history:open-local', { siteId: site.id, path: clone })
    expect(overview.repo).toMatchObject({ state: 'ready', source: 'local-clone', localPath: clone, canPush: false })
    expect(overview.repo.transportNote).toContain('Fetch in a terminal to see new commits')
    expect(overview.repo.transportNote).not.toContain('does not name this site')
    expect(overview.positions.map((p) => p.inClone)).toEqual([true, true, true])
    const [dev, test, live] = overview.positions.map((p) => p.oid!)
    const page = await call<HistoryPage>('history:page', { siteId: site.id, cursor: null })
    expect(page.commits.map((c) => c.oid)).toEqual((await gitIn(clone, ['rev-list', dev!, test!, live!])).split('\n'))
    const saved = JSON.parse(await readFile(path.join(main.dataDir, 'local-clones.json'), 'utf8'))
    expect(saved.clones).toEqual([expect.objectContaining({ connectionId: 'embedded', siteId: site.id, path: clone })])
    // The app made no clone of its own.
    expect(await readdir(path.join(main.dataDir, 'repos')).catch(() => [])).toEqual([])
  })

  it('opens a bare clone, and warns when a clone’s origin names another site', async () => {
    const bare = path.join(main.root, 'bare.git')
    await gitIn(main.root, ['clone', '-q', '--bare', clone, bare])
    await gitIn(bare, ['remote', 'set-url', 'origin', 'https://git.example.com/other-site.git'])
    const overview = await call<HistoryOverview>('history:open-local', { siteId: site.id, path: bare })
    expect(overview.repo.localPath).toBe(bare)
    expect(overview.repo.transportNote).toContain('Its origin (git.example.com/other-site.git) does not name this site')
    expect(overview.positions.every((p) => p.inClone)).toBe(true)
    await call('history:open-local', { siteId: site.id, path: clone })
  })

  it('refuses a folder that is not a repository, and a relative path', async () => {
    const plain = path.join(main.root, 'plain')
    await gitIn(main.root, ['init', '-q', plain]).then(() => removeDir(path.join(plain, '.git')))
    const notRepo = await refused('history:open-local', { siteId: site.id, path: plain })
    expect(notRepo.code).toBe('git_not_a_repository')
    expect(notRepo.message).toContain('is not a git repository')
    const missing = await refused('history:open-local', { siteId: site.id, path: path.join(main.root, 'nowhere') })
    expect(missing.code).toBe('git_not_a_repository')
    const relative = await refused('history:open-local', { siteId: site.id, path: 'my clone' })
    expect(relative.code).toBe('bad_request')
    // The clone chosen before is still the one in use.
    const overview = await call<HistoryOverview>('history:open', { siteId: site.id })
    expect(overview.repo.localPath).toBe(clone)
  })

  it('keeps the choice across a restart of the app', async () => {
    await main.restart()
    const overview = await call<HistoryOverview>('history:open', { siteId: site.id })
    expect(overview.repo).toMatchObject({ source: 'local-clone', localPath: clone, state: 'ready' })
  })

  it('forgets the choice on close-local and goes back to the app’s own clone', async () => {
    const status = await call<RepoStatus>('history:close-local', { siteId: site.id })
    expect(status).toMatchObject({ source: 'app-clone', state: 'ready', localPath: null })
    const saved = JSON.parse(await readFile(path.join(main.dataDir, 'local-clones.json'), 'utf8'))
    expect(saved.clones).toEqual([])
    await call<HistoryOverview>('history:open-local', { siteId: site.id, path: clone })
  })

  it('sets a damaged local-clones.json aside, says so, and starts with no local clones', async () => {
    await main.restart(() =>
      writeFile(path.join(main.dataDir, 'local-clones.json'), '{"version":1,"clones":[{"path":"relative"}]}'),
    )
    const overview = await call<HistoryOverview>('history:open', { siteId: site.id })
    expect(overview.repo.source).toBe('app-clone')
    const names = await readdir(main.dataDir)
    expect(names.some((n) => n.startsWith('local-clones.json.damaged-'))).toBe(true)
    const notices = main.services.context.info().notices.map((n) => n.message)
    expect(notices.some((m) => m.includes('local clones chosen for the code history'))).toBe(true)
  })
})

describe('a Pantheon connection (SSH-only git)', () => {
  const pantheonSite: Site = {
    id: '11111111-2222-3333-4444-555555555555',
    name: 'pantheon-site',
    label: 'Pantheon site',
    framework: 'drupal8',
    createdAt: null,
    owner: null,
    planName: null,
    frozen: false,
    role: null,
  }

  function environment(name: 'dev' | 'test' | 'live', oid: string): Environment {
    return {
      name,
      kind: name,
      isLive: name === 'live',
      targetRef: name === 'dev' ? 'refs/heads/master' : `refs/tags/pantheon_${name}_1`,
      targetCommit: oid,
      branch: name === 'dev' ? 'master' : null,
      deployTag: name === 'dev' ? null : `pantheon_${name}_1`,
      deployNumber: name === 'dev' ? null : 1,
      initialized: true,
      createdAt: null,
      onServerDevelopment: false,
      locked: false,
      lockUsername: null,
      dnsZone: null,
    }
  }

  it('asks for a local clone, saying why, then reads the one opened', async () => {
    const dir = await tempDir('pantheon')
    const worker = new GitWorkerHost()
    try {
      const oids = await makeRepo(dir, 7)
      const envs = [environment('dev', oids[6]!), environment('test', oids[4]!), environment('live', oids[1]!)]
      const statuses: RepoStatus[] = []
      const events = new EventHub()
      events.subscribe((channel, payload) => {
        if (channel === 'history:progress') statuses.push(payload as RepoStatus)
      })
      const history = new HistoryService({
        dataDir: path.join(dir, 'data'),
        worker,
        localClones: new LocalCloneStore({ file: path.join(dir, 'data', 'local-clones.json'), onDamaged: () => {} }),
        events,
        active: async () => ({
          connectionId: 'pantheon1',
          kind: 'pantheon',
          client: {
            listEnvironments: async () => envs,
            getConnectionInfo: async () => null,
            getSite: async () => pantheonSite,
          },
          token: async () => {
            throw new Error('a Pantheon history never asks for the token')
          },
        }),
        chooseFolder: null,
      })
      const needs = await history.open(pantheonSite.id)
      expect(needs.repo.state).toBe('needs-local-clone')
      expect(needs.positions).toEqual([])
      expect(needs.repo.transportNote).toContain('reached over SSH, which the app’s git library cannot speak')
      expect(needs.repo.transportNote).toContain(
        `git clone ssh://codeserver.dev.${pantheonSite.id}@codeserver.dev.${pantheonSite.id}.drush.in:2222/~/repository.git`,
      )
      expect(needs.repo.transportNote).toContain('push from a terminal')
      expect(statuses.at(-1)?.state).toBe('needs-local-clone')
      await expect(history.page(pantheonSite.id, null)).rejects.toMatchObject({ code: 'git_no_repository' })
      expect(await history.chooseLocal()).toBeNull()

      const opened = await history.openLocal(pantheonSite.id, dir)
      expect(opened.repo).toMatchObject({ state: 'ready', source: 'local-clone', canPush: false })
      expect(opened.repo.transportNote).toContain('Fetch in a terminal to see new commits')
      expect(opened.repo.transportNote).toContain('push from a terminal')
      expect(opened.repo.transportNote).toContain('no origin remote')
      expect(opened.gaps.map((g) => [g.from, g.to, g.count])).toEqual([
        ['dev', 'test', 2],
        ['test', 'live', 3],
      ])
      expect(opened.totalCommits).toBe(7)
      const page = await history.page(pantheonSite.id, null)
      expect(page.commits.map((c) => c.oid)).toEqual([...oids].reverse())
      expect(page.commits[2]).toMatchObject({ envsAt: ['test'], envsContaining: ['dev', 'test'] })
      // Opened again (a new window), it reads the same clone without asking.
      expect((await history.open(pantheonSite.id)).repo.localPath).toBe(dir)
    } finally {
      await worker.close()
      await removeDir(dir)
    }
  })
})
