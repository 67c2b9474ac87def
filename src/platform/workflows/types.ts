/**
 * Every workflow type of the contract. Each one builds new content completely in scratch
 * space, checks it, and only then swaps it in atomically, so a failure (bad input, crash,
 * restart) leaves the environment exactly as it was, and running it again is harmless.
 */
import { createWriteStream } from 'node:fs'
import { copyFile, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { pipeline } from 'node:stream/promises'
import { ArchiveError, checkSqlGz, extractTarGzSafe, inspectTarGz } from '../../lib/archives'
import { formatBytes } from '../../lib/format-bytes'
import {
  createAnnotatedTag,
  deleteRef,
  importCodeArchive,
  listRefs,
  reachableCommits,
  resolveCommit,
  setRef,
} from '../git/repo'
import {
  buildBackup,
  findBackup,
  freeBackupFolderName,
  type BackupElement,
  type BackupSources,
} from '../backups/backup-store'
import type { PlatformContext } from '../core'
import { HttpError } from '../http'
import { isSafeName } from '../storage/layout'
import { removeQuietly } from '../../lib/atomic'
import type { EnvironmentRecord } from '../storage/state'
import { WorkflowFailure, type WorkflowRun, type WorkflowType } from './queue'

/** Daily and weekly automated backup lifetimes (Pantheon's defaults). */
export const DAILY_BACKUP_TTL = 8 * 86400
export const WEEKLY_BACKUP_TTL = 32 * 86400
/** The hour (UTC) automated backups run and the weekday (0 = Sunday) that keeps the weekly one. */
export const BACKUP_HOUR = 16
export const WEEKLY_BACKUP_DAY = 5

const ELEMENT_LABEL: Record<BackupElement, string> = { code: 'code', database: 'database', files: 'files' }

function flag(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 'true'
}

function archiveReason(what: string, error: unknown): never {
  if (error instanceof ArchiveError) throw new WorkflowFailure(`The ${what} was refused: ${error.message}`)
  throw error
}

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

/** Resolves a restore key `{site_id}/{env}/{folder}/{filename}` to a live backup archive. */
async function resolveBackupKey(platform: PlatformContext, siteId: string, key: unknown, element: BackupElement) {
  const advice =
    'Pick a backup from the environment\'s backups catalog and use its "{site_id}/{env}/{folder}/{filename}" key.'
  if (typeof key !== 'string' || key === '') throw new WorkflowFailure(`No backup key was given. ${advice}`)
  const parts = key.split('/')
  const [keySite, env, folder, filename] = parts
  if (parts.length !== 4 || !keySite || !env || !folder || !filename || !parts.every(isSafeName)) {
    throw new WorkflowFailure(
      `The backup key "${key}" is not of the form {site_id}/{env}/{folder}/{filename}. ${advice}`,
    )
  }
  if (keySite !== siteId)
    throw new WorkflowFailure(
      `The backup "${key}" belongs to another site; restore only this site's backups. ${advice}`,
    )
  if (!platform.findEnvironment(siteId, env))
    throw new WorkflowFailure(`The backup "${key}" names an environment "${env}" this site does not have. ${advice}`)
  const backup = await findBackup(platform.layout, siteId, env, folder, undefined, platform.log)
  const archive = backup?.elements[element]
  if (!backup || !archive || archive.filename !== filename) {
    throw new WorkflowFailure(
      `No ${element} backup "${filename}" exists in ${env}/${folder} (it may have expired). ${advice}`,
    )
  }
  return { backup, env, file: join(platform.layout.backupDir(siteId, env, folder), filename) }
}

function otherEnvironment(platform: PlatformContext, siteId: string, env: string, from: unknown, what: string): string {
  if (typeof from !== 'string' || from === '')
    throw new WorkflowFailure(
      `No source environment was given for ${what}; set params.from_environment to dev, test or live.`,
    )
  if (from === env)
    throw new WorkflowFailure(`Cannot ${what} from "${env}" into itself; pick another source environment.`)
  if (!platform.findEnvironment(siteId, from))
    throw new WorkflowFailure(`The source environment "${from}" does not exist on this site; use dev, test or live.`)
  return from
}

async function cloneDatabase(run: WorkflowRun, from: string, step: number): Promise<void> {
  const { workflow, platform } = run
  await run.progress(step, `Copying the database from "${from}" to "${workflow.environment}"`)
  await platform.content.replaceDatabaseWithCopy(
    workflow.site_id,
    workflow.environment,
    platform.layout.databaseFile(workflow.site_id, from),
  )
}

async function cloneFiles(run: WorkflowRun, from: string, step: number): Promise<void> {
  const { workflow, platform } = run
  await run.progress(step, `Copying files from "${from}" to "${workflow.environment}"`)
  await platform.content.replaceFilesWithCopy(
    workflow.site_id,
    workflow.environment,
    await platform.content.currentFilesDir(workflow.site_id, from),
  )
}

/** Checks a gzipped dump in scratch space and swaps it in as the database. */
async function installDatabase(run: WorkflowRun, file: string, what: string, keepFile: boolean): Promise<void> {
  const { workflow, platform } = run
  const scratch = platform.content.scratchPath(workflow.site_id, workflow.environment, 'db')
  try {
    if (keepFile) await copyFile(file, scratch)
    else await rename(file, scratch)
    await checkSqlGz(scratch, { maxUncompressedBytes: platform.options.uploadLimitBytes * 16 }).catch(
      (error: unknown) => archiveReason(what, error),
    )
    await platform.content.swapDatabase(workflow.site_id, workflow.environment, scratch)
  } finally {
    await removeQuietly(scratch)
  }
}

/** Extracts a files archive safely into a new files folder and swaps it in. */
async function installFiles(run: WorkflowRun, file: string, what: string): Promise<void> {
  const { workflow, platform } = run
  const limit = { maxUncompressedBytes: platform.options.uploadLimitBytes * 16 }
  const summary = await inspectTarGz(file, limit).catch((error: unknown) => archiveReason(what, error))
  const dir = join(
    platform.layout.envDir(workflow.site_id, workflow.environment),
    `files-new-${workflow.id.slice(0, 8)}-${Date.now().toString(36)}`,
  )
  try {
    const strip = summary.topFolders.length === 1 && summary.files + summary.dirs > 0
    await extractTarGzSafe(file, dir, { ...limit, stripTopFolder: strip })
      .catch(async (error: unknown) => {
        if (strip && error instanceof ArchiveError && error.code === 'bad_tar') {
          // Files beside the single top folder: keep the archive's layout as it is.
          await removeQuietly(dir)
          return extractTarGzSafe(file, dir, limit)
        }
        return archiveReason(what, error)
      })
      .catch((error: unknown) => archiveReason(what, error))
    await platform.content.swapFiles(workflow.site_id, workflow.environment, dir)
  } catch (error) {
    await removeQuietly(dir)
    throw error
  }
}

/** Downloads `url` into `file`, refusing more than `limit` bytes. */
async function download(url: unknown, file: string, limit: number, signal: AbortSignal): Promise<void> {
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw new WorkflowFailure(
      'No valid http(s) URL was given to import from; upload the archive first and pass its download_url as params.url.',
    )
  }
  let response: Response
  try {
    response = await fetch(url, {
      redirect: 'follow',
      signal: AbortSignal.any([signal, AbortSignal.timeout(10 * 60_000)]),
    })
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    throw new WorkflowFailure(
      `Could not reach ${new URL(url).host} to download the archive (${cause?.code ?? cause?.message ?? (error as Error).message}). Check the URL and that the server is up, then try again.`,
    )
  }
  if (response.status === 403) {
    await response.body?.cancel()
    throw new WorkflowFailure(
      'The download link was refused (403): it has expired or is not valid. Upload the archive again (or get a fresh link) and start the import right away.',
    )
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel()
    throw new WorkflowFailure(
      `Downloading the archive failed: the server answered ${response.status} ${response.statusText}. Check the URL and try again.`,
    )
  }
  const declared = Number(response.headers.get('content-length'))
  const tooLarge = (): WorkflowFailure =>
    new WorkflowFailure(
      `The archive is larger than the ${formatBytes(limit)} import limit. Make it smaller (for example leave out caches) and try again.`,
    )
  if (Number.isFinite(declared) && declared > limit) {
    await response.body.cancel()
    throw tooLarge()
  }
  let seen = 0
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length
      if (seen > limit) callback(tooLarge())
      else callback(null, chunk)
    },
  })
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), counter, createWriteStream(file))
  } catch (error) {
    if (error instanceof WorkflowFailure) throw error
    throw new WorkflowFailure(`The download of the archive broke off (${(error as Error).message}). Try again.`)
  }
}

