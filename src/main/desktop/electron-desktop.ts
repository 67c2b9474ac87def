/**
 * The thin Electron side of the desktop conventions: the menu built from menu.ts, the window's
 * place kept by window-state.ts, and the taskbar figure of taskbar-progress.ts shown on the
 * window. What these do is decided and tested in those pure modules.
 */
import { app, BrowserWindow, Menu, screen, type MenuItemConstructorOptions } from 'electron'
import type { AppCommand } from '../../shared/app'
import { buildMenuTemplate, type MainCommand, type MenuItemSpec } from './menu'
import type { TaskbarProgress } from './taskbar-progress'
import type { Rect, WindowStateStore } from './window-state'

const PAGE_COMMANDS: ReadonlySet<string> = new Set<AppCommand>(['refresh', 'find'])

export interface AppMenuOptions {
  readonly appName: string
  readonly packaged: boolean
  /** Sends a command to the page of the focused window. */
  readonly toPage: (window: BrowserWindow, command: AppCommand) => void
  /** Carries out a command of main's own (Help's folders). */
  readonly run: (command: MainCommand) => void
}

function toElectron(item: MenuItemSpec, options: AppMenuOptions): MenuItemConstructorOptions {
  const { command, submenu, ...rest } = item
  const converted: MenuItemConstructorOptions = { ...rest }
  if (submenu) converted.submenu = submenu.map((child) => toElectron(child, options))
  if (command) {
    converted.click = (_item, focused) => {
      if (!PAGE_COMMANDS.has(command)) options.run(command as MainCommand)
      else if (focused instanceof BrowserWindow && !focused.isDestroyed())
        options.toPage(focused, command as AppCommand)
    }
  }
  return converted
}

/** Sets the application menu (and About's facts) for this platform. */
export function installAppMenu(options: AppMenuOptions): void {
  app.setAboutPanelOptions({
    applicationName: options.appName,
    applicationVersion: app.getVersion(),
    copyright: 'Copyright © Restore Desk contributors',
  })
  const template = buildMenuTemplate({
    platform: process.platform,
    appName: options.appName,
    packaged: options.packaged,
  })
  Menu.setApplicationMenu(Menu.buildFromTemplate(template.map((item) => toElectron(item, options))))
}

/** The work areas of the attached displays, the primary first. */
export function displayWorkAreas(): Rect[] {
  const primary = screen.getPrimaryDisplay()
  return [primary, ...screen.getAllDisplays().filter((display) => display.id !== primary.id)].map(
    (display) => display.workArea,
  )
}

/** Saves the window's normal bounds and maximized state whenever they change, and at close. */
export function keepWindowState(window: BrowserWindow, store: WindowStateStore): void {
  const capture = (): void => {
    if (window.isDestroyed() || window.isMinimized() || window.isFullScreen()) return
    store.save({ bounds: window.getNormalBounds(), maximized: window.isMaximized() })
  }
  window.on('resize', capture)
  window.on('move', capture)
  window.on('maximize', capture)
  window.on('unmaximize', capture)
  window.on('close', () => {
    capture()
    void store.flush()
  })
}

/** Shows the taskbar figure on the window (the dock and launcher follow it). */
export function showTaskbarProgress(window: BrowserWindow, progress: TaskbarProgress): void {
  if (window.isDestroyed()) return
  if (progress.mode === 'none') window.setProgressBar(-1, { mode: 'none' })
  // Electron shows a value above 1 as indeterminate where the mode option is not honoured.
  else if (progress.mode === 'indeterminate') window.setProgressBar(2, { mode: 'indeterminate' })
  else window.setProgressBar(progress.fraction, { mode: progress.mode })
}
