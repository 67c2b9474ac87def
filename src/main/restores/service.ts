/**
 * The restore, undo and clone requests as the page makes them (the handlers call these): each
 * checks the typed confirmation first, then leaves the one-at-a-time check and the running to
 * the {@link JobRunner}, and plans the job from what the platform says at that moment (the
 * environments, the backup in the catalog). Always on the active connection.
 */
import { randomUUID } from 'node:crypto'
import type { ClonePreview, CloneOptions, Job, RestorePreview, SiteActivity } from '../../shared/jobs'
import type { BackupElement, Environment } from '../../shared/platform-types'
import type { PlatformClient } from '../api/client'
import { AppError } from '../errors'
import { siteActivity } from './activity'
import { checkConfirmation, planClone, planRestore } from './plan'
import { clonePreview, restorePreview, type PreviewDeps } from './preview'
import { undoOffer } from './rules'
import type { JobRunner } from './runner'
import { systemClock, type Clock } from './wording'

export interface RestoreServiceOptions {
  readonly runner: JobRunner
  /** The active connection's client and id. */
  readonly active: () => Promise<{ readonly client: PlatformClient; readonly connectionId: string }>
  readonly clock?: Clock
  readonly newId?: () => string
}

export interface RestoreStart {
  readonly siteId: string
  readonly env: string
  readonly sourceEnv: string
  readonly folder: string
  readonly parts: readonly BackupElement[]
  readonly safetyBackup: boolean
  readonly confirm: string
}

export interface CloneStart {
  readonly siteId: string
  readonly from: string
  readonly to: string
  readonly database: boolean
  readonly files: boolean
  readonly updatedb: boolean
  readonly clearCache: boolean
  readonly replaceUrl: CloneOptions['replaceUrl']
  readonly safetyBackup: boolean
  readonly confirm: string
}

/** The site's environment called `name`; refuses one the site does not have. */
export function envNamed(environments: readonly Environment[], name: string): Environment {
  const env = environments.find((e) => e.name === name)
  if (!env) throw new AppError('not_found', `This site has no environment named ${name}. Reload the site.`)
  return env
}

/** The requests of the restore dialog, the undo button, the clone dialog and the activity list. */
export class RestoreService {
  readonly #options: RestoreServiceOptions
  readonly #clock: Clock
  readonly #newId: () => string

  constructor(options: RestoreServiceOptions) {
    this.#options = options
    this.#clock = options.clock ?? systemClock
    this.#newId = options.newId ?? randomUUID
  }

