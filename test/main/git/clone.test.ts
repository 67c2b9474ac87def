/**
 * Clone and fetch in the git worker: against the embedded platform, a wrong token is `git_auth`
 * and a connection cut in the middle of the pack leaves no folder; against a remote served by
 * native git, a fetch follows master moving backwards and tags deleted, moved or added; an SSH
 * remote is refused; progress is throttled without losing a phase.
 */
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GitError } from '../../../src/main/git/git-error'
import { indexPack } from '../../../src/main/git/index-pack'
import { ProgressThrottle } from '../../../src/main/git/transport'
import { GitWorkerHost } from '../../../src/main/git/worker-host'
import { startPlatform, type RunningPlatform } from '../../../src/platform/index'
import type { GitProgress } from '../../../src/shared/history'
import { gitIn, makeRepo, namesIn, removeDir, serveGitHttp, tempDir, type GitHttpServer } from './clone-helpers'

let root: string
let platform: RunningPlatform
let siteUrl: string
const git = new GitWorkerHost()

async function failure(promise: Promise<unknown>): Promise<GitError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(GitError)
  return error as GitError
}

/** Files under `dir` whose bytes contain `text`. */
async function filesContaining(dir: string, text: string): Promise<string[]> {
  const found: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath, entry.name)
    if ((await readFile(file)).includes(text)) found.push(file)
  }
  return found
}

/** Forwards to `target`, but cuts the connection after `limit` bytes of an upload-pack answer. */
async function cuttingProxy(target: string, limit: number): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target)
  const server = http.createServer((req, res) => {
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        let sent = 0
        answer.on('data', (chunk: Buffer) => {
          const pack = req.url?.endsWith('/git-upload-pack') === true
          if (pack && sent + chunk.length > limit) {
            res.write(chunk.subarray(0, limit - sent))
            res.socket?.destroy()
            answer.destroy()
            return
          }
          sent += chunk.length
          res.write(chunk)
        })
        answer.on('end', () => res.end())
      },
    )
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

beforeAll(async () => {
  root = await tempDir('clone')
  platform = await startPlatform({
    dataDir: path.join(root, 'platform'),
    seed: 'demo',
    seedScale: 'small',
    machineToken: 'the-right-token',
  })
  siteUrl = `${platform.url}/git/demo-drupal.git`
}, 120_000)

afterAll(async () => {
  await git.close()
  await platform?.close()
  await removeDir(root)
})

describe('cloning from the embedded platform', () => {
  it('clones every branch and tag with the right token', async () => {
    const folder = path.join(root, 'repos', 'ok')
    const progress: GitProgress[] = []
    const { gitdir } = await git.run(
      'clone',
      { url: siteUrl, token: 'the-right-token', folder },
      { onProgress: (p) => progress.push(p) },
    )
    expect(gitdir).toBe(path.join(folder, '.git'))
    expect(await gitIn(gitdir, ['fsck', '--no-dangling'])).toBe('')
    expect((await gitIn(gitdir, ['tag', '-l'])).split('\n').length).toBeGreaterThan(4)
    expect(progress.at(-1)!.bytes).toBeGreaterThan(1000)
    // The token is in no file of the clone (it went in a header only).
    expect(await gitIn(gitdir, ['config', 'remote.origin.url'])).toBe(siteUrl)
    expect(await filesContaining(folder, 'the-right-token')).toEqual([])
  })

  it('maps a wrong token to git_auth, without quoting it, and leaves no folder', async () => {
    const folder = path.join(root, 'repos', 'wrong-token')
    const error = await failure(git.run('clone', { url: siteUrl, token: 'not-the-token', folder }))
    expect(error.code).toBe('git_auth')
    expect(error.message).toContain('refused the machine token')
    expect(error.message).not.toContain('not-the-token')
    expect(await namesIn(path.dirname(folder))).not.toContain('wrong-token')
    expect((await namesIn(path.dirname(folder))).filter((n) => n.startsWith('.wrong-token'))).toEqual([])
  })

  it('leaves no folder when the connection breaks in the middle of the pack', async () => {
    const proxy = await cuttingProxy(siteUrl, 20_000)
    try {
      const folder = path.join(root, 'repos', 'cut')
      const error = await failure(git.run('clone', { url: proxy.url, token: 'the-right-token', folder }))
      expect(error.code).toBe('git_remote')
      expect(error.message).toMatch(/connection|did not answer/)
      expect((await namesIn(path.dirname(folder))).filter((n) => n.includes('cut'))).toEqual([])
    } finally {
      await proxy.close()
    }
  })

  it('refuses an SSH remote before trying', async () => {
    const error = await failure(
      git.run('clone', {
        url: 'ssh://codeserver.dev.x@codeserver.dev.x.drush.in:2222/~/repository.git',
        token: 't',
        folder: path.join(root, 'repos', 'ssh'),
      }),
    )
    expect(error.code).toBe('git_unsupported_transport')
    expect(error.message).toContain('SSH')
  })
})

