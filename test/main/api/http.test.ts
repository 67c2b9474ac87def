/**
 * The request core against a real HTTP server on 127.0.0.1: login and
 * re-login, the retry rules, error shapes, and that secrets never leak.
 * Back-off waits go through an injected sleep that records and returns at once.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { apiPath, PlatformHttp } from '../../../src/main/api/http'
import { describeOp, parseErrorBody, parseRetryAfter, PlatformApiError } from '../../../src/main/api/api-error'
import type { PlatformHttpOptions } from '../../../src/main/api/http'

const TOKEN = 'mt-0123456789abcdef-secret'

interface Seen {
  readonly method: string
  readonly path: string
  readonly auth: string | undefined
  readonly body: string
}

interface FakePlatform {
  readonly base: string
  readonly seen: Seen[]
  logins(): number
  calls(path: string): number
  /** Sessions the server no longer accepts. */
  readonly revoked: Set<string>
  close(): Promise<void>
}

type Route = (req: IncomingMessage, res: ServerResponse, body: string, n: number) => void

const servers: FakePlatform[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

/**
 * A platform with a working login (sessions `session-1`, `session-2`, ...)
 * and the given routes for everything else; `n` counts calls per path.
 */
async function fakePlatform(routes: Record<string, Route>, loginRoute?: Route): Promise<FakePlatform> {
  const seen: Seen[] = []
  const counts = new Map<string, number>()
  const revoked = new Set<string>()
  let sessions = 0
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!
      const n = (counts.get(path) ?? 0) + 1
      counts.set(path, n)
      seen.push({ method: req.method ?? '', path: req.url ?? '', auth: req.headers.authorization, body })
      if (!path.startsWith('/api/')) return text(res, 404, '<html><title>404 Not Found</title></html>', 'text/html')
      if (path === '/api/authorize/machine-token') {
        if (loginRoute) return loginRoute(req, res, body, n)
        const { machine_token } = JSON.parse(body) as { machine_token: string }
        if (machine_token !== TOKEN)
          return json(res, 401, 'Authorization failed. Please check that your machine token is valid.')
        sessions++
        return json(res, 200, { session: `session-${sessions}-xyz`, expires_at: 4102444800, user_id: 'user-1' })
      }
      const auth = req.headers.authorization ?? ''
      const session = auth.replace(/^Bearer /, '')
      if (!/^session-\d+-xyz$/.test(session) || revoked.has(session)) return json(res, 401, 'Session expired.')
      const route = routes[path]
      if (!route) return json(res, 404, `No route ${path}`)
      route(req, res, body, n)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const platform: FakePlatform = {
    base: `http://127.0.0.1:${port}/api`,
    seen,
    revoked,
    logins: () => counts.get('/api/authorize/machine-token') ?? 0,
    calls: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  servers.push(platform)
  return platform
}

function json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers })
  res.end(JSON.stringify(value))
}

function text(res: ServerResponse, status: number, body: string, contentType = 'text/plain'): void {
  res.writeHead(status, { 'Content-Type': contentType })
  res.end(body)
}

function core(platform: FakePlatform, extra: Partial<PlatformHttpOptions> = {}) {
  const sleeps: number[] = []
  const http = new PlatformHttp({
    baseUrl: platform.base,
    machineToken: TOKEN,
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    random: () => 0.5,
    ...extra,
  })
  return { http, sleeps }
}

async function failure(promise: Promise<unknown>): Promise<PlatformApiError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail')
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(PlatformApiError)
  return error as PlatformApiError
}

