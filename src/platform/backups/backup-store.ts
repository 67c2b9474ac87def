/**
 * Backups on disk and the catalog built from them. A backup is a folder
 * `backups/<epoch>_<backup|automated>/` holding its archives and a `backup.json` record.
 * It is built completely in a hidden scratch folder and renamed into place, so the catalog
 * only ever lists whole backups. Every backup gets its own folder: the epoch is the second it
 * started, moved on to the next free second when an earlier backup of the same kind already
 * holds that one (two exports started within a second). Expired backups are deleted when the
 * catalog is read; a backup.json that fails its schema is set aside and the backup left out.
 */
import { mkdir, readdir, stat, copyFile } from 'node:fs/promises'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { z } from 'zod'
import { createTarGz } from '../../lib/archives'
import { moveAside, readSavedState } from '../../lib/saved-state'
import { writeCodeArchive } from '../git/repo'
import type { Layout } from '../storage/layout'
import { isSafeName } from '../storage/layout'
import { exists, fsyncDir, fsyncFile, removeQuietly, renameDurable, writeFileAtomic } from '../../lib/atomic'
import { uniqueSuffix } from '../storage/env-content'

/** The archive kinds a backup can hold. */
export type BackupElement = 'code' | 'database' | 'files'

/** The elements in catalog order. */
export const BACKUP_ELEMENTS: readonly BackupElement[] = ['code', 'database', 'files']

/** One archive of a backup as recorded in backup.json. */
export interface BackupArchiveRecord {
  readonly filename: string
  readonly size: number
  readonly start_time: number
  readonly finish_time: number
  readonly task_id: string
}

/** The backup.json record of one backup folder. */
export interface BackupRecord {
  readonly folder: string
  readonly epoch: number
  readonly ttl: number
  readonly elements: Partial<Record<BackupElement, BackupArchiveRecord>>
  readonly manifest: {
    readonly total_files: number
    readonly total_dirs: number
    readonly total_size: number
    readonly total_entries: number
  }
  /** The environment's code when the backup was taken (used by restore_code on test/live). */
  readonly code?: { readonly targetRef: string; readonly targetCommit: string }
  readonly finishTime: number
}

const archiveSchema: z.ZodType<BackupArchiveRecord> = z.object({
  filename: z.string().refine(isSafeName, 'not a safe file name'),
  size: z.number().int().nonnegative(),
  start_time: z.number(),
  finish_time: z.number(),
  task_id: z.string(),
})

const backupSchema: z.ZodType<BackupRecord> = z.object({
  folder: z.string(),
  epoch: z.number(),
  ttl: z.number(),
  elements: z.object({
    code: archiveSchema.optional(),
    database: archiveSchema.optional(),
    files: archiveSchema.optional(),
  }),
  manifest: z.object({
    total_files: z.number(),
    total_dirs: z.number(),
    total_size: z.number(),
    total_entries: z.number(),
  }),
  code: z.object({ targetRef: z.string(), targetCommit: z.string() }).optional(),
  finishTime: z.number(),
})

/** Where a damaged backup record is reported when the caller names no log. */
const warn = (message: string): void => console.warn(message)

/** Reads a backup folder's backup.json, checked; a damaged one is set aside and reported. */
async function readBackupRecord(
  dir: string,
  folder: string,
  report: (message: string) => void,
): Promise<BackupRecord | undefined> {
  const schema = backupSchema.refine((backup) => backup.folder === folder, {
    message: `the folder does not match the backup's folder name ${folder}`,
    path: ['folder'],
  })
  return readSavedState(join(dir, 'backup.json'), schema, {
    what: `The record of backup ${folder}`,
    startsWith: 'that backup is left out of the catalog',
    report: (damage) => report(damage.message),
  })
}

/** What a new backup is made from. */
export interface BackupSources {
  readonly code?: { readonly sha: string; readonly headRef: string }
  readonly databaseFile?: string
  readonly filesDir?: string
}

/** The folder name of a backup started at `epoch` (seconds). */
export function backupFolderName(epoch: number, kind: 'backup' | 'automated'): string {
  return `${Math.floor(epoch)}_${kind}`
}

/**
 * A folder name no backup of the environment holds yet: `<epoch>_<kind>`, or the first later
 * second that is free. Workflows of one environment run one at a time, so nothing else picks a
 * folder for it between this check and the build; the caller remembers the name for reruns.
 */
