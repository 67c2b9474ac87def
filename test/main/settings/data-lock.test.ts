import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startMainServices } from '../../../src/main/app'
import { acquireDataLock } from '../../../src/main/settings/data-lock'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rd-lock-'))
})
afterEach(() => rm(dir, { recursive: true, force: true }))

describe('data folder lock', () => {
  it('lets one Restore Desk at a time use a data folder', async () => {
    const first = await acquireDataLock(dir)
    expect((await readFile(path.join(dir, 'restore-desk.lock'), 'utf8')).trim()).toBe(String(process.pid))
    // A lock held by another live process (our parent stands in for it).
    await writeFile(path.join(dir, 'restore-desk.lock'), String(process.ppid))
    await expect(acquireDataLock(dir)).rejects.toMatchObject({
      code: 'already_running',
      message: expect.stringContaining(`process ${process.ppid}`),
    })
    // Releasing never removes a lock that another process holds.
    await first.release()
    expect((await readFile(path.join(dir, 'restore-desk.lock'), 'utf8')).trim()).toBe(String(process.ppid))
    await writeFile(path.join(dir, 'restore-desk.lock'), String(process.pid))
    await first.release()
    const again = await acquireDataLock(dir)
    await again.release()
  })

  it('takes over a lock left by a process that is gone', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString()
    await writeFile(path.join(dir, 'restore-desk.lock'), gone)
    const lock = await acquireDataLock(dir)
    expect((await readFile(path.join(dir, 'restore-desk.lock'), 'utf8')).trim()).toBe(String(process.pid))
    await lock.release()
  })

  it('refuses to start the main services twice on one folder', async () => {
    const never = { start: () => new Promise<never>(() => {}) }
    const first = await startMainServices({ mode: 'browser', dataDir: dir, log: () => {}, embedded: never })
    await writeFile(path.join(dir, 'restore-desk.lock'), String(process.ppid))
    await expect(
      startMainServices({ mode: 'browser', dataDir: dir, log: () => {}, embedded: never }),
    ).rejects.toMatchObject({
      code: 'already_running',
    })
    await writeFile(path.join(dir, 'restore-desk.lock'), String(process.pid))
    await first.close()
  })
})