describe('retries', () => {
  it('retries 5xx, 429 and dropped connections, then returns the answer', async () => {
    const platform = await fakePlatform({
      '/api/sites/s1': (_req, res, _body, n) => {
        if (n === 1) return json(res, 503, 'Down for maintenance.')
        if (n === 2) return json(res, 429, 'Slow down.')
        if (n === 3) return res.socket?.destroy()
        json(res, 200, { id: 's1' })
      },
    })
    const { http, sleeps } = core(platform)
    await expect(http.request('/sites/s1')).resolves.toEqual({ id: 's1' })
    expect(platform.calls('/api/sites/s1')).toBe(4)
    expect(sleeps).toHaveLength(3)
  })

  it('backs off exponentially with jitter in the upper half of each step', async () => {
    const platform = await fakePlatform({ '/api/x': (_q, res) => json(res, 500, 'boom') })
    const low = core(platform, { random: () => 0 })
    await failure(low.http.request('/x'))
    expect(low.sleeps).toEqual([250, 500, 1000])
    const high = core(platform, { random: () => 0.999999 })
    await failure(high.http.request('/x'))
    expect(high.sleeps).toEqual([500, 1000, 2000])
  })

  it('gives up after four attempts with a message that says what to do', async () => {
    const platform = await fakePlatform({ '/api/sites/s1/environments': (_q, res) => json(res, 502, 'Bad gateway') })
    const { http } = core(platform)
    const error = await failure(http.request('/sites/s1/environments'))
    expect(platform.calls('/api/sites/s1/environments')).toBe(4)
    expect(error).toMatchObject({ status: 502, code: 'server', detail: 'Bad gateway' })
    // The call in words; its path (with the site's id) is not for the reader.
    expect(error.message).toContain('the request for the site’s environments after 4 attempts')
    expect(error.message).not.toContain('/sites/')
    expect(error.message).toMatch(/Try again/)
  })

  it('honours Retry-After in seconds and as a date', async () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0)
    const platform = await fakePlatform({
      '/api/x': (_q, res, _b, n) => {
        if (n === 1) return json(res, 429, 'Too many', { 'Retry-After': '3' })
        if (n === 2) return json(res, 503, 'Later', { 'Retry-After': new Date(now + 5000).toUTCString() })
        json(res, 200, [])
      },
    })
    const { http, sleeps } = core(platform, { now: () => now })
    await expect(http.request('/x')).resolves.toEqual([])
    expect(sleeps).toEqual([3000, 5000])
  })

  it('does not wait out a Retry-After of ten minutes inside a request', async () => {
    const platform = await fakePlatform({ '/api/x': (_q, res) => json(res, 429, 'Quota', { 'Retry-After': '600' }) })
    const { http, sleeps } = core(platform)
    const error = await failure(http.request('/x'))
    expect(error).toMatchObject({ status: 429, code: 'rate_limited' })
    expect(error.message).toContain('10 min')
    expect(sleeps).toEqual([])
    expect(platform.calls('/api/x')).toBe(1)
  })

  it.each([
    [400, 'bad_request'],
    [403, 'forbidden'],
    [404, 'not_found'],
    [405, 'bad_request'],
    [408, 'bad_request'],
    [409, 'bad_request'],
  ])('never retries %i', async (status, code) => {
    const platform = await fakePlatform({ '/api/x': (_q, res) => json(res, status, `Refused with ${status}.`) })
    const { http, sleeps } = core(platform)
    const error = await failure(http.request('/x', { method: 'POST', body: { a: 1 } }))
    expect(error).toMatchObject({ status, code, detail: `Refused with ${status}.` })
    expect(platform.calls('/api/x')).toBe(1)
    expect(sleeps).toEqual([])
  })

  it('never repeats a request that succeeded', async () => {
    const platform = await fakePlatform({ '/api/x': (_q, res) => json(res, 202, { id: 'w1' }) })
    const { http } = core(platform)
    await expect(http.request('/x', { method: 'POST', body: {} })).resolves.toEqual({ id: 'w1' })
    expect(platform.calls('/api/x')).toBe(1)
  })

  it('reports a platform that cannot be reached, after retrying', async () => {
    const closed = await fakePlatform({})
    const base = closed.base
    await closed.close()
    servers.splice(servers.indexOf(closed), 1)
    const sleeps: number[] = []
    const http = new PlatformHttp({ baseUrl: base, machineToken: TOKEN, sleep: async (ms) => void sleeps.push(ms) })
    const error = await failure(http.request('/sites'))
    expect(error).toMatchObject({ status: null, code: 'network' })
    expect(error.message).toMatch(/Could not reach the platform at 127\.0\.0\.1:\d+/)
    // What happened in words, not the errno code.
    expect(error.message).toContain('(nothing is answering at that address)')
    expect(error.message).not.toMatch(/ECONNREFUSED|connect E/)
    expect(error.message).toContain('after 4 attempts')
    expect(sleeps).toHaveLength(3)
  })

  it('treats an attempt that gets no answer in time as a connection failure', async () => {
    const platform = await fakePlatform({ '/api/slow': () => {} })
    const { http } = core(platform, { timeoutMs: 100, maxAttempts: 2 })
    const error = await failure(http.request('/slow'))
    expect(error.code).toBe('network')
    expect(error.message).toContain('no answer within')
    expect(platform.calls('/api/slow')).toBe(2)
  })

  it('stops at once when the caller aborts during a back-off', async () => {
    const platform = await fakePlatform({ '/api/x': (_q, res) => json(res, 503, 'busy') })
    const controller = new AbortController()
    const http = new PlatformHttp({
      baseUrl: platform.base,
      machineToken: TOKEN,
      sleep: async () => {
        controller.abort()
        throw controller.signal.reason
      },
    })
    const error = await http.request('/x', { signal: controller.signal }).catch((e: unknown) => e)
    expect((error as Error).name).toBe('AbortError')
    expect(platform.calls('/api/x')).toBe(1)
  })
})

