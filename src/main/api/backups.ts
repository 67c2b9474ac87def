/**
 * Turns a backups catalog (`GET .../backups/catalog`, an object keyed
 * `<folder>_<element>`) into one {@link Backup} per folder, newest first.
 *
 * Pantheon's real catalogs (see the recordings) have quirks this absorbs:
 * an empty body instead of `{}`; manifests that outlive their archives
 * (a manifest keeps a year's ttl while a daily backup's parts expire after
 * days), which leaves folders with nothing to download — those are dropped;
 * folders with only some parts (a database-only backup); archives still being
 * written (size 0, no finish time); and part ttls that differ from the manifest's. A code entry's
 * [ext] `commit` (the embedded platform says which commit the archive holds) is kept when it is a
 * full 40-hex commit id. Odd
 * numbers (a ttl of 1e300, a negative time, a string) never hide a backup: see ./time.
 */
import { z } from 'zod'
import type { Backup, BackupElement, BackupManifest, BackupPart } from '../../shared/platform-types'
import { BACKUP_ELEMENTS } from '../../shared/platform-types'
import { clampMs, lenientNumber, secondsToMs } from './time'

// Numbers are read leniently (see ./time): an odd ttl or time must not hide a backup.
const entryWire = z.object({
  folder: z.string().nullish(),
  filename: z.string().nullish(),
  size: lenientNumber,
  timestamp: lenientNumber,
  start_time: lenientNumber,
  finish_time: lenientNumber,
  ttl: lenientNumber,
  total_files: lenientNumber,
  total_dirs: lenientNumber,
  total_size: lenientNumber,
  /** [ext] Code entries of the embedded platform: the commit the archive's HEAD is. */
  commit: z.unknown().optional(),
})

type Entry = z.output<typeof entryWire>

/** The catalog as sent: an object, or (Pantheon, when empty) no body or `[]`. */
export const catalogWire = z.union([z.record(z.string(), z.unknown()), z.tuple([])]).nullable()

const KEY = /^(\d+_[A-Za-z]+)_(code|database|files|manifest)$/
const FOLDER = /^(\d+)_([A-Za-z]+)$/

const toMs = secondsToMs

/** A full commit id; anything else in the [ext] `commit` field is ignored, not trusted. */
const COMMIT = /^[0-9a-f]{40}$/i

/** Whether a catalog entry is a complete archive: `size != 0` and a finish time or timestamp. */
export function isFinishedEntry(entry: {
  size?: number | null
  finish_time?: number | null
  timestamp?: number | null
}): boolean {
  return (
    typeof entry.size === 'number' &&
    entry.size !== 0 &&
    (toMs(entry.finish_time) !== null || toMs(entry.timestamp) !== null)
  )
}

function toPart(element: BackupElement, entry: Entry): BackupPart | null {
  if (!entry.filename) return null
  const finished = isFinishedEntry(entry)
  const finishedAt = finished ? (toMs(entry.finish_time) ?? toMs(entry.timestamp)) : null
  const ttl = entry.ttl
  const commit =
    element === 'code' && typeof entry.commit === 'string' && COMMIT.test(entry.commit) ? entry.commit : null
  return {
    element,
    filename: entry.filename,
    size: Math.max(0, entry.size ?? 0),
    finished,
    startedAt: toMs(entry.start_time),
    finishedAt,
    expiresAt: finishedAt !== null && typeof ttl === 'number' && ttl > 0 ? clampMs(finishedAt + ttl * 1000) : null,
    ...(commit ? { commit: commit.toLowerCase() } : {}),
  }
}

interface FolderAccumulator {
  parts: Partial<Record<BackupElement, BackupPart>>
  manifest?: BackupManifest
  /** The longest ttl of its archives (not the manifest's, which Pantheon keeps for a year), seconds. */
  ttl?: number
}

/**
 * Kept longer than this, a scheduled backup is the weekly one. Pantheon keeps the daily backups
 * about a week and the weekly one about a month (the embedded platform: 8 and 32 days); the
 * catalog says nothing else about which is which, so the ttl decides.
 */
export const WEEKLY_TTL_THRESHOLD_SECONDS = 14 * 86400

function cadenceOf(ttl: number | undefined): 'daily' | 'weekly' | undefined {
  if (ttl === undefined) return undefined
  return ttl > WEEKLY_TTL_THRESHOLD_SECONDS ? 'weekly' : 'daily'
}

/**
 * Parses a catalog into backups, newest first. Entries that are not objects,
 * or whose key is not `<epoch>_<kind>_<element>`, are ignored rather than
 * failing the whole timeline.
 */
export function backupsFromCatalog(catalog: unknown): Backup[] {
  if (!catalog || typeof catalog !== 'object' || Array.isArray(catalog)) return []
  const folders = new Map<string, FolderAccumulator>()
  for (const [key, raw] of Object.entries(catalog as Record<string, unknown>)) {
    const match = KEY.exec(key)
    const parsed = entryWire.safeParse(raw)
    if (!match || !parsed.success) continue
    const entry = parsed.data
    const folder = entry.folder && FOLDER.test(entry.folder) ? entry.folder : match[1]!
    const element = match[2] as BackupElement | 'manifest'
    const acc = folders.get(folder) ?? { parts: {} }
    folders.set(folder, acc)
    if (element === 'manifest') {
      acc.manifest = {
        totalFiles: entry.total_files ?? 0,
        totalDirs: entry.total_dirs ?? 0,
        totalSize: entry.total_size ?? 0,
      }
    } else {
      const part = toPart(element, entry)
      if (part) acc.parts[element] = part
      if (part && typeof entry.ttl === 'number' && entry.ttl > 0) acc.ttl = Math.max(acc.ttl ?? 0, entry.ttl)
    }
  }

  const backups: Backup[] = []
  for (const [folder, acc] of folders) {
    const parts = BACKUP_ELEMENTS.map((e) => acc.parts[e]).filter((p): p is BackupPart => p !== undefined)
    // A manifest alone means the archives have expired: nothing to show or fetch.
    if (parts.length === 0) continue
    const [, epoch, suffix] = FOLDER.exec(folder)!
    const finished = parts.every((p) => p.finished)
    const expiries = parts.map((p) => p.expiresAt).filter((t): t is number => t !== null)
    backups.push({
      id: folder,
      folder,
      kind: suffix === 'automated' ? 'scheduled' : 'manual',
      ...(suffix === 'automated' && cadenceOf(acc.ttl) ? { cadence: cadenceOf(acc.ttl)! } : {}),
      // The folder's epoch is digits, but maybe more of them than a date can hold.
      startedAt: clampMs(Number(epoch) * 1000) ?? 0,
      finishedAt: finished ? Math.max(...parts.map((p) => p.finishedAt ?? 0)) : null,
      expiresAt: finished && expiries.length > 0 ? Math.min(...expiries) : null,
      finished,
      parts: Object.fromEntries(parts.map((p) => [p.element, p])),
      totalSize: parts.reduce((sum, p) => sum + (p.finished ? p.size : 0), 0),
      ...(acc.manifest ? { manifest: acc.manifest } : {}),
    })
  }
  return backups.sort((a, b) => b.startedAt - a.startedAt || (a.folder < b.folder ? 1 : -1))
}
