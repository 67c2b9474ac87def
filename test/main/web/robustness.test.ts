/**
 * The browser-mode host against requests no browser would send (malformed escapes in the
 * path and the cookie, a bad Host, huge headers, an unknown method), open redirects, a
 * runaway event-stream client and handlers that fail: none of it may end the process, and
 * nothing raw (stack, errno text) reaches the client.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { request as httpRequest, type ClientRequest } from 'node:http'
import { connect, createServer as createNetServer, type Server as NetServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMainServices, type MainServices } from '../../../src/main/app'
import type { IpcRouter } from '../../../src/main/ipc/router'
import { startWebHost, type WebHost } from '../../../src/main/web/server'

let root: string
let staticDir: string
let services: MainServices
let host: WebHost
let socketFile: NetServer

/** Sends `text` as raw bytes and returns everything the host answers until it closes the connection. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text))
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (answer += chunk))
    socket.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' ? resolve(answer) : reject(error),
    )
    socket.on('close', () => resolve(answer))
  })
}

/** A GET with the given headers, as raw bytes, closing after the answer. */
function rawGet(port: number, target: string, headers: Record<string, string> = {}): Promise<string> {
  const lines = Object.entries({ Host: `127.0.0.1:${port}`, ...headers, Connection: 'close' }).map(
    ([name, value]) => `${name}: ${value}\r\n`,
  )
  return rawExchange(port, `GET ${target} HTTP/1.1\r\n${lines.join('')}\r\n`)
}

function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)
}

function bodyOf(answer: string): string {
  return answer.slice(answer.indexOf('\r\n\r\n') + 4)
}

async function invoke(target: WebHost, channel: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${target.origin}/api/invoke/${channel}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${target.token}`, 'Content-Type': 'application/json' },
    body: '{}',
  })
  return { status: response.status, body: await response.text() }
}

async function stillServes(target: WebHost = host): Promise<void> {
  const answer = await invoke(target, 'app:info')
  expect(answer.status).toBe(200)
  expect(JSON.parse(answer.body)).toMatchObject({ ok: true })
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rd-web-robust-'))
  staticDir = path.join(root, 'static')
  await mkdir(path.join(staticDir, 'assets'), { recursive: true })
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><div id="app"></div>')
  // A file the host sees but cannot read (opening a socket fails with ENXIO), even as root.
  socketFile = createNetServer()
  await new Promise<void>((resolve) => socketFile.listen(path.join(staticDir, 'assets', 'socket.js'), resolve))
  services = await startMainServices({
    mode: 'browser',
    dataDir: path.join(root, 'data'),
    log: () => {},
    embedded: { start: () => new Promise(() => {}) },
  })
  host = await startWebHost({ router: services.router, events: services.context.events, staticDir, log: () => {} })
})

afterAll(async () => {
  await host.close()
  await services.close()
  await new Promise((resolve) => socketFile.close(resolve))
  await rm(root, { recursive: true, force: true })
})

describe('malformed requests', () => {
  it('a cookie with a malformed %-escape and no token gets 401, and the host keeps serving', async () => {
    const answer = await rawGet(host.port, '/', { Cookie: `restore_desk_session_${host.port}=%E0%A4%A` })
    expect(statusOf(answer)).toBe(401)
    const api = await rawGet(host.port, '/api/events', { Cookie: `other=%zz; restore_desk_session_${host.port}=%` })
    expect(statusOf(api)).toBe(401)
    await stillServes()
  })

  it('a malformed %-escape in the path gets 400 with a message, and the host keeps serving', async () => {
    const auth = { Authorization: `Bearer ${host.token}` }
    const page = await rawGet(host.port, '/%E0%A4%A', auth)
    expect(statusOf(page)).toBe(400)
    const channel = await rawExchange(
      host.port,
      `POST /api/invoke/app%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nAuthorization: Bearer ${host.token}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
    )
    expect(statusOf(channel)).toBe(400)
    expect(JSON.parse(bodyOf(channel))).toEqual({
      ok: false,
      error: { code: 'bad_request', message: expect.stringMatching(/not a valid path/) },
    })
    const token = await rawGet(host.port, `/%?token=${host.token}`)
    expect([303, 400]).toContain(statusOf(token))
    await stillServes()
  })

  it('a bad or missing Host, huge headers and an unknown method are refused, and the host keeps serving', async () => {
    expect(statusOf(await rawGet(host.port, '/', { Host: `127.0.0.1:${host.port}@evil.example` }))).toBe(421)
    expect(statusOf(await rawGet(host.port, '/', { Host: '[::' }))).toBe(421)
    expect(statusOf(await rawExchange(host.port, 'GET / HTTP/1.0\r\n\r\n'))).toBe(421)
    expect(statusOf(await rawGet(host.port, '/', { 'X-Padding': 'a'.repeat(100_000) }))).toBe(431)
    expect(statusOf(await rawExchange(host.port, `BREW / HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\n\r\n`))).toBe(400)
    expect(statusOf(await rawExchange(host.port, 'not http at all\r\n\r\n'))).toBe(400)
    await stillServes()
  })

  it('a file that cannot be read gets an answer instead of ending the process', async () => {
    const answer = await rawGet(host.port, '/assets/socket.js', { Authorization: `Bearer ${host.token}` })
    expect(statusOf(answer)).toBeGreaterThanOrEqual(400)
    expect(answer).not.toMatch(/ENXIO|socket\.js'/)
    await stillServes()
  })
})