function nextTagNumber(tags: readonly { ref: string }[], env: string): number {
  const pattern = new RegExp(`^refs/tags/pantheon_${env}_(\\d+)$`)
  let max = 0
  for (const { ref } of tags) {
    const match = pattern.exec(ref)
    if (match) max = Math.max(max, Number(match[1]))
  }
  return max + 1
}

/** The environment a deploy to `env` takes code from. */
export function deploySource(env: string): string | undefined {
  return env === 'test' ? 'dev' : env === 'live' ? 'test' : undefined
}

/** The commit a deploy to `env` would take, or why there is nothing to deploy. */
export async function deployableCommit(
  platform: PlatformContext,
  siteId: string,
  env: string,
): Promise<{ sha: string } | { reason: string }> {
  const source = deploySource(env)
  if (!source)
    return { reason: `Code is deployed only to test and live; "${env}" takes code by git push or a restore.` }
  const from: EnvironmentRecord | undefined = platform.findEnvironment(siteId, source)
  const to: EnvironmentRecord | undefined = platform.findEnvironment(siteId, env)
  if (!from?.targetCommit) return { reason: `There is nothing to deploy: "${source}" has no code yet.` }
  if (to?.targetCommit) {
    const contained = await reachableCommits(platform.layout.repoDir(siteId), to.targetCommit)
    if (contained.has(from.targetCommit))
      return { reason: `There is nothing to deploy to "${env}": every commit on "${source}" is already there.` }
  }
  return { sha: from.targetCommit }
}

