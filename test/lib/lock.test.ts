/**
 * The data folder lock, for both the platform's `platform.lock` and the app's
 * `restore-desk.lock`: a holder killed with SIGKILL holds nothing, a pid file naming some
 * live unrelated process blocks nothing, a live holder is named, and a holder that is
 * shutting down is waited for, within a bound.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { chmod, lstat, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { lockDataDir, type DataDirLock } from '../../src/lib/lock'
import { acquireDataLock } from '../../src/main/settings/data-lock'

const ROOT = path.join(import.meta.dirname, '../..')
const HOLDER = path.join(import.meta.dirname, 'support/lock-holder.ts')

let dir: string
const children: ChildProcess[] = []
const held: DataDirLock[] = []

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rd-lock-'))
})
afterEach(async () => {
  for (const lock of held.splice(0)) await lock.release()
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  await rm(dir, { recursive: true, force: true })
})

interface Holder {
  readonly child: ChildProcess
  readonly pid: number
  /** Resolves once the holder has printed `line`. */
  said(line: string): Promise<void>
}

/** Starts a process that holds the lock of `dir`, and waits until it does. */
async function holder(kind: 'platform' | 'app', releaseAfterMs = 0, env: NodeJS.ProcessEnv = {}): Promise<Holder> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, dir, kind, String(releaseAfterMs)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let out = ''
  let err = ''
  const waiters: (() => void)[] = []
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString()
    for (const wake of waiters.splice(0)) wake()
  })
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const said = (line: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (out.split('\n').some((l) => l === line || l.startsWith(`${line} `))) return resolve()
        if (child.exitCode !== null || child.signalCode !== null)
          return reject(new Error(`the holder exited: ${out}${err}`))
        waiters.push(check)
      }
      child.once('exit', () => check())
      check()
    })
  await said('held')
  return { child, pid: child.pid ?? 0, said }
}

const take = {
  platform: (options: { waitMs?: number } = {}) => lockDataDir(dir, options),
  app: (options: { waitMs?: number } = {}) => acquireDataLock(dir, options),
}
const fileOf = { platform: 'platform.lock', app: 'restore-desk.lock' }
const busyMessage = {
  platform: (pid: number) =>
    `Another platform is already using ${dir} (pid ${pid}). Stop it or choose another --data folder.`,
  app: (pid: number) =>
    `Restore Desk is already running with the data folder ${dir} (process ${pid}). Use that window, or start this one with another --data folder.`,
}

async function keep(lock: Promise<DataDirLock>): Promise<DataDirLock> {
  const taken = await lock
  held.push(taken)
  return taken
}

describe.each(['platform', 'app'] as const)("the %s's lock", (kind) => {
  it('is free at once when its holder is killed with SIGKILL', async () => {
    const { child } = await holder(kind)
    child.kill('SIGKILL')
    // No waiting for the exit event (the pid may still exist for a moment): no wait allowed either.
    const lock = await keep(take[kind]({ waitMs: 0 }))
    expect((await readFile(path.join(dir, fileOf[kind]), 'utf8')).trim()).toBe(String(process.pid))
    expect(lock.file).toBe(path.join(dir, fileOf[kind]))
  })

  it('is not blocked by a pid file that names a live, unrelated process', async () => {
    for (const pid of [process.ppid, 1]) {
      await writeFile(path.join(dir, fileOf[kind]), `${pid}\n`)
      const lock = await take[kind]({ waitMs: 0 })
      expect((await readFile(path.join(dir, fileOf[kind]), 'utf8')).trim()).toBe(String(process.pid))
      await lock.release()
      await expect(stat(path.join(dir, fileOf[kind]))).rejects.toMatchObject({ code: 'ENOENT' })
    }
  })

  it('is refused while a live holder has it, with a message naming that process', async () => {
    const { pid } = await holder(kind)
    await expect(take[kind]()).rejects.toThrow(busyMessage[kind](pid))
    // Refusing took nothing away from the holder.
    await expect(take[kind]()).rejects.toThrow(busyMessage[kind](pid))
    expect((await readFile(path.join(dir, fileOf[kind]), 'utf8')).trim()).toBe(String(pid))
  })

  it('waits for a holder that is shutting down and lets the start through when it releases', async () => {
    const exiting = await holder(kind, 300)
    exiting.child.kill('SIGTERM')
    await exiting.said('exiting')
    await keep(take[kind]({ waitMs: 20_000 }))
    await exiting.said('released')
    expect((await readFile(path.join(dir, fileOf[kind]), 'utf8')).trim()).toBe(String(process.pid))
  })

  it('gives up, saying so, on a holder still shutting down after the bound', async () => {
    const stuck = await holder(kind, -1)
    stuck.child.kill('SIGTERM')
    await stuck.said('exiting')
    await expect(take[kind]({ waitMs: 200 })).rejects.toThrow(
      new RegExp(`\\((pid|process) ${stuck.pid}\\) is still (shutting down|closing) after 0\\.2 s`),
    )
  })
})

