import { describe, expect, it, vi } from 'vitest'
import { createIpcRouter, type IpcHandlers } from '../../../src/main/ipc/router'
import { AppError } from '../../../src/main/errors'
import type { AppInfo } from '../../../src/shared/app'

const info: AppInfo = {
  name: 'Restore Desk',
  version: '1.2.3',
  mode: 'browser',
  dataDir: '/tmp/x',
  platform: { id: 'embedded', kind: 'embedded', label: 'Embedded', baseUrl: null, status: 'ready', error: null },
  notices: [],
}

function handlers(overrides: Partial<IpcHandlers> = {}): IpcHandlers {
  return { 'app:info': () => info, ...overrides } as IpcHandlers
}

describe('IPC router', () => {
  it('answers a valid call with {ok: true, value}', async () => {
    const router = createIpcRouter(handlers())
    await expect(router.invoke('app:info', undefined)).resolves.toEqual({ ok: true, value: info })
  })

  it('refuses a bad payload without running the handler', async () => {
    const handler = vi.fn(() => info)
    const router = createIpcRouter(handlers({ 'app:info': handler }))
    const result = await router.invoke('app:info', { unexpected: true })
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.code).toBe('bad_request')
      expect(result.error.message).toMatch(/request to "app:info" was refused/)
    }
    expect(handler).not.toHaveBeenCalled()
  })

  it('refuses an unknown channel', async () => {
    const router = createIpcRouter(handlers())
    const result = await router.invoke('app:shutdown', undefined)
    expect(result).toEqual({
      ok: false,
      error: { code: 'unknown_channel', message: expect.stringMatching(/no IPC channel named "app:shutdown"/) },
    })
  })

  it('refuses prototype keys as channel names', async () => {
    const router = createIpcRouter(handlers())
    const result = await router.invoke('toString', undefined)
    expect(result.ok).toBe(false)
  })

  it('passes an AppError through with its code and message', async () => {
    const router = createIpcRouter(
      handlers({
        'app:info': () => {
          throw new AppError('platform_down', 'The platform is not answering. Restart it.')
        },
      }),
    )
    await expect(router.invoke('app:info', undefined)).resolves.toEqual({
      ok: false,
      error: { code: 'platform_down', message: 'The platform is not answering. Restart it.' },
    })
  })

  it('wraps an unexpected error and reports it', async () => {
    const onUnexpected = vi.fn()
    const router = createIpcRouter(
      handlers({
        'app:info': () => {
          throw new TypeError('boom')
        },
      }),
      onUnexpected,
    )
    const result = await router.invoke('app:info', undefined)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.code).toBe('internal')
      expect(result.error.message).toContain('boom')
    }
    expect(onUnexpected).toHaveBeenCalledWith('app:info', expect.any(TypeError))
  })

  it('maps a raw Node error a handler throws (EACCES with a full path) to words for the page', async () => {
    const onUnexpected = vi.fn()
    const raw = Object.assign(new Error("EACCES: permission denied, open '/home/ana/Restore Desk/x.part'"), {
      code: 'EACCES',
      errno: -13,
      syscall: 'open',
      path: '/home/ana/Restore Desk/x.part',
    })
    const router = createIpcRouter(
      handlers({
        'app:info': async () => {
          throw raw
        },
      }),
      onUnexpected,
    )
    const result = await router.invoke('app:info', undefined)
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'not_allowed',
        message: expect.stringMatching(/^Permission was denied \(in \/home\/ana\/Restore Desk\)\. Check the folder/),
      },
    })
    if (!result.ok) {
      expect(result.error.message).not.toMatch(/EACCES|open '|x\.part/)
    }
    // The log keeps the raw error for whoever debugs it.
    expect(onUnexpected).toHaveBeenCalledWith('app:info', raw)
  })
})
