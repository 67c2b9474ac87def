/**
 * Browser mode's host: serves the built renderer and answers the same IPC
 * contract over HTTP, with events over Server-Sent Events.
 *
 * It binds loopback only and trusts nothing else about the network: every
 * request must carry the session token (from the printed link, kept in an
 * HttpOnly SameSite=Strict cookie, or as a Bearer header), the Host header must
 * name this very port on a loopback name (no DNS rebinding), and any Origin
 * must be this host's own. Payloads are validated by the same router that
 * Electron's ipcMain uses.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import type { EventChannel, EventPayload } from '../../shared/ipc'
import type { EventHub } from '../events'
import type { IpcRouter } from '../ipc/router'
import { contentTypeOf } from '../content-types'
import { CONTENT_SECURITY_POLICY } from '../security'

export interface WebHostOptions {
  readonly router: IpcRouter
  readonly events: EventHub
  /** The built renderer (index.html and assets). */
  readonly staticDir: string
  readonly port?: number
  /** Fixed token (tests); a random one otherwise. */
  readonly token?: string
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

function sameSecret(given: string | undefined, expected: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie
  if (!header) return undefined
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return decodeURIComponent(rest.join('='))
  }
  return undefined
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  })
  res.end(text)
}

function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { ok: false, error: { code, message } })
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buffer = chunk as Buffer
    size += buffer.length
    if (size > MAX_BODY_BYTES) throw new Error('too_large')
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Starts the browser-mode host on 127.0.0.1. */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url')
  const staticRoot = path.resolve(options.staticDir)
  const sseClients = new Set<ServerResponse>()
  let port = 0
  // Cookies ignore ports: one name per port keeps two instances (and other local servers) apart.
  let cookieName = 'restore_desk_session'

  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`]
  const allowedOrigins = (): string[] => allowedHosts().map((host) => `http://${host}`)

  const isAuthorized = (req: IncomingMessage): boolean => {
    const auth = req.headers.authorization
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined
    return sameSecret(bearer, token) || sameSecret(readCookie(req, cookieName), token)
  }

  const setSecurityHeaders = (res: ServerResponse): void => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('X-Frame-Options', 'DENY')
    res.setHeader('Referrer-Policy', 'no-referrer')
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
  }

  const serveStatic = async (url: URL, res: ServerResponse): Promise<void> => {
    let relative: string
    try {
      relative = decodeURIComponent(url.pathname)
    } catch {
      res.writeHead(400).end('Bad path')
      return
    }
    let file = path.resolve(staticRoot, '.' + relative)
    if (file !== staticRoot && !file.startsWith(staticRoot + path.sep)) {
      res.writeHead(404).end('Not found')
      return
    }
    let info = await stat(file).catch(() => null)
    if (!info || info.isDirectory()) {
      // Single-page app: unknown paths without an extension get the shell.
      if (path.extname(relative) !== '' && relative !== '/') {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found')
        return
      }
      file = path.join(staticRoot, 'index.html')
      info = await stat(file).catch(() => null)
      if (!info) {
        res
          .writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' })
          .end('The page has not been built. Run `npm run web` (it builds the renderer first).')
        return
      }
    }
    const type = contentTypeOf(file)
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': info.size,
      'Cache-Control': file.endsWith('index.html') ? 'no-store' : 'private, max-age=31536000, immutable',
    })
    createReadStream(file).pipe(res)
  }

  const handleInvoke = async (channel: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      refuse(res, 415, 'bad_request', 'Send the request as application/json.')
      return
    }
    let text: string
    try {
      text = await readBody(req)
    } catch {
      refuse(res, 413, 'too_large', 'The request is larger than 1 MiB and was refused.')
      return
    }
    let body: unknown
    try {
      body = text.length === 0 ? {} : JSON.parse(text)
    } catch {
      refuse(res, 400, 'bad_request', 'The request body is not valid JSON.')
      return
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      refuse(res, 400, 'bad_request', 'The request body must be an object like {"payload": …}.')
      return
    }
    const payload = (body as { payload?: unknown }).payload
    const result = await options.router.invoke(channel, payload)
    sendJson(res, 200, result)
  }

  const handleEvents = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    })
    res.write(': connected\n\n')
    sseClients.add(res)
    const heartbeat = setInterval(() => res.write(': ping\n\n'), 15_000)
    req.on('close', () => {
      clearInterval(heartbeat)
      sseClients.delete(res)
    })
  }

  const unsubscribe = options.events.subscribe(<E extends EventChannel>(channel: E, payload: EventPayload<E>) => {
    const frame = `event: ${channel}\ndata: ${JSON.stringify(payload)}\n\n`
    for (const client of sseClients) client.write(frame)
  })

  const server = createServer((req, res) => {
    setSecurityHeaders(res)
    const host = req.headers.host ?? ''
    if (!allowedHosts().includes(host)) {
      res
        .writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' })
        .end('This host name is not allowed. Open the link Restore Desk printed.')
      return
    }
    const origin = req.headers.origin
    if (origin !== undefined && !allowedOrigins().includes(origin)) {
      refuse(res, 403, 'forbidden', 'Requests from other sites are not allowed.')
      return
    }
    let url: URL
    try {
      url = new URL(req.url ?? '/', `http://${host}`)
    } catch {
      refuse(res, 400, 'bad_request', 'The request target is not a valid path.')
      return
    }

    // The printed link: trade the token for a cookie, then drop it from the address bar.
    const offered = url.searchParams.get('token')
    if (req.method === 'GET' && offered !== null) {
      if (!sameSecret(offered, token)) {
        res
          .writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' })
          .end('This link has a wrong token. Open the link Restore Desk printed when it started.')
        return
      }
      url.searchParams.delete('token')
      res.writeHead(303, {
        'Set-Cookie': `${cookieName}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname + url.search,
        'Cache-Control': 'no-store',
      })
      res.end()
      return
    }
    if (!isAuthorized(req)) {
      if (url.pathname.startsWith('/api/')) {
        refuse(res, 401, 'unauthorized', 'Missing or wrong token. Open the link Restore Desk printed when it started.')
      } else {
        res
          .writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' })
          .end('Open the link Restore Desk printed when it started (it carries the access token).')
      }
      return
    }

    const invokeMatch = /^\/api\/invoke\/([^/]+)$/.exec(url.pathname)
    const handle = async (): Promise<void> => {
      if (invokeMatch) {
        if (req.method !== 'POST') {
          refuse(res, 405, 'bad_request', 'Use POST for IPC calls.')
          return
        }
        await handleInvoke(decodeURIComponent(invokeMatch[1] ?? ''), req, res)
      } else if (url.pathname === '/api/events' && req.method === 'GET') {
        handleEvents(req, res)
      } else if (url.pathname.startsWith('/api/')) {
        refuse(res, 404, 'not_found', `Nothing is served at ${url.pathname}.`)
      } else if (req.method === 'GET' || req.method === 'HEAD') {
        await serveStatic(url, res)
      } else {
        res.writeHead(405).end()
      }
    }
    handle().catch((error: unknown) => {
      if (!res.headersSent)
        refuse(res, 500, 'internal', `The host failed: ${error instanceof Error ? error.message : String(error)}`)
      else res.destroy()
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
      for (const client of sseClients) client.end()
      sseClients.clear()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
    },
  }
}
