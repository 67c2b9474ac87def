/**
 * The preload with a hand-written fake of electron: the page's `invoke` leaves out the
 * preload-only `imports:stage-path`, and `stageFile` turns a File into its path with
 * `webUtils.getPathForFile` and hands main only that, forwarding packing progress.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { pageChannelNames } from '../../src/shared/ipc'

const exposed: Record<string, unknown> = {}
const invoked: { channel: string; payload: unknown }[] = []
const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>()
const paths = new Map<unknown, string>()

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
  webUtils: { getPathForFile: (file: unknown) => paths.get(file) ?? '' },
  ipcRenderer: {
    invoke: async (channel: string, payload: unknown) => {
      invoked.push({ channel, payload })
      // Main packs the folder meanwhile and reports it.
      for (const listener of listeners.get('imports:progress') ?? []) {
        listener({}, { token: 'tok', phase: 'packing', bytes: 512, total: 2048 })
      }
      return { ok: true, value: { token: 'tok', name: 'uploads.tar.gz', size: 2048, packedFolder: true, stagedAt: 1 } }
    },
    on: (channel: string, listener: (event: unknown, payload: unknown) => void) => {
      const set = listeners.get(channel) ?? new Set()
      listeners.set(channel, set)
      set.add(listener)
    },
    removeListener: (channel: string, listener: (event: unknown, payload: unknown) => void) =>
      listeners.get(channel)?.delete(listener),
  },
}))

interface Exposed {
  readonly invoke: Record<string, unknown>
  readonly stageFile: (file: unknown, onProgress?: (sent: number, total: number) => void) => Promise<unknown>
}

let bridge: Exposed
beforeAll(async () => {
  await import('../../src/preload/index')
  bridge = exposed.restoreDesk as Exposed
})

describe('the preload', () => {
  it('offers the page every page channel and not imports:stage-path', () => {
    expect(Object.keys(bridge.invoke).sort()).toEqual([...pageChannelNames].sort())
    expect(Object.hasOwn(bridge.invoke, 'imports:stage-path')).toBe(false)
    expect(Object.isFrozen(bridge)).toBe(true)
  })

  it('stages a dropped file by its path, which the page never sees', async () => {
    const file = { name: 'uploads' }
    paths.set(file, '/home/ana/uploads')
    const progress: [number, number][] = []
    const result = await bridge.stageFile(file, (sent, total) => progress.push([sent, total]))
    expect(invoked.at(-1)).toEqual({ channel: 'imports:stage-path', payload: { path: '/home/ana/uploads' } })
    expect(result).toMatchObject({ ok: true, value: { token: 'tok' } })
    expect(JSON.stringify(result)).not.toContain('/home/ana')
    expect(progress).toEqual([[512, 2048]])
    expect(listeners.get('imports:progress')?.size ?? 0).toBe(0)
  })

  it('says so when a File has no path on disk', async () => {
    const before = invoked.length
    expect(await bridge.stageFile({ name: 'pasted.txt' })).toMatchObject({ ok: false, error: { code: 'no_path' } })
    expect(invoked).toHaveLength(before)
  })
})
