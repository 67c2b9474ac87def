import { describe, expect, it, vi } from 'vitest'
import {
  isAppOrigin,
  registerIpcHandlers,
  type IpcMainLike,
  type InvokeEventLike,
} from '../../../src/main/ipc/electron-ipc'
import type { IpcRouter } from '../../../src/main/ipc/router'
import { invokeChannelNames } from '../../../src/shared/ipc'

function fakeIpcMain() {
  const handlers = new Map<string, (event: InvokeEventLike, payload: unknown) => unknown>()
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
  }
  return { ipcMain, handlers }
}

const trustedEvent: InvokeEventLike = { sender: { id: 1 }, senderFrame: { url: 'app://restore-desk/index.html' } }
const foreignEvent: InvokeEventLike = { sender: { id: 1 }, senderFrame: { url: 'https://evil.example/' } }

describe('registerIpcHandlers', () => {
  it('registers every contract channel and removes them again', () => {
    const { ipcMain, handlers } = fakeIpcMain()
    const router: IpcRouter = { invoke: vi.fn() }
    const stop = registerIpcHandlers(ipcMain, router, () => true)
    expect([...handlers.keys()].sort()).toEqual([...invokeChannelNames].sort())
    stop()
    expect(handlers.size).toBe(0)
  })

  it('drops calls from an untrusted sender without reaching the router', async () => {
    const { ipcMain, handlers } = fakeIpcMain()
    const router: IpcRouter = { invoke: vi.fn(async () => ({ ok: true as const, value: 1 })) }
    registerIpcHandlers(ipcMain, router, (event) => isAppOrigin(event.senderFrame?.url, ['app://restore-desk']))
    const handler = handlers.get('app:info')!
    await expect(handler(foreignEvent, undefined)).toEqual({
      ok: false,
      error: { code: 'forbidden', message: expect.any(String) },
    })
    expect(router.invoke).not.toHaveBeenCalled()
    await expect(handler(trustedEvent, undefined)).resolves.toEqual({ ok: true, value: 1 })
    expect(router.invoke).toHaveBeenCalledWith('app:info', undefined)
  })
})

describe('isAppOrigin', () => {
  it('accepts only the listed origins', () => {
    expect(isAppOrigin('app://restore-desk/index.html', ['app://restore-desk'])).toBe(true)
    expect(isAppOrigin('app://restore-desk.evil/index.html', ['app://restore-desk'])).toBe(false)
    expect(isAppOrigin('http://localhost:5173/', ['app://restore-desk'])).toBe(false)
    expect(isAppOrigin('http://localhost:5173/x', ['app://restore-desk', 'http://localhost:5173'])).toBe(true)
    expect(isAppOrigin(undefined, ['app://restore-desk'])).toBe(false)
    expect(isAppOrigin('not a url', ['app://restore-desk'])).toBe(false)
  })
})
