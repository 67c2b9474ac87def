/**
 * The HTTP front of the platform, on 127.0.0.1 only. Errors become the contract's JSON
 * string bodies; unexpected ones are a 500 without their text and one log line, without
 * request headers (they hold secrets). No request, however malformed, ends the process.
 *
 *   POST /api/authorize/machine-token                                     login (no session)
 *   GET  /api/users/{user_id}                                             user
 *   GET  /api/users/{user_id}/memberships/sites            ?limit&start   memberships
 *   GET  /api/users/{user_id}/memberships/organizations                   [] (no organizations)
 *   GET  /api/site-names/{name}                                           {id, name} | 404
 *   GET  /api/sites/{site_id}                                             site
 *   GET  /api/sites/{site_id}/environments                                {dev, test, live}
 *   GET  /api/sites/{site_id}/environments/{env}/connection-info          [ext] git_url
 *   GET  /api/sites/{site_id}/environments/{env}/code-log  ?limit&start   commits + labels
 *   GET  /api/sites/{site_id}/environments/{env}/backups/catalog          catalog object
 *   GET  /api/sites/{site_id}/environments/{env}/backups/schedule         {"0".."6": {hour, ttl}}
 *   POST /api/sites/{site_id}/environments/{env}/backups/catalog/{folder}/{element}/s3token
 *   POST /api/sites/{site_id}/environments/{env}/uploads                  [ext] {url, download_url}
 *   GET  /api/sites/{site_id}/environments/{env}/uploads/limits           [ext] {max_bytes, formats}
 *   POST /api/sites/{site_id}/environments/{env}/workflows                202 workflow
 *   GET  /api/sites/{site_id}/workflows                    ?limit&start   newest first, <= 100
 *   GET  /api/sites/{site_id}/workflows/{id}                              workflow
 *   GET|HEAD /links/backups/{site_id}/{env}/{folder}/{filename}?expires&signature
 *   PUT      /links/uploads/{upload_id}/{filename}?expires&size&signature
 *   GET|HEAD /links/uploads/{upload_id}/{filename}?expires&signature
 *   *        /git/{site_id}.git/...                                       smart HTTP, Basic auth
 *
 * Every /api route but login needs `Authorization: Bearer <session>`; /links need none
 * (the signature is the permission); /git needs Basic auth with the machine token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { errorLogLine } from '../lib/error-line'
import type { PlatformContext } from './core'
import { HttpError, sendError, sendJson } from './http'
import { addApiRoutes } from './routes/api'
import { handleGit } from './routes/git'
import { addLinkRoutes, checkUploadStart, refuseUpload } from './routes/links'
import { Router } from './routes/router'
import type { WorkflowQueue } from './workflows/queue'

/**
 * The request target as a URL. A malformed one (`GET http://[ HTTP/1.1`) is a 400: it is the
 * client's mistake, and an exception escaping a request handler would end the whole process.
 */
function requestUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://127.0.0.1')
  } catch {
    throw new HttpError(400, 'The request target is not a valid URL path; send a path such as /api/sites/{site_id}.')
  }
}

/** Creates the (not yet listening) HTTP server of a platform. */
export function createPlatformServer(platform: PlatformContext, queue: WorkflowQueue): Server {
  const router = new Router()
  addApiRoutes(router, platform, queue)
  addLinkRoutes(router, platform)

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Until the target parses, log lines name it without its query (signed links carry secrets there).
    let path = (req.url ?? '/').split('?')[0] ?? '/'
    try {
      const url = requestUrl(req)
      path = url.pathname
      if (path.startsWith('/git/')) {
        if (await handleGit(platform, queue, req, res, path)) return
      }
      const found = router.match(req.method ?? 'GET', path)
      if (found === undefined)
        throw new HttpError(404, `Nothing is served at ${path}; see the platform API for the routes.`)
      if (found === 'method') throw new HttpError(405, `${req.method ?? ''} is not allowed on ${path}.`)
      const body = await found.handler({ req, res, params: found.params, query: url.searchParams, path })
      if (body !== undefined && !res.headersSent) sendJson(res, 200, body)
    } catch (error) {
      if (error instanceof HttpError) {
        if (req.method === 'PUT' && !req.readableEnded) {
          refuseUpload(res, error)
          res.on('finish', () => req.destroy())
          return
        }
        sendError(res, error.status, error.message, { ...error.headers })
        return
      }
      platform.log(`error on ${req.method ?? ''} ${path}: ${errorLogLine(error)}`)
      sendError(
        res,
        500,
        'The platform hit an internal error; try again, and look at the platform log if it keeps happening.',
      )
    }
  }

  // Nothing a request does may reject unobserved: an unhandled rejection ends the process.
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      platform.log(`error answering a request: ${errorLogLine(error)}`)
      res.destroy()
    })
  }
  const server = createServer(serve)
  // Refuse an upload from its headers alone when the client waits for "100 Continue".
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = requestUrl(req)
      if (req.method === 'PUT' && url.pathname.startsWith('/links/uploads/'))
        checkUploadStart(platform, req, url.pathname, url.searchParams)
    } catch (error) {
      if (error instanceof HttpError) {
        refuseUpload(res, error)
        res.on('finish', () => req.destroy())
        return
      }
      // Anything else: let the full handler answer (it turns errors into a 500).
    }
    res.writeContinue()
    serve(req, res)
  })
  return server
}