export async function freeBackupFolderName(
  layout: Layout,
  siteId: string,
  env: string,
  epoch: number,
  kind: 'backup' | 'automated',
): Promise<string> {
  for (let second = Math.floor(epoch); ; second += 1) {
    const folder = backupFolderName(second, kind)
    if (!(await exists(layout.backupDir(siteId, env, folder)))) return folder
  }
}

/** The contract's archive file name: `{site}_{env}_{YYYY-MM-DD}T{HH-MM-SS}_UTC_{suffix}`. */
export function backupFileName(siteName: string, env: string, epoch: number, element: BackupElement): string {
  const iso = new Date(Math.floor(epoch) * 1000).toISOString() // 2016-08-18T23:16:20.000Z
  const stamp = `${iso.slice(0, 10)}T${iso.slice(11, 19).replaceAll(':', '-')}`
  const suffix = element === 'code' ? 'code.tar.gz' : element === 'database' ? 'database.sql.gz' : 'files.tar.gz'
  return `${siteName}_${env}_${stamp}_UTC_${suffix}`
}

/** The top folder inside code archives. */
export function codeArchiveTopFolder(env: string): string {
  return `code_${env}`
}

/** Options for building a backup. */
export interface BuildBackupOptions {
  readonly layout: Layout
  readonly siteId: string
  readonly siteName: string
  readonly env: string
  readonly folder: string
  readonly ttl: number
  readonly sources: BackupSources
  /** Wall-clock times to record (the seed records past times); default now. */
  readonly finishTime?: number
  /** Called before each archive is written, for workflow progress. */
  readonly onElement?: (element: BackupElement) => Promise<void>
  /** Reuses identical code archives across backups (seed speed). sha:headRef → file. */
  readonly codeArchiveCache?: Map<string, string>
  /** Told when a damaged backup record is set aside; default console.warn. */
  readonly report?: (message: string) => void
}

/**
 * Builds a backup folder completely, then renames it into place. A folder that already
 * exists is a backup finished before (a rerun after a restart) and is kept as it is.
 */
export async function buildBackup(opts: BuildBackupOptions): Promise<BackupRecord> {
  const { layout, siteId, env, folder } = opts
  const finalDir = layout.backupDir(siteId, env, folder)
  const existing = await readBackupRecord(finalDir, folder, opts.report ?? warn)
  if (existing) return existing
  // A folder without a usable record (its backup.json was damaged) is kept aside, not deleted.
  if (await exists(finalDir))
    (opts.report ?? warn)(`Backup folder ${finalDir} was moved to ${await moveAside(finalDir)}.`)
  const epoch = Number.parseInt(folder, 10)
  const scratch = join(layout.backupsDir(siteId, env), `.tmp-${folder}-${uniqueSuffix()}`)
  await mkdir(scratch, { recursive: true })
  try {
    const elements: Partial<Record<BackupElement, BackupArchiveRecord>> = {}
    let manifest = { total_files: 0, total_dirs: 0, total_size: 0, total_entries: 0 }
    const clock = (): number => opts.finishTime ?? Date.now() / 1000
    const record = async (element: BackupElement, make: (out: string) => Promise<void>): Promise<void> => {
      await opts.onElement?.(element)
      const filename = backupFileName(opts.siteName, env, epoch, element)
      const out = join(scratch, filename)
      const start = opts.finishTime !== undefined ? epoch + 1 : Date.now() / 1000
      await make(out)
      await fsyncFile(out)
      const size = (await stat(out)).size
      elements[element] = {
        filename,
        size,
        start_time: start,
        finish_time: Math.max(start, clock()),
        task_id: randomUUID(),
      }
    }
    if (opts.sources.code) {
      const { sha, headRef } = opts.sources.code
      await record('code', async (out) => {
        const cacheKey = `${sha}:${headRef}:${env}`
        const cached = opts.codeArchiveCache?.get(cacheKey)
        if (cached) {
          await copyFile(cached, out)
          return
        }
        await writeCodeArchive(layout.repoDir(siteId), sha, headRef, out, codeArchiveTopFolder(env), {
          scratchDir: scratch,
        })
        opts.codeArchiveCache?.set(cacheKey, out)
      })
    }
    if (opts.sources.databaseFile) {
      const source = opts.sources.databaseFile
      await record('database', (out) => copyFile(source, out))
    }
    if (opts.sources.filesDir) {
      const source = opts.sources.filesDir
      await record('files', async (out) => {
        const summary = await createTarGz(source, out, `files_${env}`)
        manifest = {
          total_files: summary.files,
          total_dirs: summary.dirs,
          total_size: summary.totalSize,
          total_entries: summary.files + summary.dirs,
        }
      })
    }
    const finishTimes = Object.values(elements).map((element) => element.finish_time)
    const backup: BackupRecord = {
      folder,
      epoch,
      ttl: opts.ttl,
      elements,
      manifest,
      ...(opts.sources.code
        ? { code: { targetRef: opts.sources.code.headRef, targetCommit: opts.sources.code.sha } }
        : {}),
      finishTime: finishTimes.length > 0 ? Math.max(...finishTimes) : clock(),
    }
    await writeFileAtomic(join(scratch, 'backup.json'), JSON.stringify(backup, null, 1) + '\n')
    await fsyncDir(scratch)
    // finalDir sits in layout.backupsDir(siteId, env): renameDurable flushes that folder.
    await renameDurable(scratch, finalDir)
    if (opts.codeArchiveCache && opts.sources.code) {
      const key = `${opts.sources.code.sha}:${opts.sources.code.headRef}:${env}`
      const code = elements.code
      if (code) opts.codeArchiveCache.set(key, join(finalDir, code.filename))
    }
    return backup
  } catch (error) {
    await removeQuietly(scratch)
    throw error
  }
}

