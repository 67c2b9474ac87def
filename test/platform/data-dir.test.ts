/**
 * The data folder: one platform at a time (a lock that a dead process cannot hold; the pid
 * file beside it is information only), and nothing in it readable by other users.
 */
import { spawn, spawnSync } from 'node:child_process'
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { writeFileAtomic } from '../../src/lib/atomic'
import { startPlatform } from '../../src/platform/index'
import { callJson, seededDataDir, startTestPlatform, tempDir } from './helpers'

const dirs: string[] = []

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

async function emptyDataDir(label: string): Promise<string> {
  const dir = await tempDir(label)
  dirs.push(dir)
  return dir
}

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''])
  expect(child.status).toBe(0)
  return child.pid
}

describe('the data folder lock', () => {
  it('refuses a second platform on the same folder until the first one closes', async () => {
    const dir = await emptyDataDir('lock')
    const first = await startPlatform({ dataDir: dir, machineToken: 'lock-token' })
    try {
      expect((await readFile(join(dir, 'platform.lock'), 'utf8')).trim()).toBe(String(process.pid))
      await expect(startPlatform({ dataDir: dir })).rejects.toThrow(
        `Another platform is already using ${dir} (pid ${process.pid}). Stop it or choose another --data folder.`,
      )
      // The refused start took nothing away from the running platform.
      const login = await callJson(first.url, 'POST', '/api/authorize/machine-token', { machine_token: 'lock-token' })
      expect(login.status).toBe(200)
    } finally {
      await first.close()
    }
    await expect(readFile(join(dir, 'platform.lock'))).rejects.toMatchObject({ code: 'ENOENT' })
    const second = await startPlatform({ dataDir: dir })
    await second.close()
  })

  it('starts at once over a platform just killed with SIGKILL', async () => {
    const dir = await emptyDataDir('kill9-lock')
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../../src/platform/cli.ts'), '--data', dir, '--no-schedule'],
      { cwd: join(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] },
    )
    try {
      await new Promise<void>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString()
          if (out.includes('Platform listening on')) resolve()
        })
        child.once('exit', (code) => reject(new Error(`the platform exited with ${code}: ${out}`)))
      })
      expect((await readFile(join(dir, 'platform.lock'), 'utf8')).trim()).toBe(String(child.pid))
      child.kill('SIGKILL')
      // Not waiting for the exit event: its pid may still exist for a moment, the lock does not.
      const platform = await startPlatform({ dataDir: dir })
      await platform.close()
    } finally {
      child.kill('SIGKILL')
    }
  })

  it('lets a start made while the platform closes wait for it instead of failing', async () => {
    const dir = await seededDataDir()
    dirs.push(dir)
    // A pause before each workflow step keeps close() waiting for the running export a moment.
    const t = await startTestPlatform({ seed: 'none', workflowStepDelayMs: 1500 }, dir)
    const siteId = await t.siteId('demo-drupal')
    const started = await t.startWorkflow(siteId, 'dev', 'do_export', { database: true })
    expect(started.status).toBe(202)
    const closing = t.platform.close()
    const next = await startPlatform({ dataDir: dir })
    await closing
    await next.close()
  })

  it('takes over a lock whose process is gone (left by kill -9)', async () => {
    const dir = await emptyDataDir('stale-lock')
    await writeFile(join(dir, 'platform.lock'), `${deadPid()}\n`)
    const platform = await startPlatform({ dataDir: dir })
    try {
      expect((await readFile(join(dir, 'platform.lock'), 'utf8')).trim()).toBe(String(process.pid))
    } finally {
      await platform.close()
    }
  })
})

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777
}

describe('the data folder permissions', () => {
  it('keeps the folder, the secrets and the sessions to their owner', async () => {
    const parent = await emptyDataDir('modes')
    const existing = join(parent, 'existing')
    const created = join(parent, 'new', 'data')
    await mkdir(existing, { mode: 0o755 })
    await chmod(existing, 0o755)
    for (const dir of [existing, created]) {
      const platform = await startPlatform({ dataDir: dir })
      try {
        expect(await modeOf(dir)).toBe(0o700)
        expect(await modeOf(join(dir, 'secrets.json'))).toBe(0o600)
        const login = await callJson(platform.url, 'POST', '/api/authorize/machine-token', {
          machine_token: platform.machineToken,
        })
        expect(login.status).toBe(200)
        expect(await modeOf(join(dir, 'sessions.json'))).toBe(0o600)
      } finally {
        await platform.close()
      }
    }
  })

  it('writeFileAtomic gives the new file the mode asked for, even over a wider existing file', async () => {
    const dir = await emptyDataDir('atomic-mode')
    const file = join(dir, 'secret.json')
    await writeFile(file, 'old', { mode: 0o644 })
    await chmod(file, 0o644)
    await writeFileAtomic(file, 'new', { mode: 0o600 })
    expect(await modeOf(file)).toBe(0o600)
    expect(await readFile(file, 'utf8')).toBe('new')
  })
})
