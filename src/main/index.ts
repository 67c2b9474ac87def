/**
 * Electron bootstrap only: security switches, the app:// protocol, the window,
 * and wiring the contract's router to ipcMain. Everything else lives in
 * services that also run in browser mode and in tests.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Notification,
  protocol,
  safeStorage,
  session,
  type WebContents,
} from 'electron'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startMainServices } from './app'
import { createDesktopSecretStore } from './connections/secrets'
import { createElectronTransport, showDownloadInFolder } from './downloads/electron-transport'
import { createNodeTransport } from './downloads/node-transport'
import { registerIpcHandlers, isAppOrigin } from './ipc/electron-ipc'
import { handleAppRequest } from './protocol'
import { APP_ORIGIN, APP_SCHEME } from './security'
import { createMainWindow, hardenSession, hardenWebContents, type HardenOptions } from './window'

const here = path.dirname(fileURLToPath(import.meta.url))
const rendererDir = path.join(here, '../renderer')
const preloadPath = path.join(here, '../preload/index.cjs')
const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
])
app.enableSandbox()

const hardening: HardenOptions = {
  allowedOrigins: devServerUrl ? [APP_ORIGIN, new URL(devServerUrl).origin] : [APP_ORIGIN],
  externalLinks: new Set<string>(),
}

app.on('web-contents-created', (_event, contents: WebContents) => hardenWebContents(contents, hardening))

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  void app
    .whenReady()
    .then(async () => {
      hardenSession(session.defaultSession)
      protocol.handle(APP_SCHEME, (request) => handleAppRequest(request, rendererDir))

      const dataDir = app.getPath('userData')
      let window: BrowserWindow | null = null
      const services = await startMainServices({
        mode: 'electron',
        dataDir,
        secrets: createDesktopSecretStore(path.join(dataDir, 'secrets'), safeStorage),
        downloadsRoot: path.join(app.getPath('downloads'), 'Restore Desk'),
        transport: createElectronTransport({ getWindow: () => window, resumeTransport: createNodeTransport() }),
        desktop: {
          revealFile: showDownloadInFolder,
          async chooseFolder(defaultPath) {
            const options = {
              defaultPath,
              properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'>,
            }
            const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options)
            return result.canceled ? null : (result.filePaths[0] ?? null)
          },
          notify(title, body) {
            // The window shows the job's end itself; the OS is told only when no window has the focus.
            if (BrowserWindow.getFocusedWindow() !== null || !Notification.isSupported()) return
            new Notification({ title, body }).show()
          },
        },
      })
      window = createMainWindow(preloadPath, devServerUrl ?? `${APP_ORIGIN}/index.html`, hardening)
      const mainWindow = window
      const stopIpc = registerIpcHandlers(
        ipcMain,
        services.router,
        (event) =>
          event.sender.id === mainWindow.webContents.id &&
          isAppOrigin(event.senderFrame?.url, hardening.allowedOrigins),
      )
      const stopEvents = services.context.events.subscribe((channel, payload) => {
        if (!mainWindow.isDestroyed()) mainWindow.webContents.send(channel, payload)
      })
      app.on('second-instance', () => {
        if (mainWindow.isMinimized()) mainWindow.restore()
        mainWindow.focus()
      })
      app.on('window-all-closed', () => app.quit())
      // Finish writing download state and stop the embedded platform before the process ends.
      let closed = false
      app.on('will-quit', (event) => {
        if (closed) return
        event.preventDefault()
        stopIpc()
        stopEvents()
        void services.close().finally(() => {
          closed = true
          app.quit()
        })
      })
    })
    .catch((error: unknown) => {
      dialog.showErrorBox('Restore Desk could not start', error instanceof Error ? error.message : String(error))
      app.quit()
    })
}
