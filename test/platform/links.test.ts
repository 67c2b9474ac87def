/**
 * Signed links and uploads: download with Range/HEAD/ETag, 416, tampering and expiry (the
 * platform runs with a 2-second link lifetime here), uploads refused with 413 before Json
 * byte is kept, and imports that fail on an expired link, an unreachable URL or a file over
 * the size limit.
 */
import { createServer, request, type Server } from 'node:http'
import { readdir, readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { envFingerprint, sqlGz, startTestPlatform, type TestPlatform } from './helpers'
import type { Json } from './helpers'

const LIMIT = 64 * 1024
let t: TestPlatform
let siteId: string
let bigServer: Server
let bigUrl: string

beforeAll(async () => {
  t = await startTestPlatform({ linkTtlSeconds: 2, uploadLimitBytes: LIMIT })
  siteId = await t.siteId('demo-wordpress')
  bigServer = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/gzip' })
    res.end(Buffer.alloc(LIMIT * 2, 7))
  })
  await new Promise<void>((resolve) => bigServer.listen(0, '127.0.0.1', resolve))
  bigUrl = `http://127.0.0.1:${(bigServer.address() as AddressInfo).port}/big.sql.gz`
})

afterAll(async () => {
  await new Promise((resolve) => bigServer?.close(resolve))
  await t?.close()
})

async function databaseLink(): Promise<{ url: string; file: string; entry: Json }> {
  const catalog = (await t.call('GET', `/api/sites/${siteId}/environments/live/backups/catalog`)).body
  const entry = Object.entries(catalog).find(([key]) => key.endsWith('_database'))?.[1] as Json
  const reply = await t.call(
    'POST',
    `/api/sites/${siteId}/environments/live/backups/catalog/${entry.folder}/database/s3token`,
    { method: 'get' },
  )
  expect(reply.status).toBe(200)
  return {
    url: reply.body.url,
    entry,
    file: join(t.dataDir, 'sites', siteId, 'envs', 'live', 'backups', entry.folder, entry.filename),
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

describe('signed download links', () => {
  it('serve the whole file, a Range (206), HEAD, ETag and 416 without a session', async () => {
    const { url, file, entry } = await databaseLink()
    const bytes = await readFile(file)
    const whole = await fetch(url)
    expect(whole.status).toBe(200)
    expect(whole.headers.get('accept-ranges')).toBe('bytes')
    expect(whole.headers.get('content-length')).toBe(String(bytes.length))
    expect(Number(whole.headers.get('content-length'))).toBe(entry.size)
    const etag = whole.headers.get('etag')
    expect(etag).toMatch(/^".+"$/)
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(bytes)

    const part = await fetch(url, { headers: { Range: 'bytes=10-19' } })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${bytes.length}`)
    expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(10, 20))

    const tail = await fetch(url, { headers: { Range: 'bytes=-5' } })
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(bytes.length - 5))
    const open = await fetch(url, { headers: { Range: `bytes=${bytes.length - 3}-` } })
    expect(open.status).toBe(206)
    expect(Buffer.from(await open.arrayBuffer())).toEqual(bytes.subarray(bytes.length - 3))

    const head = await fetch(url, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe(String(bytes.length))
    expect(head.headers.get('etag')).toBe(etag)

    const beyond = await fetch(url, { headers: { Range: `bytes=${bytes.length}-` } })
    expect(beyond.status).toBe(416)
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`)
    await beyond.text()
  })

  it('refuse a tampered link with 403', async () => {
    const { url } = await databaseLink()
    const u = new URL(url)
    const signature = u.searchParams.get('signature') ?? ''
    u.searchParams.set('signature', (signature[0] === 'a' ? 'b' : 'a') + signature.slice(1))
    expect((await fetch(u)).status).toBe(403)
    const later = new URL(url)
    later.searchParams.set('expires', String(Number(later.searchParams.get('expires')) + 3600))
    expect((await fetch(later)).status).toBe(403)
    const other = new URL(url.replace('_database.sql.gz', '_files.tar.gz'))
    expect((await fetch(other)).status).toBe(403)
  })

  it('refuse an expired link with 403', async () => {
    const { url } = await databaseLink()
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(200)
    await sleep(3100)
    const expired = await fetch(url)
    expect(expired.status).toBe(403)
    expect(await expired.json()).toMatch(/expired/)
  })

  it('needs a session to get a link, and 404s for an unknown backup', async () => {
    const { entry } = await databaseLink()
    const path = `/api/sites/${siteId}/environments/live/backups/catalog/${entry.folder}/database/s3token`
    expect((await t.call('POST', path, { method: 'get' }, { Authorization: 'Bearer nope' })).status).toBe(401)
    expect((await t.call('POST', path.replace(entry.folder, '1_backup'), { method: 'get' })).status).toBe(404)
  })
})

describe('uploads', () => {
  function put(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'PUT', headers }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', (error) => reject(error))
      req.end(body)
    })
  }

  async function uploadsOnDisk(): Promise<string[]> {
    const dir = join(t.dataDir, 'uploads')
    const found: string[] = []
    for (const id of await readdir(dir)) for (const name of await readdir(join(dir, id))) found.push(`${id}/${name}`)
    return found
  }

  it('refuses a declared size over the limit with 413', async () => {
    const reply = await t.call('POST', `/api/sites/${siteId}/environments/dev/uploads`, {
      filename: 'big.sql.gz',
      size: LIMIT + 1,
    })
    expect(reply.status).toBe(413)
    // Sizes in the words people read, as everywhere in the app.
    expect(JSON.stringify(reply.body)).toMatch(
      /The file is [\d.]+ (bytes|KiB|MiB), over the upload limit of [\d.]+ (bytes|KiB|MiB)/,
    )
  })

  it('refuses a body longer than declared with 413 and keeps nothing', async () => {
    const before = await uploadsOnDisk()
    const reply = await t.call('POST', `/api/sites/${siteId}/environments/dev/uploads`, {
      filename: 'x.sql.gz',
      size: 10,
    })
    expect(await put(reply.body.url, Buffer.alloc(100), { 'Content-Length': '100' })).toBe(413)
    // Chunked (no Content-Length): refused when the stream passes the declared size.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(reply.body.url, { method: 'PUT', headers: { 'Transfer-Encoding': 'chunked' } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.write(Buffer.alloc(8))
      setTimeout(() => req.end(Buffer.alloc(50)), 20)
    })
    expect(status).toBe(413)
    expect(await uploadsOnDisk()).toEqual(before)
    expect((await fetch(reply.body.download_url)).status).toBe(404)
  })

  it('stores an exact upload and serves it back through download_url', async () => {
    const bytes = sqlGz('uploaded')
    const reply = await t.call('POST', `/api/sites/${siteId}/environments/dev/uploads`, {
      filename: '../weird name.sql.gz',
      size: bytes.length,
    })
    expect(reply.status).toBe(200)
    expect(await put(reply.body.url, bytes, { 'Content-Length': String(bytes.length) })).toBe(200)
    const back = await fetch(reply.body.download_url)
    expect(Buffer.from(await back.arrayBuffer())).toEqual(bytes)
    // The PUT link is not a GET link.
    expect((await fetch(reply.body.url)).status).toBe(403)
  })
})

