/** What a preview gathers where the platform says less (Pantheon): estimated commits, content as of the newest backup. */
import { describe, expect, it } from 'vitest'
import { restorePreview, clonePreview, type PreviewDeps } from '../../../src/main/restores/preview'
import type { Backup, CodeLogEntry, Environment, EnvironmentContent } from '../../../src/shared/platform-types'
import { backup, clock, commit, DAY, hash, HOUR, NOW } from './fixtures'

function env(name: string, targetCommit: string | null): Environment {
  return {
    name,
    kind: name === 'dev' || name === 'test' || name === 'live' ? name : 'multidev',
    isLive: name === 'live',
    targetRef: null,
    targetCommit,
    branch: null,
    deployTag: null,
    deployNumber: null,
    initialized: targetCommit !== null,
    createdAt: null,
    onServerDevelopment: false,
    locked: false,
    lockUsername: null,
    dnsZone: null,
  }
}

function deps(fields: {
  catalogs: Record<string, Backup[]>
  log?: CodeLogEntry[]
  content?: EnvironmentContent | null
  busy?: string | null
}): PreviewDeps & { codeLogCalls: number } {
  const self = {
    codeLogCalls: 0,
    clock,
    busyReason: async () => fields.busy ?? null,
    client: {
      listEnvironments: async () => [env('dev', hash('c')), env('test', hash('b')), env('live', hash('a'))],
      backupCatalog: async (_site: string, name: string) => fields.catalogs[name] ?? [],
      codeLog: async () => {
        self.codeLogCalls += 1
        return fields.log ?? []
      },
      contentSummary: async () => fields.content ?? null,
      platformDomain: async (_site: string, name: string) => `${name}-site.pantheonsite.io`,
      getSite: async () => ({
        id: 's1',
        name: 'site',
        label: 'Site',
        framework: 'wordpress',
        createdAt: null,
        owner: null,
        planName: null,
        frozen: false,
        role: null,
      }),
    },
  }
  return self
}

const log = [commit('c', ['b'], NOW - 2 * HOUR), commit('b', ['a'], NOW - 30 * HOUR), commit('a', [], NOW - 5 * DAY)]

describe('restorePreview', () => {
  it('estimates the backup’s commit from the code log when the catalog does not say, and says so', async () => {
    const old = backup(NOW - DAY)
    const preview = await restorePreview(deps({ catalogs: { dev: [old] }, log }), {
      siteId: 's1',
      env: 'dev',
      sourceEnv: 'dev',
      folder: old.folder,
    })
    expect(preview.code).toEqual({
      currentCommit: hash('c'),
      backupCommit: hash('b'),
      backupCommitSource: 'estimated',
      lostCount: 1,
      newestLost: { hash: hash('c'), subject: 'c subject', author: 'Ana', committedAt: NOW - 2 * HOUR },
      regainedCount: 0,
    })
    expect(preview.lossSentence).toBe('You will lose 24 hours of changes on dev.')
  })

  it('describes the current content by the newest backup where the platform has no content summary', async () => {
    const newest = backup(NOW - 3 * HOUR, ['database', 'files'], 'manual')
    const old = backup(NOW - 2 * DAY)
    const preview = await restorePreview(deps({ catalogs: { dev: [newest, old] }, log }), {
      siteId: 's1',
      env: 'dev',
      sourceEnv: 'dev',
      folder: old.folder,
    })
    expect(preview.content).toEqual([
      {
        part: 'files',
        incoming: { size: 34_000, fileCount: 12, at: old.startedAt, note: null },
        current: { size: 34_000, fileCount: 12, at: newest.startedAt, note: 'as of its newest backup, 1 Dec 09:00' },
      },
      {
        part: 'database',
        incoming: { size: 1000, fileCount: null, at: old.startedAt, note: null },
        current: { size: 1000, fileCount: null, at: newest.startedAt, note: 'as of its newest backup, 1 Dec 09:00' },
      },
    ])
  })

  it('takes the current content from the content summary where there is one, and passes on the busy reason', async () => {
    const old = backup(NOW - 2 * DAY, ['database'])
    const preview = await restorePreview(
      deps({
        catalogs: { dev: [old] },
        content: { database: { size: 777, modifiedAt: NOW - HOUR }, files: { count: 3, size: 9, modifiedAt: null } },
        busy: 'A restore is running.',
      }),
      { siteId: 's1', env: 'dev', sourceEnv: 'dev', folder: old.folder },
    )
    expect(preview.code).toBeNull()
    expect(preview.content).toEqual([
      {
        part: 'database',
        incoming: { size: 1000, fileCount: null, at: old.startedAt, note: null },
        current: { size: 777, fileCount: null, at: NOW - HOUR, note: null },
      },
    ])
    expect(preview.busy).toBe('A restore is running.')
  })

  it('refuses a backup the catalog no longer has', async () => {
    await expect(
      restorePreview(deps({ catalogs: {} }), {
        siteId: 's1',
        env: 'dev',
        sourceEnv: 'live',
        folder: '1700000000_backup',
      }),
    ).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/^live's catalog has no backup/) })
  })

  it('shows another environment’s backup commit without comparing code', async () => {
    const fromLive = backup(NOW - 6 * DAY + HOUR, ['code', 'database', 'files'])
    const preview = await restorePreview(
      deps({
        catalogs: { live: [fromLive], test: [backup(NOW - 5 * HOUR)] },
        log: [commit('a', [], NOW - 6 * DAY, ['live'])],
      }),
      { siteId: 's1', env: 'test', sourceEnv: 'live', folder: fromLive.folder },
    )
    expect(preview).toMatchObject({ code: null, backupCommit: hash('a'), restorableParts: ['files', 'database'] })
    expect(preview.lossSentence).toMatch(/since its newest backup \(5 hours ago\) are lost\.$/)
  })
})

describe('clonePreview', () => {
  it('names both domains and what the clone replaces', async () => {
    const preview = await clonePreview(deps({ catalogs: { test: [backup(NOW - 2 * HOUR)] } }), {
      siteId: 's1',
      from: 'live',
      to: 'test',
    })
    expect(preview).toMatchObject({
      cms: 'wordpress',
      fromDomain: 'live-site.pantheonsite.io',
      toDomain: 'test-site.pantheonsite.io',
      toIsLive: false,
    })
    expect(preview.content.map((c) => [c.part, c.incoming.note])).toEqual([
      ['files', 'not known: live has no backup of its files'],
      ['database', 'not known: live has no backup of its database'],
    ])
    expect(preview.lossSentence).toBe(
      "Test's database and files are replaced by live's current ones; changes on test since its newest backup (2 hours ago) are lost.",
    )
  })
})