describe('fetching from a remote served by native git', () => {
  let remote: string
  let server: GitHttpServer
  let gitdir: string

  beforeAll(async () => {
    const work = path.join(root, 'work')
    await gitIn(root, ['init', '-q', work])
    await makeRepo(work, 6)
    await gitIn(work, ['tag', '-a', '-m', 'one', 'pantheon_test_1', 'HEAD~3'])
    await gitIn(work, ['tag', '-a', '-m', 'two', 'pantheon_test_2', 'HEAD~1'])
    remote = path.join(root, 'served', 'site.git')
    await gitIn(root, ['clone', '-q', '--bare', work, remote])
    server = await serveGitHttp(path.join(root, 'served'), 'tok3n-tok3n')
    gitdir = (
      await git.run('clone', { url: server.url('site.git'), token: 'tok3n-tok3n', folder: path.join(root, 'fetched') })
    ).gitdir
  })

  afterAll(async () => {
    await server.close()
  })

  it('follows master moving backwards and tags that were deleted, moved or added', async () => {
    await gitIn(remote, ['update-ref', 'refs/heads/master', 'master~2'])
    await gitIn(remote, ['tag', '-d', 'pantheon_test_1'])
    await gitIn(remote, ['tag', '-f', '-a', '-m', 'moved', 'pantheon_test_2', 'master~1'])
    await gitIn(remote, ['tag', '-a', '-m', 'three', 'pantheon_live_1', 'master'])
    const phases: string[] = []
    await git.run(
      'fetch',
      { gitdir, url: server.url('site.git'), token: 'tok3n-tok3n' },
      { onProgress: (p) => phases.push(p.phase) },
    )
    expect(await gitIn(gitdir, ['rev-parse', 'refs/remotes/origin/master'])).toBe(
      await gitIn(remote, ['rev-parse', 'master']),
    )
    const tags = (dir: string) => gitIn(dir, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/tags'])
    expect(await tags(gitdir)).toBe(await tags(remote))
  })

  it('fetches from the address connection-info gives now (the platform moved to another port)', async () => {
    await gitIn(gitdir, ['config', 'remote.origin.url', 'http://127.0.0.1:9/site.git'])
    await git.run('fetch', { gitdir, url: server.url('site.git'), token: 'tok3n-tok3n' })
    expect(await gitIn(gitdir, ['config', 'remote.origin.url'])).toBe(server.url('site.git'))
  })

  it('maps a remote that does not answer to git_remote', async () => {
    const error = await failure(git.run('fetch', { gitdir, url: 'http://127.0.0.1:9/site.git', token: 'x' }))
    expect(error.code).toBe('git_remote')
    expect(error.message).toContain('127.0.0.1:9/site.git')
  })
})

describe('indexing a pack on disk', () => {
  it('names every object and writes the idx native git writes, with ofs-deltas and ref-deltas, across windows', async () => {
    const work = path.join(root, 'packs')
    await gitIn(root, ['init', '-q', work])
    await makeRepo(work, 30)
    // A file larger than the 1 MiB read window, changed a little twice: big deltas across windows.
    const big = Buffer.alloc(3 * 1024 * 1024)
    for (let i = 0; i < big.length; i += 1) big[i] = (i * 7919) % 251
    for (const edit of [0, 1, 2]) {
      big[1000 + edit] = 42
      await writeFile(path.join(work, 'big.bin'), big)
      await gitIn(work, ['add', 'big.bin'])
      await gitIn(work, ['commit', '-q', '-m', `Big file ${edit}`])
    }
    for (const deltaBase of ['--delta-base-offset', '--no-delta-base-offset']) {
      const out = path.join(root, `pack${deltaBase}`)
      await mkdir(out, { recursive: true })
      const sha = await gitIn(
        work,
        ['pack-objects', '-q', '--all', '--revs', deltaBase, path.join(out, 'native')],
        {},
        '',
      )
      const nativePack = path.join(out, `native-${sha}.pack`)
      const mine = path.join(out, 'tmp_pack_test')
      await copyFile(nativePack, mine)
      const phases: string[] = []
      const indexed = await indexPack(mine, {
        signal: new AbortController().signal,
        onProgress: (event) => phases.push(event.phase),
      })
      expect(indexed.sha).toBe(sha)
      expect(phases).toContain('Resolving deltas')
      const idx = await readFile(path.join(out, `pack-${sha}.idx`))
      expect(idx.equals(await readFile(path.join(out, `native-${sha}.idx`)))).toBe(true)
      expect(await namesIn(out)).toEqual(expect.arrayContaining([`pack-${sha}.pack`, `pack-${sha}.idx`]))
      const verify = await gitIn(out, ['verify-pack', '-v', path.join(out, `pack-${sha}.idx`)])
      expect(verify).toMatch(/chain length = 1: \d+ objects?/)
    }
  })

  it('refuses a pack cut short', async () => {
    const out = path.join(root, 'cut-pack')
    await mkdir(out, { recursive: true })
    const work = path.join(root, 'packs')
    const sha = await gitIn(work, ['pack-objects', '-q', '--all', '--revs', path.join(out, 'native')], {}, '')
    const whole = await readFile(path.join(out, `native-${sha}.pack`))
    const file = path.join(out, 'tmp_pack_cut')
    await writeFile(file, whole.subarray(0, Math.floor(whole.length / 2)))
    const error = await failure(indexPack(file, { signal: new AbortController().signal, onProgress: () => {} }))
    expect(error.code).toBe('git_corrupt')
  })
})

describe('progress', () => {
  it('sends a new phase at once and the same phase at most every interval, and the last on flush', () => {
    let now = 0
    const sent: GitProgress[] = []
    const throttle = new ProgressThrottle(
      (p) => sent.push(p),
      100,
      () => now,
    )
    throttle.progress({ phase: 'Receiving objects', loaded: 1, total: 10 })
    for (let i = 2; i <= 9; i += 1) {
      now += 20
      throttle.progress({ phase: 'Receiving objects', loaded: i, total: 10 })
      throttle.bytes(i * 1000)
    }
    throttle.progress({ phase: 'Resolving deltas', loaded: 0, total: 10 })
    now += 10
    throttle.progress({ phase: 'Resolving deltas', loaded: 10, total: 10 })
    throttle.flush()
    expect(sent.map((p) => `${p.phase} ${p.loaded}`)).toEqual([
      'Receiving objects 1',
      'Receiving objects 6',
      'Resolving deltas 0',
      'Resolving deltas 10',
    ])
    expect(sent.at(-1)).toEqual({ phase: 'Resolving deltas', loaded: 10, total: 10, bytes: 9000 })
  })
})
