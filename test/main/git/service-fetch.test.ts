/**
 * When the history service fetches, on a remote served by native git with a clock the test
 * moves: not again within a minute, again after it, always on Refresh; a fetch that fails
 * leaves the history readable with the state saying why; a clone refused for its token is
 * `git_auth` and leaves nothing.
 */
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EventHub } from '../../../src/main/events'
import { HistoryService, type HistoryConnection } from '../../../src/main/git/history-service'
import { LocalCloneStore } from '../../../src/main/git/local-clones'
import { GitWorkerHost } from '../../../src/main/git/worker-host'
import type { RepoStatus } from '../../../src/shared/history'
import type { Environment, Site } from '../../../src/shared/platform-types'
import { gitIn, makeRepo, removeDir, serveGitHttp, tempDir, type GitHttpServer } from './clone-helpers'

const SITE: Site = {
  id: 'site-1',
  name: 'site-one',
  label: 'Site one',
  framework: 'wordpress',
  createdAt: null,
  owner: null,
  planName: null,
  frozen: false,
  role: null,
}

function dev(oid: string): Environment {
  return {
    name: 'dev',
    kind: 'dev',
    isLive: false,
    targetRef: 'refs/heads/master',
    targetCommit: oid,
    branch: 'master',
    deployTag: null,
    deployNumber: null,
    initialized: true,
    createdAt: null,
    onServerDevelopment: false,
    locked: false,
    lockUsername: null,
    dnsZone: null,
  }
}

let root: string
let work: string
let server: GitHttpServer
let clock = 1_800_000_000_000
let token = 'the-token-1'
let devCommit: string
const worker = new GitWorkerHost()
const statuses: RepoStatus[] = []
let history: HistoryService

beforeAll(async () => {
  root = await tempDir('service-fetch')
  work = path.join(root, 'work')
  await gitIn(root, ['init', '-q', work])
  devCommit = (await makeRepo(work, 4)).at(-1)!
  await gitIn(root, ['clone', '-q', '--bare', work, path.join(root, 'served', 'site-1.git')])
  await gitIn(work, ['remote', 'add', 'origin', path.join(root, 'served', 'site-1.git')])
  server = await serveGitHttp(path.join(root, 'served'), 'the-token-1')
  const events = new EventHub()
  events.subscribe((channel, payload) => {
    if (channel === 'history:progress') statuses.push(payload as RepoStatus)
  })
  const connection: HistoryConnection = {
    connectionId: 'remote1',
    kind: 'remote-embedded',
    client: {
      listEnvironments: async () => [dev(devCommit)],
      getConnectionInfo: async (siteId) => ({ gitUrl: server.url(`${siteId}.git`), gitProtocol: 'http' }),
      getSite: async () => SITE,
    },
    token: async () => token,
  }
  history = new HistoryService({
    dataDir: path.join(root, 'data'),
    worker,
    localClones: new LocalCloneStore({ file: path.join(root, 'data', 'local-clones.json'), onDamaged: () => {} }),
    events,
    active: async () => connection,
    chooseFolder: null,
    now: () => clock,
  })
})

afterAll(async () => {
  await history.close()
  await server.close()
  await removeDir(root)
})

const uploads = (): number => server.requests.filter((r) => r.endsWith('/info/refs')).length

describe('fetching on open', () => {
  it('clones on the first open', async () => {
    const overview = await history.open(SITE.id)
    expect(overview.repo).toMatchObject({ state: 'ready', source: 'app-clone', fetchedAt: clock })
    expect(overview.positions).toEqual([expect.objectContaining({ env: 'dev', oid: devCommit, inClone: true })])
    expect(statuses.some((s) => s.state === 'cloning')).toBe(true)
  })

  it('does not fetch within a minute of the last fetch, fetches after it and on Refresh', async () => {
    const before = uploads()
    clock += 30_000
    await history.open(SITE.id)
    expect(uploads()).toBe(before)
    clock += 31_000
    statuses.length = 0
    const later = await history.open(SITE.id)
    expect(uploads()).toBe(before + 1)
    expect(statuses[0]?.state).toBe('fetching')
    expect(statuses.at(-1)?.state).toBe('ready')
    expect(statuses.some((s) => s.state === 'cloning')).toBe(false)
    expect(later.repo.fetchedAt).toBe(clock)
    await history.open(SITE.id, true)
    expect(uploads()).toBe(before + 2)
  })

  it('reads a commit pushed to the remote after a refresh', async () => {
    await gitIn(work, ['commit', '-q', '--allow-empty', '-m', 'New on the remote'])
    await gitIn(work, ['push', '-q', 'origin', 'master'])
    devCommit = await gitIn(work, ['rev-parse', 'HEAD'])
    const overview = await history.open(SITE.id, true)
    expect(overview.positions[0]).toMatchObject({ oid: devCommit, inClone: true, subject: 'New on the remote' })
    expect(overview.totalCommits).toBe(5)
  })

  it('keeps the history readable when a fetch fails, and says why', async () => {
    token = 'a-revoked-token'
    const overview = await history.open(SITE.id, true)
    expect(overview.repo.state).toBe('failed')
    expect(overview.repo.error?.code).toBe('git_auth')
    expect(overview.positions[0]).toMatchObject({ oid: devCommit, inClone: true })
    const page = await history.page(SITE.id, null)
    expect(page.commits).toHaveLength(5)
    token = 'the-token-1'
    expect((await history.open(SITE.id, true)).repo).toMatchObject({ state: 'ready', error: null })
  })

  it('fails a clone refused for its token with git_auth, and leaves nothing behind', async () => {
    await gitIn(root, ['clone', '-q', '--bare', work, path.join(root, 'served', 'site-2.git')])
    token = 'wrong'
    try {
      await expect(history.open('site-2')).rejects.toMatchObject({ code: 'git_auth' })
      expect(statuses.at(-1)).toMatchObject({ siteId: 'site-2', state: 'failed', error: { code: 'git_auth' } })
      expect((await readdir(path.join(root, 'data', 'repos', 'remote1'))).sort()).toEqual(['site-1'])
    } finally {
      token = 'the-token-1'
    }
  })
})
