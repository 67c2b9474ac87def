/**
 * PlatformClient behaviours the recordings cannot show: paging, the [ext]
 * endpoints (connection-info, uploads) and unreadable answers. Real HTTP on 127.0.0.1.
 */
import { createServer } from 'node:http'
import type { ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { CODE_LOG_CAP, PAGE_LIMIT, pantheonGitUrl, PlatformClient } from '../../../src/main/api/client'
import { PlatformApiError } from '../../../src/main/api/api-error'

type Handler = (url: URL, body: string, res: ServerResponse) => void

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

async function serve(handler: Handler): Promise<{ client: PlatformClient; requests: string[]; bodies: string[] }> {
  const requests: string[] = []
  const bodies: string[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (body += c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x')
      if (url.pathname === '/api/authorize/machine-token') {
        res.writeHead(200, { 'Content-Type': 'application/json' })
        return res.end(JSON.stringify({ session: 'sess', expires_at: 4102444800, user_id: 'u1' }))
      }
      requests.push(`${req.method} ${url.pathname}${url.search}`)
      bodies.push(body)
      handler(url, body, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as AddressInfo
  const client = new PlatformClient({
    baseUrl: `http://127.0.0.1:${port}/api/`,
    machineToken: 'token-123',
    sleep: async () => {},
  })
  return { client, requests, bodies }
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(value))
}

const membership = (i: number) => ({
  id: `m${String(i).padStart(4, '0')}`,
  site_id: `site-${i}`,
  user_id: 'u1',
  role: 'owner',
  site: { id: `site-${i}`, name: `site-${String(i).padStart(4, '0')}`, framework: 'drupal8', created: 1700000000 },
})

/** Answers the organization list with none, as the embedded platform does. */
function noOrganizations(url: URL, res: ServerResponse): boolean {
  if (!url.pathname.endsWith('/memberships/organizations')) return false
  send(res, 200, [])
  return true
}

describe('listSites', () => {
  it('follows pages of 100 from the last id seen until a short page', async () => {
    const all = Array.from({ length: 237 }, (_, i) => membership(i))
    const { client, requests } = await serve((url, _b, res) => {
      if (noOrganizations(url, res)) return
      const limit = Number(url.searchParams.get('limit'))
      const start = url.searchParams.get('start')
      const from = start === null ? 0 : all.findIndex((m) => m.id === start) + 1
      send(res, 200, all.slice(from, from + limit))
    })
    const sites = await client.listSites()
    expect(sites).toHaveLength(237)
    expect(new Set(sites.map((s) => s.id)).size).toBe(237)
    expect(requests).toEqual([
      `GET /api/users/u1/memberships/sites?limit=${PAGE_LIMIT}`,
      `GET /api/users/u1/memberships/sites?limit=${PAGE_LIMIT}&start=m0099`,
      `GET /api/users/u1/memberships/sites?limit=${PAGE_LIMIT}&start=m0199`,
      `GET /api/users/u1/memberships/organizations?limit=${PAGE_LIMIT}`,
    ])
    expect(sites[0]).toMatchObject({ name: 'site-0000', label: 'site-0000', role: 'owner', createdAt: 1700000000000 })
  })

  it('stops after an exactly full last page when the next page is empty', async () => {
    const all = Array.from({ length: 100 }, (_, i) => membership(i))
    const { client, requests } = await serve(
      (url, _b, res) => noOrganizations(url, res) || send(res, 200, url.searchParams.get('start') ? [] : all),
    )
    expect(await client.listSites()).toHaveLength(100)
    expect(requests.filter((r) => r.includes('/memberships/sites'))).toHaveLength(2)
  })

  it('does not loop on a platform that ignores start', async () => {
    const all = Array.from({ length: 100 }, (_, i) => membership(i))
    const { client, requests } = await serve((url, _b, res) => noOrganizations(url, res) || send(res, 200, all))
    expect(await client.listSites()).toHaveLength(100)
    expect(requests.filter((r) => r.includes('/memberships/sites'))).toHaveLength(2)
  })

  it('still lists the user’s own sites on a platform without organizations (404)', async () => {
    const { client } = await serve((url, _b, res) =>
      url.pathname.endsWith('/organizations') ? send(res, 404, 'Not found') : send(res, 200, [membership(1)]),
    )
    expect((await client.listSites()).map((s) => s.name)).toEqual(['site-0001'])
  })
})

const commit = (i: number) => ({
  hash: i.toString(16).padStart(40, '0'),
  parents: [(i + 1).toString(16).padStart(40, '0')],
  author: 'Ana',
  email: 'ana@example.com',
  datetime: new Date(Date.UTC(2026, 0, 1) - i * 60_000).toISOString().slice(0, 19),
  message: `commit ${i}\n`,
  labels: ['dev'],
})

/** Serves a code log of `count` commits in pages by hash, as the embedded platform does. */
function codeLogServer(count: number, ignoreStart = false): Handler {
  const all = Array.from({ length: count }, (_, i) => commit(i))
  return (url, _b, res) => {
    const limit = Number(url.searchParams.get('limit'))
    const start = ignoreStart ? null : url.searchParams.get('start')
    const from = start === null ? 0 : all.findIndex((c) => c.hash === start) + 1
    send(res, 200, all.slice(from, from + limit))
  }
}

describe('codeLog', () => {
  it('follows pages of 100 by the last hash until a short page', async () => {
    const { client, requests } = await serve(codeLogServer(250))
    const log = await client.codeLog('s1', 'dev')
    expect(log).toHaveLength(250)
    expect(log[249]!.hash).toBe(commit(249).hash)
    expect(requests).toEqual([
      `GET /api/sites/s1/environments/dev/code-log?limit=${PAGE_LIMIT}`,
      `GET /api/sites/s1/environments/dev/code-log?limit=${PAGE_LIMIT}&start=${commit(99).hash}`,
      `GET /api/sites/s1/environments/dev/code-log?limit=${PAGE_LIMIT}&start=${commit(199).hash}`,
    ])
  })

  it('stops as soon as `until` is satisfied, and at the cap', async () => {
    const wanted = commit(130).hash
    const found = await serve(codeLogServer(1000))
    const log = await found.client.codeLog('s1', 'dev', { until: (c) => c.some((e) => e.hash === wanted) })
    expect(log).toHaveLength(200)
    expect(found.requests).toHaveLength(2)

    const capped = await serve(codeLogServer(5000))
    expect(await capped.client.codeLog('s1', 'dev')).toHaveLength(CODE_LOG_CAP)
    expect(capped.requests).toHaveLength(CODE_LOG_CAP / PAGE_LIMIT)
    expect(await capped.client.codeLog('s1', 'dev', { maxCommits: 150 })).toHaveLength(150)
  })

  it('does not loop on a platform that ignores start', async () => {
    const { client, requests } = await serve(codeLogServer(300, true))
    expect(await client.codeLog('s1', 'dev')).toHaveLength(100)
    expect(requests).toHaveLength(2)
  })
})

describe('extensions of the embedded platform', () => {
  it('picks the platform domain of an environment, null where the platform lists none (404)', async () => {
    const { client, requests } = await serve((url, _b, res) =>
      url.pathname.includes('/environments/live/')
        ? send(res, 200, [
            { id: 'www.example.com', type: 'custom' },
            { id: 'live-site.pantheonsite.io', type: 'platform', primary: true },
          ])
        : send(res, 404, 'Not found'),
    )
    expect(await client.listDomains('s1', 'live')).toEqual([
      { id: 'www.example.com', type: 'custom' },
      { id: 'live-site.pantheonsite.io', type: 'platform' },
    ])
    expect(await client.platformDomain('s1', 'live')).toBe('live-site.pantheonsite.io')
    expect(await client.listDomains('s1', 'dev')).toBeNull()
    expect(await client.platformDomain('s1', 'dev')).toBeNull()
    expect(requests[0]).toBe('GET /api/sites/s1/environments/live/domains')
  })

  it('reads the content summary in ms, and answers null on Pantheon (404)', async () => {
    const { client } = await serve((url, _b, res) =>
      url.pathname.includes('/environments/dev/')
        ? send(res, 200, {
            database: { size: 5000, modified: 1_796_000_000 },
            files: { count: 12, size: 34_000, modified: null },
          })
        : send(res, 404, 'Not found'),
    )
    expect(await client.contentSummary('s1', 'dev')).toEqual({
      database: { size: 5000, modifiedAt: 1_796_000_000_000 },
      files: { count: 12, size: 34_000, modifiedAt: null },
    })
    expect(await client.contentSummary('s1', 'test')).toBeNull()
  })

  it('reads connection info, and answers null where the platform has none (Pantheon: 404)', async () => {
    const { client } = await serve((url, _b, res) =>
      url.pathname.includes('/environments/dev/')
        ? send(res, 200, { git_url: 'http://127.0.0.1:9/git/s1.git', git_protocol: 'http' })
        : send(res, 404, 'Not found'),
    )
    expect(await client.getConnectionInfo('s1', 'dev')).toEqual({
      gitUrl: 'http://127.0.0.1:9/git/s1.git',
      gitProtocol: 'http',
    })
    expect(await client.getConnectionInfo('s1', 'test')).toBeNull()
  })

  it('knows Pantheon’s SSH remote, which its API does not give', () => {
    expect(pantheonGitUrl('71fa895c-2394-417d-a80d-8ebc2f3de91f')).toBe(
      'ssh://codeserver.dev.71fa895c-2394-417d-a80d-8ebc2f3de91f@codeserver.dev.71fa895c-2394-417d-a80d-8ebc2f3de91f.drush.in:2222/~/repository.git',
    )
  })

  it('asks for upload links with the file name and size', async () => {
    const { client, requests, bodies } = await serve((_u, _b, res) =>
      send(res, 200, { url: 'http://127.0.0.1:9/u/put?sig=a', download_url: 'http://127.0.0.1:9/u/get?sig=b' }),
    )
    const target = await client.createUpload('s1', 'dev', { filename: 'db.sql.gz', size: 1234 })
    expect(target).toEqual({
      url: 'http://127.0.0.1:9/u/put?sig=a',
      downloadUrl: 'http://127.0.0.1:9/u/get?sig=b',
      expiresAt: null,
    })
    expect(requests).toEqual(['POST /api/sites/s1/environments/dev/uploads'])
    expect(JSON.parse(bodies[0]!)).toEqual({ filename: 'db.sql.gz', size: 1234 })
  })

  it('reads when the upload links expire', async () => {
    const { client } = await serve((_u, _b, res) =>
      send(res, 200, { url: 'http://127.0.0.1:9/p', download_url: 'http://127.0.0.1:9/g', expires_at: 1796158405 }),
    )
    const target = await client.createUpload('s1', 'dev', { filename: 'db.sql.gz', size: 1 })
    expect(target.expiresAt).toBe(1796158405_000)
  })

  it('reads the upload limits, and null where the platform has none (404)', async () => {
    let found = true
    const { client, requests } = await serve((_u, _b, res) =>
      found
        ? send(res, 200, { max_bytes: 2 ** 31, formats: ['sql', 'sql.gz', 'tar.gz'] })
        : send(res, 404, 'Nothing is served here.'),
    )
    expect(await client.uploadLimits('s1', 'dev')).toEqual({ maxBytes: 2 ** 31, formats: ['sql', 'sql.gz', 'tar.gz'] })
    expect(requests).toEqual(['GET /api/sites/s1/environments/dev/uploads/limits'])
    found = false
    expect(await client.uploadLimits('s1', 'dev')).toBeNull()
  })

  it('passes a size-limit refusal through as too_large', async () => {
    const { client } = await serve((_u, _b, res) =>
      send(res, 413, { error: 'Over the 2 GiB limit.', code: 'too_large' }),
    )
    const error = await client
      .createUpload('s1', 'dev', { filename: 'big.tar.gz', size: 3 * 2 ** 30 })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'too_large', status: 413, detail: 'Over the 2 GiB limit.' })
  })
})

describe('workflows', () => {
  it('starts a workflow with its type and params and reads the answer', async () => {
    const { client, requests, bodies } = await serve((_u, _b, res) =>
      send(res, 202, {
        id: 'w9',
        type: 'do_export',
        site_id: 's1',
        environment: 'live',
        phase: 'created',
        result: null,
        params: {},
      }),
    )
    const wf = await client.startWorkflow('s1', 'live', 'do_export', {
      code: false,
      database: true,
      files: false,
      entry_type: 'backup',
      ttl: 86400,
    })
    expect(wf).toMatchObject({ id: 'w9', environment: 'live', finished: false })
    expect(requests).toEqual(['POST /api/sites/s1/environments/live/workflows'])
    expect(JSON.parse(bodies[0]!)).toEqual({
      type: 'do_export',
      params: { code: false, database: true, files: false, entry_type: 'backup', ttl: 86400 },
    })
  })
})

describe('unreadable answers', () => {
  it('names the operation and the field when a required field is missing', async () => {
    const { client } = await serve((_u, _b, res) => send(res, 200, { name: 'no-id' }))
    const error = await client.getSite('s1').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PlatformApiError)
    expect(error).toMatchObject({ code: 'bad_response' })
    expect((error as Error).message).toMatch(/for the site .* at "id"/)
  })

  it('refuses a catalog that is not an object', async () => {
    const { client } = await serve((_u, _b, res) => send(res, 200, 'nope'))
    await expect(client.backupCatalog('s1', 'dev')).rejects.toMatchObject({ code: 'bad_response' })
  })
})
