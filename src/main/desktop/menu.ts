/**
 * The desktop app's menu bar as plain data: File, Edit, View, Window and Help (with the app's
 * own menu first on macOS), each platform's usual accelerators, and Electron roles wherever
 * Electron already does the right thing. electron-menu.ts turns it into a real menu.
 *
 * Refresh (CmdOrCtrl+R) reloads the data of the view on screen, not the page: the page keeps
 * its place, filters and open dialogs. Reloading the page itself moves to CmdOrCtrl+Shift+R.
 * Find (CmdOrCtrl+F) focuses the view's search box. Both are `app:command` events for the page.
 */
import type { AppCommand } from '../../shared/app'

/** The Electron menu roles this menu uses (Electron draws and names some of them itself). */
export type MenuRole =
  | 'about'
  | 'services'
  | 'hide'
  | 'hideOthers'
  | 'unhide'
  | 'quit'
  | 'close'
  | 'undo'
  | 'redo'
  | 'cut'
  | 'copy'
  | 'paste'
  | 'pasteAndMatchStyle'
  | 'delete'
  | 'selectAll'
  | 'reload'
  | 'toggleDevTools'
  | 'resetZoom'
  | 'zoomIn'
  | 'zoomOut'
  | 'togglefullscreen'
  | 'minimize'
  | 'zoom'
  | 'front'
  | 'window'
  | 'help'

/** What a menu item does in main itself, rather than in the page. */
export type MainCommand = 'show-data-folder' | 'show-downloads-folder'

/** A command the menu sends: to the page (`app:command`) or to main. */
export type MenuCommand = AppCommand | MainCommand

/** One item of the menu, in the shape Electron's `MenuItemConstructorOptions` takes. */
export interface MenuItemSpec {
  readonly label?: string
  readonly role?: MenuRole
  readonly type?: 'separator'
  readonly accelerator?: string
  /** The app's own command (electron-menu.ts gives it its click handler). */
  readonly command?: MenuCommand
  readonly submenu?: readonly MenuItemSpec[]
}

export interface MenuOptions {
  readonly platform: NodeJS.Platform
  /** The app's name, for the macOS app menu and "About". */
  readonly appName: string
  /** Developer tools only where the app is not packaged (npm start, npm run dev). */
  readonly packaged: boolean
}

const separator: MenuItemSpec = { type: 'separator' }

/** The application menu for one platform. */
export function buildMenuTemplate(options: MenuOptions): MenuItemSpec[] {
  const mac = options.platform === 'darwin'
  const windows = options.platform === 'win32'
  const quit: MenuItemSpec = {
    role: 'quit',
    label: mac ? `Quit ${options.appName}` : windows ? 'Exit' : 'Quit',
    accelerator: 'CmdOrCtrl+Q',
  }
  const about: MenuItemSpec = { role: 'about', label: `About ${options.appName}` }
  const closeWindow: MenuItemSpec = { role: 'close', label: 'Close Window', accelerator: 'CmdOrCtrl+W' }

  const appMenu: MenuItemSpec = {
    label: options.appName,
    submenu: [
      about,
      separator,
      { role: 'services', label: 'Services' },
      separator,
      { role: 'hide', label: `Hide ${options.appName}`, accelerator: 'Cmd+H' },
      { role: 'hideOthers', label: 'Hide Others', accelerator: 'Cmd+Alt+H' },
      { role: 'unhide', label: 'Show All' },
      separator,
      quit,
    ],
  }
  const fileMenu: MenuItemSpec = {
    label: 'File',
    // macOS quits from the app menu; elsewhere File ends with it.
    submenu: mac ? [closeWindow] : [closeWindow, separator, quit],
  }
  const editMenu: MenuItemSpec = {
    label: 'Edit',
    submenu: [
      { role: 'undo', label: 'Undo', accelerator: 'CmdOrCtrl+Z' },
      { role: 'redo', label: 'Redo', accelerator: mac ? 'Shift+Cmd+Z' : windows ? 'Ctrl+Y' : 'Ctrl+Shift+Z' },
      separator,
      { role: 'cut', label: 'Cut', accelerator: 'CmdOrCtrl+X' },
      { role: 'copy', label: 'Copy', accelerator: 'CmdOrCtrl+C' },
      { role: 'paste', label: 'Paste', accelerator: 'CmdOrCtrl+V' },
      ...(mac ? [{ role: 'pasteAndMatchStyle', label: 'Paste and Match Style' } as const] : []),
      { role: 'delete', label: 'Delete' },
      { role: 'selectAll', label: 'Select All', accelerator: 'CmdOrCtrl+A' },
      separator,
      { label: 'Find…', accelerator: 'CmdOrCtrl+F', command: 'find' },
    ],
  }
  const viewMenu: MenuItemSpec = {
    label: 'View',
    submenu: [
      { label: 'Refresh', accelerator: 'CmdOrCtrl+R', command: 'refresh' },
      { role: 'reload', label: 'Reload Window', accelerator: 'CmdOrCtrl+Shift+R' },
      ...(options.packaged
        ? []
        : [
            {
              role: 'toggleDevTools',
              label: 'Toggle Developer Tools',
              accelerator: mac ? 'Alt+Cmd+I' : 'Ctrl+Shift+I',
            } as const,
          ]),
      separator,
      { role: 'resetZoom', label: 'Actual Size', accelerator: 'CmdOrCtrl+0' },
      { role: 'zoomIn', label: 'Zoom In', accelerator: 'CmdOrCtrl+Plus' },
      { role: 'zoomOut', label: 'Zoom Out', accelerator: 'CmdOrCtrl+-' },
      separator,
      { role: 'togglefullscreen', label: 'Toggle Full Screen', accelerator: mac ? 'Ctrl+Cmd+F' : 'F11' },
    ],
  }
  // The `window` and `help` roles make macOS list the open windows and add its help search there.
  const windowMenu: MenuItemSpec = {
    role: 'window',
    label: 'Window',
    submenu: mac
      ? [
          { role: 'minimize', label: 'Minimize', accelerator: 'Cmd+M' },
          { role: 'zoom', label: 'Zoom' },
          separator,
          { role: 'front', label: 'Bring All to Front' },
        ]
      : // Close Window is in File already, where Windows and Linux people look for it.
        [{ role: 'minimize', label: 'Minimize', accelerator: 'Ctrl+M' }],
  }
  const helpMenu: MenuItemSpec = {
    role: 'help',
    label: 'Help',
    submenu: [
      { label: 'Show Data Folder', command: 'show-data-folder' },
      { label: 'Show Downloads Folder', command: 'show-downloads-folder' },
      // macOS has About in the app menu.
      ...(mac ? [] : [separator, about]),
    ],
  }
  return [...(mac ? [appMenu] : []), fileMenu, editMenu, viewMenu, windowMenu, helpMenu]
}

/** Every item of a template, depth first (for lookups and tests). */
export function flattenMenu(items: readonly MenuItemSpec[]): MenuItemSpec[] {
  return items.flatMap((item) => [item, ...flattenMenu(item.submenu ?? [])])
}
