/**
 * The main window and the security rules every web contents obeys: isolated,
 * sandboxed, no Node, no navigation away from the app, no new windows, no
 * permissions, and external links only when the app produced them itself.
 */
import { BrowserWindow, shell, type BrowserWindowConstructorOptions, type Session, type WebContents } from 'electron'
import { isAppOrigin } from './ipc/electron-ipc'
import { isSafeExternalUrl } from './security'

/** The window options; exported so a test can hold them to the baseline. */
export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Restore Desk',
    backgroundColor: '#f6f7f9',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  }
}

export interface HardenOptions {
  /** Origins the app's own pages come from (app://restore-desk, and the dev server in development). */
  readonly allowedOrigins: readonly string[]
  /** Exact http(s) URLs the app itself put in front of the user; only these open in the OS browser. */
  readonly externalLinks: ReadonlySet<string>
}

/** Denies navigation, new windows and webviews on one web contents. */
export function hardenWebContents(contents: WebContents, options: HardenOptions): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppOrigin(url, options.allowedOrigins)) event.preventDefault()
  })
  contents.on('will-redirect', (event, url) => {
    if (!isAppOrigin(url, options.allowedOrigins)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url, options.externalLinks)) void shell.openExternal(url)
    return { action: 'deny' }
  })
}

/** Refuses every permission request and check (camera, notifications, …). */
export function hardenSession(target: Session): void {
  target.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  target.setPermissionCheckHandler(() => false)
}

/** Creates the main window with the baseline above. */
export function createMainWindow(preloadPath: string, startUrl: string, options: HardenOptions): BrowserWindow {
  const window = new BrowserWindow(mainWindowOptions(preloadPath))
  hardenWebContents(window.webContents, options)
  window.once('ready-to-show', () => window.show())
  void window.loadURL(startUrl)
  return window
}
