/** The preview's arithmetic: lost and regained commits through the code log, estimates, the loss sentences. */
import { describe, expect, it } from 'vitest'
import {
  compareCommits,
  estimateBackupCommit,
  lossSentence,
  replacementSentence,
} from '../../../src/main/restores/preview-math'
import { countOf, formatWhen, spanPhrase } from '../../../src/main/restores/wording'
import { clock, commit, DAY, hash, HOUR, NOW } from './fixtures'

const T = NOW - 10 * DAY

describe('compareCommits', () => {
  // a ← b ← c ← d (backup) ← e ← m (current, merges f, a side branch off b older than d)
  const log = [
    commit('m', ['e', 'f'], T + 9 * HOUR),
    commit('e', ['d'], T + 8 * HOUR),
    commit('d', ['c'], T + 6 * HOUR),
    commit('f', ['b'], T + 5 * HOUR),
    commit('c', ['b'], T + 4 * HOUR),
    commit('b', ['a'], T + 2 * HOUR),
    commit('a', [], T),
  ]

  it('counts the commits reachable from the current commit but not the backup’s, merged ones included', () => {
    const result = compareCommits(log, hash('m'), hash('d'), true)
    expect(result).toMatchObject({ found: true, complete: true, lostCount: 3, regainedCount: 0 })
    // m, e and f are lost; the newest of them by time is m, named by its subject.
    expect(result.newestLost).toEqual({
      hash: hash('m'),
      subject: 'm subject',
      author: 'Ana',
      committedAt: T + 9 * HOUR,
    })
  })

  it('picks the newest lost commit by time, not by its place in the log', () => {
    const reordered = [log[3]!, ...log.filter((_, i) => i !== 3)].map((c) =>
      c.hash === hash('f') ? { ...c, committedAt: T + 20 * HOUR } : c,
    )
    expect(compareCommits(reordered, hash('m'), hash('d'), true).newestLost?.hash).toBe(hash('f'))
  })

  it('counts what a backup on another line puts back', () => {
    // The backup is f (the side branch alone), the current commit e: c, d, e are lost, f regained.
    expect(compareCommits(log, hash('e'), hash('f'), true)).toMatchObject({ lostCount: 3, regainedCount: 1 })
    expect(compareCommits(log, hash('d'), hash('d'), true)).toMatchObject({
      lostCount: 0,
      regainedCount: 0,
      newestLost: null,
    })
  })

  it('has no counts when the backup’s commit is not in the log (or the environment has none)', () => {
    for (const [current, backup] of [
      [hash('m'), hash('zz')],
      [null, hash('d')],
      [hash('m'), null],
    ] as const) {
      expect(compareCommits(log, current, backup, true)).toMatchObject({
        found: false,
        lostCount: null,
        newestLost: null,
        regainedCount: null,
      })
    }
  })

  it('says it is incomplete while a counted walk runs off the end of a partial log', () => {
    // Only the first page was read: m, e, d, f; f's parent b is not there yet.
    const page = log.slice(0, 4)
    expect(compareCommits(page, hash('m'), hash('d'), false)).toMatchObject({
      found: true,
      complete: false,
      lostCount: null,
    })
    // Shared history beyond the backup's commit does not matter.
    expect(compareCommits(log.slice(0, 3), hash('e'), hash('d'), false)).toMatchObject({ complete: true, lostCount: 1 })
    // A log that ended (not cut at the cap) is taken as whole.
    expect(compareCommits(page, hash('m'), hash('d'), true)).toMatchObject({ complete: true, lostCount: 3 })
  })
})

describe('estimateBackupCommit', () => {
  const log = [
    commit('late', ['mid'], NOW - HOUR),
    commit('other', ['mid'], NOW - 3 * HOUR, ['test']),
    commit('mid', ['old'], NOW - 5 * HOUR),
    commit('old', [], NOW - 2 * DAY),
  ]

  it('takes the newest commit of the environment older than the backup', () => {
    expect(estimateBackupCommit(log, 'dev', NOW - 2 * HOUR)).toBe(hash('mid'))
    expect(estimateBackupCommit(log, 'test', NOW - 2 * HOUR)).toBe(hash('other'))
    expect(estimateBackupCommit(log, 'dev', NOW - 3 * DAY)).toBeNull()
  })

  it('uses every commit when none is labelled with the environment', () => {
    expect(estimateBackupCommit(log, 'live', NOW - 2 * HOUR)).toBe(hash('other'))
  })
})

describe('the loss sentence', () => {
  it('says under an hour, whole hours under 48, whole days after, singular for one', () => {
    expect(lossSentence('dev', NOW - 59 * 60_000, clock)).toBe('You will lose less than an hour of changes on dev.')
    expect(lossSentence('dev', NOW - HOUR, clock)).toBe('You will lose 1 hour of changes on dev.')
    expect(lossSentence('dev', NOW - 3.5 * HOUR, clock)).toBe('You will lose 3 hours of changes on dev.')
    expect(lossSentence('dev', NOW - 47.9 * HOUR, clock)).toBe('You will lose 47 hours of changes on dev.')
    expect(lossSentence('dev', NOW - 48 * HOUR, clock)).toBe('You will lose 2 days of changes on dev.')
    expect(lossSentence('live', NOW - 9.5 * DAY, clock)).toBe('You will lose 9 days of changes on live.')
    expect(spanPhrase(-5)).toBe('less than an hour')
    expect(countOf(1, 'day')).toBe('1 day')
    expect(countOf(0, 'day')).toBe('0 days')
  })

  it('names what another environment’s backup or a clone replaces, and what is lost', () => {
    const backupAt = Date.UTC(2026, 10, 30, 2, 0)
    expect(replacementSentence('test', 'live', ['database', 'files'], backupAt, NOW - 3 * HOUR, clock)).toBe(
      "Test's database and files are replaced by live's from 30 Nov 02:00; changes on test since its newest backup (3 hours ago) are lost.",
    )
    expect(replacementSentence('test', 'live', ['database'], null, NOW - 30 * 60_000, clock)).toBe(
      "Test's database is replaced by live's current one; changes on test since its newest backup (less than an hour ago) are lost.",
    )
    expect(replacementSentence('dev', 'live', ['files'], null, null, clock)).toBe(
      "Dev's files are replaced by live's current ones; dev has no backup, so its changes are lost unless you take the safety backup.",
    )
  })

  it('writes moments as day, month and time, with the year only when it is not this one', () => {
    expect(formatWhen(Date.UTC(2026, 10, 30, 2, 0), clock)).toBe('30 Nov 02:00')
    expect(formatWhen(Date.UTC(2025, 0, 5, 23, 59), clock)).toBe('5 Jan 2025 23:59')
    expect(formatWhen(Date.UTC(2026, 10, 30, 23, 30), { ...clock, timeZone: 'Europe/Oslo' })).toBe('1 Dec 00:30')
  })
})
