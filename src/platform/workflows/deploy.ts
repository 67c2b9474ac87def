/**
 * The deploy workflow: tags the source environment's commit (dev for test, test for live)
 * `pantheon_<env>_<N+1>` and moves the environment to it. A deploy to test can first copy the
 * database (with clone_database's options, see clone-database.ts) and the files from another
 * environment; `clear_cache` clears the cache of the database it ends up with.
 */
import { createAnnotatedTag, deleteRef, listRefs, reachableCommits, resolveCommit } from '../git/repo'
import type { PlatformContext } from '../core'
import { HttpError } from '../http'
import type { EnvironmentRecord } from '../storage/state'
import { copyDatabase, noteUpdatedb, replaceUrlParam, type ReplaceUrl } from './clone-database'
import { WorkflowFailure, type WorkflowType } from './queue'
import { cloneFiles, flag, nextTagNumber, otherEnvironment, refuseAtStart } from './steps'

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

/** The deploy workflow type. */
export const deployType: WorkflowType = {
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
}
