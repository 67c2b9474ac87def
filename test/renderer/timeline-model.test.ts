import { createTestingPinia } from '@pinia/testing'
import { mount } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import BackupTimelineRow from '../../src/renderer/src/components/BackupTimelineRow.vue'
import {
  formatBytes,
  formatClock,
  formatDayHeading,
  formatDuration,
  formatExact,
  formatMoment,
  formatRelative,
  frameworkName,
  isoMoment,
  localDayKey,
} from '../../src/renderer/src/lib/format'
import {
  backupCountLabel,
  backupKindLabel,
  buildTimelineRows,
  matchesFilters,
  NO_FILTERS,
  type BackupRow,
  type DayRow,
} from '../../src/renderer/src/lib/timeline'
import { backup, DAY, HOUR } from './support/fixtures'

/** Local noon on a fixed date, so day boundaries are those of the machine's time zone. */
const NOW = new Date(2026, 10, 26, 12, 0, 0).getTime()

describe('the toolbar count and the kind badge', () => {
  const list = [
    backup(NOW - HOUR, { kind: 'manual' }),
    backup(NOW - 2 * HOUR, { parts: ['database'] }),
    backup(NOW - DAY),
  ]

  it('says how many of how many while a filter hides some', () => {
    expect(backupCountLabel(list, NO_FILTERS)).toBe('3 backups')
    expect(backupCountLabel(list, { kind: 'scheduled', part: 'any' })).toBe('2 of 3 backups')
    expect(backupCountLabel(list, { kind: 'scheduled', part: 'files' })).toBe('1 of 3 backups')
    expect(backupCountLabel(list.slice(0, 1), NO_FILTERS)).toBe('1 backup')
    expect(backupCountLabel([], { kind: 'manual', part: 'any' })).toBe('0 of 0 backups')
  })

  it('names daily and weekly scheduled backups, and says "Scheduled" when main could not tell', () => {
    expect(backupKindLabel({ ...backup(NOW), cadence: 'daily' })).toBe('Daily')
    expect(backupKindLabel({ ...backup(NOW), cadence: 'weekly' })).toBe('Weekly')
    expect(backupKindLabel(backup(NOW))).toBe('Scheduled')
    expect(backupKindLabel(backup(NOW, { kind: 'manual' }))).toBe('Manual')
  })
})

describe('timeline rows', () => {
  it('groups by local day, newest day first and newest backup first within a day', () => {
    const morning = new Date(2026, 10, 26, 8, 0).getTime()
    const lateYesterday = new Date(2026, 10, 25, 23, 30).getTime()
    const earlyYesterday = new Date(2026, 10, 25, 0, 15).getTime()
    const lastWeek = new Date(2026, 10, 19, 4, 0).getTime()
    const rows = buildTimelineRows(
      [backup(earlyYesterday), backup(lastWeek, { kind: 'manual' }), backup(morning), backup(lateYesterday)],
      NO_FILTERS,
      NOW,
    )
    expect(rows.map((row) => row.type)).toEqual(['day', 'backup', 'day', 'backup', 'backup', 'day', 'backup'])
    const days = rows.filter((row): row is DayRow => row.type === 'day')
    expect(days.map((day) => day.label.split(',')[0])).toEqual([
      'Today',
      'Yesterday',
      expect.stringMatching(/Thursday|19/),
    ])
    expect(days.map((day) => day.count)).toEqual([1, 2, 1])
    const started = rows.filter((row): row is BackupRow => row.type === 'backup').map((row) => row.backup.startedAt)
    expect(started).toEqual([morning, lateYesterday, earlyYesterday, lastWeek])
  })

  it('keeps a 23:30 backup and a 00:15 backup on their own local days', () => {
    const beforeMidnight = new Date(2026, 10, 24, 23, 30).getTime()
    const afterMidnight = new Date(2026, 10, 25, 0, 15).getTime()
    expect(localDayKey(beforeMidnight)).toBe('2026-11-24')
    expect(localDayKey(afterMidnight)).toBe('2026-11-25')
    const rows = buildTimelineRows([backup(beforeMidnight), backup(afterMidnight)], NO_FILTERS, NOW)
    expect(rows.filter((row) => row.type === 'day')).toHaveLength(2)
  })

  it('without days (the compact timeline) gives the filtered backups alone, newest first', () => {
    const older = backup(NOW - 3 * DAY)
    const newer = backup(NOW - HOUR, { kind: 'manual' })
    const rows = buildTimelineRows([older, newer], NO_FILTERS, NOW, { days: false })
    expect(rows.map((row) => row.type)).toEqual(['backup', 'backup'])
    expect(rows.map((row) => (row as BackupRow).backup)).toEqual([newer, older])
    const manual = buildTimelineRows([older, newer], { kind: 'manual', part: 'any' }, NOW, { days: false })
    expect(manual.map((row) => (row as BackupRow).backup)).toEqual([newer])
  })

  it('filters by kind and by part, dropping days left empty', () => {
    const scheduledToday = backup(NOW - HOUR, { parts: ['code', 'database'] })
    const manualToday = backup(NOW - 2 * HOUR, { kind: 'manual', parts: ['database'] })
    const scheduledOld = backup(NOW - 3 * DAY, { parts: ['files'] })
    const all = [scheduledToday, manualToday, scheduledOld]

    const manual = buildTimelineRows(all, { kind: 'manual', part: 'any' }, NOW)
    expect(manual.filter((row) => row.type === 'backup').map((row) => (row as BackupRow).backup)).toEqual([manualToday])
    expect(manual.filter((row) => row.type === 'day')).toHaveLength(1)

    const withFiles = buildTimelineRows(all, { kind: 'all', part: 'files' }, NOW)
    expect(withFiles.map((row) => row.type)).toEqual(['day', 'backup'])
    expect((withFiles[1] as BackupRow).backup).toBe(scheduledOld)

    expect(buildTimelineRows(all, { kind: 'manual', part: 'files' }, NOW)).toEqual([])
    expect(matchesFilters(scheduledToday, { kind: 'scheduled', part: 'code' })).toBe(true)
    expect(matchesFilters(scheduledToday, { kind: 'scheduled', part: 'files' })).toBe(false)
  })
})

