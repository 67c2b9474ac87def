/**
 * The git worker thread started from source (as browser mode and the tests run it): an
 * operation answered, a cancel that stops a clone and leaves nothing, a crash and a hang that
 * fail what was waiting with `git_worker` and make the next request start a new worker.
 */
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { GitError } from '../../../src/main/git/git-error'
import { GitWorkerHost, startGitWorker } from '../../../src/main/git/worker-host'
import { gitIn, makeRepo, namesIn, removeDir, serveNothing, tempDir } from './clone-helpers'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function host(options: ConstructorParameters<typeof GitWorkerHost>[0] = {}): GitWorkerHost {
  const made = new GitWorkerHost(options)
  cleanups.push(() => made.close())
  return made
}

async function repo(count: number): Promise<{ dir: string; oids: string[] }> {
  const dir = await tempDir('worker')
  cleanups.push(() => removeDir(dir))
  return { dir, oids: await makeRepo(dir, count) }
}

async function failure(promise: Promise<unknown>): Promise<GitError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(GitError)
  return error as GitError
}

describe('the git worker', () => {
  it('runs operations in a worker thread started from the TypeScript source', async () => {
    const { dir, oids } = await repo(5)
    const git = host()
    const info = await git.run('inspect', { path: dir })
    expect(info).toEqual({ gitdir: path.join(dir, '.git'), bare: false, originUrl: null })
    const page = await git.run('page', {
      gitdir: info.gitdir,
      envs: [{ env: 'dev', oid: oids.at(-1)!, ref: 'refs/heads/master' }],
      cursor: null,
    })
    expect(page.commits.map((c) => c.oid)).toEqual((await gitIn(dir, ['rev-list', 'HEAD'])).split('\n'))
    expect(page.commits[0]).toMatchObject({ subject: 'Commit number 5', envsAt: ['dev'], envsContaining: ['dev'] })
    expect(page.cursor).toBeNull()
    expect(git.starts).toBe(1)
  })

  it('answers a folder that is not a repository with git_not_a_repository', async () => {
    const dir = await tempDir('plain')
    cleanups.push(() => removeDir(dir))
    const error = await failure(host().run('inspect', { path: dir }))
    expect(error.code).toBe('git_not_a_repository')
    expect(error.message).toContain('is not a git repository')
  })

  it('cancels a clone that hangs on the network, and the clone leaves no folder behind', async () => {
    const server = await serveNothing()
    cleanups.push(() => server.close())
    const root = await tempDir('cancel')
    cleanups.push(() => removeDir(root))
    const controller = new AbortController()
    const clone = host().run(
      'clone',
      { url: server.url, token: 'secret-token', folder: path.join(root, 'site') },
      { signal: controller.signal },
    )
    await vi.waitFor(() => expect(server.hits()).toBeGreaterThan(0), { timeout: 10_000 })
    expect((await namesIn(root)).some((name) => name.startsWith('.site.partial-'))).toBe(true)
    controller.abort()
    const error = await failure(clone)
    expect(error.code).toBe('git_cancelled')
    expect(error.message).not.toContain('secret-token')
    expect(await namesIn(root)).toEqual([])
  })

  it('fails what was waiting with git_worker when the worker crashes, and starts a new one', async () => {
    const server = await serveNothing()
    cleanups.push(() => server.close())
    const root = await tempDir('crash')
    cleanups.push(() => removeDir(root))
    const started: Worker[] = []
    const git = host({
      createWorker: () => {
        const worker = startGitWorker()
        started.push(worker)
        return worker
      },
    })
    const clone = git.run('clone', { url: server.url, token: 't0ken-t0ken', folder: path.join(root, 'site') })
    await vi.waitFor(() => expect(server.hits()).toBeGreaterThan(0), { timeout: 10_000 })
    await started[0]!.terminate()
    const error = await failure(clone)
    expect(error.code).toBe('git_worker')
    expect(error.message).toMatch(/stopped unexpectedly.*Try again/)
    const { dir } = await repo(1)
    expect((await git.run('inspect', { path: dir })).bare).toBe(false)
    expect(git.starts).toBe(2)
  })

  it('terminates a worker that does not stop a cancelled request in time, and restarts it', async () => {
    const { dir } = await repo(1)
    let calls = 0
    const git = host({
      cancelGraceMs: 300,
      // The first "worker" takes requests and never answers them, as a worker stuck in a loop.
      createWorker: () =>
        calls++ === 0 ? new Worker('setInterval(() => {}, 1000)', { eval: true }) : startGitWorker(),
    })
    const controller = new AbortController()
    const stuck = git.run('inspect', { path: dir }, { signal: controller.signal })
    const bystander = git.run('inspect', { path: dir })
    const cancelledAt = Date.now()
    controller.abort()
    const error = await failure(stuck)
    expect(Date.now() - cancelledAt).toBeGreaterThanOrEqual(250)
    expect(error.code).toBe('git_cancelled')
    expect(error.message).toContain('restarted')
    const other = await failure(bystander)
    expect(other.code).toBe('git_worker')
    expect(other.message).toContain('stopped answering')
    expect((await git.run('inspect', { path: dir })).gitdir).toBe(path.join(dir, '.git'))
    expect(git.starts).toBe(2)
  })

  it('refuses requests once closed', async () => {
    const git = new GitWorkerHost()
    await git.close()
    expect((await failure(git.run('inspect', { path: '/' }))).code).toBe('git_worker')
  })
})
