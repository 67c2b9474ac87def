/**
 * The platform's shared context: resolved options, the data folder's layout and state,
 * environment content, and the lookups every route and workflow needs. One instance per
 * running platform; nothing here is global, so several platforms can run in one process.
 */
import type { Layout } from './storage/layout'
import type { EnvContent } from './storage/env-content'
import { findEnvironment, siteEnvironments } from './storage/state'
import type { EnvironmentRecord, PlatformSecrets, SiteRecord, StateStore, UserRecord } from './storage/state'
import { HttpError } from './http'
import type { ImportFormat } from '../lib/archives'

/** Options after defaults. */
export interface ResolvedOptions {
  readonly linkTtlSeconds: number
  readonly uploadLimitBytes: number
  /** The formats `do_import` takes (all of them unless narrowed, see `PlatformOptions`). */
  readonly importFormats: readonly ImportFormat[]
  readonly sessionTtlSeconds: number
  /** Pause before each workflow step (tests use it to stop the platform mid-workflow). */
  readonly stepDelayMs: number
}

/** The environments every site has. */
export const STANDARD_ENVIRONMENTS = ['dev', 'test', 'live'] as const

/** The platform context shared by routes and workflows. */
export class PlatformContext {
  /** `http://127.0.0.1:N`, set once the server listens. */
  baseUrl = ''

  constructor(
    readonly layout: Layout,
    readonly store: StateStore,
    readonly secrets: PlatformSecrets,
    readonly content: EnvContent,
    readonly options: ResolvedOptions,
    readonly log: (line: string) => void,
  ) {}

  /** The site `siteId`, or a 404 the client can show. */
  site(siteId: string): SiteRecord {
    const site = this.store.current.sites.find((candidate) => candidate.id === siteId)
    if (!site) throw new HttpError(404, `A site with id ${siteId} was not found.`)
    return site
  }

  /** The environment `env` of a site, or a 404 (names are looked up as own properties only). */
  environment(siteId: string, env: string): EnvironmentRecord {
    this.site(siteId)
    const record = this.findEnvironment(siteId, env)
    if (!record) throw new HttpError(404, `The environment "${env}" was not found on this site; use dev, test or live.`)
    return record
  }

  /** The environment `env` of a site, or undefined; never a property inherited from Object.prototype. */
  findEnvironment(siteId: string, env: string): EnvironmentRecord | undefined {
    return findEnvironment(this.store.current, siteId, env)
  }

  /** A site's environments as [name, record] pairs. */
  environments(siteId: string): [string, EnvironmentRecord][] {
    return siteEnvironments(this.store.current, siteId)
  }

  /** A user by id. */
  user(userId: string | null | undefined): UserRecord | undefined {
    return this.store.current.users.find((user) => user.id === userId)
  }

  /** The user that owns the machine token. */
  tokenUser(): UserRecord | undefined {
    return this.user(this.secrets.userId) ?? this.store.current.users[0]
  }
}
