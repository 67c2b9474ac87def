/**
 * Deploys dev → test and test → live as the page asks for them: the preview (what the deploy
 * would bring, what it would leave behind, whether the target is busy) and the start of the
 * platform's `deploy` workflow, followed by the workflow tracker like every workflow the app
 * starts (Activity lists it with the site's other workflows).
 *
 * A deploy is refused before anything starts when there is nothing to deploy, when the target is
 * busy (the restores' one-at-a-time rule: a restore, import, clone or deploy runs on it), or for
 * live without the typed "live". "Sync content from live" copies live's database and files into
 * test with the deploy; on WordPress the database's URLs are rewritten from live's domain to
 * test's, as the dashboard does, so test's pages link to test.
 */
import type { Workflow, WorkflowParamsByType } from '../../shared/platform-types'
import type { DeployPreview } from '../../shared/rollback'
import type { PlatformClient } from '../api/client'
import { AppError } from '../errors'
import { GitError } from '../git/git-error'
import type { HistoryService } from '../git/history-service'
import { replacementUrl } from '../restores/plan'
import { envNamed } from '../restores/service'
import type { WorkflowTracker } from '../workflows/tracker'
import { deploySource, mergeCodeLogs, previewFromCodeLog, previewFromGap, type DeployTarget } from './preview'

export type DeployClient = Pick<
  PlatformClient,
  'listEnvironments' | 'codeLog' | 'getSite' | 'platformDomain' | 'startWorkflow' | 'getWorkflow'
>

export interface DeployServiceOptions {
  readonly active: () => Promise<{ readonly client: DeployClient; readonly connectionId: string }>
  readonly history: Pick<HistoryService, 'open' | 'repository'>
  readonly workflows: Pick<WorkflowTracker, 'track'>
  /** Why an environment is busy, or null (the restores' rule, asked fresh). */
  readonly busyReason: (siteId: string, env: string) => Promise<string | null>
}

export interface DeployStart {
  readonly siteId: string
  readonly to: DeployTarget
  readonly annotation: string
  readonly updatedb: boolean
  readonly clearCache: boolean
  readonly syncContent: boolean
  readonly confirm: string
}

/** Starts and previews deploys on the active connection. */
export class DeployService {
  readonly #options: DeployServiceOptions
  /** Deploys being started right now (connection, site, target): a second click waits its turn. */
  readonly #starting = new Set<string>()

  constructor(options: DeployServiceOptions) {
    this.#options = options
  }

  async preview(siteId: string, to: DeployTarget): Promise<DeployPreview> {
    const { client } = await this.#options.active()
    const from = deploySource(to)
    const [environments, busy] = await Promise.all([
      client.listEnvironments(siteId),
      this.#options.busyReason(siteId, to),
    ])
    const sides = {
      siteId,
      to,
      fromCommit: envNamed(environments, from).targetCommit,
      toCommit: envNamed(environments, to).targetCommit,
      busy,
    }
    const fromHistory = await this.#fromHistory(siteId, from, to, sides)
    if (fromHistory) return fromHistory
    const [fromLog, toLog] = await Promise.all([client.codeLog(siteId, from), client.codeLog(siteId, to)])
    return previewFromCodeLog(sides, mergeCodeLogs(fromLog, toLog), environments)
  }

  async start(input: DeployStart): Promise<Workflow> {
    if (input.to === 'live' && input.confirm !== 'live')
      throw new AppError(
        'confirm_mismatch',
        'Type live to confirm the deploy to live: the name must match exactly. Nothing was started.',
      )
    const { client, connectionId } = await this.#options.active()
    const key = `${connectionId}\n${input.siteId}\n${input.to}`
    if (this.#starting.has(key))
      throw new AppError(
        'busy',
        `A deploy to ${input.to} is being started from Restore Desk right now. Wait for it, then try again.`,
      )
    this.#starting.add(key)
    try {
      const preview = await this.preview(input.siteId, input.to)
      if (preview.busy) throw new AppError('busy', preview.busy)
      if (preview.nothingReason)
        throw new AppError('nothing_to_deploy', `${preview.nothingReason} Nothing was started.`)
      const params = await this.#params(client, input)
      const workflow = await client.startWorkflow(input.siteId, input.to, 'deploy', params)
      void this.#options.workflows.track(client, workflow)
      return workflow
    } finally {
      this.#starting.delete(key)
    }
  }

  /**
   * The preview from the history's clone, when the site has one that holds both environments'
   * commits (fetched when stale, and again when it lacks one); null sends the caller to the code log.
   */
  async #fromHistory(
    siteId: string,
    from: string,
    to: string,
    sides: Parameters<typeof previewFromGap>[0],
  ): Promise<DeployPreview | null> {
    try {
      await this.#options.history.repository(siteId)
    } catch (error) {
      if (error instanceof GitError && error.code === 'git_no_repository') return null
      throw error
    }
    const holdsBoth = (positions: readonly { env: string; oid: string | null; inClone: boolean }[]) =>
      [from, to].every((env) => positions.some((p) => p.env === env && (p.oid === null || p.inClone)))
    let overview = await this.#options.history.open(siteId)
    if (!holdsBoth(overview.positions)) overview = await this.#options.history.open(siteId, true)
    const gap = overview.gaps.find((candidate) => candidate.from === from && candidate.to === to)
    if (!holdsBoth(overview.positions) || !gap) return null
    // The history's own reading of the environments, so the commits and the tips agree.
    const oidOf = (env: string) => overview.positions.find((p) => p.env === env)?.oid ?? null
    return previewFromGap({ ...sides, fromCommit: oidOf(from), toCommit: oidOf(to) }, gap)
  }

  async #params(client: DeployClient, input: DeployStart): Promise<WorkflowParamsByType['deploy']> {
    const base = {
      annotation: input.annotation.trim() || `Deploy to ${input.to} from Restore Desk`,
      // As Terminus sends them: updatedb a number, clear_cache a boolean.
      updatedb: input.updatedb ? 1 : 0,
      clear_cache: input.clearCache,
    }
    if (input.to !== 'test' || !input.syncContent) return base
    return {
      ...base,
      clone_database: { from_environment: 'live', ...(await this.#urlReplacement(client, input.siteId)) },
      clone_files: { from_environment: 'live' },
    }
  }

  /** WordPress keeps its own URL in the database: live's is replaced with test's in the copy. */
  async #urlReplacement(client: DeployClient, siteId: string) {
    const site = await client.getSite(siteId)
    if (site.framework !== 'wordpress') return {}
    const [live, test] = await Promise.all([
      client.platformDomain(siteId, 'live'),
      client.platformDomain(siteId, 'test'),
    ])
    if (!live || !test || live === test) return {}
    return { wp_replace_siteurl: { from_url: replacementUrl(live), to_url: replacementUrl(test) } }
  }
}
