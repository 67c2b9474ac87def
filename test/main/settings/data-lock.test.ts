/**
 * One Restore Desk per data folder: the main services take restore-desk.lock (a local socket,
 * see src/lib/lock.ts; a separate process holding it is tested in test/lib/lock.test.ts), and
 * the pid file beside it is information only.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
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

const never = { start: () => new Promise<never>(() => {}) }

describe('data folder lock', () => {
  it('lets one Restore Desk at a time use a data folder', async () => {
    const first = await acquireDataLock(dir)
    expect((await readFile(path.join(dir, 'restore-desk.lock'), 'utf8')).trim()).toBe(String(process.pid))
    await expect(acquireDataLock(dir)).rejects.toMatchObject({
      code: 'already_running',
      message: expect.stringContaining(`(process ${process.pid})`),
    })
    await first.release()
    await expect(stat(path.join(dir, 'restore-desk.lock'))).rejects.toMatchObject({ code: 'ENOENT' })
    const again = await acquireDataLock(dir)
    await again.release()
  })

  it('is not held by a pid file, whether its process is gone or a live unrelated one', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString()
    for (const pid of [gone, String(process.ppid), '1']) {
      await writeFile(path.join(dir, 'restore-desk.lock'), pid)
      const lock = await acquireDataLock(dir, { waitMs: 0 })
      expect((await readFile(path.join(dir, 'restore-desk.lock'), 'utf8')).trim()).toBe(String(process.pid))
      await lock.release()
    }
  })

  it('refuses to start the main services twice on one folder, and starts again once closed', async () => {
    const first = await startMainServices({ mode: 'browser', dataDir: dir, log: () => {}, embedded: never })
    await expect(
      startMainServices({ mode: 'browser', dataDir: dir, log: () => {}, embedded: never }),
    ).rejects.toMatchObject({ code: 'already_running' })
    await first.close()
    const second = await startMainServices({ mode: 'browser', dataDir: dir, log: () => {}, embedded: never })
    await second.close()
  })

  it('says it is closing while the services close, and a start made meanwhile goes through', async () => {
    let finishClosing = (): void => {}
    const closed = new Promise<void>((resolve) => (finishClosing = resolve))
    const embedded = {
      start: async () => ({ apiBase: 'http://127.0.0.1:1/api', machineToken: 't', close: () => closed }),
    }
    const first = await startMainServices({ mode: 'browser', dataDir: dir, log: () => {}, embedded })
    const closing = first.close()
    // The embedded platform is still closing, so the lock is held, but marked as exiting.
    await expect(acquireDataLock(dir, { waitMs: 0 })).rejects.toThrow(/is still closing after 0 s/)
    const second = startMainServices({ mode: 'browser', dataDir: dir, log: () => {}, embedded: never })
    finishClosing()
    await closing
    await (await second).close()
  })
})
