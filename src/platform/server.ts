/**
 * The HTTP front of the platform: `/api/*` (JSON, Bearer session), `/links/*` (signed
 * downloads and uploads) and `/git/*` (smart HTTP). Errors become the contract's JSON
 * string bodies; unexpected ones are logged without request headers (they hold secrets).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { PlatformContext } from './core'
import { HttpError, sendError, sendJson } from './http'
import { addApiRoutes } from './routes/api'
import { handleGit } from './routes/git'
import { addLinkRoutes, checkUploadStart, refuseUpload } from './routes/links'
import { Router } from './routes/router'
import type { WorkflowQueue } from './workflows/queue'

/** Creates the (not yet listening) HTTP server of a platform. */
export function createPlatformServer(platform: PlatformContext, queue: WorkflowQueue): Server {
  const router = new Router()
  addApiRoutes(router, platform, queue)
  addLinkRoutes(router, platform)

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const path = url.pathname
    try {
      if (path.startsWith('/git/')) {
        if (await handleGit(platform, queue, req, res, path)) return
      }
      const found = router.match(req.method ?? 'GET', path)
      if (found === undefined) throw new HttpError(404, `Nothing is served at ${path}; see the platform API for the routes.`)
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
      platform.log(`error on ${req.method ?? ''} ${path}: ${(error as Error).stack ?? String(error)}`)
      sendError(res, 500, 'The platform hit an internal error; try again, and look at the platform log if it keeps happening.')
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res)
  })
  // Refuse an upload from its headers alone when the client waits for "100 Continue".
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (req.method === 'PUT' && url.pathname.startsWith('/links/uploads/')) {
      try {
        checkUploadStart(platform, req, url.pathname, url.searchParams)
      } catch (error) {
        if (error instanceof HttpError) {
          refuseUpload(res, error)
          res.on('finish', () => req.destroy())
          return
        }
      }
    }
    res.writeContinue()
    void handle(req, res)
  })
  return server
}
