/**
 * Gathers what a restore or clone dialog shows before anything happens: the environments, the
 * backups catalogs of source and target, the code log (read until the two commits compare, see
 * preview-math.ts), the target's current content (the [ext] content summary; on Pantheon its
 * newest backup, "as of" that backup), the domains for WordPress's URL replacement, and whether
 * the target is busy. Nothing here changes anything.
 */
import type {
  ClonePreview,
  CodeChangePreview,
  ContentChangePreview,
  ContentSide,
  RestorePreview,
} from '../../shared/jobs'
import type { Backup, BackupElement, CodeLogEntry, Environment, EnvironmentContent } from '../../shared/platform-types'
import { CODE_LOG_CAP, type PlatformClient } from '../api/client'
import { AppError } from '../errors'
import { finishedParts, SAFETY_KEEP_DAYS } from './plan'
import { compareCommits, estimateBackupCommit, lossSentence, replacementSentence } from './preview-math'
import { formatWhen, type Clock } from './wording'

/** What a preview reads through. */
export interface PreviewDeps {
  readonly client: Pick<
    PlatformClient,
    'listEnvironments' | 'backupCatalog' | 'codeLog' | 'contentSummary' | 'platformDomain' | 'getSite'
  >
  /** Why `env` cannot take a job now, or null (asked fresh). */
  readonly busyReason: (siteId: string, env: string) => Promise<string | null>
  readonly clock: Clock
}

export interface RestorePreviewInput {
  readonly siteId: string
  readonly env: string
  readonly sourceEnv: string
  readonly folder: string
  /** An undo puts back only these parts. */
  readonly onlyParts?: readonly BackupElement[]
}

function findEnv(environments: readonly Environment[], name: string): Environment {
  const env = environments.find((e) => e.name === name)
  if (!env) throw new AppError('not_found', `This site has no environment named ${name}. Reload the site.`)
  return env
}

/** A site's backups of one environment, each catalog read once per preview. */
function catalogs(deps: PreviewDeps, siteId: string): (env: string) => Promise<Backup[]> {
  const cache = new Map<string, Promise<Backup[]>>()
  return (env) => {
    let catalog = cache.get(env)
    if (!catalog) {
      catalog = deps.client.backupCatalog(siteId, env)
      cache.set(env, catalog)
    }
    return catalog
  }
}

function newestWith(backups: readonly Backup[], part: BackupElement): Backup | null {
  return backups.find((b) => b.parts[part]?.finished) ?? null
}

/** A backup's side of a part: the database dump's size, the files' count and total when the manifest says. */
export function backupSide(backup: Backup, part: 'database' | 'files', note: string | null): ContentSide {
  const archive = backup.parts[part]
  const manifest = part === 'files' ? backup.manifest : undefined
  return {
    size: manifest && manifest.totalSize > 0 ? manifest.totalSize : (archive?.size ?? null),
    fileCount: manifest ? manifest.totalFiles : null,
    at: backup.startedAt,
    note,
  }
}

/** The environment's own side of a part: its content summary, else its newest backup, else unknown. */
function currentSide(
  part: 'database' | 'files',
  content: EnvironmentContent | null,
  backups: readonly Backup[],
  env: string,
  clock: Clock,
): ContentSide {
  if (content) {
    return part === 'database'
      ? { size: content.database.size, fileCount: null, at: content.database.modifiedAt, note: null }
      : { size: content.files.size, fileCount: content.files.count, at: content.files.modifiedAt, note: null }
  }
  const newest = newestWith(backups, part)
  if (!newest) return { size: null, fileCount: null, at: null, note: `not known: ${env} has no backup of its ${part}` }
  return backupSide(newest, part, `as of its newest backup, ${formatWhen(newest.startedAt, clock)}`)
}

/** The code part of a restore into the backup's own environment. */
async function codePreview(
  deps: PreviewDeps,
  siteId: string,
  env: Environment,
  backup: Backup,
): Promise<CodeChangePreview> {
  const platformCommit = backup.parts.code?.commit ?? null
  const current = env.targetCommit
  const backupCommitIn = (commits: readonly CodeLogEntry[]): string | null =>
    platformCommit ?? estimateBackupCommit(commits, env.name, backup.startedAt)
  const log = await deps.client.codeLog(siteId, env.name, {
    until: (commits) => compareCommits(commits, current, backupCommitIn(commits), false).complete,
  })
  const backupCommit = backupCommitIn(log)
  const comparison = compareCommits(log, current, backupCommit, log.length < CODE_LOG_CAP)
  return {
    currentCommit: current,
    backupCommit,
    backupCommitSource: platformCommit ? 'platform' : backupCommit ? 'estimated' : 'unknown',
    lostCount: comparison.lostCount,
    newestLost: comparison.newestLost,
    regainedCount: comparison.regainedCount,
  }
}