describe('sessions', () => {
  it('logs in once, sends the session as a bearer token and the app as the client', async () => {
    const platform = await fakePlatform({ '/api/ping': (_q, res) => json(res, 200, 'pong') })
    const { http } = core(platform)
    await http.request('/ping')
    await http.request('/ping')
    expect(platform.logins()).toBe(1)
    const login = platform.seen.find((s) => s.path === '/api/authorize/machine-token')!
    expect(JSON.parse(login.body)).toEqual({ machine_token: TOKEN, client: 'restore-desk' })
    expect(login.auth).toBeUndefined()
    expect(platform.seen.filter((s) => s.path === '/api/ping').map((s) => s.auth)).toEqual([
      'Bearer session-1-xyz',
      'Bearer session-1-xyz',
    ])
    expect(http.userId).toBe('user-1')
  })

  it('logs in again once on a 401 and repeats the request', async () => {
    const platform = await fakePlatform({ '/api/ping': (_q, res) => json(res, 200, 'pong') })
    const { http } = core(platform)
    await http.request('/ping')
    platform.revoked.add('session-1-xyz')
    await expect(http.request('/ping')).resolves.toBe('pong')
    expect(platform.logins()).toBe(2)
    expect(platform.seen.at(-1)!.auth).toBe('Bearer session-2-xyz')
  })

  it('gives up with a clear error when the new session is refused too', async () => {
    const platform = await fakePlatform({ '/api/sites/s1': (_q, res) => json(res, 401, 'No access.') })
    const { http } = core(platform)
    const error = await failure(http.request('/sites/s1'))
    expect(error).toMatchObject({ status: 401, code: 'unauthorized', detail: 'No access.' })
    expect(error.message).toContain('even right after logging in again')
    expect(error.message).toMatch(/machine token/)
    expect(platform.logins()).toBe(2)
    expect(platform.calls('/api/sites/s1')).toBe(2)
  })

  it('shares one login between requests that hit a 401 together', async () => {
    const platform = await fakePlatform({ '/api/ping': (_q, res) => json(res, 200, 'pong') })
    const { http } = core(platform)
    await http.request('/ping')
    platform.revoked.add('session-1-xyz')
    await Promise.all(Array.from({ length: 5 }, () => http.request('/ping')))
    expect(platform.logins()).toBe(2)
  })

  it('logs in again before the session expires', async () => {
    let now = Date.UTC(2026, 0, 1)
    const platform = await fakePlatform({ '/api/ping': (_q, res) => json(res, 200, 'pong') }, (_req, res, _body, n) =>
      json(res, 200, { session: `session-${n}-xyz`, expires_at: now / 1000 + 3600, user_id: 'user-1' }),
    )
    const { http } = core(platform, { now: () => now })
    await http.request('/ping')
    await http.request('/ping')
    expect(platform.logins()).toBe(1)
    now += 3600_000
    await http.request('/ping')
    expect(platform.logins()).toBe(2)
  })

  it('reports a refused machine token without retrying', async () => {
    const platform = await fakePlatform({})
    const http = new PlatformHttp({ baseUrl: platform.base, machineToken: 'wrong-token', sleep: async () => {} })
    const error = await failure(http.login())
    expect(error).toMatchObject({ status: 401, code: 'unauthorized' })
    expect(error.message).toMatch(/did not accept the machine token/)
    expect(error.message).toMatch(/connection settings/)
    expect(platform.logins()).toBe(1)
  })

  it('points at the connection URL when there is no login there', async () => {
    const platform = await fakePlatform({})
    const http = new PlatformHttp({
      baseUrl: platform.base.replace(/\/api$/, '/nope'),
      machineToken: TOKEN,
      sleep: async () => {},
    })
    const error = await failure(http.login())
    expect(error).toMatchObject({ status: 404, code: 'not_found' })
    expect(error.message).toContain('https://terminus.pantheon.io/api')
    expect(error.message).toContain('/nope/authorize/machine-token')
  })

  it('explains a login answer without a session', async () => {
    const platform = await fakePlatform({}, (_q, res) => json(res, 200, { hello: 'world' }))
    const { http } = core(platform)
    const error = await failure(http.login())
    expect(error.code).toBe('bad_response')
    expect(error.message).toMatch(/ends in \/api/)
  })
})

