/**
 * The typed platform API: one method per operation of docs/platform-api.md, each
 * a path through {@link PlatformHttp} plus a parser into the shared models.
 * Works against Pantheon and the embedded platform alike.
 */
import { z } from 'zod'
import type {
  Backup,
  BackupElement,
  BackupSchedule,
  CodeLogEntry,
  ConnectionInfo,
  Environment,
  EnvironmentContent,
  EnvironmentDomain,
  PlatformUser,
  Site,
  StartableWorkflowType,
  UploadLimits,
  UploadTarget,
  Workflow,
  WorkflowParamsByType,
} from '../../shared/platform-types'
import { backupsFromCatalog, catalogWire } from './backups'
import { apiPath, PlatformHttp } from './http'
import { PlatformApiError } from './api-error'
import type { PlatformHttpOptions, SessionInfo } from './http'
import {
  codeLogWire,
  connectionInfoWire,
  contentSummaryWire,
  domainsWire,
  environmentsWire,
  membershipWire,
  orgMembershipWire,
  parseWire,
  scheduleWire,
  signedUrlWire,
  siteNameWire,
  siteWire,
  toCodeLog,
  toConnectionInfo,
  toDomains,
  toEnvironmentContent,
  toEnvironments,
  toSchedule,
  toSite,
  toUploadLimits,
  toUploadTarget,
  toUser,
  toWorkflow,
  uploadLimitsWire,
  uploadWire,
  userWire,
  workflowListWire,
  workflowWire,
} from './models'

/** Page size for list endpoints; a shorter page is the last one. */
export const PAGE_LIMIT = 100

/** The most commits {@link PlatformClient.codeLog} reads unless told otherwise. */
export const CODE_LOG_CAP = 2000

/** Options of {@link PlatformClient}: those of the request core. */
export type PlatformClientOptions = PlatformHttpOptions

/** What to upload: the archive's name and exact size in bytes. */
export interface UploadRequest {
  readonly filename: string
  readonly size: number
}

/** Optional per-call settings. */
export interface CallOptions {
  readonly signal?: AbortSignal
}

/** How much of the code log to read. */
export interface CodeLogOptions extends CallOptions {
  /** Stops paging once this says the commits read so far are enough (they are all returned). */
  readonly until?: (commits: readonly CodeLogEntry[]) => boolean
  /** Stops paging after this many commits (default {@link CODE_LOG_CAP}). */
  readonly maxCommits?: number
}

const signalOf = (options: CallOptions | undefined) => (options?.signal ? { signal: options.signal } : {})

/**
 * Pantheon's git remote for a site (SSH only; its API has no connection-info,
 * so {@link PlatformClient.getConnectionInfo} answers null there).
 */
export function pantheonGitUrl(siteId: string): string {
  return `ssh://codeserver.dev.${siteId}@codeserver.dev.${siteId}.drush.in:2222/~/repository.git`
}

/** A connection to one platform (Pantheon or embedded), logged in with a machine token. */
export class PlatformClient {
  readonly http: PlatformHttp

  constructor(options: PlatformClientOptions | PlatformHttp) {
    this.http = options instanceof PlatformHttp ? options : new PlatformHttp(options)
  }

  /** The API root this client talks to. */
  get baseUrl(): string {
    return this.http.baseUrl
  }

  /** Logs in with the machine token; fails with code `unauthorized` if the platform refuses it. */
  login(options?: CallOptions): Promise<SessionInfo> {
    return this.http.login(options?.signal)
  }

  /** The user the machine token belongs to. */
  async currentUser(options?: CallOptions): Promise<PlatformUser> {
    const { userId } = await this.http.ensureSession(options?.signal)
    const body = await this.http.request(apiPath`/users/${userId}`, signalOf(options))
    return toUser(parseWire(userWire, body, 'the current user'))
  }

