/**
 * Turns an environment's backups into the rows the timeline renders: newest first, one heading
 * per local calendar day, after the user's filters. Pure so it is tested without a DOM, and flat
 * so the virtual list can give every row a fixed height.
 */
import type { Backup, BackupElement } from '../../../shared/platform-types'
import { formatDayHeading, isValidMoment, localDayKey } from './format'

/** Which backups the timeline shows. */
export interface TimelineFilters {
  readonly kind: 'all' | 'scheduled' | 'manual'
  /** Only backups that have this part; `any` shows all. */
  readonly part: 'any' | BackupElement
}

/** The filters that hide nothing. */
export const NO_FILTERS: TimelineFilters = { kind: 'all', part: 'any' }

/** A day heading in the timeline. */
export interface DayRow {
  readonly type: 'day'
  readonly key: string
  readonly label: string
  /** How many backups (after filters) that day has. */
  readonly count: number
}

/** One backup in the timeline. */
export interface BackupRow {
  readonly type: 'backup'
  readonly key: string
  readonly backup: Backup
}

export type TimelineRow = DayRow | BackupRow

/** Whether any filter is narrowing the list. */
export function isFiltering(filters: TimelineFilters): boolean {
  return filters.kind !== 'all' || filters.part !== 'any'
}

/** Whether a backup passes the filters. */
export function matchesFilters(backup: Backup, filters: TimelineFilters): boolean {
  if (filters.kind !== 'all' && backup.kind !== filters.kind) return false
  if (filters.part !== 'any' && !backup.parts[filters.part]) return false
  return true
}

/** What kind of backup it is, in a word: "Daily" and "Weekly" for scheduled ones whose place main could tell. */
export function backupKindLabel(backup: Backup): string {
  if (backup.kind === 'manual') return 'Manual'
  if (backup.cadence === 'daily') return 'Daily'
  if (backup.cadence === 'weekly') return 'Weekly'
  return 'Scheduled'
}

/** The toolbar's count: "13 backups", or "2 of 13 backups" while a filter hides some. */
export function backupCountLabel(backups: readonly Backup[], filters: TimelineFilters): string {
  const total = backups.length
  const noun = total === 1 ? 'backup' : 'backups'
  if (!isFiltering(filters)) return `${total} ${noun}`
  const shown = backups.filter((backup) => matchesFilters(backup, filters)).length
  return `${shown} of ${total} ${noun}`
}

/** A backup's start for sorting: one no date can show (NaN, past ±8.64e15 ms) sorts last. */
const sortTime = (backup: Backup): number => (isValidMoment(backup.startedAt) ? backup.startedAt : -Infinity)

/** Newest first, unknown dates last; ties broken by folder so the order is stable across reloads. */
export function sortNewestFirst(backups: readonly Backup[]): Backup[] {
  return [...backups].sort((a, b) => Math.sign(sortTime(b) - sortTime(a) || 0) || b.folder.localeCompare(a.folder))
}

/**
 * Windows this short (1024x700, a laptop with a dock) get the compact timeline: one-line-high
 * rows that carry their own date instead of day headings, so eight or more backups show at once.
 */
export const COMPACT_TIMELINE_QUERY = '(max-height: 820px)'

/**
 * The timeline's rows: day headings (local time) each followed by that day's backups; with
 * `days: false` (the compact timeline, whose rows say their date) the backups alone.
 */
export function buildTimelineRows(
  backups: readonly Backup[],
  filters: TimelineFilters,
  now: number,
  options: { readonly days?: boolean } = {},
): TimelineRow[] {
  const rows: TimelineRow[] = []
  const days = options.days ?? true
  let currentDay: { key: string; index: number; count: number } | null = null
  for (const backup of sortNewestFirst(backups)) {
    if (!matchesFilters(backup, filters)) continue
    if (!days) {
      rows.push({ type: 'backup', key: backup.id, backup })
      continue
    }
    const dayKey = localDayKey(backup.startedAt)
    if (!currentDay || currentDay.key !== dayKey) {
      if (currentDay) rows[currentDay.index] = { ...(rows[currentDay.index] as DayRow), count: currentDay.count }
      currentDay = { key: dayKey, index: rows.length, count: 0 }
      rows.push({ type: 'day', key: `day-${dayKey}`, label: formatDayHeading(backup.startedAt, now), count: 0 })
    }
    currentDay.count += 1
    rows.push({ type: 'backup', key: backup.id, backup })
  }
  if (currentDay) rows[currentDay.index] = { ...(rows[currentDay.index] as DayRow), count: currentDay.count }
  return rows
}
