/**
 * Every workflow type of the contract, by name: the backups (backup-types.ts), the deploy
 * (deploy.ts), and here the restores, imports, clones and code changes, built from the steps
 * in steps.ts and clone-database.ts. Each
 * one builds new content completely in scratch space, checks it, and only then swaps it in
 * atomically, so a failure (bad input, crash, restart) leaves the environment exactly as it
 * was, and running it again is harmless.
 */
import { stat } from 'node:fs/promises'
import { ArchiveError } from '../../lib/archives'
import { createAnnotatedTag, importCodeArchive, listRefs, resolveCommit, setRef } from '../git/repo'
import { removeQuietly } from '../../lib/atomic'
import { WorkflowFailure, type WorkflowType } from './queue'
import { backupTypes } from './backup-types'
import { copyDatabase, noteUpdatedb, replaceUrlParam } from './clone-database'
import { deployType } from './deploy'
import { inspectDownloadedImport, installImportedDatabase, installImportedFiles } from './import-archive'
import {
  archiveReason,
  cloneFiles,
  download,
  flag,
  installDatabase,
  installFiles,
  nextTagNumber,
  otherEnvironment,
  refuseAtStart,
  resolveBackupKey,
} from './steps'

export { BACKUP_HOUR, DAILY_BACKUP_TTL, MAX_EXPORT_TTL, WEEKLY_BACKUP_DAY, WEEKLY_BACKUP_TTL } from './backup-types'

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
        // The environment stands on one of its own tags that is on this commit now: the backup's
        // (unless that tag was moved since), else the newest such tag, else a new one.
        const tags = await listRefs(repo, 'refs/tags/')
        const own = new RegExp(`^refs/tags/pantheon_${env}_(\\d+)$`)
        const standing = tags
          .filter((tag) => own.test(tag.ref) && tag.sha === headCommit)
          .map((tag) => tag.ref)
          .sort((a, b) => Number(own.exec(a)?.[1]) - Number(own.exec(b)?.[1]))
        let ref = backup.code && standing.includes(backup.code.targetRef) ? backup.code.targetRef : standing.at(-1)
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
        const detail = await inspectDownloadedImport(run, scratch, files ? 'files' : 'database')
        if (detail.kind === 'files') {
          await run.progress(3, `Replacing files on "${workflow.environment}"`)
          await installImportedFiles(run, scratch, detail)
        } else {
          await run.progress(3, `Replacing the database on "${workflow.environment}"`)
          await installImportedDatabase(run, scratch, detail)
        }
      } finally {
        await removeQuietly(scratch)
      }
      return `Imported ${files ? 'files' : 'database'} into "${workflow.environment}"`
    },
  },
} satisfies Record<string, WorkflowType>

const codeTypes = {
  deploy: deployType,
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
