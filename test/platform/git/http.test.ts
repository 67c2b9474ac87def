import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import fs from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import isogit from 'isomorphic-git'
import isohttp from 'isomorphic-git/http/node'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { initBareRepo, resolveCommit } from '../../../src/platform/git/index'
import { serveGitHttp, type RefUpdate } from '../../../src/platform/git/http'
import { commitFile, git } from './helpers'

const TOKEN = 'secret-machine-token'
const T0 = 1_650_000_000
let dir: string
let bare: string
let server: Server
let remote: string
let updates: RefUpdate[][] = []
let inFlight = 0

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rd-git-http-'))
  bare = path.join(dir, 'repos', 'site.git')
  await initBareRepo(bare)
  server = createServer((req, res) => {
    // The caller authenticates: Basic auth with any user and the token as password.
    const auth = req.headers.authorization ?? ''
    const [user, pass] = Buffer.from(auth.replace(/^Basic /, ''), 'base64')
      .toString()
      .split(':')
    if (pass !== TOKEN) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="site"' })
      res.end('Authentication required')
      return
    }
    // The raw path, not a normalised URL: serveGitHttp must itself refuse odd paths.
    const rawPath = (req.url ?? '/').split('?')[0]!
    const prefix = '/git/site.git'
    if (!rawPath.startsWith(prefix)) {
      res.writeHead(404)
      res.end()
      return
    }
    inFlight += 1
    void serveGitHttp(req, res, {
      repoDir: bare,
      pathInfo: rawPath.slice(prefix.length),
      remoteUser: user ?? 'unknown',
      onRefsUpdated: (list) => {
        updates.push([...list])
      },
    })
      .catch((error: unknown) => {
        res.statusCode = 500
        res.end(String(error))
      })
      .finally(() => {
        inFlight -= 1
      })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  remote = `http://dev:${TOKEN}@127.0.0.1:${port}/git/site.git`
}, 60_000)

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await rm(dir, { recursive: true, force: true })
})

beforeEach(() => {
  updates = []
})

