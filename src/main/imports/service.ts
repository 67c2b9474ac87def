/**
 * The import requests as the page makes them (the handlers and browser mode's stage route call
 * these): staging a file (by path from Electron's preload, or streamed from the page), its
 * inspection, what the connection allows, and the import job, which the {@link JobRunner} runs
 * like a restore (one at a time per environment, safety backup first, undo afterwards).
 *
 * The upload limit is the platform's (`uploads/limits`, asked per environment and kept a few
 * minutes). Staging and inspection happen before an environment is chosen for certain, so they
 * use the limit the connection last gave (the page asks for the capabilities of the environment
 * it shows first), or the first site's; `imports:start` checks again against the target's.
 */
import { randomUUID } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { AppMode, PlatformConnectionInfo } from '../../shared/app'
import type { ImportCapabilities, ImportInspection, ImportKind, StagedFile } from '../../shared/imports'
import type { Job } from '../../shared/jobs'
import type { PlatformClient } from '../api/client'
import { AppError } from '../errors'
import type { StoredJob } from '../restores/job-store'
import { checkConfirmation } from '../restores/plan'
import { planImport, planUrlImport, type StagedArchive } from '../restores/plan-import'
import type { JobRunner } from '../restores/runner'
import { envNamed } from '../restores/service'
import { systemClock, type Clock } from '../restores/wording'
import { importPolicy, PANTHEON_POLICY, UNCOMPRESSED_FACTOR, type ImportPolicy } from './capabilities'
import type { ImportInspector } from './inspect'
import type { StagingStore } from './staging'

/** How long a platform's upload limits are trusted. */
export const POLICY_TTL_MS = 5 * 60_000

/** The active connection, as imports need it. */
export interface ActiveConnection {
  readonly client: PlatformClient
  readonly connectionId: string
  readonly kind: PlatformConnectionInfo['kind']
}

export interface ImportServiceOptions {
  readonly mode: AppMode
  readonly staging: StagingStore
  readonly inspector: ImportInspector
  readonly runner: JobRunner
  readonly active: () => Promise<ActiveConnection>
  readonly clock?: Clock
  readonly newId?: () => string
}

export interface ImportStart {
  readonly siteId: string
  readonly env: string
  readonly database: string | null
  readonly files: string | null
  readonly safetyBackup: boolean
  readonly confirm: string
}

export interface UrlImportStart {
  readonly siteId: string
  readonly env: string
  readonly kind: ImportKind
  readonly url: string
  readonly safetyBackup: boolean
  readonly confirm: string
}

const NO_SITE_POLICY: ImportPolicy = {
  capabilities: {
    upload: false,
    uploadNote: 'This connection lists no site to import into.',
    maxUploadBytes: null,
    maxUrlBytes: null,
  },
  formats: [],
}

/** Staging, inspection, capabilities and the import jobs. */
export class ImportService {
  readonly #options: ImportServiceOptions
  readonly #clock: Clock
  readonly #newId: () => string
  readonly #policies = new Map<string, { readonly policy: ImportPolicy; readonly at: number }>()
  /** The policy each connection gave last, for staging and inspection. */
  readonly #latest = new Map<string, ImportPolicy>()

  constructor(options: ImportServiceOptions) {
    this.#options = options
    this.#clock = options.clock ?? systemClock
    this.#newId = options.newId ?? randomUUID
  }

  async #policy(active: ActiveConnection, siteId: string, env: string): Promise<ImportPolicy> {
    const key = `${active.connectionId}\n${siteId}\n${env}`
    const kept = this.#policies.get(key)
    if (kept && kept.at + POLICY_TTL_MS > this.#clock.now()) return kept.policy
    const policy = await importPolicy(active.kind, active.client, siteId, env)
    this.#policies.set(key, { policy, at: this.#clock.now() })
    this.#latest.set(active.connectionId, policy)
    return policy
  }

