/**
 * The git route with the git command line: Basic auth with the machine token, clone, push
 * to master moving dev through sync_code, force push, pushes to other branches (dev stays),
 * and test/live refusing to move by push.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authedGitUrl, git, pushCommit, startTestPlatform, tempDir, type TestPlatform } from './helpers'
import type { Json } from './helpers'

let t: TestPlatform
let siteId: string
let dir: string

beforeAll(async () => {
  t = await startTestPlatform()
  siteId = await t.siteId('demo-wordpress')
  dir = await tempDir('git')
})

afterAll(async () => {
  await t?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function envs(): Promise<Record<string, Json>> {
  return (await t.call('GET', `/api/sites/${siteId}/environments`)).body
}

describe('git over smart HTTP', () => {
  it('refuses a clone without the machine token', async () => {
    const info = (await t.call('GET', `/api/sites/${siteId}/environments/dev/connection-info`)).body
    const wrong = new URL(info.git_url)
    wrong.username = 'me'
    wrong.password = 'not-the-token'
    await expect(git(dir, ['clone', '--quiet', wrong.toString(), 'refused'])).rejects.toThrow(
      /Authentication failed|401/,
    )
    const noAuth = await fetch(`${info.git_url}/info/refs?service=git-upload-pack`)
    expect(noAuth.status).toBe(401)
    expect(noAuth.headers.get('www-authenticate')).toMatch(/^Basic/)
  })

  it("clones dev's code with the token", async () => {
    await git(dir, ['clone', '--quiet', await authedGitUrl(t, siteId), 'clone'])
    const head = (await git(join(dir, 'clone'), ['rev-parse', 'HEAD'])).trim()
    expect(head).toBe((await envs()).dev.target_commit)
    const tags = await git(join(dir, 'clone'), ['tag', '--list', 'pantheon_*'])
    expect(tags).toMatch(/pantheon_test_\d+/)
    expect(tags).toMatch(/pantheon_live_\d+/)
  })

  it('a push to master starts sync_code, which moves dev (test and live stay)', async () => {
    const before = await envs()
    const { sha, workflow } = await pushCommit(t, siteId, 'Pushed from the command line')
    expect(workflow).toMatchObject({ type: 'sync_code', environment: 'dev', result: 'succeeded' })
    const after = await envs()
    expect(after.dev).toMatchObject({ target_ref: 'refs/heads/master', target_commit: sha })
    expect(after.test.target_commit).toBe(before.test.target_commit)
    expect(after.live.target_commit).toBe(before.live.target_commit)
    const log = (await t.call('GET', `/api/sites/${siteId}/environments/dev/code-log?limit=1`)).body
    expect(log[0]).toMatchObject({
      hash: sha,
      labels: ['dev'],
      message: expect.stringContaining('Pushed from the command line'),
    })
  })

  it('a force push moves dev back; a push to another branch leaves dev alone', async () => {
    const work = join(dir, 'force')
    await git(dir, ['clone', '--quiet', await authedGitUrl(t, siteId), 'force'])
    const parent = (await git(work, ['rev-parse', 'HEAD~1'])).trim()
    await git(work, ['reset', '--quiet', '--hard', parent])
    await git(work, ['push', '--quiet', '--force', 'origin', 'HEAD:master'])
    const sync = ((await t.call('GET', `/api/sites/${siteId}/workflows`)).body as Json[]).find(
      (w) => w.type === 'sync_code' && w.params.target_commit === parent,
    )
    expect(sync).toBeDefined()
    await t.waitWorkflow(siteId, sync.id)
    expect((await envs()).dev.target_commit).toBe(parent)

    await git(work, ['checkout', '--quiet', '-b', 'feature'])
    await git(work, ['commit', '--quiet', '--allow-empty', '-m', 'feature work'])
    const count = ((await t.call('GET', `/api/sites/${siteId}/workflows`)).body as Json[]).length
    await git(work, ['push', '--quiet', 'origin', 'feature'])
    expect(((await t.call('GET', `/api/sites/${siteId}/workflows`)).body as Json[]).length).toBe(count)
    expect((await envs()).dev.target_commit).toBe(parent)
  })

  it('does not let a push move test or live', async () => {
    const before = await envs()
    const work = join(dir, 'force')
    const tag = before.test.target_ref.replace('refs/tags/', '')
    await git(work, ['tag', '--force', tag, 'HEAD'])
    await expect(git(work, ['push', '--quiet', '--force', 'origin', `refs/tags/${tag}`])).rejects.toThrow()
    const after = await envs()
    expect(after.test).toMatchObject({ target_ref: before.test.target_ref, target_commit: before.test.target_commit })
  })
})

describe('git over smart HTTP with isomorphic-git', () => {
  it('clones, pushes (moving dev) and force-pushes through the same route', async () => {
    const isogit = await import('isomorphic-git')
    const http = await import('isomorphic-git/http/node')
    const fs = await import('node:fs')
    const url = (await t.call('GET', `/api/sites/${siteId}/environments/dev/connection-info`)).body.git_url as string
    const onAuth = () => ({ username: 'iso', password: t.platform.machineToken })
    const work = join(dir, 'iso')
    await isogit.clone({ fs, http, dir: work, url, onAuth, singleBranch: true, ref: 'master' })
    const head = await isogit.resolveRef({ fs, dir: work, ref: 'HEAD' })
    expect(head).toBe((await envs()).dev.target_commit)
    await fs.promises.writeFile(join(work, 'iso.txt'), 'from isomorphic-git\n')
    await isogit.add({ fs, dir: work, filepath: 'iso.txt' })
    const author = { name: 'Iso', email: 'iso@example.test' }
    const sha = await isogit.commit({ fs, dir: work, message: 'isomorphic-git change', author })
    const pushed = await isogit.push({ fs, http, dir: work, url, onAuth, ref: 'master', remoteRef: 'master' })
    expect(pushed.ok).toBe(true)
    const waitDev = async (target: string) => {
      for (let i = 0; i < 200 && (await envs()).dev.target_commit !== target; i += 1)
        await new Promise((resolve) => setTimeout(resolve, 50))
      return (await envs()).dev.target_commit
    }
    expect(await waitDev(sha)).toBe(sha)
    // Force push: rewrite master to a sibling of the pushed commit.
    const sibling = await isogit.commit({
      fs,
      dir: work,
      message: 'rewritten',
      author,
      parent: [head],
      tree: (await isogit.readCommit({ fs, dir: work, oid: head })).commit.tree,
      noUpdateBranch: true,
    })
    await isogit.writeRef({ fs, dir: work, ref: 'refs/heads/master', value: sibling, force: true })
    await expect(
      isogit.push({ fs, http, dir: work, url, onAuth, ref: 'master', remoteRef: 'master' }),
    ).rejects.toThrow()
    expect(
      (await isogit.push({ fs, http, dir: work, url, onAuth, ref: 'master', remoteRef: 'master', force: true })).ok,
    ).toBe(true)
    expect(await waitDev(sibling)).toBe(sibling)
  })
})
