/**
 * Browser mode's staging route (`PUT /api/stage`) on the real host: a body streamed into
 * staging, 413 over the limit (before a byte is read), a Content-Length required and never
 * exceeded, the token or cookie and the Origin checked as on every route, and
 * `imports:stage-path` refused over HTTP (and by the router in browser mode).
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMainServices, type MainServices } from '../../../src/main/app'
import { EventHub } from '../../../src/main/events'
import { StagingStore } from '../../../src/main/imports/staging'
import { startWebHost, type WebHost } from '../../../src/main/web/server'

const LIMIT = 64 * 1024

let root: string
let services: MainServices
let host: WebHost
let staging: StagingStore

function put(
  pathname: string,
  body: Buffer | null,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: host.port, path: pathname, method: 'PUT', headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end(body ?? undefined)
  })
}

const bearer = () => ({ Authorization: `Bearer ${host.token}` })

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rd-stage-route-'))
  const staticDir = path.join(root, 'static')
  await mkdir(staticDir, { recursive: true })
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html>')
  services = await startMainServices({
    mode: 'browser',
    dataDir: path.join(root, 'data'),
    log: () => {},
    embedded: { start: () => new Promise(() => {}) },
  })
  staging = new StagingStore({ root: path.join(root, 'staged'), events: new EventHub() })
  await staging.load(new Set())
  host = await startWebHost({
    router: services.router,
    events: services.context.events,
    staticDir,
    log: () => {},
    stage: (name, declared, body) => staging.stageStream(name, declared, body, LIMIT),
  })
})

afterAll(async () => {
  await host.close()
  await services.close()
  await rm(root, { recursive: true, force: true })
})

describe('PUT /api/stage', () => {
  it('streams the body into staging and answers the staged file', async () => {
    const body = Buffer.alloc(50_000, 7)
    const answer = await put('/api/stage?name=wp-dump.sql.gz', body, {
      ...bearer(),
      'Content-Length': String(body.length),
    })
    expect(answer.status).toBe(200)
    const result = JSON.parse(answer.body)
    expect(result).toMatchObject({ ok: true, value: { name: 'wp-dump.sql.gz', size: 50_000, packedFolder: false } })
    const record = await staging.verify(result.value.token)
    expect((await readFile(record.file)).equals(body)).toBe(true)
  })

  it('refuses a declared size over the limit with 413, keeping nothing', async () => {
    const before = await readdir(path.join(root, 'staged'))
    const body = Buffer.alloc(LIMIT + 1)
    const answer = await put('/api/stage?name=big.tar.gz', body, { ...bearer(), 'Content-Length': String(body.length) })
    expect(answer.status).toBe(413)
    expect(JSON.parse(answer.body)).toMatchObject({ ok: false, error: { code: 'too_large' } })
    expect(await readdir(path.join(root, 'staged'))).toEqual(before)
  })

  it('wants a Content-Length and a name', async () => {
    const chunked = await put('/api/stage?name=a.sql', Buffer.from('abc'), {
      ...bearer(),
      'Transfer-Encoding': 'chunked',
    })
    expect(chunked.status).toBe(411)
    const unnamed = await put('/api/stage', Buffer.from('abc'), { ...bearer(), 'Content-Length': '3' })
    expect(unnamed.status).toBe(400)
  })

  it('never keeps more than the declared bytes when more are sent', async () => {
    const before = new Set(await readdir(path.join(root, 'staged')))
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(host.port, '127.0.0.1', () => {
        socket.write(
          `PUT /api/stage?name=short.sql HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\n` +
            `Authorization: Bearer ${host.token}\r\nContent-Length: 10\r\n\r\n` +
            'x'.repeat(10) +
            'y'.repeat(70_000),
        )
      })
      let text = ''
      socket.on('data', (chunk) => (text += chunk.toString('utf8')))
      socket.on('close', () => resolve(text))
      socket.on('error', reject)
    })
    // Node's parser reads the extra bytes as a malformed next request and ends the connection.
    expect(raw).toMatch(/^HTTP\/1\.1 (200|400) /)
    await new Promise((resolve) => setTimeout(resolve, 50))
    for (const token of (await readdir(path.join(root, 'staged'))).filter((t) => !before.has(t))) {
      const files = await readdir(path.join(root, 'staged', token))
      for (const file of files.filter((f) => f !== 'staged.json')) {
        expect((await readFile(path.join(root, 'staged', token, file))).length).toBeLessThanOrEqual(10)
      }
    }
  })

  it('refuses without the token, and from another site', async () => {
    const anonymous = await put('/api/stage?name=a.sql', Buffer.from('abc'), { 'Content-Length': '3' })
    expect(anonymous.status).toBe(401)
    const foreign = await put('/api/stage?name=a.sql', Buffer.from('abc'), {
      ...bearer(),
      'Content-Length': '3',
      Origin: 'http://evil.example',
    })
    expect(foreign.status).toBe(403)
  })

  it('answers only PUT', async () => {
    const answer = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: host.port, path: '/api/stage?name=a', method: 'POST', headers: bearer() },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      req.end()
    })
    expect(answer).toBe(405)
  })
})

describe('imports:stage-path', () => {
  it('is refused over HTTP: only the desktop app’s preload calls it', async () => {
    const body = JSON.stringify({ payload: { path: '/etc/passwd' } })
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: host.port,
          path: '/api/invoke/imports%3Astage-path',
          method: 'POST',
          headers: { ...bearer(), 'Content-Type': 'application/json' },
        },
        (res) => {
          let text = ''
          res.on('data', (c: Buffer) => (text += c.toString()))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
        },
      )
      req.on('error', reject)
      req.end(body)
    })
    expect(answer.status).toBe(403)
    expect(JSON.parse(answer.body)).toMatchObject({ ok: false, error: { code: 'forbidden' } })
  })

  it('is refused by the router in browser mode', async () => {
    expect(await services.router.invoke('imports:stage-path', { path: '/etc/passwd' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    })
  })
})