describe('git smart HTTP with the git command line', () => {
  let work: string
  let first: string

  it('pushes into an empty repository and reports the new master', async () => {
    work = await mkdtemp(path.join(dir, 'cli-'))
    await git(work, ['init', '-q'])
    first = await commitFile(work, 'index.php', '<?php echo "hi";\n', 'Initial commit', T0)
    await git(work, ['remote', 'add', 'origin', remote])
    await git(work, ['push', '-q', 'origin', 'master'])
    expect(await resolveCommit(bare, 'master')).toBe(first)
    expect(updates).toEqual([[{ ref: 'refs/heads/master', oldSha: null, newSha: first }]])
  })

  it('clones, fetches and pushes a new commit', async () => {
    const clone = path.join(dir, 'clone-cli')
    await git(dir, ['clone', '-q', remote, clone])
    expect(await git(clone, ['rev-parse', 'HEAD'])).toBe(first)
    const second = await commitFile(work, 'web/big.txt', 'x'.repeat(300_000), 'feat: add big file', T0 + 60)
    await git(work, ['push', '-q', 'origin', 'master'])
    expect(updates).toEqual([[{ ref: 'refs/heads/master', oldSha: first, newSha: second }]])
    await git(clone, ['fetch', '-q', 'origin'])
    expect(await git(clone, ['rev-parse', 'origin/master'])).toBe(second)
    expect(await readFile(path.join(clone, 'index.php'), 'utf8')).toContain('hi')
  })

  it('accepts a push larger than http.postBuffer (a chunked request body)', async () => {
    const before = await resolveCommit(bare, 'master')
    const big = await commitFile(
      work,
      'web/random.bin',
      randomBytes(400 * 1024).toString('base64'),
      'chore: add a large asset',
      T0 + 90,
    )
    await git(work, ['-c', 'http.postBuffer=65536', 'push', '-q', 'origin', 'master'])
    expect(await resolveCommit(bare, 'master')).toBe(big)
    expect(updates).toEqual([[{ ref: 'refs/heads/master', oldSha: before, newSha: big }]])
  })

  it('accepts a force push that rewinds master', async () => {
    const before = await resolveCommit(bare, 'master')
    await git(work, ['reset', '-q', '--hard', first])
    const rewritten = await commitFile(work, 'other.txt', 'other', 'fix: rewrite history', T0 + 120)
    await expect(git(work, ['push', '-q', 'origin', 'master'])).rejects.toThrow(/rejected|non-fast-forward/)
    expect(updates).toEqual([])
    await git(work, ['push', '-q', '--force', 'origin', 'master'])
    expect(await resolveCommit(bare, 'master')).toBe(rewritten)
    expect(updates).toEqual([[{ ref: 'refs/heads/master', oldSha: before, newSha: rewritten }]])
  })

  it('refuses pushes to deploy tags and deleting master, with the reason', async () => {
    await git(work, ['tag', 'pantheon_test_9'])
    const tagPush = await git(work, ['push', 'origin', 'pantheon_test_9']).then(
      () => '',
      (error: { stderr?: string }) => error.stderr ?? '',
    )
    expect(tagPush).toContain('Test and live move only by deploy')
    expect(tagPush).toContain('pre-receive hook declined')
    expect(await resolveCommit(bare, 'refs/tags/pantheon_test_9')).toBeNull()

    const deletion = await git(work, ['push', 'origin', ':master']).then(
      () => '',
      (error: { stderr?: string }) => error.stderr ?? '',
    )
    expect(deletion).toContain('Refusing to delete master')
    expect(await resolveCommit(bare, 'master')).not.toBeNull()
    expect(updates).toEqual([])
  })

  it('speaks protocol v2 and accepts gzip-encoded request bodies', async () => {
    const base = remote.replace(`dev:${TOKEN}@`, '')
    const headers = { Authorization: `Basic ${Buffer.from(`dev:${TOKEN}`).toString('base64')}` }
    const v2 = await fetch(`${base}/info/refs?service=git-upload-pack`, {
      headers: { ...headers, 'Git-Protocol': 'version=2' },
    })
    expect(v2.status).toBe(200)
    expect(v2.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement')
    expect(await v2.text()).toContain('version 2')

    const want = await resolveCommit(bare, 'master')
    const pkt = (line: string): string => `${(line.length + 4).toString(16).padStart(4, '0')}${line}`
    const body = gzipSync(`${pkt(`want ${want}\n`)}0000${pkt('done\n')}`)
    const packed = await fetch(`${base}/git-upload-pack`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/x-git-upload-pack-request', 'Content-Encoding': 'gzip' },
      body,
    })
    expect(packed.status).toBe(200)
    expect(Buffer.from(await packed.arrayBuffer()).includes('PACK')).toBe(true)

    // Raw request so that nothing normalises the dot segments before the server sees them.
    const { port } = server.address() as AddressInfo
    const status = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/git/site.git/../site.git/HEAD', headers }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
        .on('error', reject)
        .end()
    })
    expect(status).toBe(404)
  })

  it('finishes and stops git when the client goes away mid-download', async () => {
    const { port } = server.address() as AddressInfo
    const want = await resolveCommit(bare, 'master')
    const pkt = (line: string): string => `${(line.length + 4).toString(16).padStart(4, '0')}${line}`
    const body = `${pkt(`want ${want}\n`)}0000${pkt('done\n')}`
    await new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/git/site.git/git-upload-pack',
          headers: {
            Authorization: `Basic ${Buffer.from(`dev:${TOKEN}`).toString('base64')}`,
            'Content-Type': 'application/x-git-upload-pack-request',
            'Content-Length': String(body.length),
          },
        },
        (res) => {
          res.once('data', () => {
            req.destroy() // leave after the first bytes of the pack
            resolve()
          })
        },
      )
      req.on('error', () => undefined)
      req.on('timeout', () => reject(new Error('no response')))
      req.end(body)
    })
    for (let i = 0; i < 100 && inFlight > 0; i += 1) await new Promise((r) => setTimeout(r, 50))
    expect(inFlight).toBe(0)
  })

  it('asks for credentials when they are wrong (handled by the caller)', async () => {
    const bad = remote.replace(TOKEN, 'wrong')
    await expect(git(dir, ['ls-remote', bad])).rejects.toThrow(/Authentication failed|401/)
  })
})