  /**
   * Every site the user can see, following pages of {@link PAGE_LIMIT}: the
   * user's own memberships, then (as Terminus does on Pantheon) the sites of
   * each organization the user belongs to. A direct membership's role wins.
   */
  async listSites(options?: CallOptions): Promise<Site[]> {
    const { userId } = await this.http.ensureSession(options?.signal)
    const sites = new Map<string, Site>()
    const own = await this.allPages(
      apiPath`/users/${userId}/memberships/sites`,
      membershipWire,
      'the list of sites',
      options,
    )
    for (const m of own) sites.set(m.site.id, toSite(m.site, m.role ?? null))
    const orgs = await this.allPages(
      apiPath`/users/${userId}/memberships/organizations`,
      orgMembershipWire,
      'the list of organizations',
      options,
    ).catch((error: unknown) => {
      // Organizations are a Pantheon extra; a platform without them must not hide the user's own sites.
      if (error instanceof PlatformApiError && (error.status === 403 || error.status === 404)) return []
      throw error
    })
    const orgSites = await Promise.all(
      orgs.map((org) =>
        this.allPages(
          apiPath`/organizations/${org.organization?.id ?? org.id}/memberships/sites`,
          membershipWire,
          'the sites of an organization',
          options,
        ),
      ),
    )
    for (const m of orgSites.flat()) if (!sites.has(m.site.id)) sites.set(m.site.id, toSite(m.site, m.role ?? null))
    return [...sites.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  /** Reads a paged list: `?limit=100&start=<last id seen>` until a page comes back short. */
  private async allPages<S extends z.ZodType<{ readonly id: string }>>(
    path: string,
    item: S,
    what: string,
    options: CallOptions | undefined,
  ): Promise<z.output<S>[]> {
    const all: z.output<S>[] = []
    let start: string | undefined
    for (;;) {
      const body = await this.http.request(path, { query: { limit: PAGE_LIMIT, start }, ...signalOf(options) })
      const page = parseWire(z.array(item).nullable(), body, what) ?? []
      all.push(...page)
      const lastId = page.at(-1)?.id
      // A full page ending where the last one did would loop forever (a platform ignoring `start`).
      if (page.length < PAGE_LIMIT || lastId === undefined || lastId === start) return all
      start = lastId
    }
  }

  /** The site with this machine name, or null if the platform knows none. */
  async findSiteByName(name: string, options?: CallOptions): Promise<Site | null> {
    let id: string
    try {
      const body = await this.http.request(apiPath`/site-names/${name}`, signalOf(options))
      id = parseWire(siteNameWire, body, `the site named ${name}`).id
    } catch (error) {
      if (error instanceof PlatformApiError && error.status === 404) return null
      throw error
    }
    return this.getSite(id, options)
  }

  /** One site by id. */
  async getSite(siteId: string, options?: CallOptions): Promise<Site> {
    const body = await this.http.request(apiPath`/sites/${siteId}`, signalOf(options))
    return toSite(parseWire(siteWire, body, 'the site'))
  }

  /** The site's environments: dev, test, live, then multidevs by name. */
  async listEnvironments(siteId: string, options?: CallOptions): Promise<Environment[]> {
    const body = await this.http.request(apiPath`/sites/${siteId}/environments`, signalOf(options))
    return toEnvironments(parseWire(environmentsWire, body, 'the environments'))
  }

  /** The environment's HTTP git remote, or null where the platform offers none (Pantheon: SSH only). */
  async getConnectionInfo(siteId: string, env: string, options?: CallOptions): Promise<ConnectionInfo | null> {
    try {
      const body = await this.http.request(
        apiPath`/sites/${siteId}/environments/${env}/connection-info`,
        signalOf(options),
      )
      return toConnectionInfo(parseWire(connectionInfoWire, body, 'the connection info'))
    } catch (error) {
      if (error instanceof PlatformApiError && error.status === 404) return null
      throw error
    }
  }

  /**
   * The environment's commits, newest first, labelled with the environments that contain them.
   * Reads pages of {@link PAGE_LIMIT} (by the last hash seen) until a short page, until
   * `options.until` is satisfied, or until `options.maxCommits` commits (default
   * {@link CODE_LOG_CAP}) have been read, so a long history never loads whole by accident.
   */
  async codeLog(siteId: string, env: string, options?: CodeLogOptions): Promise<CodeLogEntry[]> {
    const path = apiPath`/sites/${siteId}/environments/${env}/code-log`
    const cap = Math.max(1, options?.maxCommits ?? CODE_LOG_CAP)
    const commits: CodeLogEntry[] = []
    const seen = new Set<string>()
    let start: string | undefined
    for (;;) {
      const body = await this.http.request(path, { query: { limit: PAGE_LIMIT, start }, ...signalOf(options) })
      const page = toCodeLog(parseWire(codeLogWire, body, 'the code log'))
      // A platform that ignores `start` sends the same page again: only new commits count.
      const fresh = page.filter((commit) => !seen.has(commit.hash))
      for (const commit of fresh) seen.add(commit.hash)
      commits.push(...fresh)
      if (commits.length >= cap) return commits.slice(0, cap)
      if (page.length < PAGE_LIMIT || fresh.length === 0 || options?.until?.(commits)) return commits
      start = page.at(-1)!.hash
    }
  }

  /** The environment's domains, or null where the platform has no such list (404). */
  async listDomains(siteId: string, env: string, options?: CallOptions): Promise<EnvironmentDomain[] | null> {
    try {
      const body = await this.http.request(apiPath`/sites/${siteId}/environments/${env}/domains`, signalOf(options))
      return toDomains(parseWire(domainsWire, body, 'the domains'))
    } catch (error) {
      if (error instanceof PlatformApiError && error.status === 404) return null
      throw error
    }
  }

  /** The environment's own platform domain (`dev-site.pantheonsite.io`), or null when none is listed. */
  async platformDomain(siteId: string, env: string, options?: CallOptions): Promise<string | null> {
    const domains = await this.listDomains(siteId, env, options)
    return domains?.find((domain) => domain.type === 'platform')?.id ?? null
  }

  /**
   * The environment's current database and files ([ext] content-summary), or null where the
   * platform does not say (Pantheon: 404); callers then describe them by the newest backup.
   */
  async contentSummary(siteId: string, env: string, options?: CallOptions): Promise<EnvironmentContent | null> {
    try {
      const body = await this.http.request(
        apiPath`/sites/${siteId}/environments/${env}/content-summary`,
        signalOf(options),
      )
      return toEnvironmentContent(parseWire(contentSummaryWire, body, 'the content summary'))
    } catch (error) {
      if (error instanceof PlatformApiError && error.status === 404) return null
      throw error
    }
  }

  /** The environment's backups, newest first. */
  async backupCatalog(siteId: string, env: string, options?: CallOptions): Promise<Backup[]> {
    const body = await this.http.request(
      apiPath`/sites/${siteId}/environments/${env}/backups/catalog`,
      signalOf(options),
    )
    return backupsFromCatalog(parseWire(catalogWire, body, 'the backups catalog'))
  }

  /** When the platform makes scheduled backups of the environment. */
  async backupSchedule(siteId: string, env: string, options?: CallOptions): Promise<BackupSchedule> {
    const body = await this.http.request(
      apiPath`/sites/${siteId}/environments/${env}/backups/schedule`,
      signalOf(options),
    )
    return toSchedule(parseWire(scheduleWire, body, 'the backup schedule'))
  }

  /** A signed, short-lived GET link to one part of a backup (no Authorization needed to fetch it). */
  async getBackupDownloadUrl(
    siteId: string,
    env: string,
    folder: string,
    element: BackupElement,
    options?: CallOptions,
  ): Promise<string> {
    const body = await this.http.request(
      apiPath`/sites/${siteId}/environments/${env}/backups/catalog/${folder}/${element}/s3token`,
      { method: 'POST', body: { method: 'get' }, ...signalOf(options) },
    )
    return parseWire(signedUrlWire, body, 'the download link').url
  }

  /** Signed links to upload an archive and for the platform to fetch it back (embedded platform only). */
  async createUpload(siteId: string, env: string, upload: UploadRequest, options?: CallOptions): Promise<UploadTarget> {
    const body = await this.http.request(apiPath`/sites/${siteId}/environments/${env}/uploads`, {
      method: 'POST',
      body: { filename: upload.filename, size: upload.size },
      ...signalOf(options),
    })
    return toUploadTarget(parseWire(uploadWire, body, 'the upload link'))
  }

  /**
   * How large an upload the environment takes and which formats its imports read ([ext]
   * `uploads/limits`), or null where the platform has no uploads (Pantheon: 404).
   */
  async uploadLimits(siteId: string, env: string, options?: CallOptions): Promise<UploadLimits | null> {
    try {
      const body = await this.http.request(
        apiPath`/sites/${siteId}/environments/${env}/uploads/limits`,
        signalOf(options),
      )
      return toUploadLimits(parseWire(uploadLimitsWire, body, 'the upload limits'))
    } catch (error) {
      if (error instanceof PlatformApiError && error.status === 404) return null
      throw error
    }
  }

  /** Starts a workflow on an environment; the platform answers at once with it queued. */
  async startWorkflow<T extends StartableWorkflowType>(
    siteId: string,
    env: string,
    type: T,
    params: WorkflowParamsByType[T],
    options?: CallOptions,
  ): Promise<Workflow> {
    const body = await this.http.request(apiPath`/sites/${siteId}/environments/${env}/workflows`, {
      method: 'POST',
      body: { type, params },
      ...signalOf(options),
    })
    return toWorkflow(parseWire(workflowWire, body, `the new ${type} workflow`), siteId)
  }

  /** One workflow's current state. */
  async getWorkflow(siteId: string, workflowId: string, options?: CallOptions): Promise<Workflow> {
    const body = await this.http.request(apiPath`/sites/${siteId}/workflows/${workflowId}`, signalOf(options))
    return toWorkflow(parseWire(workflowWire, body, 'the workflow'), siteId)
  }

  /** The site's recent workflows, newest first (at most 100). */
  async listWorkflows(siteId: string, options?: CallOptions): Promise<Workflow[]> {
    const body = await this.http.request(apiPath`/sites/${siteId}/workflows`, signalOf(options))
    return (parseWire(workflowListWire, body, 'the workflows') ?? []).map((w) => toWorkflow(w, siteId))
  }
}