describe('imports that cannot fetch their archive', () => {
  it('fail on an expired link (403), an unreachable URL and a file over the size limit, changing nothing', async () => {
    const bytes = sqlGz('late')
    const reply = await t.call('POST', `/api/sites/${siteId}/environments/dev/uploads`, {
      filename: 'late.sql.gz',
      size: bytes.length,
    })
    expect((await fetch(reply.body.url, { method: 'PUT', body: bytes })).status).toBe(200)
    await sleep(3100)
    const before = await envFingerprint(t, siteId, 'dev')
    const expired = await t.runWorkflow(siteId, 'dev', 'do_import', { database: 1, url: reply.body.download_url })
    expect(expired.result).toBe('failed')
    expect(expired.final_task.reason).toMatch(/403/)
    const big = await t.runWorkflow(siteId, 'dev', 'do_import', { database: 1, url: bigUrl })
    expect(big.result).toBe('failed')
    expect(big.final_task.reason).toMatch(/limit/)
    const gone = await t.runWorkflow(siteId, 'dev', 'do_import', { files: 1, url: 'http://127.0.0.1:1/files.tar.gz' })
    expect(gone.result).toBe('failed')
    expect(gone.final_task.reason).toMatch(/reach/i)
    expect(await envFingerprint(t, siteId, 'dev')).toEqual(before)
  })
})
