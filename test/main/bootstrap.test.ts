import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { invokeChannelNames } from '../../src/shared/ipc'

type Listener = (...args: unknown[]) => unknown

const fake = vi.hoisted(() => {
  const path = { join: (...parts: string[]) => parts.join('/') }
  const dataDir = { value: '' }
  const ipcHandlers = new Map<string, Listener>()
  const appListeners = new Map<string, Listener>()
  let readyResolve: () => void = () => {}
  const ready = new Promise<void>((resolve) => (readyResolve = resolve))
  class WebContents {
    readonly id = 11
    readonly sent: Array<[string, unknown]> = []
    on() {
      return this
    }
    setWindowOpenHandler() {}
    send(channel: string, payload: unknown) {
      this.sent.push([channel, payload])
    }
  }
  class BrowserWindow {
    static last: BrowserWindow | null = null
    readonly webContents = new WebContents()
    url = ''
    constructor(readonly options: Record<string, unknown>) {
      BrowserWindow.last = this
    }
    once() {}
    show() {}
    isDestroyed() {
      return false
    }
    loadURL(url: string) {
      this.url = url
      return Promise.resolve()
    }
  }
  const app = {
    isPackaged: true,
    enableSandbox: vi.fn(),
    requestSingleInstanceLock: vi.fn(() => true),
    whenReady: vi.fn(() => ready),
    getPath: vi.fn((name: string) => (name === 'downloads' ? path.join(dataDir.value, 'Downloads') : dataDir.value)),
    on: vi.fn((name: string, listener: Listener) => appListeners.set(name, listener)),
    quit: vi.fn(),
  }
  const protocol = { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() }
  const session = { defaultSession: { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() } }
  const ipcMain = { handle: vi.fn((c: string, l: Listener) => ipcHandlers.set(c, l)), removeHandler: vi.fn() }
  return {
    app,
    protocol,
    session,
    ipcMain,
    BrowserWindow,
    ipcHandlers,
    appListeners,
    dataDir,
    ready: () => readyResolve(),
  }
})

vi.mock('electron', () => ({
  app: fake.app,
  protocol: fake.protocol,
  session: fake.session,
  ipcMain: fake.ipcMain,
  BrowserWindow: fake.BrowserWindow,
  shell: { openExternal: vi.fn(), showItemInFolder: vi.fn() },
  dialog: { showOpenDialog: vi.fn() },
  safeStorage: {
    isEncryptionAvailable: () => true,
    encryptString: (s: string) => Buffer.from(s).reverse(),
    decryptString: (b: Buffer) => Buffer.from(b).reverse().toString(),
  },
}))
vi.mock('electron-dl', () => ({ download: vi.fn(), CancelError: class CancelError extends Error {} }))
// The embedded platform is tested on its own; here it only has to start.
vi.mock('../../src/platform', () => ({
  startPlatform: vi.fn(async () => ({
    apiBase: 'http://127.0.0.1:9/api',
    machineToken: 'test-token',
    damaged: [],
    close: async () => {},
  })),
}))

describe('Electron bootstrap (src/main/index.ts)', () => {
  afterAll(async () => {
    if (fake.dataDir.value) await rm(fake.dataDir.value, { recursive: true, force: true })
  })

  it('enables the sandbox, registers app:// as privileged, then wires a hardened window to the contract', async () => {
    fake.dataDir.value = await mkdtemp(path.join(os.tmpdir(), 'rd-boot-'))
    await import('../../src/main/index')
    expect(fake.app.enableSandbox).toHaveBeenCalled()
    expect(fake.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }),
    ])
    expect(fake.appListeners.has('web-contents-created')).toBe(true)

    fake.ready()
    await vi.waitFor(() => expect(fake.ipcHandlers.size).toBe(invokeChannelNames.length))
    expect(fake.session.defaultSession.setPermissionRequestHandler).toHaveBeenCalled()
    expect(fake.protocol.handle).toHaveBeenCalledWith('app', expect.any(Function))
    const window = fake.BrowserWindow.last!
    expect(window.url).toBe('app://restore-desk/index.html')
    expect(window.options.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    })

    const handler = fake.ipcHandlers.get('app:info')!
    const own = { sender: { id: window.webContents.id }, senderFrame: { url: 'app://restore-desk/index.html' } }
    const foreignFrame = { sender: { id: window.webContents.id }, senderFrame: { url: 'https://evil.example/' } }
    const otherContents = { sender: { id: 999 }, senderFrame: { url: 'app://restore-desk/index.html' } }
    const ok = (await handler(own, undefined)) as { ok: boolean; value: { mode: string; dataDir: string } }
    expect(ok.ok).toBe(true)
    expect(ok.value).toMatchObject({ mode: 'electron', dataDir: fake.dataDir.value })
    expect(await handler(foreignFrame, undefined)).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(await handler(otherContents, undefined)).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(await handler(own, 'surprise')).toMatchObject({ ok: false, error: { code: 'bad_request' } })
    const connections = (await handler(own, undefined as never)) as unknown
    expect(connections).toBeTruthy()
    const listed = (await fake.ipcHandlers.get('connections:list')!(own, undefined)) as {
      ok: boolean
      value: Array<{ id: string; status: string }>
    }
    expect(listed.value[0]).toMatchObject({ id: 'embedded', status: 'ready' })
    const quitEvent = { preventDefault: vi.fn() }
    fake.appListeners.get('will-quit')!(quitEvent)
    expect(quitEvent.preventDefault).toHaveBeenCalled()
    await vi.waitFor(() => expect(fake.app.quit).toHaveBeenCalled())
  })
})