describe('odd dates', () => {
  // Past ±8.64e15 ms a Date is invalid: toISOString throws and Intl throws a RangeError.
  const ODD = [1e300 * 1000, -1e300, Number.NaN, Infinity, 8.64e15 + 1]

  it.each(ODD)('%s formats as an unknown date instead of throwing', (at) => {
    expect(formatExact(at)).toBe('unknown date')
    expect(formatClock(at)).toBe('unknown time')
    expect(formatRelative(at, NOW)).toBe('at an unknown time')
    expect(formatDayHeading(at, NOW)).toBe('Unknown date')
    expect(localDayKey(at)).toBe('unknown')
    expect(isoMoment(at)).toBeUndefined()
    expect(formatRelative(NOW, at)).toBe('at an unknown time')
  })

  it('keeps backups with odd dates in the timeline, last, under one "Unknown date" heading', () => {
    const rows = buildTimelineRows(
      [backup(1e300 * 1000), backup(NOW - HOUR), backup(Number.NaN), backup(NOW - 2 * HOUR)],
      NO_FILTERS,
      NOW,
    )
    expect(rows.map((row) => (row.type === 'day' ? `${row.label} (${row.count})` : 'backup'))).toEqual([
      'Today (2)',
      'backup',
      'backup',
      'Unknown date (2)',
      'backup',
      'backup',
    ])
  })

  it('renders a timeline row with odd dates instead of throwing', () => {
    const odd = { ...backup(NOW - HOUR), startedAt: 1e300 * 1000, expiresAt: Number.NaN }
    const row = mount(BackupTimelineRow, {
      props: { backup: odd, siteId: 'site-1', env: 'dev', now: NOW },
      global: { plugins: [createTestingPinia({ createSpy: vi.fn })] },
    })
    expect(row.text()).toContain('at an unknown time')
    expect(row.text()).toContain('unknown time')
    expect(row.get('time').attributes('datetime')).toBeUndefined()
    expect(row.get('time').attributes('title')).toBe('unknown date')
    row.unmount()
  })

  it('formats the last representable date', () => {
    expect(isoMoment(8.64e15)).toBe('+275760-09-13T00:00:00.000Z')
    expect(formatExact(8.64e15)).not.toBe('unknown date')
  })
})

describe('wording', () => {
  it('says sizes, durations and relative times the way people read them', () => {
    expect(formatBytes(0)).toBe('0 bytes')
    expect(formatBytes(512)).toBe('512 bytes')
    expect(formatBytes(14_680_064)).toBe('14.0 MiB')
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB')
    expect(formatDuration(12)).toBe('12 s')
    expect(formatDuration(200)).toBe('3 min 20 s')
    expect(formatDuration(3900)).toBe('1 h 5 min')
    expect(formatRelative(NOW - 3 * HOUR, NOW)).toBe('3 hours ago')
    expect(formatRelative(NOW + 5 * DAY, NOW)).toBe('in 5 days')
    expect(formatRelative(NOW - 10_000, NOW)).toBe('just now')
    expect(formatRelative(NOW - DAY, NOW)).toBe('1 day ago')
    expect(formatRelative(NOW + 364 * DAY, NOW)).toBe('in 1 year')
    expect(formatRelative(NOW + 10 * DAY, NOW)).toBe('in 10 days')
    expect(formatRelative(NOW - 50_000, NOW)).toBe('1 minute ago')
    expect(frameworkName('drupal8')).toBe('Drupal 8')
    expect(frameworkName('wordpress')).toBe('WordPress')
  })
})

describe('formatMoment', () => {
  it('names a moment as the main process does, day month and 24-hour clock, with the year only when it differs', () => {
    const at = new Date(2026, 10, 30, 2, 5).getTime()
    expect(formatMoment(at, new Date(2026, 11, 1).getTime())).toBe('30 Nov 02:05')
    expect(formatMoment(new Date(2025, 0, 3, 23, 59).getTime(), at)).toBe('3 Jan 2025 23:59')
    expect(formatMoment(Number.NaN, at)).toBe('an unknown date')
  })
})
