/**
 * The `/api` routes of the contract: login, users, sites, environments, code log, backups
 * catalog and schedule, signed links, uploads and their limits [ext], connection info [ext] and
 * workflows.
 * Every route but login needs `Authorization: Bearer <session>`.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { commitLog, reachableCommits } from '../git/repo'
import { catalogJson, findBackup, listBackups, type BackupElement } from '../backups/backup-store'
import type { PlatformContext } from '../core'
import { HttpError, asObject, page, readJsonBody, sendJson } from '../http'
import { signLink } from '../links/signing'
import { isSafeName } from '../storage/layout'
import type { SessionRecord } from '../storage/state'
import type { WorkflowQueue } from '../workflows/queue'
import { publicWorkflow } from '../workflows/record'
import {
  BACKUP_HOUR,
  DAILY_BACKUP_TTL,
  PLATFORM_STARTED_TYPES,
  WEEKLY_BACKUP_DAY,
  WEEKLY_BACKUP_TTL,
  typeAllowedOn,
} from '../workflows/types'
import type { Router, RouteContext } from './router'
import { environmentJson, gravatarUrl, membershipJson, siteJson, userJson } from './shapes'
import { formatBytes } from '../../lib/format-bytes'
import { platformDomain } from '../domains'
import type { ContentSummary } from '../storage/env-content'

const LOGIN_FAILED = 'Authorization failed. Please check that your machine token is valid.'

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/** The session behind a request's Bearer header, or a 401. */
export function requireSession(platform: PlatformContext, req: IncomingMessage): SessionRecord {
  const header = req.headers.authorization ?? ''
  const match = /^Bearer\s+(.+)$/i.exec(header)
  if (!match?.[1])
    throw new HttpError(
      401,
      'Authentication required: log in with your machine token (POST /api/authorize/machine-token) and send the session as "Authorization: Bearer <session>".',
    )
  const session = platform.store.session(match[1].trim())
  if (!session)
    throw new HttpError(401, 'Your session is unknown or has expired; log in again with your machine token.')
  return session
}

/** The uploads folder name for one upload. */
export function uploadFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? ''
  const cleaned = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._-]+/, '')
  return isSafeName(cleaned) ? cleaned : 'upload.bin'
}

