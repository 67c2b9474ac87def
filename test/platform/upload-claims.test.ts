/**
 * One upload per upload link: two PUTs racing on one link used to share a part file, so the
 * stored archive could hold the loser's bytes. (Its own file: the links suite runs with a
 * two-second link lifetime, too short for a test that holds an upload open on a busy machine.)
 */
import { readdir } from 'node:fs/promises'
import { request, type ClientRequest } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestPlatform, type TestPlatform } from './helpers'

let t: TestPlatform
let siteId: string

beforeAll(async () => {
  t = await startTestPlatform()
  siteId = await t.siteId('demo-wordpress')
})

afterAll(async () => {
  await t?.close()
})

/** Sends `text` as raw bytes and returns everything the platform answers until it closes the connection. */
function rawExchange(url: URL, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) }, () => socket.write(text))
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (answer += chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve(answer))
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

describe('an upload link', () => {
  /** A PUT that sends `first` now and the rest only when `finish` is called. */
  function slowPut(url: string, size: number, first: Buffer) {
    let req!: ClientRequest
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req = request(url, { method: 'PUT', headers: { 'Content-Length': String(size) } }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      req.on('error', reject)
      req.write(first)
    })
    return { answer, finish: (rest: Buffer) => req.end(rest), abort: () => req.destroy() }
  }

  async function putAll(url: string, bytes: Buffer): Promise<{ status: number; body: string }> {
    const response = await fetch(url, { method: 'PUT', body: bytes })
    return { status: response.status, body: await response.text() }
  }

  /** Waits until the platform is writing a part file for upload `id` (it has claimed the link). */
  async function partStarted(id: string): Promise<void> {
    for (let tries = 0; tries < 200; tries += 1) {
      const names = await readdir(join(t.dataDir, 'uploads', id)).catch(() => [] as string[])
      if (names.some((name) => name.endsWith('.part'))) return
      await sleep(5)
    }
    throw new Error(`no part file appeared for upload ${id}`)
  }

  async function newLink(size: number): Promise<{ url: string; download_url: string; id: string }> {
    const reply = await t.call('POST', `/api/sites/${siteId}/environments/dev/uploads`, { filename: 'x.sql.gz', size })
    expect(reply.status).toBe(200)
    return { ...reply.body, id: new URL(reply.body.url).pathname.split('/')[3] }
  }

  it("takes one upload: a second PUT while the first runs gets 409, and the file is exactly the first client's", async () => {
    const first = Buffer.alloc(4096, 1)
    const second = Buffer.alloc(4096, 2)
    const link = await newLink(first.length)
    const winner = slowPut(link.url, first.length, first.subarray(0, 1000))
    await partStarted(link.id)
    const loser = await putAll(link.url, second)
    expect(loser.status).toBe(409)
    expect(JSON.parse(loser.body)).toMatch(/already|under way/)
    // A client that waits for "100 Continue" is refused before it sends a byte.
    const target = new URL(link.url)
    const waiting = await rawExchange(
      target,
      `PUT ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nExpect: 100-continue\r\n` +
        `Content-Length: ${second.length}\r\n\r\n`,
    )
    expect(waiting).toMatch(/^HTTP\/1\.1 409 /)
    expect(waiting).not.toMatch(/100 Continue/)
    winner.finish(first.subarray(1000))
    expect((await winner.answer).status).toBe(200)
    const stored = Buffer.from(await (await fetch(link.download_url)).arrayBuffer())
    expect(stored.equals(first)).toBe(true)
    // A later PUT is refused too, and changes nothing.
    const later = await putAll(link.url, second)
    expect(later.status).toBe(409)
    expect(Buffer.from(await (await fetch(link.download_url)).arrayBuffer()).equals(first)).toBe(true)
  })

  it('is free again after an upload that broke off, so a retry works', async () => {
    const bytes = Buffer.alloc(4096, 3)
    const link = await newLink(bytes.length)
    const broken = slowPut(link.url, bytes.length, bytes.subarray(0, 1000))
    broken.answer.catch(() => undefined)
    await partStarted(link.id)
    broken.abort()
    // The platform notices the abort on its own time; until then the link is still taken.
    let retry = await putAll(link.url, bytes)
    for (let tries = 0; retry.status === 409 && tries < 100; tries += 1) {
      await sleep(10)
      retry = await putAll(link.url, bytes)
    }
    expect(retry.status).toBe(200)
    expect(Buffer.from(await (await fetch(link.download_url)).arrayBuffer()).equals(bytes)).toBe(true)
  })
})
