/**
 * Browser mode's host: serves the built renderer and answers the same IPC
 * contract over HTTP, with events over Server-Sent Events.
 *
 * It binds loopback only and trusts nothing else about the network: every
 * request must carry the session token (from the printed link, kept in an
 * HttpOnly SameSite=Strict cookie, or as a Bearer header), the Host header must
 * name this very port on a loopback name (no DNS rebinding), and any Origin
 * must be this host's own. Payloads are validated by the same router that
 * Electron's ipcMain uses. Files for an import arrive on a route of their own (./stage-route),
 * streamed to disk; `imports:stage-path` (a path on disk) is refused here.
 *
 * No request, however malformed, may end the process: each one runs inside one guard that
 * turns anything thrown (sync or async) into a 500 without a stack, logs one line, and keeps
 * serving. What a client sends is read by ./requests, which refuses bad input with a 400.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { randomBytes } from 'node:crypto'
import { open, stat } from 'node:fs/promises'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { pipeline } from 'node:stream/promises'
import { errorLogLine } from '../../lib/error-line'
import { isInvokeChannel, isPageChannel, type EventChannel, type EventPayload } from '../../shared/ipc'
import { describeSystemError, systemErrorCode } from '../errors'
import type { EventHub } from '../events'
import type { IpcRouter } from '../ipc/router'
import { contentTypeOf } from '../content-types'
import { CONTENT_SECURITY_POLICY } from '../security'
import { EventStreams } from './event-streams'
import { handleStage, type StageUpload } from './stage-route'
import {
  RequestRefused,
  decodeOrUndefined,
  readBody,
  readCookie,
  refuse,
  requestUrl,
  sameOriginLocation,
  sameSecret,
  sendJson,
  sendText,
} from './requests'

export interface WebHostOptions {
  readonly router: IpcRouter
  readonly events: EventHub
  /** The built renderer (index.html and assets). */
  readonly staticDir: string
  readonly port?: number
  /** Fixed token (tests); a random one otherwise. */
  readonly token?: string
  /** Where a request that failed inside the host is reported, one line each (default: stderr). */
  readonly log?: (line: string) => void
  /** Stages a file the page streams (`PUT /api/stage`); without it the route answers 404. */
  readonly stage?: StageUpload
}

export interface WebHost {
  /** The link to open, with the token: http://127.0.0.1:N/?token=T */
  readonly url: string
  readonly origin: string
  readonly port: number
  readonly token: string
  close(): Promise<void>
}

const MAX_BODY_BYTES = 1024 * 1024

