/**
 * The HTTP front against requests no HTTP client library would send: a malformed request
 * target, malformed %-escapes, huge headers or an unknown method must get a 4xx and leave the
 * platform serving (an exception escaping a handler would end the whole process), and the
 * client's mistakes are no internal errors in the log.
 */
import { connect, type AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PlatformContext } from '../../src/platform/core'
import { createPlatformServer } from '../../src/platform/server'
import type { WorkflowQueue } from '../../src/platform/workflows/queue'
import { callJson, startTestPlatform, type TestPlatform } from './helpers'

let t: TestPlatform
const logged: string[] = []

beforeAll(async () => {
  t = await startTestPlatform({ seed: 'none', log: (line) => logged.push(line) })
})

afterAll(async () => {
  await t?.close()
})

/** Sends `request` as raw bytes and returns everything the server answers until it closes the connection. */
function rawExchange(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(request))
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (answer += chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve(answer))
  })
}

async function stillServes(): Promise<void> {
  const reply = await callJson(t.platform.url, 'POST', '/api/authorize/machine-token', { machine_token: 'wrong' })
  expect(reply.status).toBe(401)
  expect((await t.call('GET', `/api/users/${t.userId}`)).status).toBe(200)
}

describe('a body over the JSON limit', () => {
  it('gets a 413 that says so, and the platform keeps serving', async () => {
    const reply = await callJson(t.platform.url, 'POST', '/api/authorize/machine-token', {
      machine_token: 'x'.repeat(1024 * 1024 + 1),
    })
    expect(reply.status).toBe(413)
    expect(JSON.stringify(reply.body)).toMatch(/larger than 1\.0 MiB/)
    await stillServes()
  })
})

describe('a malformed request target', () => {
  it('gets a 400, and the platform keeps serving', async () => {
    const host = new URL(t.platform.url).host
    const answer = await rawExchange(
      t.platform.url,
      `GET http://[ HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    )
    expect(answer).toMatch(/^HTTP\/1\.1 400 /)
    expect(answer).toMatch(/not a valid URL/)
    await stillServes()
  })

  it('gets a 400 when the client waits for "100 Continue", and the platform keeps serving', async () => {
    const host = new URL(t.platform.url).host
    const answer = await rawExchange(
      t.platform.url,
      `PUT http://[ HTTP/1.1\r\nHost: ${host}\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n`,
    )
    expect(answer).toMatch(/^HTTP\/1\.1 400 /)
    expect(answer).not.toMatch(/100 Continue/)
    await stillServes()
  })
})

describe('malformed %-escapes in a path', () => {
  const BAD = '%E0%A4%A'
  const signed = 'expires=4102444800&signature=' + '0'.repeat(64)

  it.each([
    ['GET', `/api/sites/${BAD}/environments`],
    ['GET', `/api/site-names/${BAD}`],
    ['GET', `/api/users/%`],
    ['POST', `/api/sites/x/environments/${BAD}/workflows`],
    ['GET', `/git/${BAD}.git/info/refs?service=git-upload-pack`],
    ['GET', `/links/backups/${BAD}/dev/1_backup/x.sql.gz?${signed}`],
    ['GET', `/links/uploads/${BAD}/x.sql.gz?${signed}`],
    ['PUT', `/links/uploads/${BAD}/x.sql.gz?${signed}&size=2`],
  ])('%s %s gets 400 saying so, with no stack in the log', async (method, path) => {
    logged.length = 0
    const host = new URL(t.platform.url).host
    const body = method === 'GET' ? '' : '{}'
    const answer = await rawExchange(
      t.platform.url,
      `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${t.session}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    )
    expect(answer).toMatch(/^HTTP\/1\.1 400 /)
    expect(answer).toMatch(/malformed %-escape/)
    expect(logged.join('\n')).not.toMatch(/URIError|\n\s+at |error on/)
    await stillServes()
  })
})

describe('requests HTTP itself refuses', () => {
  it('huge headers, an unknown method and garbage get 4xx, and the platform keeps serving', async () => {
    const host = new URL(t.platform.url).host
    const huge = await rawExchange(
      t.platform.url,
      `GET /api/users/x HTTP/1.1\r\nHost: ${host}\r\nX-Padding: ${'a'.repeat(100_000)}\r\n\r\n`,
    )
    expect(huge).toMatch(/^HTTP\/1\.1 431 /)
    expect(await rawExchange(t.platform.url, `BREW / HTTP/1.1\r\nHost: ${host}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400 /)
    expect(await rawExchange(t.platform.url, 'not http at all\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /)
    await stillServes()
  })
})

describe('an internal error', () => {
  it('answers 500 without a stack, logs one line and keeps serving', async () => {
    const lines: string[] = []
    let fail = true
    // A context whose session store breaks once: every route that needs a session hits it.
    const platform = {
      log: (line: string) => lines.push(line),
      secrets: { machineToken: 'm', linkSecret: 's', userId: 'u' },
      options: { linkTtlSeconds: 60, uploadLimitBytes: 1024, sessionTtlSeconds: 60, stepDelayMs: 0 },
      store: {
        session: () => {
          if (!fail) return undefined
          fail = false
          throw new TypeError('the store broke\n  with a second line')
        },
      },
    } as unknown as PlatformContext
    const server = createPlatformServer(platform, {} as WorkflowQueue)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const broken = await callJson(base, 'GET', '/api/users/u', undefined, { Authorization: 'Bearer x' })
      expect(broken.status).toBe(500)
      expect(broken.body).toMatch(/internal error; try again/)
      expect(JSON.stringify(broken.body)).not.toMatch(/store broke|TypeError|:\d+:\d+/)
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^error on GET \/api\/users\/u: TypeError: the store broke with a second line \(at /)
      expect(lines[0]).not.toContain('\n')
      const after = await callJson(base, 'GET', '/api/users/u', undefined, { Authorization: 'Bearer x' })
      expect(after.status).toBe(401)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
