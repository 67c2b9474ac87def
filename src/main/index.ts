/**
 * Electron bootstrap only: security switches, the app:// protocol, the window,
 * and wiring the contract's router to ipcMain, plus the desktop conventions of
 * src/main/desktop (menu, remembered window place, taskbar progress, one
 * instance). Everything else lives in services that also run in browser mode
 * and in tests.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  nativeTheme,
  Notification,
  protocol,
  safeStorage,
  session,
  shell,
  type WebContents,
} from 'electron'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startMainServices } from './app'
import { createDesktopSecretStore } from './connections/secrets'
import { displayWorkAreas, installAppMenu, keepWindowState, showTaskbarProgress } from './desktop/electron-desktop'
import { bringToFront, pageSource } from './desktop/launch'
import { followTaskbarProgress, TaskbarProgressTracker } from './desktop/taskbar-progress'
import { placeWindow, WindowStateStore } from './desktop/window-state'
import { createElectronTransport, showDownloadInFolder } from './downloads/electron-transport'
import { createNodeTransport } from './downloads/node-transport'
import { registerIpcHandlers, isAppOrigin } from './ipc/electron-ipc'
import { handleAppRequest } from './protocol'
import { APP_ORIGIN, APP_SCHEME } from './security'
import { createMainWindow, hardenSession, hardenWebContents, mainWindowOptions, type HardenOptions } from './window'

const APP_NAME = 'Restore Desk'
const here = path.dirname(fileURLToPath(import.meta.url))
const rendererDir = path.join(here, '../renderer')
const preloadPath = path.join(here, '../preload/index.cjs')
// Only an unpackaged app follows ELECTRON_RENDERER_URL (electron-vite dev), and only to this machine.
const page = pageSource(app.isPackaged, process.env)
if (page.ignored) console.error(page.ignored)
const devServerUrl = page.devServerUrl ?? undefined

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
  let window: BrowserWindow | null = null
  // A second launch brings this one's window back (it quits itself: it did not get the lock).
  app.on('second-instance', () => bringToFront(window))
  void app
    .whenReady()
    .then(async () => {
      hardenSession(session.defaultSession)
      protocol.handle(APP_SCHEME, (request) => handleAppRequest(request, rendererDir))

      const dataDir = app.getPath('userData')
      const downloadsRoot = path.join(app.getPath('downloads'), 'Restore Desk')
      const services = await startMainServices({
        mode: 'electron',
        dataDir,
        secrets: createDesktopSecretStore(path.join(dataDir, 'secrets'), safeStorage),
        downloadsRoot,
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
          setTheme(theme) {
            nativeTheme.themeSource = theme
          },
        },
      })
      installAppMenu({
        appName: APP_NAME,
        packaged: app.isPackaged,
        toPage: (target, command) => target.webContents.send('app:command', { command }),
        run: (command) => {
          const folder = command === 'show-data-folder' ? dataDir : downloadsRoot
          void shell.openPath(folder).then((problem) => {
            if (problem) dialog.showErrorBox('Restore Desk could not open the folder', `${folder}: ${problem}`)
          })
        },
      })
      const windowState = new WindowStateStore({
        file: path.join(dataDir, 'window-state.json'),
        onDamaged: (damage) => services.context.addNotice(damage.message),
        onError: (error) => console.error(`[window] could not save the window's place: ${String(error)}`),
      })
      const defaults = mainWindowOptions(preloadPath)
      const placement = placeWindow(await windowState.load(), displayWorkAreas(), {
        width: defaults.width ?? 1280,
        height: defaults.height ?? 820,
        minWidth: defaults.minWidth ?? 900,
        minHeight: defaults.minHeight ?? 600,
      })
      window = createMainWindow(preloadPath, devServerUrl ?? `${APP_ORIGIN}/index.html`, hardening)
      const mainWindow = window
      // Hidden until ready-to-show, so it appears where it was left; maximized once shown.
      mainWindow.setBounds(placement.bounds)
      if (placement.maximized) mainWindow.once('ready-to-show', () => mainWindow.maximize())
      keepWindowState(mainWindow, windowState)
      const taskbar = new TaskbarProgressTracker((progress) => showTaskbarProgress(mainWindow, progress))
      const stopTaskbar = followTaskbarProgress(services.context.events, taskbar)
      taskbar.seed(
        services.downloads.list(),
        services.jobs
          .storedJobs()
          .map((stored) => stored.job)
          .filter((job) => job.connectionId === services.connections.activeId),
      )
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
      app.on('window-all-closed', () => app.quit())
      // Finish writing download state and stop the embedded platform before the process ends.
      let closed = false
      app.on('will-quit', (event) => {
        if (closed) return
        event.preventDefault()
        stopIpc()
        stopEvents()
        stopTaskbar()
        void Promise.all([windowState.flush(), services.close()]).finally(() => {
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
