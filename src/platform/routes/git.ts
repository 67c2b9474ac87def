/**
 * The git smart-HTTP route [ext]: `/git/<site_id>.git/...`, Basic auth with any user name and
 * the machine token as password. A push that moves master starts a `sync_code` workflow that
 * moves dev to the new commit.
 */
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { serveGitHttp } from '../git/http'
import type { PlatformContext } from '../core'
import { sendError } from '../http'
import type { WorkflowQueue } from '../workflows/queue'
import { decodePathSegment } from './router'

const GIT_PATH = /^\/git\/([^/]+)\.git(\/.*)?$/

function basicUser(req: IncomingMessage, token: string): string | undefined {
  const match = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')
  if (!match?.[1]) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  const password = Buffer.from(decoded.slice(colon + 1))
  const expected = Buffer.from(token)
  if (password.length !== expected.length || !timingSafeEqual(password, expected)) return undefined
  return decoded.slice(0, colon) || 'git'
}

/** Serves a git request if `path` is a git path; returns false otherwise. */
export async function handleGit(
  platform: PlatformContext,
  queue: WorkflowQueue,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  const match = GIT_PATH.exec(path)
  if (!match) return false
  const siteId = decodePathSegment(match[1] ?? '')
  const remoteUser = basicUser(req, platform.secrets.machineToken)
  if (!remoteUser) {
    sendError(res, 401, 'Git needs Basic auth: any user name and your machine token as the password.', {
      'WWW-Authenticate': 'Basic realm="Restore Desk git"',
    })
    return true
  }
  const site = platform.store.current.sites.find((candidate) => candidate.id === siteId || candidate.name === siteId)
  if (!site) {
    sendError(res, 404, `No site ${siteId} exists; get the git URL from connection-info.`)
    return true
  }
  await serveGitHttp(req, res, {
    repoDir: platform.layout.repoDir(site.id),
    pathInfo: match[2] ?? '/',
    remoteUser,
    onRefsUpdated: async (updates) => {
      const master = updates.find((update) => update.ref === 'refs/heads/master')
      if (!master) return
      await platform.store.update((state) => ({
        ...state,
        sites: state.sites.map((s) =>
          s.id === site.id
            ? { ...s, lastCodePush: { timestamp: Math.floor(Date.now() / 1000), userId: platform.secrets.userId } }
            : s,
        ),
      }))
      if (!master.newSha || /^0+$/.test(master.newSha)) return
      await queue.start({
        type: 'sync_code',
        siteId: site.id,
        env: 'dev',
        params: { target_ref: 'refs/heads/master', target_commit: master.newSha, converge: true },
        userId: platform.secrets.userId,
      })
    },
  })
  return true
}