  async #previewDeps(): Promise<PreviewDeps> {
    const { client, connectionId } = await this.#options.active()
    return {
      client,
      clock: this.#clock,
      busyReason: (siteId, env) => this.#options.runner.busyReason(client, connectionId, siteId, env),
    }
  }

  async restorePreview(input: Omit<RestoreStart, 'parts' | 'safetyBackup' | 'confirm'>): Promise<RestorePreview> {
    return restorePreview(await this.#previewDeps(), input)
  }

  async startRestore(input: RestoreStart): Promise<Job> {
    const { client, connectionId } = await this.#options.active()
    const [site, environments] = await Promise.all([
      client.getSite(input.siteId),
      client.listEnvironments(input.siteId),
    ])
    const env = envNamed(environments, input.env)
    envNamed(environments, input.sourceEnv)
    checkConfirmation('restore', env.name, env.isLive, input.confirm)
    return this.#options.runner.start(client, connectionId, input.siteId, env.name, async () => {
      const backup = (await client.backupCatalog(input.siteId, input.sourceEnv)).find((b) => b.folder === input.folder)
      if (!backup) {
        throw new AppError(
          'not_found',
          `${input.sourceEnv}'s catalog has no backup ${input.folder} any more (it may have expired). Reload the backups and choose another.`,
        )
      }
      return planRestore(
        {
          connectionId,
          siteId: input.siteId,
          siteName: site.name,
          env: env.name,
          kind: 'restore',
          sourceEnv: input.sourceEnv,
          backup,
          parts: input.parts,
          safetyBackup: input.safetyBackup,
        },
        { id: this.#newId(), clock: this.#clock },
      )
    })
  }

  /** The job an undo is asked for, if the environment still offers to undo it. */
  async #undoable(jobId: string): Promise<{ job: Job; parts: BackupElement[]; folder: string }> {
    const { connectionId } = await this.#options.active()
    const job = this.#options.runner.get(jobId)
    if (!job || job.connectionId !== connectionId) {
      throw new AppError('not_found', 'That restore is not in this connection’s list any more. Reload the activity.')
    }
    const offer = undoOffer(job.env, this.#options.runner.jobsOf(connectionId, job.siteId), this.#clock)
    if (!offer || offer.jobId !== job.id) {
      throw new AppError(
        'bad_request',
        job.undoneBy
          ? `This ${job.kind} was undone already. Its undo is in the activity list, with its own undo if it took a safety backup.`
          : `This ${job.kind} can no longer be undone: only the latest restore, clone or import of ${job.env} with a safety backup still kept can be. Reload the activity.`,
      )
    }
    return { job, parts: [...offer.parts], folder: offer.folder }
  }

  async undoPreview(jobId: string): Promise<RestorePreview> {
    const { job, parts, folder } = await this.#undoable(jobId)
    return restorePreview(await this.#previewDeps(), {
      siteId: job.siteId,
      env: job.env,
      sourceEnv: job.env,
      folder,
      onlyParts: parts,
    })
  }

  async undo(input: {
    readonly jobId: string
    readonly safetyBackup: boolean
    readonly confirm: string
  }): Promise<Job> {
    const { job, parts, folder } = await this.#undoable(input.jobId)
    const { client, connectionId } = await this.#options.active()
    const env = envNamed(await client.listEnvironments(job.siteId), job.env)
    checkConfirmation('undo', env.name, env.isLive, input.confirm)
    return this.#options.runner.start(client, connectionId, job.siteId, env.name, async () => {
      const backup = (await client.backupCatalog(job.siteId, job.env)).find((b) => b.folder === folder)
      if (!backup) {
        throw new AppError(
          'not_found',
          `The safety backup ${folder} is no longer in ${job.env}'s catalog (it was deleted or expired), so the ${job.kind} cannot be undone.`,
        )
      }
      return planRestore(
        {
          connectionId,
          siteId: job.siteId,
          siteName: job.siteName,
          env: job.env,
          kind: 'undo',
          sourceEnv: job.env,
          backup,
          parts: parts.filter((part) => backup.parts[part]?.finished),
          safetyBackup: input.safetyBackup,
          undoes: job.id,
        },
        { id: this.#newId(), clock: this.#clock },
      )
    })
  }

  async clonePreview(input: {
    readonly siteId: string
    readonly from: string
    readonly to: string
  }): Promise<ClonePreview> {
    return clonePreview(await this.#previewDeps(), input)
  }

  async startClone(input: CloneStart): Promise<Job> {
    const { client, connectionId } = await this.#options.active()
    const [site, environments] = await Promise.all([
      client.getSite(input.siteId),
      client.listEnvironments(input.siteId),
    ])
    const to = envNamed(environments, input.to)
    envNamed(environments, input.from)
    checkConfirmation('clone', to.name, to.isLive, input.confirm)
    return this.#options.runner.start(client, connectionId, input.siteId, to.name, async () =>
      planClone(
        {
          connectionId,
          siteId: input.siteId,
          siteName: site.name,
          env: to.name,
          from: input.from,
          database: input.database,
          files: input.files,
          options: { updatedb: input.updatedb, clearCache: input.clearCache, replaceUrl: input.replaceUrl },
          safetyBackup: input.safetyBackup,
        },
        { id: this.#newId(), clock: this.#clock },
      ),
    )
  }

  async activity(siteId: string): Promise<SiteActivity> {
    const { client, connectionId } = await this.#options.active()
    return siteActivity(client, this.#options.runner, connectionId, siteId, this.#clock)
  }
}
