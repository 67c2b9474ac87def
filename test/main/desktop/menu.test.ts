import { describe, expect, it } from 'vitest'
import { buildMenuTemplate, flattenMenu, type MenuItemSpec } from '../../../src/main/desktop/menu'

const menuFor = (platform: NodeJS.Platform, packaged = true) =>
  buildMenuTemplate({ platform, appName: 'Restore Desk', packaged })

const top = (items: readonly MenuItemSpec[]) => items.map((item) => item.label)
const byLabel = (items: readonly MenuItemSpec[], label: string) => {
  const found = flattenMenu(items).find((item) => item.label === label)
  if (!found) throw new Error(`no menu item "${label}"`)
  return found
}
const submenuOf = (items: readonly MenuItemSpec[], label: string) =>
  (byLabel(items, label).submenu ?? []).map((item) => item.label ?? '—')

describe('application menu', () => {
  it('has File, Edit, View, Window and Help, with the app menu first on macOS', () => {
    expect(top(menuFor('darwin'))).toEqual(['Restore Desk', 'File', 'Edit', 'View', 'Window', 'Help'])
    for (const platform of ['win32', 'linux'] as const)
      expect(top(menuFor(platform))).toEqual(['File', 'Edit', 'View', 'Window', 'Help'])
  })

  it('refreshes the view with CmdOrCtrl+R and finds with CmdOrCtrl+F, as commands for the page', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const menu = menuFor(platform)
      expect(byLabel(menu, 'Refresh')).toEqual({ label: 'Refresh', accelerator: 'CmdOrCtrl+R', command: 'refresh' })
      expect(byLabel(menu, 'Find…')).toEqual({ label: 'Find…', accelerator: 'CmdOrCtrl+F', command: 'find' })
      // Reloading the page itself is kept, away from the refresh key.
      expect(byLabel(menu, 'Reload Window')).toMatchObject({ role: 'reload', accelerator: 'CmdOrCtrl+Shift+R' })
      const accelerators = flattenMenu(menu).flatMap((item) => (item.accelerator ? [item.accelerator] : []))
      expect(new Set(accelerators).size).toBe(accelerators.length)
    }
  })

  it('closes the window with CmdOrCtrl+W and quits with CmdOrCtrl+Q where each platform puts them', () => {
    const mac = menuFor('darwin')
    expect(submenuOf(mac, 'File')).toEqual(['Close Window'])
    expect(byLabel(mac, 'Close Window')).toEqual({ role: 'close', label: 'Close Window', accelerator: 'CmdOrCtrl+W' })
    expect(submenuOf(mac, 'Restore Desk')).toEqual([
      'About Restore Desk',
      '—',
      'Services',
      '—',
      'Hide Restore Desk',
      'Hide Others',
      'Show All',
      '—',
      'Quit Restore Desk',
    ])
    expect(byLabel(mac, 'Quit Restore Desk')).toMatchObject({ role: 'quit', accelerator: 'CmdOrCtrl+Q' })

    const windows = menuFor('win32')
    expect(submenuOf(windows, 'File')).toEqual(['Close Window', '—', 'Exit'])
    expect(byLabel(windows, 'Exit')).toEqual({ role: 'quit', label: 'Exit', accelerator: 'CmdOrCtrl+Q' })
    expect(submenuOf(menuFor('linux'), 'File')).toEqual(['Close Window', '—', 'Quit'])
  })

  it('uses the platform’s edit keys, with Paste and Match Style on macOS only', () => {
    expect(submenuOf(menuFor('darwin'), 'Edit')).toEqual([
      'Undo',
      'Redo',
      '—',
      'Cut',
      'Copy',
      'Paste',
      'Paste and Match Style',
      'Delete',
      'Select All',
      '—',
      'Find…',
    ])
    expect(submenuOf(menuFor('linux'), 'Edit')).not.toContain('Paste and Match Style')
    expect(byLabel(menuFor('darwin'), 'Redo').accelerator).toBe('Shift+Cmd+Z')
    expect(byLabel(menuFor('win32'), 'Redo').accelerator).toBe('Ctrl+Y')
    expect(byLabel(menuFor('linux'), 'Redo').accelerator).toBe('Ctrl+Shift+Z')
    for (const [label, role, accelerator] of [
      ['Undo', 'undo', 'CmdOrCtrl+Z'],
      ['Cut', 'cut', 'CmdOrCtrl+X'],
      ['Copy', 'copy', 'CmdOrCtrl+C'],
      ['Paste', 'paste', 'CmdOrCtrl+V'],
      ['Select All', 'selectAll', 'CmdOrCtrl+A'],
    ] as const)
      expect(byLabel(menuFor('win32'), label)).toEqual({ label, role, accelerator })
  })

  it('shows developer tools only when the app is not packaged, and full screen on each platform’s key', () => {
    expect(submenuOf(menuFor('linux', true), 'View')).toEqual([
      'Refresh',
      'Reload Window',
      '—',
      'Actual Size',
      'Zoom In',
      'Zoom Out',
      '—',
      'Toggle Full Screen',
    ])
    expect(byLabel(menuFor('linux', false), 'Toggle Developer Tools')).toMatchObject({
      role: 'toggleDevTools',
      accelerator: 'Ctrl+Shift+I',
    })
    expect(byLabel(menuFor('darwin', false), 'Toggle Developer Tools').accelerator).toBe('Alt+Cmd+I')
    expect(byLabel(menuFor('darwin'), 'Toggle Full Screen').accelerator).toBe('Ctrl+Cmd+F')
    expect(byLabel(menuFor('win32'), 'Toggle Full Screen').accelerator).toBe('F11')
  })

  it('gives Window and Help their roles, and Help the app’s folders and (outside macOS) About', () => {
    const mac = menuFor('darwin')
    expect(byLabel(mac, 'Window').role).toBe('window')
    expect(submenuOf(mac, 'Window')).toEqual(['Minimize', 'Zoom', '—', 'Bring All to Front'])
    expect(submenuOf(menuFor('win32'), 'Window')).toEqual(['Minimize'])
    expect(byLabel(mac, 'Help').role).toBe('help')
    expect(submenuOf(mac, 'Help')).toEqual(['Show Data Folder', 'Show Downloads Folder'])
    expect(submenuOf(menuFor('linux'), 'Help')).toEqual([
      'Show Data Folder',
      'Show Downloads Folder',
      '—',
      'About Restore Desk',
    ])
    expect(byLabel(mac, 'Show Data Folder').command).toBe('show-data-folder')
    expect(byLabel(mac, 'Show Downloads Folder').command).toBe('show-downloads-folder')
  })
})
