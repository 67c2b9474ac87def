/**
 * The platform as a separate process (`tsx src/platform/cli.ts`): it prints its address and
 * a generated token, stops cleanly on SIGTERM, and after `kill -9` in the middle of a
 * restore it starts again, keeps finished workflows' results, and runs the interrupted
 * restore again to completion.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { callJson, tempDir } from './helpers'
import type { Json } from './helpers'

const ROOT = join(import.meta.dirname, '../..')
const children: ChildProcess[] = []
const dirs: string[] = []

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

interface Started {
  readonly child: ChildProcess
  readonly url: string
  readonly output: () => string
}

async function startCli(args: string[], env: Record<string, string> = {}): Promise<Started> {
  // `node --import tsx` keeps the server in this very process, so a kill reaches it.
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/platform/cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let out = ''
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const check = setInterval(() => {
      const match = /Platform listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (match?.[1]) {
        clearInterval(check)
        resolve(match[1])
      }
    }, 50)
    child.once('exit', (code) => {
      clearInterval(check)
      reject(new Error(`platform exited with ${code}: ${out}`))
    })
  })
  return { child, url, output: () => out }
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
}

async function login(url: string, token: string): Promise<Record<string, string>> {
  const reply = await callJson(url, 'POST', '/api/authorize/machine-token', { machine_token: token })
  expect(reply.status).toBe(200)
  return { Authorization: `Bearer ${reply.body.session}` }
}

describe('the platform command', () => {
  it('prints its address and a generated token, answers, and exits 0 on SIGTERM', async () => {
    const dir = await tempDir('cli')
    dirs.push(dir)
    const first = await startCli(['--data', dir, '--no-schedule'])
    const token = /Machine token: (\S+)/.exec(first.output())?.[1]
    expect(token).toBeDefined()
    await login(first.url, token ?? '')
    first.child.kill('SIGTERM')
    expect(await exited(first.child)).toEqual({ code: 0, signal: null })
    const second = await startCli(['--data', dir, '--no-schedule'])
    expect(second.output()).not.toMatch(/Machine token/)
    await login(second.url, token ?? '')
    second.child.kill('SIGINT')
    expect((await exited(second.child)).code).toBe(0)
  })

  it('survives kill -9 in the middle of a restore: finished workflows keep their result, the restore runs again', async () => {
    const dir = await tempDir('kill9')
    dirs.push(dir)
    // A pause before each workflow step makes "in the middle" certain.
    const slow = await startCli(
      ['--data', dir, '--seed', 'demo', '--seed-scale', 'small', '--token', 'k9', '--no-schedule'],
      { RESTORE_DESK_PLATFORM_STEP_DELAY_MS: '1500' },
    )
    const auth = await login(slow.url, 'k9')
    const site = (await callJson(slow.url, 'GET', '/api/site-names/demo-drupal', undefined, auth)).body.id
    const catalog = (
      await callJson(slow.url, 'GET', `/api/sites/${site}/environments/live/backups/catalog`, undefined, auth)
    ).body
    const entry = (Object.values(catalog) as Json[]).find((e) => e.filename?.endsWith('_database.sql.gz'))
    const lock = await callJson(
      slow.url,
      'POST',
      `/api/sites/${site}/environments/dev/workflows`,
      { type: 'lock_environment', params: { username: 'u', password: 'p' } },
      auth,
    )
    const restore = await callJson(
      slow.url,
      'POST',
      `/api/sites/${site}/environments/dev/workflows`,
      { type: 'restore_database', params: { key: `${site}/live/${entry.folder}/${entry.filename}` } },
      auth,
    )
    expect(restore.status).toBe(202)
    const poll = async (url: string, headers: Record<string, string>, id: string) =>
      (await callJson(url, 'GET', `/api/sites/${site}/workflows/${id}`, undefined, headers)).body
    for (;;) {
      const state = await poll(slow.url, auth, restore.body.id)
      if (state.phase === 'started') break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const lockDone = await poll(slow.url, auth, lock.body.id)
    expect(lockDone.result).toBe('succeeded')
    const backupFile = join(dir, 'sites', site, 'envs', 'live', 'backups', entry.folder, entry.filename)
    const devDatabase = join(dir, 'sites', site, 'envs', 'dev', 'database.sql.gz')
    expect(await readFile(devDatabase)).not.toEqual(await readFile(backupFile))
    slow.child.kill('SIGKILL')
    expect((await exited(slow.child)).signal).toBe('SIGKILL')

    const again = await startCli(['--data', dir, '--no-schedule'])
    const auth2 = await login(again.url, 'k9')
    let state = await poll(again.url, auth2, restore.body.id)
    while (state.result === null) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      state = await poll(again.url, auth2, restore.body.id)
    }
    expect(state.result).toBe('succeeded')
    expect(Object.values(state.final_task.messages).some((m: Json) => /runs again/.test(m.message))).toBe(true)
    const lockAfter = await poll(again.url, auth2, lock.body.id)
    expect(lockAfter).toMatchObject({ result: 'succeeded', finished_at: lockDone.finished_at })
    expect(await readFile(devDatabase)).toEqual(await readFile(backupFile))
    again.child.kill('SIGTERM')
    expect((await exited(again.child)).code).toBe(0)
  })
})

describe('closing the platform in-process', () => {
  it('stops a running workflow at a step boundary; the next start runs it again to completion', async () => {
    const { startPlatform } = await import('../../src/platform/index')
    const { seededDataDir } = await import('./helpers')
    const dir = await seededDataDir()
    dirs.push(dir)
    const first = await startPlatform({ dataDir: dir, workflowStepDelayMs: 400 })
    const auth = await login(first.url, 'test-token')
    const site = (await callJson(first.url, 'GET', '/api/site-names/demo-drupal', undefined, auth)).body.id
    const started = await callJson(
      first.url,
      'POST',
      `/api/sites/${site}/environments/dev/workflows`,
      { type: 'clone_database', params: { from_environment: 'live' } },
      auth,
    )
    for (;;) {
      const state = (
        await callJson(first.url, 'GET', `/api/sites/${site}/workflows/${started.body.id}`, undefined, auth)
      ).body
      if (state.phase === 'started') break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await first.close()
    const stored = JSON.parse(await readFile(join(dir, 'workflows', `${started.body.id}.json`), 'utf8'))
    expect(stored).toMatchObject({ phase: 'started', result: null })
    const dev = join(dir, 'sites', site, 'envs', 'dev', 'database.sql.gz')
    const live = join(dir, 'sites', site, 'envs', 'live', 'database.sql.gz')
    expect(await readFile(dev)).not.toEqual(await readFile(live))

    const second = await startPlatform({ dataDir: dir })
    try {
      const auth2 = await login(second.url, 'test-token')
      let state = (
        await callJson(second.url, 'GET', `/api/sites/${site}/workflows/${started.body.id}`, undefined, auth2)
      ).body
      while (state.result === null) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        state = (await callJson(second.url, 'GET', `/api/sites/${site}/workflows/${started.body.id}`, undefined, auth2))
          .body
      }
      expect(state.result).toBe('succeeded')
      expect(await readFile(dev)).toEqual(await readFile(live))
    } finally {
      await second.close()
    }
  })

  it('syncs dev at start when master moved without a sync_code (a push cut off by kill -9)', async () => {
    const { startPlatform } = await import('../../src/platform/index')
    const { git, seededDataDir } = await import('./helpers')
    const dir = await seededDataDir()
    dirs.push(dir)
    const first = await startPlatform({ dataDir: dir })
    const auth = await login(first.url, 'test-token')
    const site = (await callJson(first.url, 'GET', '/api/site-names/demo-drupal', undefined, auth)).body.id
    const devBefore = (await callJson(first.url, 'GET', `/api/sites/${site}/environments`, undefined, auth)).body.dev
    await first.close()

    // What an accepted push does before its sync_code is queued: master moves, nothing else.
    const repo = join(dir, 'sites', site, 'repo.git')
    expect((await git(repo, ['rev-parse', 'refs/heads/master'])).trim()).toBe(devBefore.target_commit)
    const pushed = (
      await git(repo, ['commit-tree', '-p', 'refs/heads/master', '-m', 'Pushed just before the crash', 'HEAD^{tree}'])
    ).trim()
    await git(repo, ['update-ref', 'refs/heads/master', pushed])

    const syncs = async (url: string, headers: Record<string, string>): Promise<Json[]> =>
      ((await callJson(url, 'GET', `/api/sites/${site}/workflows`, undefined, headers)).body as Json[]).filter(
        (w) => w.type === 'sync_code',
      )
    const second = await startPlatform({ dataDir: dir })
    try {
      const auth2 = await login(second.url, 'test-token')
      const started = await syncs(second.url, auth2)
      expect(started).toHaveLength(1)
      expect(started[0].params.target_commit).toBe(pushed)
      let state = started[0]
      while (state.result === null) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        state = (await callJson(second.url, 'GET', `/api/sites/${site}/workflows/${state.id}`, undefined, auth2)).body
      }
      expect(state.result).toBe('succeeded')
      const dev = (await callJson(second.url, 'GET', `/api/sites/${site}/environments`, undefined, auth2)).body.dev
      expect(dev).toMatchObject({ target_ref: 'refs/heads/master', target_commit: pushed })
    } finally {
      await second.close()
    }
    // In step again: the next start queues nothing more.
    const third = await startPlatform({ dataDir: dir })
    try {
      expect(await syncs(third.url, await login(third.url, 'test-token'))).toHaveLength(1)
    } finally {
      await third.close()
    }
  })
})
