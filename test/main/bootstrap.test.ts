import { mkdtemp, readFile, rm } from 'node:fs/promises'
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
    readonly listeners = new Map<string, Listener>()
    url = ''
    bounds: unknown = null
    minimized = true
    visible = false
    readonly calls: string[] = []
    constructor(readonly options: Record<string, unknown>) {
      BrowserWindow.last = this
    }
    on(name: string, listener: Listener) {
      this.listeners.set(name, listener)
      return this
    }
    once() {}
    show() {
      this.calls.push('show')
      this.visible = true
    }
    isDestroyed() {
      return false
    }
    isMinimized() {
      return this.minimized
    }
    isVisible() {
      return this.visible
    }
    restore() {
      this.calls.push('restore')
      this.minimized = false
    }
    focus() {
      this.calls.push('focus')
    }
    setBounds(bounds: unknown) {
      this.bounds = bounds
    }
    getNormalBounds() {
      return this.bounds
    }
    isMaximized() {
      return false
    }
    isFullScreen() {
      return false
    }
    loadURL(url: string) {
      this.url = url
      return Promise.resolve()
    }
  }
  const menu = { template: null as unknown, setApplicationMenu: vi.fn() }
  const Menu = {
    buildFromTemplate: vi.fn((template: unknown) => {
      menu.template = template
      return { built: template }
    }),
    setApplicationMenu: menu.setApplicationMenu,
  }
  const workArea = { x: 0, y: 0, width: 1920, height: 1040 }
  const screen = {
    getPrimaryDisplay: () => ({ id: 1, workArea }),
    getAllDisplays: () => [{ id: 1, workArea }],
  }
  const app = {
    isPackaged: true,
    enableSandbox: vi.fn(),
    requestSingleInstanceLock: vi.fn(() => true),
    whenReady: vi.fn(() => ready),
    getPath: vi.fn((name: string) => (name === 'downloads' ? path.join(dataDir.value, 'Downloads') : dataDir.value)),
    on: vi.fn((name: string, listener: Listener) => appListeners.set(name, listener)),
    quit: vi.fn(),
    getVersion: () => '0.1.0',
    setAboutPanelOptions: vi.fn(),
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
    Menu,
    menu,
    screen,
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
  Menu: fake.Menu,
  screen: fake.screen,
  shell: { openExternal: vi.fn(), showItemInFolder: vi.fn(), openPath: vi.fn(async () => '') },
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
    // The packaged app never loads a page it is pointed at from outside.
    process.env.ELECTRON_RENDERER_URL = 'http://localhost:5173/'
    await import('../../src/main/index')
    delete process.env.ELECTRON_RENDERER_URL
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
    // No saved place yet: the default size, centred on the primary display's work area.
    expect(window.bounds).toEqual({ x: 320, y: 110, width: 1280, height: 820 })
    expect(fake.menu.setApplicationMenu).toHaveBeenCalledTimes(1)
    const labels = (fake.menu.template as Array<{ label: string }>).map((item) => item.label)
    expect(labels.slice(-5)).toEqual(['File', 'Edit', 'View', 'Window', 'Help'])
    for (const name of ['resize', 'move', 'close']) expect(window.listeners.has(name)).toBe(true)

    // A second launch restores and focuses this window.
    fake.appListeners.get('second-instance')!()
    expect(window.calls).toEqual(['restore', 'show', 'focus'])
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
    // Closing the window remembers its place; quitting waits for that file.
    window.setBounds({ x: 40, y: 30, width: 1000, height: 700 })
    window.listeners.get('close')!()
    const quitEvent = { preventDefault: vi.fn() }
    fake.appListeners.get('will-quit')!(quitEvent)
    expect(quitEvent.preventDefault).toHaveBeenCalled()
    await vi.waitFor(() => expect(fake.app.quit).toHaveBeenCalled())
    expect(JSON.parse(await readFile(path.join(fake.dataDir.value, 'window-state.json'), 'utf8'))).toEqual({
      version: 1,
      bounds: { x: 40, y: 30, width: 1000, height: 700 },
      maximized: false,
    })
  })
})
