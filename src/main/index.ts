/**
 * Electron bootstrap only: security switches, the app:// protocol, the window,
 * and wiring the contract's router to ipcMain. Everything else lives in
 * services that also run in browser mode and in tests.
 */
import { app, ipcMain, protocol, session, type WebContents } from 'electron'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startMainServices } from './app'
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
  void app.whenReady().then(async () => {
    hardenSession(session.defaultSession)
    protocol.handle(APP_SCHEME, (request) => handleAppRequest(request, rendererDir))

    const services = await startMainServices({ mode: 'electron', dataDir: app.getPath('userData') })
    const window = createMainWindow(preloadPath, devServerUrl ?? `${APP_ORIGIN}/index.html`, hardening)
    const stopIpc = registerIpcHandlers(
      ipcMain,
      services.router,
      (event) => event.sender.id === window.webContents.id && isAppOrigin(event.senderFrame?.url, hardening.allowedOrigins),
    )
    const stopEvents = services.context.events.subscribe((channel, payload) => {
      if (!window.isDestroyed()) window.webContents.send(channel, payload)
    })
    app.on('second-instance', () => {
      if (window.isMinimized()) window.restore()
      window.focus()
    })
    app.on('window-all-closed', () => app.quit())
    app.on('will-quit', () => {
      stopIpc()
      stopEvents()
      void services.close()
    })
  })
}
