/**
 * The words jobs and previews are told in: moments ("30 Nov 02:00"), spans ("3 hours"), lists of
 * parts ("code, files and database"), environment names at the start of a sentence. The main
 * process writes these sentences (job summaries, busy reasons, loss sentences) so that every page,
 * the OS notification and the saved job say the same thing.
 */
import type { BackupElement } from '../../shared/platform-types'

/** The clock and time zone sentences are written for; tests fix both. */
export interface Clock {
  now(): number
  /** An IANA zone (`UTC`, `Europe/Oslo`); the machine's own when absent. */
  readonly timeZone?: string
}

export const systemClock: Clock = { now: () => Date.now() }

const HOUR = 3_600_000

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterFor(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? ''
  let format = formatters.get(key)
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      year: 'numeric',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      ...(timeZone ? { timeZone } : {}),
    })
    formatters.set(key, format)
  }
  return format
}

/** "30 Nov 02:00", with the year when it is not the clock's ("30 Nov 2025 02:00"). */
export function formatWhen(ms: number, clock: Clock): string {
  const format = formatterFor(clock.timeZone)
  const parts = (at: number): Record<string, string> =>
    Object.fromEntries(format.formatToParts(at).map((part) => [part.type, part.value]))
  const when = parts(ms)
  const year = when.year !== parts(clock.now()).year ? ` ${when.year}` : ''
  return `${when.day} ${when.month}${year} ${when.hour}:${when.minute}`
}

/** "1 day", "3 hours": a count with its noun, singular for exactly one. */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/**
 * A span of time as people say it: under an hour "less than an hour", under 48 hours whole
 * hours ("1 hour", "47 hours"), else whole days ("2 days").
 */
export function spanPhrase(ms: number): string {
  const span = Math.max(0, ms)
  if (span < HOUR) return 'less than an hour'
  if (span < 48 * HOUR) return countOf(Math.floor(span / HOUR), 'hour')
  return countOf(Math.floor(span / (24 * HOUR)), 'day')
}

/** "a", "a and b", "a, b and c". */
export function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? ''
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`
}

/** "Live", "Test": an environment's name at the start of a sentence. */
export function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** "the code", "the files": a part as the subject of a sentence. */
export function thePart(part: BackupElement): string {
  return `the ${part}`
}

/** "was" or "were", for a list of parts as one subject ("the files were", "the code was"). */
export function wasOrWere(parts: readonly BackupElement[]): string {
  return parts.length > 1 || parts[0] === 'files' ? 'were' : 'was'
}

/** A reason as a sentence of its own: trimmed, with its full stop. */
export function asSentence(text: string): string {
  const trimmed = text.trim()
  if (trimmed === '') return ''
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`
}