describe('the lock within one process', () => {
  it('refuses a second taker, and is free again once released', async () => {
    const first = await lockDataDir(dir)
    await expect(lockDataDir(dir)).rejects.toThrow(`(pid ${process.pid})`)
    await first.release()
    await keep(lockDataDir(dir))
  })

  it('goes to exactly one of two starts racing over a socket left behind', async () => {
    const { child } = await holder('platform')
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
    const results = await Promise.allSettled([lockDataDir(dir, { waitMs: 0 }), lockDataDir(dir, { waitMs: 0 })])
    const won = results.filter((r): r is PromiseFulfilledResult<DataDirLock> => r.status === 'fulfilled')
    expect(won).toHaveLength(1)
    held.push(...won.map((r) => r.value))
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({
      reason: expect.objectContaining({ message: expect.stringContaining(`(pid ${process.pid})`) }),
    })
  })

  it('is the same lock whatever TMPDIR and XDG_RUNTIME_DIR the holder started with', async () => {
    const [tmp, xdg] = [path.join(dir, 'tmp'), path.join(dir, 'xdg')]
    await mkdir(tmp, { mode: 0o700 })
    await mkdir(xdg, { mode: 0o700 })
    const { pid } = await holder('platform', 0, { TMPDIR: tmp, XDG_RUNTIME_DIR: xdg })
    await expect(lockDataDir(dir)).rejects.toThrow(busyMessage.platform(pid))
  })

  it('goes to exactly one of two starts racing over a socket file left behind (the macOS layout)', async () => {
    const runtimeDir = path.join(dir, 'run')
    const { child } = await holder('platform', 0, { LOCK_RUNTIME_DIR: runtimeDir })
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
    const results = await Promise.allSettled([
      lockDataDir(dir, { waitMs: 0, runtimeDir }),
      lockDataDir(dir, { waitMs: 0, runtimeDir }),
    ])
    const won = results.filter((r): r is PromiseFulfilledResult<DataDirLock> => r.status === 'fulfilled')
    expect(won).toHaveLength(1)
    held.push(...won.map((r) => r.value))
    expect(path.dirname(won[0]!.value.address)).toBe(runtimeDir)
  })

  it('keeps its sockets in a folder only this user can use', async () => {
    const runtimeDir = path.join(dir, 'run')
    await mkdir(runtimeDir, { mode: 0o777 })
    await chmod(runtimeDir, 0o777)
    const lock = await keep(lockDataDir(dir, { runtimeDir }))
    expect((await lstat(runtimeDir)).mode & 0o777).toBe(0o700)
    expect(path.dirname(lock.address)).toBe(runtimeDir)
    const notAFolder = path.join(dir, 'file')
    await writeFile(notAFolder, '')
    await expect(lockDataDir(dir, { runtimeDir: notAFolder })).rejects.toThrow(/EEXIST|not a folder/)
  })
})