describe('calls in words', () => {
  it('names what each of the client’s calls asked for, with no path, user id or site id', () => {
    const calls: [string, string, string][] = [
      ['POST', '/authorize/machine-token', 'the login with the machine token'],
      ['GET', '/users/u-1234', 'the request for your account'],
      ['GET', '/users/u-1234/memberships/sites?limit=100', 'the request for your sites'],
      ['GET', '/users/u-1234/memberships/organizations', 'the request for your organizations'],
      ['GET', '/site-names/acme%20shop', 'the request for the site named “acme shop”'],
      ['GET', '/sites/0f9e-77', 'the request for the site’s details'],
      ['GET', '/sites/0f9e-77/environments', 'the request for the site’s environments'],
      ['GET', '/sites/0f9e-77/environments/dev/backups/catalog', 'the request for dev’s backups'],
      [
        'POST',
        '/api/sites/0f9e-77/environments/live/backups/catalog/1764_backup/database/s3token',
        'the request for a download link to live’s database backup',
      ],
      ['GET', '/sites/0f9e-77/environments/test/backups/schedule', 'the request for test’s backup schedule'],
      ['GET', '/sites/0f9e-77/environments/dev/code-log', 'the request for dev’s code log'],
      ['GET', '/sites/0f9e-77/environments/dev/connection-info', 'the request for dev’s connection details'],
      ['GET', '/sites/0f9e-77/environments/dev/content-summary', 'the request for dev’s content summary'],
      ['GET', '/sites/0f9e-77/environments/live/domains', 'the request for live’s domains'],
      ['GET', '/sites/0f9e-77/environments/dev/uploads/limits', 'the request for dev’s upload limits'],
      ['POST', '/sites/0f9e-77/environments/dev/uploads', 'an upload to dev'],
      ['POST', '/sites/0f9e-77/environments/dev/workflows', 'the start of a workflow on dev'],
      ['GET', '/sites/0f9e-77/workflows', 'the request for the site’s workflows'],
      ['GET', '/sites/0f9e-77/workflows/wf-9', 'the request for a workflow’s status'],
      ['GET', '/elsewhere/u-1234', 'a request'],
    ]
    for (const [method, path, words] of calls) expect(describeOp(method, path), path).toBe(words)
    for (const [method, path] of calls) expect(describeOp(method, path)).not.toMatch(/u-1234|0f9e|wf-9|\//)
  })
})

describe('error bodies', () => {
  it.each([
    ['a JSON string', 'application/json', '"A site named x was not found."', 'A site named x was not found.', null],
    [
      '{"error", "code"}',
      'application/json',
      '{"error":"The link has expired.","code":"expired_link"}',
      'The link has expired.',
      'expired_link',
    ],
    ['plain text', 'text/plain', 'Gateway timeout\n', 'Gateway timeout', null],
    [
      'HTML',
      'text/html',
      '<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>',
      '404 Not Found',
      null,
    ],
    ['nothing', 'text/plain', '', null, null],
  ])('reads %s', (_name, contentType, body, message, code) => {
    expect(parseErrorBody(body, contentType)).toEqual({ message, code })
  })

  it('carries the platform’s code and words into the error', async () => {
    const platform = await fakePlatform({
      '/api/a': (_q, res) => json(res, 403, { error: 'The link has expired.', code: 'expired_link' }),
      '/api/b': (_q, res) =>
        text(res, 400, '<html><body><h1>Bad request: size missing</h1></body></html>', 'text/html'),
      '/api/c': (_q, res) => text(res, 413, 'Archive over 2 GiB'),
    })
    const { http } = core(platform)
    const expired = await failure(http.request('/a'))
    expect(expired.message).toBe(
      'The platform refused a request (HTTP 403): The link has expired. Ask the platform for a fresh link and try again.',
    )
    expect(expired).toMatchObject({
      code: 'expired_link',
      status: 403,
      detail: 'The link has expired.',
    })
    expect(await failure(http.request('/b'))).toMatchObject({
      code: 'bad_request',
      detail: 'Bad request: size missing',
    })
    const tooLarge = await failure(http.request('/c', { method: 'POST', body: {} }))
    expect(tooLarge).toMatchObject({ code: 'too_large', status: 413 })
    expect(tooLarge.message).toMatch(/smaller archive/)
  })

  it('reports a success answer that is not JSON', async () => {
    const platform = await fakePlatform({
      '/api/x': (_q, res) => text(res, 200, '<html>Welcome to nginx!</html>', 'text/html'),
    })
    const { http } = core(platform)
    const error = await failure(http.request('/x'))
    expect(error).toMatchObject({ code: 'bad_response', status: 200 })
  })

  it('treats an empty success body as null', async () => {
    const platform = await fakePlatform({ '/api/x': (_q, res) => text(res, 200, '') })
    const { http } = core(platform)
    await expect(http.request('/x')).resolves.toBeNull()
  })
})

describe('secrets', () => {
  it('never puts the machine token or the session in an error, even when the platform echoes them', async () => {
    const echo: Route = (req, res) => json(res, 400, `You sent ${req.headers.authorization} for token ${TOKEN}`)
    const platform = await fakePlatform({
      '/api/echo400': echo,
      '/api/echo500': (req, res) =>
        text(res, 500, `<html><title>Crash with ${req.headers.authorization} ${TOKEN}</title></html>`, 'text/html'),
    })
    const { http } = core(platform)
    const errors = [await failure(http.request('/echo400')), await failure(http.request('/echo500'))]
    for (const error of errors) {
      const everything = [error.message, error.detail, String(error), JSON.stringify(error), error.stack].join('\n')
      expect(everything).not.toContain(TOKEN)
      expect(everything).not.toContain('session-1-xyz')
      expect(error.detail).toContain('[redacted]')
    }
  })

  it('keeps the token out of a refused-login error', async () => {
    const platform = await fakePlatform({}, (_q, res, body) => json(res, 500, `Authorization failed for ${body}`))
    const { http } = core(platform)
    const error = await failure(http.login())
    expect(error.code).toBe('unauthorized')
    expect([error.message, error.detail, error.stack].join('\n')).not.toContain(TOKEN)
    expect(platform.logins()).toBe(1)
  })
})

describe('helpers', () => {
  it('encodes every value put into a path', () => {
    expect(apiPath`/sites/${'a/b'}/environments/${'dev?x=1'}`).toBe('/sites/a%2Fb/environments/dev%3Fx%3D1')
  })

  it('reads Retry-After', () => {
    const now = Date.UTC(2026, 0, 1)
    expect(parseRetryAfter('2', now)).toBe(2000)
    expect(parseRetryAfter(new Date(now + 7000).toUTCString(), now)).toBe(7000)
    expect(parseRetryAfter(new Date(now - 7000).toUTCString(), now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeNull()
    expect(parseRetryAfter(null, now)).toBeNull()
  })
})
