import { beforeEach, describe, expect, it, vi } from 'vitest'

type Listener = (...args: unknown[]) => void

const electron = vi.hoisted(() => {
  class FakeWebContents {
    readonly id = 7
    readonly listeners = new Map<string, Listener>()
    windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null
    on(name: string, listener: Listener) {
      this.listeners.set(name, listener)
      return this
    }
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
      this.windowOpenHandler = handler
    }
  }
  class FakeBrowserWindow {
    static created: FakeBrowserWindow[] = []
    readonly webContents = new FakeWebContents()
    loadedUrl: string | null = null
    constructor(readonly options: Record<string, unknown>) {
      FakeBrowserWindow.created.push(this)
    }
    once() {}
    show() {}
    loadURL(url: string) {
      this.loadedUrl = url
      return Promise.resolve()
    }
  }
  return { FakeBrowserWindow, FakeWebContents, shell: { openExternal: vi.fn(async () => {}) } }
})

vi.mock('electron', () => ({ BrowserWindow: electron.FakeBrowserWindow, shell: electron.shell }))

const { createMainWindow, hardenSession, hardenWebContents, mainWindowOptions } = await import('../../src/main/window')

const hardening = {
  allowedOrigins: ['app://restore-desk'],
  externalLinks: new Set(['https://docs.pantheon.io/backups']),
}

describe('main window security baseline', () => {
  beforeEach(() => electron.shell.openExternal.mockClear())

  it('isolates, sandboxes and disables node in the renderer', () => {
    const prefs = mainWindowOptions('/app/preload/index.cjs').webPreferences!
    expect(prefs).toMatchObject({
      preload: '/app/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    })
  })

  it('denies navigation away from the app and allows its own pages', () => {
    const contents = new electron.FakeWebContents()
    hardenWebContents(contents as never, hardening)
    const navigate = contents.listeners.get('will-navigate')!
    const away = { preventDefault: vi.fn() }
    navigate(away, 'https://evil.example/')
    expect(away.preventDefault).toHaveBeenCalled()
    const home = { preventDefault: vi.fn() }
    navigate(home, 'app://restore-desk/index.html#/sites')
    expect(home.preventDefault).not.toHaveBeenCalled()
    const redirect = { preventDefault: vi.fn() }
    contents.listeners.get('will-redirect')!(redirect, 'file:///etc/passwd')
    expect(redirect.preventDefault).toHaveBeenCalled()
    const webview = { preventDefault: vi.fn() }
    contents.listeners.get('will-attach-webview')!(webview)
    expect(webview.preventDefault).toHaveBeenCalled()
  })

  it('denies every new window and opens only links the app produced, in the OS browser', () => {
    const contents = new electron.FakeWebContents()
    hardenWebContents(contents as never, hardening)
    const open = contents.windowOpenHandler!
    expect(open({ url: 'https://docs.pantheon.io/backups' })).toEqual({ action: 'deny' })
    expect(electron.shell.openExternal).toHaveBeenCalledWith('https://docs.pantheon.io/backups')
    electron.shell.openExternal.mockClear()
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://share/x']) {
      expect(open({ url })).toEqual({ action: 'deny' })
    }
    expect(electron.shell.openExternal).not.toHaveBeenCalled()
  })

  it('refuses every permission request and check', () => {
    let requestHandler: ((c: unknown, p: string, cb: (ok: boolean) => void) => void) | null = null
    let checkHandler: (() => boolean) | null = null
    hardenSession({
      setPermissionRequestHandler: (h: typeof requestHandler) => (requestHandler = h),
      setPermissionCheckHandler: (h: typeof checkHandler) => (checkHandler = h),
    } as never)
    const callback = vi.fn()
    requestHandler!(null, 'media', callback)
    expect(callback).toHaveBeenCalledWith(false)
    expect(checkHandler!()).toBe(false)
  })

  it('creates the window with those options and loads the app URL', () => {
    createMainWindow('/app/preload/index.cjs', 'app://restore-desk/index.html', hardening)
    const window = electron.FakeBrowserWindow.created.at(-1)!
    expect(window.options).toEqual(mainWindowOptions('/app/preload/index.cjs'))
    expect(window.loadedUrl).toBe('app://restore-desk/index.html')
    expect(window.webContents.windowOpenHandler).not.toBeNull()
  })
})