/** Starts the browser-mode host on 127.0.0.1. */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url')
  const staticRoot = path.resolve(options.staticDir)
  const log = options.log ?? ((line: string) => console.error(line))
  const streams = new EventStreams()
  let port = 0
  // Cookies ignore ports: one name per port keeps two instances (and other local servers) apart.
  let cookieName = 'restore_desk_session'

  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`]
  const allowedOrigins = (): string[] => allowedHosts().map((host) => `http://${host}`)

  const isAuthorized = (req: IncomingMessage): boolean => {
    const auth = req.headers.authorization
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined
    return sameSecret(bearer, token) || sameSecret(readCookie(req.headers.cookie, cookieName), token)
  }

  const setSecurityHeaders = (res: ServerResponse): void => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('X-Frame-Options', 'DENY')
    res.setHeader('Referrer-Policy', 'no-referrer')
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
  }

  /** A regular file of the built page, or null (missing, a folder, a socket, …). */
  const pageFile = async (file: string): Promise<{ file: string; size: number } | null> => {
    const info = await stat(file).catch(() => null)
    return info?.isFile() ? { file, size: info.size } : null
  }

  const serveStatic = async (url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const relative = decodeOrUndefined(url.pathname)
    if (relative === undefined || relative.includes('\0')) {
      sendText(res, 400, 'Bad path: it has a malformed %-escape. Open the link Restore Desk printed.')
      return
    }
    const wanted = path.resolve(staticRoot, '.' + relative)
    if (wanted !== staticRoot && !wanted.startsWith(staticRoot + path.sep)) {
      sendText(res, 404, 'Not found')
      return
    }
    let found = await pageFile(wanted)
    if (!found) {
      // Single-page app: unknown paths without an extension get the shell.
      if (path.extname(relative) !== '' && relative !== '/') {
        sendText(res, 404, 'Not found')
        return
      }
      found = await pageFile(path.join(staticRoot, 'index.html'))
      if (!found) {
        sendText(res, 503, 'The page has not been built. Run `npm run web` (it builds the renderer first).')
        return
      }
    }
    // Opened before any header goes out, so a file that cannot be read still gets an answer.
    let handle
    try {
      handle = await open(found.file, 'r')
    } catch (error) {
      sendText(res, 500, `A file of the page could not be read. ${describeSystemError(error).message}`)
      return
    }
    try {
      res.writeHead(200, {
        'Content-Type': contentTypeOf(found.file),
        'Content-Length': found.size,
        'Cache-Control': found.file.endsWith('index.html') ? 'no-store' : 'private, max-age=31536000, immutable',
      })
      if (req.method === 'HEAD') res.end()
      else await pipeline(handle.createReadStream({ autoClose: false }), res)
    } finally {
      await handle.close()
    }
  }

  const handleInvoke = async (encodedChannel: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const channel = decodeOrUndefined(encodedChannel)
    if (channel === undefined)
      throw new RequestRefused(
        400,
        'bad_request',
        'The request target is not a valid path: it has a malformed %-escape.',
      )
    // A path on disk may come only from Electron's preload (a real dropped File), never over HTTP.
    if (isInvokeChannel(channel) && !isPageChannel(channel))
      throw new RequestRefused(
        403,
        'forbidden',
        `"${channel}" is called only by the desktop app's preload; the page stages files with PUT /api/stage.`,
      )
    if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
      throw new RequestRefused(415, 'bad_request', 'Send the request as application/json.')
    const text = await readBody(req, MAX_BODY_BYTES)
    let body: unknown
    try {
      body = text.length === 0 ? {} : JSON.parse(text)
    } catch {
      throw new RequestRefused(400, 'bad_request', 'The request body is not valid JSON.')
    }
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new RequestRefused(400, 'bad_request', 'The request body must be an object like {"payload": …}.')
    const payload = (body as { payload?: unknown }).payload
    const result = await options.router.invoke(channel, payload)
    sendJson(res, 200, result)
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    setSecurityHeaders(res)
    const host = req.headers.host ?? ''
    if (!allowedHosts().includes(host)) {
      sendText(res, 421, 'This host name is not allowed. Open the link Restore Desk printed.')
      return
    }
    const origin = req.headers.origin
    if (origin !== undefined && !allowedOrigins().includes(origin))
      throw new RequestRefused(403, 'forbidden', 'Requests from other sites are not allowed.')
    const url = requestUrl(req, host)

    // The printed link: trade the token for a cookie, then drop it from the address bar.
    const offered = url.searchParams.get('token')
    if (req.method === 'GET' && offered !== null) {
      if (!sameSecret(offered, token)) {
        sendText(res, 401, 'This link has a wrong token. Open the link Restore Desk printed when it started.')
        return
      }
      url.searchParams.delete('token')
      res.writeHead(303, {
        'Set-Cookie': `${cookieName}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        Location: sameOriginLocation(url, `http://${host}`),
        'Cache-Control': 'no-store',
      })
      res.end()
      return
    }
    if (!isAuthorized(req)) {
      if (url.pathname.startsWith('/api/'))
        throw new RequestRefused(
          401,
          'unauthorized',
          'Missing or wrong token. Open the link Restore Desk printed when it started.',
        )
      sendText(res, 401, 'Open the link Restore Desk printed when it started (it carries the access token).')
      return
    }

    const invokeMatch = /^\/api\/invoke\/([^/]+)$/.exec(url.pathname)
    if (invokeMatch) {
      if (req.method !== 'POST') throw new RequestRefused(405, 'bad_request', 'Use POST for IPC calls.')
      await handleInvoke(invokeMatch[1] ?? '', req, res)
    } else if (url.pathname === '/api/stage') {
      await handleStage(url, req, res, options.stage)
    } else if (url.pathname === '/api/events' && req.method === 'GET') {
      streams.open(req, res)
    } else if (url.pathname.startsWith('/api/')) {
      throw new RequestRefused(404, 'not_found', `Nothing is served at ${url.pathname}.`)
    } else if (req.method === 'GET' || req.method === 'HEAD') {
      await serveStatic(url, req, res)
    } else {
      res.writeHead(405).end()
    }
  }

  /** The last word on a request that threw: a refusal as it is, anything else a 500 and one log line. */
  const fail = (req: IncomingMessage, res: ServerResponse, error: unknown): void => {
    if (error instanceof RequestRefused) {
      if (!res.headersSent) refuse(res, error.status, error.code, error.message)
      else res.destroy()
      return
    }
    const where = `${req.method ?? '?'} ${(req.url ?? '/').split('?')[0]}`
    log(`[web] ${where} failed: ${errorLogLine(error)}`)
    if (res.headersSent) {
      res.destroy()
      return
    }
    // A system error says what happened (without its errno text); anything else is the host's own bug.
    const shape =
      systemErrorCode(error) !== undefined
        ? describeSystemError(error)
        : {
            code: 'internal',
            message:
              'Restore Desk hit an internal error answering this request. Reload the page; if it keeps happening, restart `npm run web` and look at its output.',
          }
    refuse(res, 500, shape.code, shape.message)
  }

  const unsubscribe = options.events.subscribe(<E extends EventChannel>(channel: E, payload: EventPayload<E>) =>
    streams.send(channel, payload),
  )

  const server = createServer((req, res) => {
    res.on('error', (error) => log(`[web] answer to ${req.method ?? '?'} failed: ${error.message}`))
    handle(req, res).catch((error: unknown) => {
      try {
        fail(req, res, error)
      } catch {
        res.destroy()
      }
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  cookieName = `restore_desk_session_${port}`
  const origin = `http://127.0.0.1:${port}`

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    async close() {
      unsubscribe()
      streams.closeAll()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
    },
  }
}
