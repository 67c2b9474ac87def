/**
 * What the app set aside at start reaches the person: a damaged saved file becomes a notice in
 * app:info that every page shows until someone dismisses it (app:dismiss-notice, app:notices).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startMainServices, type MainServices } from '../../src/main/app'
import type { AppInfo, AppNotice } from '../../src/shared/app'
import type { IpcResult } from '../../src/shared/ipc'

let root: string
let services: MainServices | undefined

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rd-notices-'))
})
afterEach(async () => {
  await services?.close()
  services = undefined
  await rm(root, { recursive: true, force: true })
})

async function start(): Promise<MainServices> {
  services = await startMainServices({
    mode: 'browser',
    dataDir: path.join(root, 'data'),
    downloadsRoot: path.join(root, 'Downloads'),
    // No real platform: only what the app itself read from disk is under test.
    embedded: { start: async () => ({ apiBase: 'http://127.0.0.1:9/api', machineToken: 'x', close: async () => {} }) },
    log: () => {},
  })
  return services
}

async function call<T>(channel: string, payload?: unknown): Promise<T> {
  const result = (await services!.router.invoke(channel, payload)) as IpcResult<T>
  if (!result.ok) throw new Error(`${channel}: ${result.error.code}: ${result.error.message}`)
  return result.value
}

describe('notices of damaged saved files', () => {
  it('a clean start has none', async () => {
    await start()
    expect((await call<AppInfo>('app:info')).notices).toEqual([])
  })

  it('a damaged connections.json is a notice naming the file until it is dismissed', async () => {
    await mkdir(path.join(root, 'data'), { recursive: true })
    await writeFile(path.join(root, 'data', 'connections.json'), '{"version": 1, "connections": [')
    const app = await start()
    const [notice, ...more] = (await call<AppInfo>('app:info')).notices
    expect(more).toEqual([])
    expect(notice!.message).toContain(path.join(root, 'data', 'connections.json'))
    expect(notice!.message).toMatch(/not valid JSON/)

    const seen: (readonly AppNotice[])[] = []
    const stop = app.context.events.subscribe((channel, payload) => {
      if (channel === 'app:notices') seen.push(payload as readonly AppNotice[])
    })
    await call('app:dismiss-notice', { id: notice!.id })
    stop()
    expect(seen).toEqual([[]])
    expect((await call<AppInfo>('app:info')).notices).toEqual([])
    // A second page dismissing the same notice is no error.
    await call('app:dismiss-notice', { id: notice!.id })
  })

  it('a damaged downloads.json is a notice too', async () => {
    await mkdir(path.join(root, 'data'), { recursive: true })
    await writeFile(path.join(root, 'data', 'downloads.json'), '{"version": 1, "downloads": 5}')
    await start()
    const notices = (await call<AppInfo>('app:info')).notices
    expect(notices.map((notice) => notice.message)).toEqual([
      expect.stringContaining(path.join(root, 'data', 'downloads.json')),
    ])
  })

  it('a start that fails reading its saved files frees the data folder for the next start', async () => {
    // A folder where connections.json should be: not damage to set aside, but a start that cannot go on.
    await mkdir(path.join(root, 'data', 'connections.json'), { recursive: true })
    await expect(start()).rejects.toThrow()
    await rm(path.join(root, 'data', 'connections.json'), { recursive: true })
    await start()
    expect((await call<AppInfo>('app:info')).notices).toEqual([])
  })

  it('refuses a dismiss without an id', async () => {
    await start()
    const result = (await services!.router.invoke('app:dismiss-notice', { id: '' })) as IpcResult<void>
    expect(result.ok).toBe(false)
  })
})
