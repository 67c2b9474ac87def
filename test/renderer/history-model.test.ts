import { describe, expect, it } from 'vitest'
import { formatExact } from '../../src/renderer/src/lib/format'
import {
  commitWhen,
  envBadges,
  fileStatusLabel,
  gapWords,
  hunkHeader,
  loadedLabel,
  messageBody,
  modeChange,
  refName,
  searchSummary,
  shortOid,
  splitRows,
} from '../../src/renderer/src/lib/history'
import type { DiffLine } from '../../src/shared/history'
import { DAY, HOUR } from './support/fixtures'
import { gap, historyCommit } from './support/history-fixtures'

const ctx = (text: string, oldNumber: number, newNumber: number): DiffLine => ({
  kind: ' ',
  text,
  oldNumber,
  newNumber,
})
const del = (text: string, oldNumber: number): DiffLine => ({ kind: '-', text, oldNumber, newNumber: null })
const add = (text: string, newNumber: number): DiffLine => ({ kind: '+', text, oldNumber: null, newNumber })

describe('commit dates', () => {
  const now = Date.UTC(2026, 10, 30, 12, 0)

  it('says how long ago, with the exact local time and an ISO moment beside', () => {
    expect(commitWhen(now - 3 * DAY, now)).toEqual({
      relative: '3 days ago',
      exact: formatExact(now - 3 * DAY),
      iso: new Date(now - 3 * DAY).toISOString(),
    })
    expect(commitWhen(now - 20_000, now).relative).toBe('just now')
    expect(commitWhen(now - 5 * HOUR, now).relative).toBe('5 hours ago')
    expect(commitWhen(now - 400 * DAY, now).relative).toBe('1 year ago')
  })

  it('copes with a moment no Date can hold', () => {
    expect(commitWhen(Number.NaN, now)).toEqual({
      relative: 'at an unknown time',
      exact: 'unknown date',
      iso: undefined,
    })
  })
})

describe('split rows', () => {
  it('stands context on both sides and faces each removed line with the added one after it', () => {
    const lines = [ctx('a', 1, 1), del('b', 2), del('c', 3), add('B', 2), ctx('d', 4, 3)]
    expect(splitRows(lines)).toEqual([
      { left: lines[0], right: lines[0] },
      { left: lines[1], right: lines[3] },
      { left: lines[2], right: null },
      { left: lines[4], right: lines[4] },
    ])
  })

  it('leaves the old side empty for lines only added, and the new side for lines only removed', () => {
    const added = [add('x', 1), add('y', 2)]
    expect(splitRows(added)).toEqual([
      { left: null, right: added[0] },
      { left: null, right: added[1] },
    ])
    const removed = [ctx('a', 1, 1), del('b', 2)]
    expect(splitRows(removed)).toEqual([
      { left: removed[0], right: removed[0] },
      { left: removed[1], right: null },
    ])
    // More added than removed: the extra added lines stand alone on the right.
    const replaced = [del('old', 5), add('new 1', 5), add('new 2', 6), add('new 3', 7)]
    expect(splitRows(replaced).map((row) => [row.left?.text ?? null, row.right?.text ?? null])).toEqual([
      ['old', 'new 1'],
      [null, 'new 2'],
      [null, 'new 3'],
    ])
    expect(splitRows([])).toEqual([])
  })

  it('keeps two separate replacements apart', () => {
    const lines = [del('a', 1), add('A', 1), ctx('same', 2, 2), del('b', 3), add('B', 3)]
    expect(splitRows(lines).map((row) => [row.left?.text ?? null, row.right?.text ?? null])).toEqual([
      ['a', 'A'],
      ['same', 'same'],
      ['b', 'B'],
    ])
  })
})

describe('environment badges', () => {
  it('names dev, test and live in that order, strong where the environment is at the commit', () => {
    const commit = historyCommit(0, { envsAt: ['test'], envsContaining: ['live', 'test', 'dev'] })
    expect(envBadges(commit)).toEqual([
      { env: 'dev', at: false, label: 'in dev' },
      { env: 'test', at: true, label: 'test is at this commit' },
      { env: 'live', at: false, label: 'in live' },
    ])
    expect(envBadges(historyCommit(1))).toEqual([])
  })
})

describe('wording', () => {
  it('counts what is loaded and what a search found', () => {
    expect(loadedLabel(300, 1204)).toBe('300 of 1,204 commits')
    expect(loadedLabel(1, 1)).toBe('1 of 1 commit')
    expect(loadedLabel(100, null)).toBe('100 commits')
    expect(searchSummary(3, 1204)).toBe('3 matches, searched 1,204 commits')
    expect(searchSummary(1, 1)).toBe('1 match, searched 1 commit')
  })

  it('says what an environment lacks, what it has that the other lost, and how many are not listed', () => {
    expect(gapWords(gap('dev', 'test', 4))).toEqual({ lacks: 'test lacks 4 commits of dev', extra: null, more: null })
    expect(gapWords(gap('test', 'live', 0))).toEqual({ lacks: 'Up to date with test', extra: null, more: null })
    expect(gapWords(gap('dev', 'test', 1, { reverseCount: 2 }))).toEqual({
      lacks: 'test lacks 1 commit of dev',
      extra: 'test has 2 commits dev no longer has',
      more: null,
    })
    expect(gapWords(gap('dev', 'test', 62)).more).toBe('and 12 more')
  })

  it('shortens ids, refs, statuses, modes and hunk headers', () => {
    expect(shortOid('1a2b3c4d5e6f')).toBe('1a2b3c4')
    expect(refName('refs/tags/pantheon_test_4')).toBe('pantheon_test_4')
    expect(refName('refs/heads/master')).toBe('master')
    expect(refName(null)).toBeNull()
    expect(fileStatusLabel('renamed')).toBe('Renamed')
    expect(modeChange({ oldMode: '100644', newMode: '100755' })).toBe('file → executable (100644 → 100755)')
    expect(modeChange({ oldMode: '100644', newMode: '100644' })).toBeNull()
    expect(modeChange({ oldMode: null, newMode: '100644' })).toBeNull()
    expect(modeChange({ oldMode: '100644', newMode: '040000' })).toBe('file → mode 040000 (100644 → 040000)')
    expect(hunkHeader({ oldStart: 12, oldLines: 7, newStart: 12, newLines: 9 })).toBe('@@ -12,7 +12,9 @@')
  })

  it('takes the body of a message without its subject', () => {
    expect(messageBody('Fix the form\n\nIt lost input.\nNow it keeps it.\n')).toBe('It lost input.\nNow it keeps it.')
    expect(messageBody('Only a subject')).toBe('')
    expect(messageBody('Subject\nbody right after')).toBe('body right after')
  })
})
