/**
 * What Home says of each environment: how old its newest backup is, and whether live's is too
 * old. Pure so the rule is tested without a page. "Newest" counts only finished backups: one
 * still running cannot be restored yet, so it does not make live safe.
 */
import type { Backup } from '../../../shared/platform-types'

export const DAY_MS = 24 * 60 * 60 * 1000

/** When the newest finished backup started, or null when there is none. */
export function newestBackupAt(backups: readonly Backup[]): number | null {
  let newest: number | null = null
  for (const backup of backups) {
    if (backup.finished && Number.isFinite(backup.startedAt) && (newest === null || backup.startedAt > newest))
      newest = backup.startedAt
  }
  return newest
}

/** Live with no backup, or whose newest backup is more than a day old; other environments never warn. */
export function liveBackupIsStale(env: string, newest: number | null, now: number): boolean {
  if (env !== 'live') return false
  return newest === null || now - newest > DAY_MS
}

/** Runs `work` over `items` with at most `limit` at a time, so a long site list does not flood the platform. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!
      await work(item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
}
