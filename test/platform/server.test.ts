/**
 * The HTTP front against requests no HTTP client library would send: a malformed request
 * target must get a 400 and leave the platform serving (an exception escaping a handler
 * would end the whole process).
 */
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callJson, startTestPlatform, type TestPlatform } from './helpers'

let t: TestPlatform

beforeAll(async () => {
  t = await startTestPlatform({ seed: 'none' })
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
