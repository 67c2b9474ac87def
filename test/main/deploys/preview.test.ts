/**
 * The deploy preview's pure parts: the reasons there is nothing to deploy (the ordinary case, a
 * reset of dev, test behind live, no code), the code log's labels read as Pantheon sends them
 * (one log per environment, merged), and the sync_code finder's matching rule.
 */
import { describe, expect, it } from 'vitest'
import { isSyncOf } from '../../../src/main/deploys/sync-code'
import { mergeCodeLogs, nothingReason, previewFromCodeLog } from '../../../src/main/deploys/preview'
import type { CodeLogEntry, Environment, Workflow } from '../../../src/shared/platform-types'

function entry(hash: string, labels: string[], committedAt: number): CodeLogEntry {
  return {
    hash: hash.repeat(40),
    parents: [],
    author: 'Ana',
    email: 'ana@example.com',
    committedAt,
    message: `Commit ${hash}\n\nbody`,
    labels,
  }
}

function env(name: string, commit: string | null, tag: string | null): Environment {
  return {
    name,
    kind: name as Environment['kind'],
    isLive: name === 'live',
    targetRef: tag ? `refs/tags/${tag}` : 'refs/heads/master',
    targetCommit: commit,
    branch: tag ? null : 'master',
    deployTag: tag,
    deployNumber: tag ? Number(/_(\d+)$/.exec(tag)![1]) : null,
    initialized: commit !== null,
    createdAt: null,
    onServerDevelopment: false,
    locked: false,
    lockUsername: null,
    dnsZone: null,
  }
}

describe('nothingReason', () => {
  it('names each case', () => {
    expect(nothingReason('dev', 'test', 'x', 3, 0)).toBeNull()
    expect(nothingReason('dev', 'test', 'x', 3, 2)).toBeNull()
    expect(nothingReason('dev', 'test', 'x', 0, 0)).toBe('test already has every commit of dev.')
    expect(nothingReason('dev', 'test', 'x', 0, 3)).toBe(
      'dev was reset behind test: test holds 3 commits dev no longer has; a deploy would not remove them — push a revert instead.',
    )
    expect(nothingReason('test', 'live', 'x', 0, 1)).toBe(
      'test is behind live (its code was moved back): live holds 1 commit test no longer has; a deploy would not remove them — bring test forward first (deploy dev to test, or push a revert and deploy it).',
    )
    expect(nothingReason('test', 'live', null, 0, 0)).toBe(
      'test has no code yet, so there is nothing to deploy to live.',
    )
  })
})

describe('previewFromCodeLog', () => {
  // Pantheon lists each environment's own commits: dev's log and test's log, merged.
  const devLog = [entry('3', ['dev'], 3000), entry('2', ['dev'], 2000), entry('1', ['dev', 'test'], 1000)]
  const testLog = [entry('4', ['test'], 2500), entry('1', ['dev', 'test'], 1000)]
  const environments = [env('dev', '3'.repeat(40), null), env('test', '4'.repeat(40), 'pantheon_test_7')]

  it('lists labelled dev but not test as deployable, labelled test but not dev as left behind', () => {
    const log = mergeCodeLogs(devLog, testLog)
    expect(log.map((e) => e.hash[0])).toEqual(['3', '4', '2', '1'])
    const preview = previewFromCodeLog(
      { siteId: 's', to: 'test', fromCommit: '3'.repeat(40), toCommit: '4'.repeat(40), busy: null },
      log,
      environments,
    )
    expect(preview).toMatchObject({ from: 'dev', to: 'test', count: 2, leftBehindCount: 1, nothingReason: null })
    expect(preview.commits.map((c) => c.oid[0])).toEqual(['3', '2'])
    expect(preview.commits[0]).toMatchObject({
      subject: 'Commit 3',
      envsAt: ['dev'],
      envsContaining: ['dev'],
      tags: [],
    })
    expect(preview.leftBehind[0]).toMatchObject({ envsAt: ['test'], tags: ['pantheon_test_7'] })
  })
})

describe('isSyncOf', () => {
  const base = { type: 'sync_code', environment: 'dev', params: {}, createdAt: 10_000 } as unknown as Workflow
  it('takes a sync_code on dev made at or after the push, of the pushed commit when it names one', () => {
    expect(isSyncOf(base, 'a', 10_000)).toBe(true)
    // A platform clock up to two seconds behind.
    expect(isSyncOf(base, 'a', 11_500)).toBe(true)
    expect(isSyncOf(base, 'a', 12_500)).toBe(false)
    expect(isSyncOf({ ...base, params: { target_commit: 'a' } }, 'a', 10_000)).toBe(true)
    expect(isSyncOf({ ...base, params: { target_commit: 'b' } }, 'a', 10_000)).toBe(false)
    expect(isSyncOf({ ...base, environment: 'test' }, 'a', 10_000)).toBe(false)
    expect(isSyncOf({ ...base, type: 'deploy' }, 'a', 10_000)).toBe(false)
    expect(isSyncOf({ ...base, createdAt: null }, 'a', 10_000)).toBe(false)
  })
})
