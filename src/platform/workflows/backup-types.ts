/**
 * The backup workflows (do_export and the scheduled automated_backup): what to back up, for how
 * long, and the run that builds the backup folder from the environment's current content.
 */
import { buildBackup, freeBackupFolderName, type BackupElement, type BackupSources } from '../backups/backup-store'
import type { PlatformContext } from '../core'
import { HttpError } from '../http'
import type { WorkflowRun, WorkflowType } from './queue'
import { flag } from './steps'

/** Daily and weekly automated backup lifetimes (Pantheon's defaults). */
export const DAILY_BACKUP_TTL = 8 * 86400
export const WEEKLY_BACKUP_TTL = 32 * 86400
/** The hour (UTC) automated backups run and the weekday (0 = Sunday) that keeps the weekly one. */
export const BACKUP_HOUR = 16
export const WEEKLY_BACKUP_DAY = 5

const ELEMENT_LABEL: Record<BackupElement, string> = { code: 'code', database: 'database', files: 'files' }

/** Sources for a backup of the environment's current content. */
async function currentSources(
  platform: PlatformContext,
  siteId: string,
  env: string,
  want: Record<BackupElement, boolean>,
): Promise<BackupSources> {
  const record = platform.environment(siteId, env)
  return {
    ...(want.code && record.targetCommit && record.targetRef
      ? { code: { sha: record.targetCommit, headRef: record.targetRef } }
      : {}),
    ...(want.database ? { databaseFile: platform.layout.databaseFile(siteId, env) } : {}),
    ...(want.files ? { filesDir: await platform.content.currentFilesDir(siteId, env) } : {}),
  }
}

async function runBackup(
  run: WorkflowRun,
  kind: 'backup' | 'automated',
  ttl: number,
  want: Record<BackupElement, boolean>,
): Promise<string> {
  const { workflow, platform } = run
  const site = platform.site(workflow.site_id)
  if (typeof workflow.internal.folder !== 'string')
    await run.remember(
      'folder',
      await freeBackupFolderName(platform.layout, site.id, workflow.environment, workflow.created_at, kind),
    )
  const folder = String(workflow.internal.folder)
  const sources = await currentSources(platform, site.id, workflow.environment, want)
  let step = 0
  await buildBackup({
    layout: platform.layout,
    siteId: site.id,
    siteName: site.name,
    env: workflow.environment,
    folder,
    ttl,
    sources,
    onElement: (element) => run.progress(++step, `Backing up ${ELEMENT_LABEL[element]} of "${workflow.environment}"`),
    report: platform.log,
  })
  return `Backed up "${workflow.environment}" (${folder})`
}

/** The longest a manual backup is kept (Pantheon's limit for `backup:create --keep-for`), and the default. */
export const MAX_EXPORT_TTL = 365 * 86400

/**
 * The ttl a do_export asked for, or why it cannot be used. Absent means the default; anything
 * else must be whole seconds from 1 to {@link MAX_EXPORT_TTL}: an unbounded one (1e300) made an
 * expiry no date can hold, which hid the backup from the page.
 */
function exportTtl(params: Readonly<Record<string, unknown>>): number | { refused: string } {
  const ttl = params.ttl
  if (ttl === undefined || ttl === null) return MAX_EXPORT_TTL
  if (typeof ttl === 'number' && Number.isInteger(ttl) && ttl >= 1 && ttl <= MAX_EXPORT_TTL) return ttl
  const shown = JSON.stringify(ttl) ?? String(ttl)
  return {
    refused: `"ttl" must be a whole number of seconds from 1 to ${MAX_EXPORT_TTL} (365 days), how long to keep the backup; got ${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}.`,
  }
}

function wantedElements(params: Readonly<Record<string, unknown>>): Record<BackupElement, boolean> {
  const any = ['code', 'database', 'files'].some((key) => key in params)
  return any
    ? { code: flag(params.code), database: flag(params.database), files: flag(params.files) }
    : { code: true, database: true, files: true }
}

export const backupTypes = {
  do_export: {
    tasks: (params) => Math.max(1, Object.values(wantedElements(params)).filter(Boolean).length),
    describe: (env, params) => {
      const parts = (['code', 'files', 'database'] as const).filter((k) => wantedElements(params)[k])
      return `Export ${parts.join(', ').replace(/, ([^,]*)$/, ' and $1')} from "${env}"`
    },
    validateStart: (_platform, _siteId, _env, params) => {
      const ttl = exportTtl(params)
      if (typeof ttl !== 'number') throw new HttpError(400, ttl.refused)
    },
    run: (run) => {
      // A workflow saved before ttls were checked runs with the default rather than an unbounded one.
      const ttl = exportTtl(run.workflow.params)
      return runBackup(
        run,
        'backup',
        typeof ttl === 'number' ? ttl : MAX_EXPORT_TTL,
        wantedElements(run.workflow.params),
      )
    },
  },
  automated_backup: {
    tasks: () => 3,
    describe: (env) => `Automated backup of "${env}"`,
    run: (run) => {
      const weekday = new Date(run.workflow.created_at * 1000).getUTCDay()
      return runBackup(run, 'automated', weekday === WEEKLY_BACKUP_DAY ? WEEKLY_BACKUP_TTL : DAILY_BACKUP_TTL, {
        code: true,
        database: true,
        files: true,
      })
    },
  },
} satisfies Record<string, WorkflowType>
