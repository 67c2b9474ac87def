import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMainServices, type MainServices } from '../../../src/main/app'
import { startWebHost, type WebHost } from '../../../src/main/web/server'

let root: string
let services: MainServices
let host: WebHost

/** A raw request, so tests control Host and Origin exactly. */
function raw(
  pathname: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: host.port,
        path: pathname,
        method: options.method ?? 'GET',
        headers: options.headers,
        setHost: !options.headers?.Host,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        )
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

const auth = () => ({ Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' })

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rd-web-'))
  const staticDir = path.join(root, 'static')
  await mkdir(path.join(staticDir, 'assets'), { recursive: true })
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><div id="app"></div>')
  await writeFile(path.join(staticDir, 'assets', 'a.js'), 'export {}')
  services = await startMainServices({
    mode: 'browser',
    dataDir: path.join(root, 'data'),
    log: () => {},
    // This suite is about the host; the embedded platform has its own tests.
    embedded: { start: () => new Promise(() => {}) },
  })
  host = await startWebHost({ router: services.router, events: services.context.events, staticDir })
})

afterAll(async () => {
  await host.close()
  await services.close()
  await rm(root, { recursive: true, force: true })
})

describe('browser-mode host', () => {
  it('prints a loopback URL with the token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/)
  })

  it('answers the contract over HTTP with the same handlers', async () => {
    const res = await raw('/api/invoke/app:info', { method: 'POST', headers: auth(), body: '{}' })
    expect(res.status).toBe(200)
    const result = JSON.parse(res.body)
    expect(result.ok).toBe(true)
    expect(result.value).toMatchObject({ name: 'Restore Desk', mode: 'browser', dataDir: path.join(root, 'data') })
  })

  it('refuses a body over 1 MiB with 413 and keeps serving', async () => {
    const res = await raw('/api/invoke/app:info', {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ payload: 'x'.repeat(1024 * 1024 + 1) }),
    })
    expect(res.status).toBe(413)
    expect(res.body).toMatch(/larger than 1\.0 MiB/)
    const again = await raw('/api/invoke/app:info', { method: 'POST', headers: auth(), body: '{}' })
    expect(again.status).toBe(200)
  })

  it('refuses a bad payload with a clear error', async () => {
    const res = await raw('/api/invoke/app:info', {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ payload: { rm: '-rf' } }),
    })
    const result = JSON.parse(res.body)
    expect(result).toEqual({
      ok: false,
      error: { code: 'bad_request', message: expect.stringMatching(/request to "app:info" was refused/) },
    })
  })

  it('refuses a wrong or missing token', async () => {
    const wrong = await raw('/api/invoke/app:info', {
      method: 'POST',
      headers: { Authorization: 'Bearer not-the-token', 'Content-Type': 'application/json' },
      body: '{}',
    })
    expect(wrong.status).toBe(401)
    expect(JSON.parse(wrong.body).error).toMatchObject({
      code: 'unauthorized',
      message: expect.stringMatching(/token/),
    })
    expect(
      (
        await raw('/api/invoke/app:info', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(401)
    expect((await raw('/')).status).toBe(401)
    expect((await raw('/?token=wrong')).status).toBe(401)
    expect((await raw('/api/events')).status).toBe(401)
  })

  it('trades the printed token for an HttpOnly cookie and drops it from the address', async () => {
    const res = await raw(`/?token=${host.token}`)
    expect(res.status).toBe(303)
    expect(res.headers.location).toBe('/')
    const cookie = String(res.headers['set-cookie'])
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    const page = await raw('/', { headers: { Cookie: cookie.split(';')[0]! } })
    expect(page.status).toBe(200)
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.body).toContain('id="app"')
    const spa = await raw('/sites/demo-drupal', { headers: { Cookie: cookie.split(';')[0]! } })
    expect(spa.body).toContain('id="app"')
  })

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin', async () => {
    const rebinding = await raw('/api/invoke/app:info', {
      method: 'POST',
      headers: { ...auth(), Host: `evil.example:${host.port}` },
      body: '{}',
    })
    expect(rebinding.status).toBe(421)
    const crossSite = await raw('/api/invoke/app:info', {
      method: 'POST',
      headers: { ...auth(), Origin: 'https://evil.example' },
      body: '{}',
    })
    expect(crossSite.status).toBe(403)
    const sameSite = await raw('/api/invoke/app:info', {
      method: 'POST',
      headers: { ...auth(), Origin: host.origin },
      body: '{}',
    })
    expect(sameSite.status).toBe(200)
  })

  it('refuses non-JSON and unknown channels', async () => {
    const form = await raw('/api/invoke/app:info', {
      method: 'POST',
      headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    })
    expect(form.status).toBe(415)
    const unknown = JSON.parse(
      (await raw('/api/invoke/app:format-disk', { method: 'POST', headers: auth(), body: '{}' })).body,
    )
    expect(unknown.error.code).toBe('unknown_channel')
    const broken = await raw('/api/invoke/app:info', { method: 'POST', headers: auth(), body: '{nope' })
    expect(broken.status).toBe(400)
  })

  it('answers a malformed request target with 400 and keeps running', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(host.port, '127.0.0.1', () => {
        socket.write(`GET http://[ HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nConnection: close\r\n\r\n`)
      })
      let text = ''
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
      socket.on('end', () => resolve(text))
      socket.on('error', reject)
    })
    expect(answer).toMatch(/^HTTP\/1\.1 400/)
    const after = await raw('/api/invoke/app:info', { method: 'POST', headers: auth(), body: '{}' })
    expect(after.status).toBe(200)
  })

  it('names its cookie after its port, so two instances on one machine do not collide', async () => {
    const res = await raw(`/?token=${host.token}`)
    expect(String(res.headers['set-cookie'])).toMatch(new RegExp(`^restore_desk_session_${host.port}=`))
  })

  it('never serves files outside the renderer folder', async () => {
    const res = await raw('/assets/..%2f..%2fdata', { headers: auth() })
    expect(res.status).toBe(404)
  })

  it('pushes events to the page over SSE', async () => {
    const received = new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: host.port, path: '/api/events', headers: auth() }, (res) => {
        let text = ''
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8')
          if (text.includes('event: app:status')) {
            req.destroy()
            resolve(text)
          }
        })
      })
      req.on('error', reject)
      req.end()
    })
    await new Promise((r) => setTimeout(r, 100))
    services.context.setPlatform({ ...services.context.platform(), status: 'ready', baseUrl: 'http://127.0.0.1:1/api' })
    const text = await received
    expect(text).toContain('"status":"ready"')
  })
})