/** What restoring `env` from `sourceEnv`'s backup `folder` would change. */
export async function restorePreview(deps: PreviewDeps, input: RestorePreviewInput): Promise<RestorePreview> {
  const { siteId } = input
  const catalog = catalogs(deps, siteId)
  const [environments, sourceBackups, busy] = await Promise.all([
    deps.client.listEnvironments(siteId),
    catalog(input.sourceEnv),
    deps.busyReason(siteId, input.env),
  ])
  const env = findEnv(environments, input.env)
  const source = findEnv(environments, input.sourceEnv)
  const backup = sourceBackups.find((b) => b.folder === input.folder)
  if (!backup) {
    throw new AppError(
      'not_found',
      `${source.name}'s catalog has no backup ${input.folder} (it may have expired). Reload the backups and choose another.`,
    )
  }
  const sameEnv = source.name === env.name
  const backupParts = finishedParts(backup)
  const restorableParts = backupParts.filter(
    (part) => (sameEnv || part !== 'code') && (!input.onlyParts || input.onlyParts.includes(part)),
  )
  const content = restorableParts.filter((part): part is 'database' | 'files' => part !== 'code')
  const [code, summary, targetBackups] = await Promise.all([
    sameEnv && restorableParts.includes('code') ? codePreview(deps, siteId, env, backup) : Promise.resolve(null),
    content.length > 0 ? deps.client.contentSummary(siteId, env.name) : Promise.resolve(null),
    catalog(env.name),
  ])
  let backupCommit = code?.backupCommit ?? backup.parts.code?.commit ?? null
  if (!sameEnv && backupCommit === null && backup.parts.code?.finished) {
    const log = await deps.client.codeLog(siteId, source.name, {
      until: (commits) => commits.some((c) => c.committedAt <= backup.startedAt),
    })
    backupCommit = estimateBackupCommit(log, source.name, backup.startedAt)
  }
  const newestOfTarget = targetBackups.find((b) => b.finished) ?? null
  return {
    siteId,
    env: env.name,
    envIsLive: env.isLive,
    sourceEnv: source.name,
    folder: backup.folder,
    backupAt: backup.startedAt,
    backupParts,
    restorableParts,
    code,
    backupCommit,
    content: content.map((part): ContentChangePreview => ({
      part,
      incoming: backupSide(backup, part, null),
      current: currentSide(part, summary, targetBackups, env.name, deps.clock),
    })),
    lossSentence: sameEnv
      ? lossSentence(env.name, backup.startedAt, deps.clock)
      : replacementSentence(
          env.name,
          source.name,
          restorableParts,
          backup.startedAt,
          newestOfTarget?.startedAt ?? null,
          deps.clock,
        ),
    busy,
    safetyKeepDays: SAFETY_KEEP_DAYS,
  }
}

/** Which clone options apply, from the site's framework. */
export function cmsOf(framework: string): ClonePreview['cms'] {
  if (framework.startsWith('drupal')) return 'drupal'
  if (framework.startsWith('wordpress')) return 'wordpress'
  return 'other'
}

/** What cloning the database and files from `from` into `to` would change. */
export async function clonePreview(
  deps: PreviewDeps,
  input: { readonly siteId: string; readonly from: string; readonly to: string },
): Promise<ClonePreview> {
  const { siteId } = input
  if (input.from === input.to) throw new AppError('bad_request', 'Clone from another environment than the target.')
  const catalog = catalogs(deps, siteId)
  const [site, environments, busy, fromContent, toContent, fromBackups, toBackups, fromDomain, toDomain] =
    await Promise.all([
      deps.client.getSite(siteId),
      deps.client.listEnvironments(siteId),
      deps.busyReason(siteId, input.to),
      deps.client.contentSummary(siteId, input.from),
      deps.client.contentSummary(siteId, input.to),
      catalog(input.from),
      catalog(input.to),
      deps.client.platformDomain(siteId, input.from),
      deps.client.platformDomain(siteId, input.to),
    ])
  const from = findEnv(environments, input.from)
  const to = findEnv(environments, input.to)
  const parts = ['files', 'database'] as const
  const newestOfTarget = toBackups.find((b) => b.finished) ?? null
  return {
    siteId,
    from: from.name,
    to: to.name,
    toIsLive: to.isLive,
    cms: cmsOf(site.framework),
    content: parts.map((part): ContentChangePreview => ({
      part,
      incoming: currentSide(part, fromContent, fromBackups, from.name, deps.clock),
      current: currentSide(part, toContent, toBackups, to.name, deps.clock),
    })),
    fromDomain,
    toDomain,
    lossSentence: replacementSentence(
      to.name,
      from.name,
      ['database', 'files'],
      null,
      newestOfTarget?.startedAt ?? null,
      deps.clock,
    ),
    busy,
    safetyKeepDays: SAFETY_KEEP_DAYS,
  }
}
