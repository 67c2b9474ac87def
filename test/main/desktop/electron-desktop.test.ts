/**
 * The Electron adapter of the desktop conventions, over hand-written fakes of the few Electron
 * objects it touches: the menu's commands reach the page or main, the window's place is saved
 * from its events, and the taskbar figure becomes setProgressBar's arguments.
 */
import { describe, expect, it, vi } from 'vitest'

type Listener = (...args: unknown[]) => void
type Item = { label?: string; click?: (item: unknown, window: unknown) => void; submenu?: Item[] }

const electron = vi.hoisted(() => {
  class BrowserWindow {
    readonly listeners = new Map<string, Listener>()
    readonly progress: unknown[][] = []
    destroyed = false
    minimized = false
    fullScreen = false
    maximized = false
    normalBounds = { x: 10, y: 20, width: 1000, height: 700 }
    on(name: string, listener: Listener) {
      this.listeners.set(name, listener)
      return this
    }
    isDestroyed() {
      return this.destroyed
    }
    isMinimized() {
      return this.minimized
    }
    isFullScreen() {
      return this.fullScreen
    }
    isMaximized() {
      return this.maximized
    }
    getNormalBounds() {
      return this.normalBounds
    }
    setProgressBar(...args: unknown[]) {
      this.progress.push(args)
    }
  }
  const built: { template: Item[] } = { template: [] }
  return {
    BrowserWindow,
    built,
    app: { getVersion: () => '1.2.3', setAboutPanelOptions: vi.fn() },
    Menu: {
      buildFromTemplate: vi.fn((template: Item[]) => {
        built.template = template
        return { template }
      }),
      setApplicationMenu: vi.fn(),
    },
    screen: {
      getPrimaryDisplay: () => ({ id: 2, workArea: { x: 0, y: 0, width: 1440, height: 875 } }),
      getAllDisplays: () => [
        { id: 1, workArea: { x: -1920, y: 0, width: 1920, height: 1040 } },
        { id: 2, workArea: { x: 0, y: 0, width: 1440, height: 875 } },
      ],
    },
  }
})

vi.mock('electron', () => ({
  app: electron.app,
  BrowserWindow: electron.BrowserWindow,
  Menu: electron.Menu,
  screen: electron.screen,
}))

const { displayWorkAreas, installAppMenu, keepWindowState, showTaskbarProgress } =
  await import('../../../src/main/desktop/electron-desktop')

function find(items: readonly Item[], label: string): Item {
  for (const item of items) {
    if (item.label === label) return item
    const inside = item.submenu ? find(item.submenu, label) : null
    if (inside?.label === label) return inside
  }
  return {}
}

describe('Electron menu adapter', () => {
  it('sends Refresh and Find to the focused window’s page and runs Help’s folders in main', () => {
    const toPage = vi.fn()
    const run = vi.fn()
    installAppMenu({ appName: 'Restore Desk', packaged: true, toPage, run })
    expect(electron.Menu.setApplicationMenu).toHaveBeenCalledWith({ template: electron.built.template })
    expect(electron.app.setAboutPanelOptions).toHaveBeenCalledWith(
      expect.objectContaining({ applicationName: 'Restore Desk', applicationVersion: '1.2.3' }),
    )
    const template = electron.built.template
    const window = new electron.BrowserWindow()

    find(template, 'Refresh').click!({}, window)
    find(template, 'Find…').click!({}, window)
    expect(toPage.mock.calls).toEqual([
      [window, 'refresh'],
      [window, 'find'],
    ])
    // No focused window, or a closed one: nowhere to send it.
    find(template, 'Refresh').click!({}, undefined)
    window.destroyed = true
    find(template, 'Find…').click!({}, window)
    expect(toPage).toHaveBeenCalledTimes(2)

    find(template, 'Show Data Folder').click!({}, undefined)
    find(template, 'Show Downloads Folder').click!({}, undefined)
    expect(run.mock.calls).toEqual([['show-data-folder'], ['show-downloads-folder']])
    // Roles keep Electron's own behaviour: no click handler of ours.
    expect(find(template, 'Copy').click).toBeUndefined()
  })
})

describe('Electron window adapter', () => {
  it('lists the displays’ work areas with the primary first', () => {
    expect(displayWorkAreas()).toEqual([
      { x: 0, y: 0, width: 1440, height: 875 },
      { x: -1920, y: 0, width: 1920, height: 1040 },
    ])
  })

  it('saves the normal bounds on move, resize and (un)maximize, and flushes at close', () => {
    const window = new electron.BrowserWindow()
    const store = { save: vi.fn(), flush: vi.fn(async () => {}) }
    keepWindowState(window as never, store as never)
    for (const event of ['resize', 'move', 'maximize', 'unmaximize']) window.listeners.get(event)!()
    expect(store.save).toHaveBeenCalledTimes(4)
    expect(store.save).toHaveBeenLastCalledWith({
      bounds: { x: 10, y: 20, width: 1000, height: 700 },
      maximized: false,
    })
    // Minimized and full screen are not places to come back to.
    window.minimized = true
    window.listeners.get('move')!()
    window.minimized = false
    window.fullScreen = true
    window.listeners.get('resize')!()
    expect(store.save).toHaveBeenCalledTimes(4)
    window.fullScreen = false
    window.maximized = true
    window.listeners.get('close')!()
    expect(store.save).toHaveBeenLastCalledWith({ bounds: { x: 10, y: 20, width: 1000, height: 700 }, maximized: true })
    expect(store.flush).toHaveBeenCalledTimes(1)
  })

  it('shows the taskbar figure with setProgressBar’s modes, and nothing on a closed window', () => {
    const window = new electron.BrowserWindow()
    showTaskbarProgress(window as never, { mode: 'normal', fraction: 0.42 })
    showTaskbarProgress(window as never, { mode: 'paused', fraction: 0.5 })
    showTaskbarProgress(window as never, { mode: 'indeterminate' })
    showTaskbarProgress(window as never, { mode: 'none' })
    expect(window.progress).toEqual([
      [0.42, { mode: 'normal' }],
      [0.5, { mode: 'paused' }],
      [2, { mode: 'indeterminate' }],
      [-1, { mode: 'none' }],
    ])
    window.destroyed = true
    showTaskbarProgress(window as never, { mode: 'none' })
    expect(window.progress).toHaveLength(4)
  })
})