/** Registers every `/api` route on `router`. */
export function addApiRoutes(router: Router, platform: PlatformContext, queue: WorkflowQueue): void {
  const member = (ctx: RouteContext): { userId: string; siteId: string } => {
    const session = requireSession(platform, ctx.req)
    const siteId = ctx.params.site_id ?? ''
    platform.site(siteId)
    const ok = platform.store.current.memberships.some((m) => m.siteId === siteId && m.userId === session.userId)
    if (!ok) throw new HttpError(403, `You are not a member of site ${siteId}; ask its owner for access.`)
    return { userId: session.userId, siteId }
  }
  const env = (ctx: RouteContext): { userId: string; siteId: string; env: string } => {
    const found = member(ctx)
    const name = ctx.params.env ?? ''
    platform.environment(found.siteId, name)
    return { ...found, env: name }
  }

  router.add('POST', '/api/authorize/machine-token', async (ctx) => {
    const body = asObject(await readJsonBody(ctx.req), 'The login body')
    const token = typeof body.machine_token === 'string' ? body.machine_token : ''
    if (token === '' || !sameSecret(token, platform.secrets.machineToken)) throw new HttpError(401, LOGIN_FAILED)
    const user = platform.tokenUser()
    if (!user) throw new HttpError(401, LOGIN_FAILED)
    const expiresAt = Math.floor(Date.now() / 1000) + platform.options.sessionTtlSeconds
    const session = await platform.store.addSession({ userId: user.id, expiresAt })
    return { session, expires_at: expiresAt, user_id: user.id }
  })

  router.add('GET', '/api/users/:user_id', async (ctx) => {
    requireSession(platform, ctx.req)
    const user = platform.user(ctx.params.user_id)
    if (!user) throw new HttpError(404, `A user with id ${ctx.params.user_id} was not found.`)
    return userJson(user, platform.store.current.memberships.filter((m) => m.userId === user.id).length)
  })

  router.add('GET', '/api/users/:user_id/memberships/sites', async (ctx) => {
    requireSession(platform, ctx.req)
    const state = platform.store.current
    const list = state.memberships
      .filter((m) => m.userId === ctx.params.user_id)
      .flatMap((m) => {
        const site = state.sites.find((s) => s.id === m.siteId)
        return site ? [membershipJson(m, site, platform.user(site.ownerId))] : []
      })
    return page(list, ctx.query, (item) => String(item.id))
  })

  router.add('GET', '/api/users/:user_id/memberships/organizations', async (ctx) => {
    requireSession(platform, ctx.req)
    return []
  })

  router.add('GET', '/api/site-names/:name', async (ctx) => {
    requireSession(platform, ctx.req)
    const site = platform.store.current.sites.find((s) => s.name === ctx.params.name)
    if (!site) throw new HttpError(404, `A site named ${ctx.params.name} was not found.`)
    return { id: site.id, name: site.name }
  })

  router.add('GET', '/api/sites/:site_id', async (ctx) => {
    const { siteId } = member(ctx)
    const site = platform.site(siteId)
    return siteJson(site, platform.user(site.ownerId))
  })

  router.add('GET', '/api/sites/:site_id/environments', async (ctx) => {
    const { siteId } = member(ctx)
    const site = platform.site(siteId)
    const out: Record<string, unknown> = {}
    for (const [name, record] of platform.environments(siteId)) out[name] = environmentJson(name, record, site)
    return out
  })

  router.add('GET', '/api/sites/:site_id/environments/:env/connection-info', async (ctx) => {
    const { siteId, env: name } = env(ctx)
    const site = platform.site(siteId)
    return {
      git_url: `${platform.baseUrl}/git/${siteId}.git`,
      git_protocol: 'http',
      git_username: 'restore-desk',
      git_host: new URL(platform.baseUrl).host,
      site_name: site.name,
      environment: name,
    }
  })

  router.add('GET', '/api/sites/:site_id/environments/:env/domains', async (ctx) => {
    const { siteId, env: name } = env(ctx)
    const site = platform.site(siteId)
    const domain = platformDomain(site.name, name)
    return [{ id: domain, type: 'platform', primary: true, deletable: false, environment: name, site_id: siteId }]
  })

  router.add('GET', '/api/sites/:site_id/environments/:env/content-summary', async (ctx) => {
    const { siteId, env: name } = env(ctx)
    return contentSummaryJson(await platform.content.summary(siteId, name))
  })

  router.add('GET', '/api/sites/:site_id/environments/:env/code-log', async (ctx) => {
    const { siteId } = env(ctx)
    const repo = platform.layout.repoDir(siteId)
    const envs = platform.environments(siteId).filter(([, record]) => record.targetCommit)
    const tips = [...new Set(envs.map(([, record]) => record.targetCommit as string))]
    if (tips.length === 0) return []
    const contains = new Map<string, Set<string>>()
    for (const tip of tips) contains.set(tip, await reachableCommits(repo, tip))
    const commits = await commitLog(repo, tips)
    const list = commits.map((commit) => ({
      hash: commit.hash,
      parents: commit.parents,
      author: commit.author,
      email: commit.email,
      datetime: commit.datetime,
      message: commit.message,
      labels: envs
        .filter(([, record]) => contains.get(record.targetCommit as string)?.has(commit.hash))
        .map(([name]) => name),
      gravitar_url: gravatarUrl(commit.email),
    }))
    return page(list, ctx.query, (item) => item.hash)
  })

  router.add('GET', '/api/sites/:site_id/environments/:env/backups/catalog', async (ctx) => {
    const { siteId, env: name } = env(ctx)
    return catalogJson(
      await listBackups(platform.layout, siteId, name, undefined, platform.log),
      `${platform.baseUrl}/backups/${siteId}/${name}`,
    )
  })

  router.add('GET', '/api/sites/:site_id/environments/:env/backups/schedule', async (ctx) => {
    env(ctx)
    const schedule: Record<string, { hour: number; ttl: number }> = {}
    for (let day = 0; day < 7; day += 1)
      schedule[String(day)] = {
        hour: BACKUP_HOUR,
        ttl: day === WEEKLY_BACKUP_DAY ? WEEKLY_BACKUP_TTL : DAILY_BACKUP_TTL,
      }
    return schedule
  })

  router.add('POST', '/api/sites/:site_id/environments/:env/backups/catalog/:folder/:element/s3token', async (ctx) => {
    const { siteId, env: name } = env(ctx)
    const body = asObject(await readJsonBody(ctx.req), 'The s3token body')
    const method = typeof body.method === 'string' ? body.method.toLowerCase() : 'get'
    if (method !== 'get')
      throw new HttpError(
        400,
        `Only "get" links are offered for backups (asked for "${method}"); use {"method": "get"}.`,
      )
    const folder = ctx.params.folder ?? ''
    const element = ctx.params.element ?? ''
    if (!['code', 'database', 'files'].includes(element))
      throw new HttpError(404, `A backup has no element "${element}"; use code, database or files.`)
    const backup = await findBackup(platform.layout, siteId, name, folder, undefined, platform.log)
    const archive = backup?.elements[element as BackupElement]
    if (!backup || !archive)
      throw new HttpError(
        404,
        `No ${element} backup exists in folder ${folder} of "${name}" (it may have expired); pick one from the catalog.`,
      )
    const path = `/links/backups/${siteId}/${name}/${folder}/${archive.filename}`
    const expires = Math.floor(Date.now() / 1000) + platform.options.linkTtlSeconds
    const query = signLink(platform.secrets.linkSecret, 'get', path, expires)
    return {
      url: `${platform.baseUrl}${path}?${query}`,
      bucket: 'restore-desk-local',
      access_key: 'local',
      signature: new URLSearchParams(query).get('signature') ?? '',
      policy: Buffer.from(
        JSON.stringify({
          expiration: new Date(expires * 1000).toISOString(),
          key: `${siteId}/${name}/${folder}/${archive.filename}`,
        }),
      ).toString('base64'),
      encryption_passphrase: null,
      expires_at: expires,
    }
  })

  router.add('POST', '/api/sites/:site_id/environments/:env/uploads', async (ctx) => {
    env(ctx)
    const body = asObject(await readJsonBody(ctx.req), 'The upload body')
    const size = body.size
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0)
      throw new HttpError(400, 'Say how big the upload is: "size" must be the file size in bytes.')
    if (typeof body.filename !== 'string' || body.filename === '')
      throw new HttpError(400, 'Name the upload: "filename" must be the archive\'s file name.')
    const limit = platform.options.uploadLimitBytes
    if (size > limit)
      throw new HttpError(
        413,
        `The file is ${formatBytes(size)}, over the upload limit of ${formatBytes(limit)}; make the archive smaller.`,
      )
    const id = randomUUID()
    const path = `/links/uploads/${id}/${uploadFileName(body.filename)}`
    const expires = Math.floor(Date.now() / 1000) + platform.options.linkTtlSeconds
    return {
      url: `${platform.baseUrl}${path}?${signLink(platform.secrets.linkSecret, 'put', path, expires, size)}`,
      download_url: `${platform.baseUrl}${path}?${signLink(platform.secrets.linkSecret, 'get', path, expires)}`,
      expires_at: expires,
      size,
    }
  })

  // [ext] What an upload may be: the app refuses a larger file before sending it, and converts
  // to a listed format (`.sql.gz`, `.tar.gz`) when the file's own is not listed.
  router.add('GET', '/api/sites/:site_id/environments/:env/uploads/limits', async (ctx) => {
    env(ctx)
    return { max_bytes: platform.options.uploadLimitBytes, formats: platform.options.importFormats }
  })

  router.add('POST', '/api/sites/:site_id/environments/:env/workflows', async (ctx) => {
    const { siteId, env: name, userId } = env(ctx)
    const body = asObject(await readJsonBody(ctx.req), 'The workflow body')
    const type = typeof body.type === 'string' ? body.type : ''
    if (!queue.has(type) || PLATFORM_STARTED_TYPES.has(type)) {
      throw new HttpError(
        400,
        PLATFORM_STARTED_TYPES.has(type)
          ? `"${type}" workflows are started by the platform itself (a git push to master).`
          : `Unknown workflow type "${type}".`,
      )
    }
    const refused = typeAllowedOn(type, name)
    if (refused) throw new HttpError(400, refused)
    const params = body.params === undefined ? {} : asObject(body.params, 'The workflow params')
    const record = await queue.start({ type, siteId, env: name, params, userId })
    sendJson(ctx.res, 202, publicWorkflow(record, platform.user(userId), platform.baseUrl))
    return undefined
  })

  router.add('GET', '/api/sites/:site_id/workflows', async (ctx) => {
    const { siteId } = member(ctx)
    const list = queue
      .list(siteId)
      .map((record) => publicWorkflow(record, platform.user(record.user_id), platform.baseUrl))
    return page(list, ctx.query, (item) => String(item.id), 100)
  })

  router.add('GET', '/api/sites/:site_id/workflows/:id', async (ctx) => {
    const { siteId } = member(ctx)
    const record = queue.get(siteId, ctx.params.id ?? '')
    if (!record) throw new HttpError(404, `No workflow ${ctx.params.id} exists on this site.`)
    return publicWorkflow(record, platform.user(record.user_id), platform.baseUrl)
  })
}

/** [ext] The wire form of an environment's current content: sizes in bytes, times in epoch seconds. */
function contentSummaryJson(summary: ContentSummary): Record<string, unknown> {
  return {
    database: { size: summary.database.size, modified: summary.database.modified },
    files: { count: summary.files.count, size: summary.files.size, modified: summary.files.modified },
  }
}
