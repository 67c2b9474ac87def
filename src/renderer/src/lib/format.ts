/**
 * Human wording for sizes, rates and times as the timeline and downloads panel show them.
 * Times are epoch milliseconds and always rendered in the user's local time zone. A time no
 * Date can hold (NaN, or past ±8.64e15 ms, as a ttl of 1e300 makes) reads "unknown date":
 * `Intl` would throw a RangeError and `toISOString` would throw, taking the page down.
 */

// Sizes and rates come from the one formatter the app and the platform share (IEC units).
export { formatBytes, formatRate } from '../../../lib/format-bytes'

/** A duration in seconds as "1 h 5 min", "3 min 20 s" or "12 s". */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds))
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const secs = total % 60
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`
  if (minutes > 0) return secs > 0 && minutes < 10 ? `${minutes} min ${secs} s` : `${minutes} min`
  return `${secs} s`
}

const relativeFormat = new Intl.RelativeTimeFormat('en', { numeric: 'always' })
/** Unit, its length, and from how far away it is used (a year from 350 days: "in 1 year", not "in 12 months"). */
const RELATIVE_STEPS: ReadonlyArray<readonly [Intl.RelativeTimeFormatUnit, number, number]> = [
  ['year', 365 * 24 * 3600_000, 350 * 24 * 3600_000],
  ['month', 30 * 24 * 3600_000, 30 * 24 * 3600_000],
  ['week', 7 * 24 * 3600_000, 14 * 24 * 3600_000],
  ['day', 24 * 3600_000, 24 * 3600_000],
  ['hour', 3600_000, 3600_000],
  ['minute', 60_000, 60_000],
]

/** Whether `at` is a moment a Date can hold. */
export function isValidMoment(at: number): boolean {
  return Number.isFinite(at) && Math.abs(at) <= 8.64e15
}

/** The moment as an ISO string for a `datetime` attribute; undefined (no attribute) when unknown. */
export function isoMoment(at: number): string | undefined {
  return isValidMoment(at) ? new Date(at).toISOString() : undefined
}

/** A moment relative to `now`: "3 hours ago", "in 5 days", "just now". */
export function formatRelative(at: number, now: number): string {
  if (!isValidMoment(at) || !isValidMoment(now)) return 'at an unknown time'
  const delta = at - now
  const magnitude = Math.abs(delta)
  if (magnitude < 45_000) return 'just now'
  for (const [unit, size, from] of RELATIVE_STEPS) {
    if (magnitude >= from) return relativeFormat.format(Math.round(delta / size), unit)
  }
  return relativeFormat.format(Math.sign(delta) || -1, 'minute')
}

// Formatters are built once: `toLocaleString(…, options)` builds one per call, which shows
// when a thousand-row timeline scrolls.
const exactFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
})
const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const secondsClockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' })
const dayWithYearFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
})

/** Full local date and time, e.g. "Thu, 26 Nov 2026, 14:05:09". */
export function formatExact(at: number): string {
  return isValidMoment(at) ? exactFormat.format(at) : 'unknown date'
}

/** Local clock time, e.g. "14:05". */
export function formatClock(at: number): string {
  return isValidMoment(at) ? clockFormat.format(at) : 'unknown time'
}

/** Local clock time with seconds, e.g. "14:05:09" (when a list last refreshed). */
export function formatClockSeconds(at: number): string {
  return isValidMoment(at) ? secondsClockFormat.format(at) : 'unknown time'
}

/** Day-month and 24-hour clock whatever the locale: the form the main process's sentences use. */
const momentFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

/**
 * A backup's moment as buttons and titles name it, local time: "30 Nov 02:00", with the year when
 * it is not this year's ("30 Nov 2025 02:00"). It is written the way the main process writes
 * moments in job summaries and previews, so that a dialog never mixes "Dec 1 11:59 PM" with
 * "1 Dec 23:59".
 */
export function formatMoment(at: number, now: number = Date.now()): string {
  if (!isValidMoment(at)) return 'an unknown date'
  const parts = Object.fromEntries(momentFormat.formatToParts(at).map((part) => [part.type, part.value]))
  const sameYear = isValidMoment(now) && new Date(at).getFullYear() === new Date(now).getFullYear()
  return `${parts.day} ${parts.month}${sameYear ? '' : ` ${parts.year}`} ${parts.hour}:${parts.minute}`
}

/** The local calendar day of a moment as `YYYY-MM-DD` (a stable group key). */
export function localDayKey(at: number): string {
  if (!isValidMoment(at)) return 'unknown'
  const date = new Date(at)
  const month = String(date.getMonth() + 1).padStart(2, '0')
  const day = String(date.getDate()).padStart(2, '0')
  return `${date.getFullYear()}-${month}-${day}`
}

/** A day heading: "Today", "Yesterday", or the local date with its weekday. */
export function formatDayHeading(at: number, now: number): string {
  if (!isValidMoment(at) || !isValidMoment(now)) return 'Unknown date'
  const key = localDayKey(at)
  if (key === localDayKey(now)) return 'Today'
  const yesterday = new Date(now)
  yesterday.setDate(yesterday.getDate() - 1)
  if (key === localDayKey(yesterday.getTime())) return 'Yesterday'
  const sameYear = new Date(at).getFullYear() === new Date(now).getFullYear()
  return (sameYear ? dayFormat : dayWithYearFormat).format(at)
}

/** The first characters of a commit hash. */
export function shortHash(hash: string): string {
  return hash.slice(0, 8)
}

/** A framework id (`drupal8`, `wordpress`) as a short human name. */
export function frameworkName(framework: string): string {
  const lower = framework.toLowerCase()
  if (lower.startsWith('drupal')) {
    const version = lower.slice('drupal'.length)
    return version ? `Drupal ${version}` : 'Drupal'
  }
  if (lower.startsWith('wordpress')) return 'WordPress'
  if (lower === '') return 'Unknown'
  return framework.charAt(0).toUpperCase() + framework.slice(1)
}

/** The message of anything thrown, for showing to the user. */
export function messageOf(cause: unknown): string {
  if (cause instanceof Error) return cause.message
  return String(cause)
}