/** True when the backup's ttl has run out at `now` (seconds). */
export function isExpired(backup: BackupRecord, now: number): boolean {
  return backup.finishTime + backup.ttl <= now
}

/** Lists the environment's live backups, newest first, deleting the expired ones. */
export async function listBackups(
  layout: Layout,
  siteId: string,
  env: string,
  now = Date.now() / 1000,
  report: (message: string) => void = warn,
): Promise<BackupRecord[]> {
  const dir = layout.backupsDir(siteId, env)
  let entries: string[]
  try {
    entries = await readdir(dir)
  } catch {
    return []
  }
  const backups: BackupRecord[] = []
  for (const entry of entries) {
    if (entry.startsWith('.') || !isSafeName(entry)) continue
    const backup = await readBackupRecord(join(dir, entry), entry, report)
    if (!backup) continue
    if (isExpired(backup, now)) {
      await removeQuietly(join(dir, entry))
      continue
    }
    backups.push(backup)
  }
  return backups.sort((a, b) => b.epoch - a.epoch || b.folder.localeCompare(a.folder))
}

/** Finds one live backup by folder name. */
export async function findBackup(
  layout: Layout,
  siteId: string,
  env: string,
  folder: string,
  now = Date.now() / 1000,
  report: (message: string) => void = warn,
): Promise<BackupRecord | undefined> {
  if (!isSafeName(folder)) return undefined
  const backup = await readBackupRecord(layout.backupDir(siteId, env, folder), folder, report)
  if (!backup || isExpired(backup, now)) return undefined
  return backup
}

/** The contract's catalog object for a list of backups. */
export function catalogJson(backups: readonly BackupRecord[], buildBase: string): Record<string, unknown> {
  const catalog: Record<string, unknown> = {}
  for (const backup of backups) {
    const common = {
      endpoint_uuid: '00000000-0000-4000-8000-000000000000',
      BUILD_URL: `${buildBase}/${backup.folder}/`,
      BUILD_TAG: `restore-desk-backup-${backup.folder}`,
      ttl: backup.ttl,
      folder: backup.folder,
    }
    for (const element of BACKUP_ELEMENTS) {
      const archive = backup.elements[element]
      if (!archive) continue
      catalog[`${backup.folder}_${element}`] = {
        ...common,
        task_id: archive.task_id,
        filename: archive.filename,
        size: archive.size,
        timestamp: Math.floor(archive.finish_time),
        start_time: archive.start_time,
        finish_time: archive.finish_time,
        // [ext] Pantheon's catalog does not say which commit a code backup holds; this one does.
        ...(element === 'code' && backup.code
          ? { commit: backup.code.targetCommit, target_ref: backup.code.targetRef }
          : {}),
      }
    }
    catalog[`${backup.folder}_manifest`] = {
      ...common,
      size: 0,
      timestamp: Math.floor(backup.finishTime),
      total_files: backup.manifest.total_files,
      total_dirs: backup.manifest.total_dirs,
      total_size: backup.manifest.total_size,
      total_entries: backup.manifest.total_entries,
    }
  }
  return catalog
}