describe('a failure inside the host', () => {
  it('answers 500 without the raw error, logs one line and keeps serving', async () => {
    const lines: string[] = []
    const raw = Object.assign(new Error("EACCES: permission denied, open '/home/ana/.config/x'"), { code: 'EACCES' })
    let calls = 0
    const throwing: IpcRouter = {
      invoke: (channel, payload) => {
        calls += 1
        if (calls === 1) throw raw
        return services.router.invoke(channel, payload)
      },
    }
    const failing = await startWebHost({
      router: throwing,
      events: services.context.events,
      staticDir,
      log: (line) => lines.push(line),
    })
    try {
      const answer = await invoke(failing, 'app:info')
      expect(answer.status).toBe(500)
      const body = JSON.parse(answer.body)
      expect(body).toEqual({ ok: false, error: { code: 'not_allowed', message: expect.any(String) } })
      expect(body.error.message).not.toMatch(/EACCES|open '|\.config\/x|\n\s+at /)
      expect(lines).toHaveLength(1)
      expect(lines[0]).not.toContain('\n')
      expect(lines[0]).toContain('/api/invoke/app:info')
      await stillServes(failing)
    } finally {
      await failing.close()
    }
  })
})

describe('the token redirect', () => {
  it.each([
    ['/x/..//evil.example'],
    ['//evil.example/'],
    ['/\\evil.example'],
    ['/\\/evil.example'],
    ['/%2F%2Fevil.example'],
    ['/%5C%5Cevil.example'],
    ['/./\\\\evil.example/x'],
  ])('%s goes to a path of this very origin', async (target) => {
    const answer = await rawGet(host.port, `${target}?token=${host.token}&keep=1`)
    expect(statusOf(answer)).toBe(303)
    const location = /\r\nLocation: ([^\r]*)\r\n/i.exec(answer)?.[1] ?? ''
    expect(location).toMatch(/^\/(?![/\\])/)
    expect(new URL(location, host.origin).origin).toBe(host.origin)
    expect(location).toContain('keep=1')
    expect(location).not.toContain('token=')
  })

  it('keeps an ordinary path and query', async () => {
    const answer = await rawGet(host.port, `/sites/demo?token=${host.token}&env=dev`)
    expect(/\r\nLocation: ([^\r]*)\r\n/i.exec(answer)?.[1]).toBe('/sites/demo?env=dev')
  })
})

describe('event streams', () => {
  /** Opens an event stream; resolves with its status once the headers arrive. */
  function openStream(): Promise<{ status: number; body: Promise<string>; request: ClientRequest }> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(
        {
          host: '127.0.0.1',
          port: host.port,
          path: '/api/events',
          headers: { Authorization: `Bearer ${host.token}` },
        },
        (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => (text += chunk))
          const body = new Promise<string>((done) => {
            res.on('end', () => done(text))
            res.on('close', () => done(text))
          })
          resolve({ status: res.statusCode ?? 0, body, request })
        },
      )
      request.on('error', reject)
      request.end()
    })
  }

  it('are capped per client: the streams beyond the cap get 429 with a message, the open ones stay', async () => {
    const open = []
    try {
      for (let i = 0; i < 8; i += 1) open.push(await openStream())
      expect(open.map((stream) => stream.status)).toEqual(Array(8).fill(200))
      const refused = await openStream()
      expect(refused.status).toBe(429)
      expect(JSON.parse(await refused.body).error.message).toMatch(/tabs/)
      // A tab that closes makes room for another.
      open.shift()!.request.destroy()
      let again = await openStream()
      for (let tries = 0; again.status === 429 && tries < 50; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        again = await openStream()
      }
      expect(again.status).toBe(200)
      open.push(again)
      await stillServes()
    } finally {
      for (const stream of open) stream.request.destroy()
    }
  })
})