  /** The policy for staging and inspection: the connection's latest, else its first site's. */
  async #connectionPolicy(): Promise<ImportPolicy> {
    const active = await this.#options.active()
    if (active.kind === 'pantheon') return PANTHEON_POLICY
    const latest = this.#latest.get(active.connectionId)
    if (latest) return latest
    const [site] = (await active.client.listSites()).sort((a, b) => a.name.localeCompare(b.name))
    if (!site) return NO_SITE_POLICY
    const environments = await active.client.listEnvironments(site.id)
    const env = environments.find((e) => e.name === 'dev') ?? environments[0]
    if (!env) return NO_SITE_POLICY
    return this.#policy(active, site.id, env.name)
  }

  async #uploadsAllowed(): Promise<ImportPolicy & { readonly maxBytes: number }> {
    const policy = await this.#connectionPolicy()
    const { upload, uploadNote, maxUploadBytes } = policy.capabilities
    if (!upload || maxUploadBytes === null) {
      throw new AppError('no_upload', uploadNote ?? 'This platform takes no uploads: import from a URL instead.')
    }
    return { ...policy, maxBytes: maxUploadBytes }
  }

  async capabilities(siteId: string, env: string): Promise<ImportCapabilities> {
    return (await this.#policy(await this.#options.active(), siteId, env)).capabilities
  }

  /** Electron only: stages the file or folder at `path` (the preload got it from a dropped File). */
  async stagePath(filePath: string): Promise<StagedFile> {
    if (this.#options.mode !== 'electron') {
      throw new AppError(
        'forbidden',
        'Files are staged by path only in the desktop app; in the browser the page sends the file itself.',
      )
    }
    await this.#uploadsAllowed()
    return this.#options.staging.stagePath(filePath)
  }

  /** Browser mode: stages a file the page streams (`declared` bytes), capped at the upload limit. */
  async stageUpload(name: string, declared: number, body: Readable): Promise<StagedFile> {
    const policy = await this.#uploadsAllowed()
    return this.#options.staging.stageStream(name, declared, body, policy.maxBytes)
  }

  async inspect(token: string): Promise<ImportInspection> {
    return this.#options.inspector.inspect(token, await this.#connectionPolicy())
  }

  /** The tokens running jobs still upload from. */
  tokensInUse(): Set<string> {
    const tokens = new Set<string>()
    for (const stored of this.#options.runner.storedJobs()) {
      if (stored.job.state !== 'running') continue
      for (const request of Object.values(stored.requests)) if (request.type === 'upload') tokens.add(request.token)
    }
    return tokens
  }

  /** Forgets a staged file, unless a running job still needs it (it goes when the job ends). */
  async discard(token: string): Promise<void> {
    if (this.tokensInUse().has(token)) return
    this.#options.inspector.forget(token)
    await this.#options.staging.discard(token)
  }

  /** Removes the staged files of a job that has ended. */
  async jobEnded(stored: StoredJob): Promise<void> {
    const inUse = this.tokensInUse()
    for (const request of Object.values(stored.requests)) {
      if (request.type !== 'upload' || inUse.has(request.token)) continue
      this.#options.inspector.forget(request.token)
      await this.#options.staging.discard(request.token)
    }
  }

  async #archive(token: string, kind: ImportKind, policy: ImportPolicy): Promise<StagedArchive> {
    const inspection = await this.#options.inspector.inspect(token, policy)
    if (!inspection.ok) {
      const { problem, todo } = inspection.refusal
      throw new AppError('refused', `${inspection.name} cannot be imported: ${problem} ${todo} Nothing was started.`)
    }
    if (inspection.detail.kind !== kind) {
      throw new AppError(
        'bad_request',
        `${inspection.name} is ${inspection.detail.kind === 'database' ? 'a database dump' : 'a files archive'}, not ${kind === 'database' ? 'a database dump' : 'a files archive'}. Nothing was started.`,
      )
    }
    return {
      token,
      name: inspection.name,
      size: inspection.size,
      detail: inspection.detail,
      convert: inspection.convertForUpload,
      maxUncompressedBytes: (policy.capabilities.maxUploadBytes ?? inspection.size) * UNCOMPRESSED_FACTOR,
    }
  }

  async #target(siteId: string, envName: string, confirm: string) {
    const active = await this.#options.active()
    const [site, environments] = await Promise.all([
      active.client.getSite(siteId),
      active.client.listEnvironments(siteId),
    ])
    const env = envNamed(environments, envName)
    checkConfirmation('import', env.name, env.isLive, confirm)
    return { active, site, env }
  }

  /** Imports inspected staged files into `env`: files, then the database. */
  async start(input: ImportStart): Promise<Job> {
    if (input.database !== null && input.database === input.files) {
      throw new AppError('bad_request', 'The same file cannot be both the database and the files.')
    }
    const { active, site, env } = await this.#target(input.siteId, input.env, input.confirm)
    const policy = await this.#policy(active, input.siteId, env.name)
    if (!policy.capabilities.upload) {
      throw new AppError('no_upload', policy.capabilities.uploadNote ?? 'This platform takes no uploads.')
    }
    const files = input.files === null ? null : await this.#archive(input.files, 'files', policy)
    const database = input.database === null ? null : await this.#archive(input.database, 'database', policy)
    return this.#options.runner.start(active.client, active.connectionId, input.siteId, env.name, async () =>
      planImport(
        {
          connectionId: active.connectionId,
          siteId: input.siteId,
          siteName: site.name,
          env: env.name,
          database,
          files,
          safetyBackup: input.safetyBackup,
        },
        { id: this.#newId(), clock: this.#clock },
      ),
    )
  }

  /** Imports an archive the platform fetches from `url`. */
  async startUrl(input: UrlImportStart): Promise<Job> {
    const { active, site, env } = await this.#target(input.siteId, input.env, input.confirm)
    return this.#options.runner.start(active.client, active.connectionId, input.siteId, env.name, async () =>
      planUrlImport(
        {
          connectionId: active.connectionId,
          siteId: input.siteId,
          siteName: site.name,
          env: env.name,
          kind: input.kind,
          url: input.url,
          safetyBackup: input.safetyBackup,
        },
        { id: this.#newId(), clock: this.#clock },
      ),
    )
  }

  /** Stops an import's upload (see {@link JobRunner.cancel}). */
  async cancel(jobId: string): Promise<Job> {
    const { connectionId } = await this.#options.active()
    const job = this.#options.runner.get(jobId)
    if (!job || job.connectionId !== connectionId) {
      throw new AppError('not_found', 'That import is not in this connection’s list any more. Reload the activity.')
    }
    return this.#options.runner.cancel(jobId)
  }
}