describe('git smart HTTP with isomorphic-git', () => {
  const onAuth = (): { username: string; password: string } => ({ username: 'dev', password: TOKEN })
  const url = (): string => remote.replace(`dev:${TOKEN}@`, '')

  it('clones, pushes, fetches and force-pushes', async () => {
    const clone = path.join(dir, 'iso-clone')
    await isogit.clone({ fs, http: isohttp, dir: clone, url: url(), onAuth, singleBranch: true, ref: 'master' })
    const head = await isogit.resolveRef({ fs, dir: clone, ref: 'HEAD' })
    expect(head).toBe(await resolveCommit(bare, 'master'))

    await writeFile(path.join(clone, 'iso.txt'), 'from isomorphic-git\n')
    await isogit.add({ fs, dir: clone, filepath: 'iso.txt' })
    const author = { name: 'Iso Dev', email: 'iso@example.com', timestamp: T0 + 300, timezoneOffset: 0 }
    const pushed = await isogit.commit({ fs, dir: clone, message: 'feat: isomorphic commit', author })
    const result = await isogit.push({ fs, http: isohttp, dir: clone, url: url(), onAuth, ref: 'master' })
    expect(result.ok).toBe(true)
    expect(await resolveCommit(bare, 'master')).toBe(pushed)
    expect(updates).toEqual([[{ ref: 'refs/heads/master', oldSha: head, newSha: pushed }]])

    // Someone else moves master; isomorphic-git fetches it.
    const other = path.join(dir, 'iso-other')
    await git(dir, ['clone', '-q', remote, other])
    const theirs = await commitFile(other, 'theirs.txt', 'theirs', 'chore: their change', T0 + 400)
    await git(other, ['push', '-q', 'origin', 'master'])
    const fetched = await isogit.fetch({
      fs,
      http: isohttp,
      dir: clone,
      url: url(),
      onAuth,
      ref: 'master',
      singleBranch: true,
    })
    expect(fetched.fetchHead).toBe(theirs)

    // Our own divergent commit needs a force push.
    await writeFile(path.join(clone, 'iso.txt'), 'rewritten\n')
    await isogit.add({ fs, dir: clone, filepath: 'iso.txt' })
    const forced = await isogit.commit({
      fs,
      dir: clone,
      message: 'fix: force',
      author: { ...author, timestamp: T0 + 500 },
    })
    updates = []
    await expect(isogit.push({ fs, http: isohttp, dir: clone, url: url(), onAuth, ref: 'master' })).rejects.toThrow()
    expect(updates).toEqual([])
    await isogit.push({ fs, http: isohttp, dir: clone, url: url(), onAuth, ref: 'master', force: true })
    expect(await resolveCommit(bare, 'master')).toBe(forced)
    expect(updates).toEqual([[{ ref: 'refs/heads/master', oldSha: theirs, newSha: forced }]])
  })

  it('reports the hook refusal of a tag push', async () => {
    const clone = path.join(dir, 'iso-clone')
    await isogit.tag({ fs, dir: clone, ref: 'pantheon_live_3' })
    const messages: string[] = []
    const result = await isogit
      .push({
        fs,
        http: isohttp,
        dir: clone,
        url: url(),
        onAuth,
        ref: 'pantheon_live_3',
        onMessage: (m) => void messages.push(m),
      })
      .catch((error: Error) => ({ ok: false, error: error.message }))
    expect(result.ok).toBe(false)
    expect(messages.join('')).toContain('Test and live move only by deploy')
    expect(await resolveCommit(bare, 'refs/tags/pantheon_live_3')).toBeNull()
  })
})
