/**
 * Times and numbers from a platform's answers, made safe to show. A platform can send a ttl
 * of 1e300, a negative timestamp or a string where a number belongs; JavaScript dates end at
 * ±8.64e15 ms, and past that `new Date(x)` is Invalid Date, whose `toISOString` throws (and
 * `Intl` formatting throws a RangeError). So every moment the client hands on is null or a
 * real date: an unreadable one becomes null, one past the last date is clamped to it.
 */
import { z } from 'zod'

/** The last moment a JavaScript Date can hold (+275760-09-13). */
export const MAX_DATE_MS = 8.64e15

/** Clamps epoch milliseconds into the range a Date can hold; null when not a positive finite number. */
export function clampMs(ms: number | null | undefined): number | null {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms <= 0) return null
  return Math.min(Math.round(ms), MAX_DATE_MS)
}

/** Epoch seconds → clamped epoch ms; null when absent, unreadable, zero or negative. */
export function secondsToMs(seconds: number | null | undefined): number | null {
  return typeof seconds === 'number' ? clampMs(seconds * 1000) : null
}

/**
 * A number field read leniently: a finite number, or a decimal string of one (some PHP
 * platforms send `"3600"`); anything else is null rather than failing the whole entry.
 */
export const lenientNumber = z
  .unknown()
  .optional()
  .transform((value): number | null => {
    const number =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)
          ? Number(value)
          : NaN
    return Number.isFinite(number) ? number : null
  })