const backupTypes = {
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

const restoreTypes = {
  restore_database: {
    tasks: () => 2,
    describe: (env) => `Restore database on "${env}"`,
    run: async (run) => {
      const { file } = await resolveBackupKey(run.platform, run.workflow.site_id, run.workflow.params.key, 'database')
      await run.progress(2, `Restoring the database on "${run.workflow.environment}"`)
      await installDatabase(run, file, 'database backup', true)
      return `Restored database on "${run.workflow.environment}"`
    },
  },
  restore_files: {
    tasks: () => 2,
    describe: (env) => `Restore files on "${env}"`,
    run: async (run) => {
      const { file } = await resolveBackupKey(run.platform, run.workflow.site_id, run.workflow.params.key, 'files')
      await run.progress(2, `Restoring files on "${run.workflow.environment}"`)
      await installFiles(run, file, 'files backup')
      return `Restored files on "${run.workflow.environment}"`
    },
  },
  restore_code: {
    tasks: () => 3,
    describe: (env) => `Restore code on "${env}"`,
    run: async (run) => {
      const { workflow, platform } = run
      const env = workflow.environment
      const repo = platform.layout.repoDir(workflow.site_id)
      const { file, backup } = await resolveBackupKey(platform, workflow.site_id, workflow.params.key, 'code')
      await run.progress(2, `Reading the code backup for "${env}"`)
      let headCommit: string
      try {
        headCommit = (
          await importCodeArchive(file, repo, { scratchDir: platform.layout.envTmpDir(workflow.site_id, env) })
        ).headCommit
      } catch (error) {
        if (error instanceof ArchiveError) archiveReason('code backup', error)
        throw new WorkflowFailure(
          `The code backup could not be read as a git repository (${(error as Error).message}). Pick another backup.`,
        )
      }
      await run.progress(3, `Moving "${env}" to commit ${headCommit.slice(0, 7)}`)
      if (env === 'test' || env === 'live') {
        const tags = await listRefs(repo, 'refs/tags/')
        const own = new RegExp(`^refs/tags/pantheon_${env}_\\d+$`)
        let ref =
          backup.code && own.test(backup.code.targetRef) && backup.code.targetCommit === headCommit
            ? backup.code.targetRef
            : undefined
        ref ??= tags.filter((tag) => own.test(tag.ref) && tag.sha === headCommit).at(-1)?.ref
        if (!ref) {
          if (typeof workflow.internal.tag !== 'string')
            await run.remember('tag', `pantheon_${env}_${nextTagNumber(tags, env)}`)
          const name = String(workflow.internal.tag)
          if ((await resolveCommit(repo, `refs/tags/${name}`)) === null) {
            const user = platform.user(workflow.user_id) ?? platform.tokenUser()
            await createAnnotatedTag(repo, name, headCommit, `Restore "${env}" from backup ${backup.folder}`, {
              name: user?.fullName ?? 'Restore Desk',
              email: user?.email ?? 'platform@localhost',
            })
          }
          ref = `refs/tags/${name}`
        }
        const targetRef = ref
        await platform.store.updateEnvironment(workflow.site_id, env, (record) => ({
          ...record,
          targetRef,
          targetCommit: headCommit,
        }))
      } else {
        await setRef(repo, 'refs/heads/master', headCommit)
        await platform.store.updateEnvironment(workflow.site_id, env, (record) => ({
          ...record,
          targetRef: 'refs/heads/master',
          targetCommit: headCommit,
        }))
      }
      return `Restored code on "${env}" to ${headCommit.slice(0, 7)}`
    },
  },
} satisfies Record<string, WorkflowType>

/**
 * A clone_database or clone_files type: one step that copies `element` from
 * params.from_environment over this environment; `action` names the copy in error messages.
 */
function cloneType(
  element: 'database' | 'files',
  action: string,
  copy: (run: WorkflowRun, from: string, step: number) => Promise<void>,
): WorkflowType {
  return {
    tasks: () => 1,
    describe: (env, params) => `Clone ${element} from "${String(params.from_environment)}" to "${env}"`,
    run: async (run) => {
      const from = otherEnvironment(
        run.platform,
        run.workflow.site_id,
        run.workflow.environment,
        run.workflow.params.from_environment,
        action,
      )
      await copy(run, from, 1)
      return `Cloned ${element} from "${from}" to "${run.workflow.environment}"`
    },
  }
}

const contentTypes = {
  do_import: {
    tasks: () => 3,
    describe: (env, params) => `Import ${flag(params.files) ? 'files' : 'database'} into "${env}"`,
    run: async (run) => {
      const { workflow, platform } = run
      const files = flag(workflow.params.files)
      if (!files && !flag(workflow.params.database))
        throw new WorkflowFailure(
          'Say what to import: set params.database = 1 or params.files = 1 along with params.url.',
        )
      const scratch = platform.content.scratchPath(workflow.site_id, workflow.environment, 'import')
      try {
        await run.progress(1, `Downloading the ${files ? 'files' : 'database'} archive`)
        await download(workflow.params.url, scratch, platform.options.uploadLimitBytes, run.signal)
        if ((await stat(scratch)).size === 0)
          throw new WorkflowFailure('The downloaded archive is empty (0 bytes). Upload the whole file again.')
        await run.progress(2, `Checking the ${files ? 'files' : 'database'} archive`)
        if (files) {
          await run.progress(3, `Replacing files on "${workflow.environment}"`)
          await installFiles(run, scratch, 'files archive')
        } else {
          await run.progress(3, `Replacing the database on "${workflow.environment}"`)
          await installDatabase(run, scratch, 'database archive', false)
        }
      } finally {
        await removeQuietly(scratch)
      }
      return `Imported ${files ? 'files' : 'database'} into "${workflow.environment}"`
    },
  },
  clone_database: cloneType('database', 'copy the database', cloneDatabase),
  clone_files: cloneType('files', 'copy files', cloneFiles),
} satisfies Record<string, WorkflowType>

function cloneSource(value: unknown): string | undefined {
  if (
    value &&
    typeof value === 'object' &&
    typeof (value as { from_environment?: unknown }).from_environment === 'string'
  ) {
    return (value as { from_environment: string }).from_environment
  }
  return undefined
}

/**
 * The environments a deploy to `env` copies its database and files from (test only), checked
 * before anything changes: a clone that cannot work must not leave the code moved. Throws a
 * WorkflowFailure naming the bad parameter.
 */
function deployClones(
  platform: PlatformContext,
  siteId: string,
  env: string,
  params: Readonly<Record<string, unknown>>,
): { database?: string; files?: string } {
  if (env !== 'test') return {}
  const sources: { database?: string; files?: string } = {}
  for (const [key, element, action] of [
    ['clone_database', 'database', 'copy the database'],
    ['clone_files', 'files', 'copy files'],
  ] as const) {
    const value = params[key]
    if (value === undefined || value === null || value === false || value === 0) continue
    const from = cloneSource(value)
    if (from === undefined)
      throw new WorkflowFailure(
        `params.${key} must be {"from_environment": "live"} (or left out to keep the ${element} of "${env}").`,
      )
    sources[element] = otherEnvironment(platform, siteId, env, from, action)
  }
  return sources
}

const codeTypes = {
  deploy: {
    tasks: (params) => 2 + (cloneSource(params.clone_database) ? 1 : 0) + (cloneSource(params.clone_files) ? 1 : 0),
    describe: (env) => `Deploy code to "${env}"`,
    validateStart: async (platform, siteId, env, params) => {
      try {
        deployClones(platform, siteId, env, params)
      } catch (error) {
        if (error instanceof WorkflowFailure) throw new HttpError(400, error.message)
        throw error
      }
      const found = await deployableCommit(platform, siteId, env)
      if ('reason' in found) throw new HttpError(400, found.reason)
    },
    // Database and files are copied first and the code moves last, so a deploy that fails
    // leaves the code (and its deploy tags) as they were.
    run: async (run) => {
      const { workflow, platform } = run
      const env = workflow.environment
      const repo = platform.layout.repoDir(workflow.site_id)
      await run.progress(1, `Choosing the code to deploy to "${env}"`)
      const clones = deployClones(platform, workflow.site_id, env, workflow.params)
      if (typeof workflow.internal.tag !== 'string' || typeof workflow.internal.sha !== 'string') {
        const found = await deployableCommit(platform, workflow.site_id, env)
        if ('reason' in found) throw new WorkflowFailure(found.reason)
        await run.remember('sha', found.sha)
        await run.remember('tag', `pantheon_${env}_${nextTagNumber(await listRefs(repo, 'refs/tags/'), env)}`)
      }
      const tag = String(workflow.internal.tag)
      const sha = String(workflow.internal.sha)
      if (clones.database) await cloneDatabase(run, clones.database, 2)
      if (clones.files) await cloneFiles(run, clones.files, clones.database ? 3 : 2)
      await run.progress(
        2 + (clones.database ? 1 : 0) + (clones.files ? 1 : 0),
        `Tagging the code and moving "${env}" to ${tag}`,
      )
      const made = (await resolveCommit(repo, `refs/tags/${tag}`)) === null
      if (made) {
        const user = platform.user(workflow.user_id) ?? platform.tokenUser()
        const annotation =
          typeof workflow.params.annotation === 'string' && workflow.params.annotation !== ''
            ? workflow.params.annotation
            : `Deploy to ${env}`
        await createAnnotatedTag(repo, tag, sha, annotation, {
          name: user?.fullName ?? 'Restore Desk',
          email: user?.email ?? 'platform@localhost',
        })
      }
      try {
        await platform.store.updateEnvironment(workflow.site_id, env, (record) => ({
          ...record,
          targetRef: `refs/tags/${tag}`,
          targetCommit: sha,
        }))
      } catch (error) {
        // The environment did not move: a tag it does not stand on would only confuse the next deploy.
        if (made) await deleteRef(repo, `refs/tags/${tag}`).catch(() => undefined)
        throw error
      }
      return `Deployed code to "${env}" (${tag})`
    },
  },
  sync_code: {
    tasks: () => 1,
    describe: (env) => `Sync code on "${env}"`,
    run: async (run) => {
      const { workflow, platform } = run
      await run.progress(1, `Syncing code on "${workflow.environment}"`)
      const sha = await resolveCommit(platform.layout.repoDir(workflow.site_id), 'refs/heads/master')
      if (!sha) throw new WorkflowFailure('The repository has no master branch; push a master branch and try again.')
      await platform.store.updateEnvironment(workflow.site_id, workflow.environment, (record) => ({
        ...record,
        targetRef: 'refs/heads/master',
        targetCommit: sha,
      }))
      return `Synced code on "${workflow.environment}" to ${sha.slice(0, 7)}`
    },
  },
  lock_environment: {
    tasks: () => 1,
    describe: (env) => `Lock "${env}"`,
    run: async (run) => {
      const { username, password } = run.workflow.params
      if (typeof username !== 'string' || username === '' || typeof password !== 'string' || password === '') {
        throw new WorkflowFailure('Locking needs a user name and a password (params.username, params.password).')
      }
      await run.platform.store.updateEnvironment(run.workflow.site_id, run.workflow.environment, (record) => ({
        ...record,
        lock: { locked: true, username, password },
      }))
      return `Locked "${run.workflow.environment}"`
    },
  },
  unlock_environment: {
    tasks: () => 1,
    describe: (env) => `Unlock "${env}"`,
    run: async (run) => {
      await run.platform.store.updateEnvironment(run.workflow.site_id, run.workflow.environment, (record) => ({
        ...record,
        lock: { locked: false, username: null, password: null },
      }))
      return `Unlocked "${run.workflow.environment}"`
    },
  },
} satisfies Record<string, WorkflowType>

/** Workflow types by name. */
export const WORKFLOW_TYPES: Readonly<Record<string, WorkflowType>> = {
  ...backupTypes,
  ...restoreTypes,
  ...contentTypes,
  ...codeTypes,
}

/** Types only the platform itself starts. */
export const PLATFORM_STARTED_TYPES: ReadonlySet<string> = new Set(['sync_code'])

/** Types a deploy-style env check applies to: which envs each type may run on. */
export function typeAllowedOn(type: string, env: string): string | undefined {
  if (type === 'deploy' && env !== 'test' && env !== 'live')
    return `Code is deployed only to test and live; "${env}" takes code by git push or a restore.`
  return undefined
}
