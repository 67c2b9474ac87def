/**
 * Every workflow type of the contract, by name: the backups (backup-types.ts), and here the
 * restores, imports, clones, deploys and code changes, built from the steps in steps.ts. Each
 * one builds new content completely in scratch space, checks it, and only then swaps it in
 * atomically, so a failure (bad input, crash, restart) leaves the environment exactly as it
 * was, and running it again is harmless.
 */
import { stat } from 'node:fs/promises'
import { ArchiveError } from '../../lib/archives'
import {
  createAnnotatedTag,
  deleteRef,
  importCodeArchive,
  listRefs,
  reachableCommits,
  resolveCommit,
  setRef,
} from '../git/repo'
import type { PlatformContext } from '../core'
import { HttpError } from '../http'
import { removeQuietly } from '../../lib/atomic'
import type { EnvironmentRecord } from '../storage/state'
import { WorkflowFailure, type WorkflowType } from './queue'
import { backupTypes } from './backup-types'
import { copyDatabase, noteUpdatedb, replaceUrlParam, type ReplaceUrl } from './clone-database'
import {
  archiveReason,
  cloneFiles,
  download,
  flag,
  installDatabase,
  installFiles,
  nextTagNumber,
  otherEnvironment,
  resolveBackupKey,
} from './steps'

export { BACKUP_HOUR, DAILY_BACKUP_TTL, MAX_EXPORT_TTL, WEEKLY_BACKUP_DAY, WEEKLY_BACKUP_TTL } from './backup-types'

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

/** A start refused because `check` throws a WorkflowFailure: that reason, as a 400. */
function refuseAtStart(check: () => unknown): void {
  try {
    check()
  } catch (error) {
    if (error instanceof WorkflowFailure) throw new HttpError(400, error.message)
    throw error
  }
}

const cloneTypes = {
  clone_database: {
    tasks: () => 1,
    describe: (env, params) => `Clone database from "${String(params.from_environment)}" to "${env}"`,
    validateStart: (_platform, _siteId, _env, params) =>
      refuseAtStart(() => replaceUrlParam(params.wp_replace_siteurl, 'params.wp_replace_siteurl')),
    run: async (run) => {
      const { workflow, platform } = run
      const from = otherEnvironment(
        platform,
        workflow.site_id,
        workflow.environment,
        workflow.params.from_environment,
        'copy the database',
      )
      const replaceUrl = replaceUrlParam(workflow.params.wp_replace_siteurl, 'params.wp_replace_siteurl')
      const done = await copyDatabase(run, { from, replaceUrl, clearCache: flag(workflow.params.clear_cache) }, 1)
      await noteUpdatedb(run, flag(workflow.params.updatedb))
      return [`Cloned database from "${from}" to "${workflow.environment}".`, ...done].join(' ')
    },
  },
  clone_files: {
    tasks: () => 1,
    describe: (env, params) => `Clone files from "${String(params.from_environment)}" to "${env}"`,
    run: async (run) => {
      const { workflow, platform } = run
      const from = otherEnvironment(
        platform,
        workflow.site_id,
        workflow.environment,
        workflow.params.from_environment,
        'copy files',
      )
      await cloneFiles(run, from, 1)
      return `Cloned files from "${from}" to "${workflow.environment}"`
    },
  },
} satisfies Record<string, WorkflowType>

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
} satisfies Record<string, WorkflowType>

function cloneSource(value: unknown): string | undefined {
  if (value && typeof value === 'object' && Object.hasOwn(value, 'from_environment')) {
    const from = (value as { from_environment: unknown }).from_environment
    if (typeof from === 'string') return from
  }
  return undefined
}

/** What a deploy to `env` copies from another environment (test only). */
interface DeployClones {
  readonly database?: { readonly from: string; readonly replaceUrl: ReplaceUrl | null }
  readonly files?: string
}

/**
 * What a deploy to `env` copies from other environments (test only), checked before anything
 * changes: a clone that cannot work must not leave the code moved. Throws a WorkflowFailure
 * naming the bad parameter.
 */
function deployClones(
  platform: PlatformContext,
  siteId: string,
  env: string,
  params: Readonly<Record<string, unknown>>,
): DeployClones {
  if (env !== 'test') return {}
  const given = (key: string): unknown => {
    const value = params[key]
    return value === undefined || value === null || value === false || value === 0 ? undefined : value
  }
  const source = (key: string, element: string, action: string): string | undefined => {
    const value = given(key)
    if (value === undefined) return undefined
    const from = cloneSource(value)
    if (from === undefined)
      throw new WorkflowFailure(
        `params.${key} must be {"from_environment": "live"} (or left out to keep the ${element} of "${env}").`,
      )
    return otherEnvironment(platform, siteId, env, from, action)
  }
  const database = source('clone_database', 'database', 'copy the database')
  const files = source('clone_files', 'files', 'copy files')
  const clones: { database?: DeployClones['database']; files?: string } = {}
  if (database !== undefined) {
    const nested = given('clone_database') as object
    const replaceUrl = replaceUrlParam(
      Object.hasOwn(nested, 'wp_replace_siteurl')
        ? (nested as { wp_replace_siteurl: unknown }).wp_replace_siteurl
        : undefined,
      'params.clone_database.wp_replace_siteurl',
    )
    clones.database = { from: database, replaceUrl }
  }
  if (files !== undefined) clones.files = files
  return clones
}

const codeTypes = {
  deploy: {
    tasks: (params) =>
      2 +
      (cloneSource(params.clone_database) || flag(params.clear_cache) ? 1 : 0) +
      (cloneSource(params.clone_files) ? 1 : 0),
    describe: (env) => `Deploy code to "${env}"`,
    validateStart: async (platform, siteId, env, params) => {
      refuseAtStart(() => deployClones(platform, siteId, env, params))
      const found = await deployableCommit(platform, siteId, env)
      if ('reason' in found) throw new HttpError(400, found.reason)
    },
    // Database and files are copied (or the cache cleared) first and the code moves last, so a
    // deploy that fails leaves the code (and its deploy tags) as they were.
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
      const clearCache = flag(workflow.params.clear_cache)
      let step = 2
      let done: string[] = []
      if (clones.database || clearCache) {
        done = await copyDatabase(
          run,
          { from: clones.database?.from ?? env, replaceUrl: clones.database?.replaceUrl ?? null, clearCache },
          step++,
        )
      }
      if (clones.files) await cloneFiles(run, clones.files, step++)
      await run.progress(step, `Tagging the code and moving "${env}" to ${tag}`)
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
      await noteUpdatedb(run, flag(workflow.params.updatedb))
      return [`Deployed code to "${env}" (${tag}).`, ...done].join(' ')
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
  ...cloneTypes,
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
