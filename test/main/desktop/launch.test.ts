import { describe, expect, it } from 'vitest'
import { bringToFront, pageSource, type FrontableWindow } from '../../../src/main/desktop/launch'

describe('where the page comes from', () => {
  it('is the built page unless an unpackaged app is pointed at a dev server on this machine', () => {
    expect(pageSource(false, {})).toEqual({ devServerUrl: null, ignored: null })
    expect(pageSource(false, { ELECTRON_RENDERER_URL: 'http://localhost:5173' })).toEqual({
      devServerUrl: 'http://localhost:5173/',
      ignored: null,
    })
    expect(pageSource(false, { ELECTRON_RENDERER_URL: 'https://127.0.0.1:4000/app/' }).devServerUrl).toBe(
      'https://127.0.0.1:4000/app/',
    )
  })

  it('ignores ELECTRON_RENDERER_URL in the packaged app, and anything not on this machine', () => {
    expect(pageSource(true, { ELECTRON_RENDERER_URL: 'http://localhost:5173' })).toEqual({
      devServerUrl: null,
      ignored: 'ELECTRON_RENDERER_URL is ignored: this is the packaged app',
    })
    for (const [value, why] of [
      ['https://evil.example/', 'https://evil.example/ is not an http(s) server on this machine'],
      ['file:///tmp/index.html', 'file:///tmp/index.html is not an http(s) server on this machine'],
      ['localhost:5173', 'localhost:5173 is not an http(s) server on this machine'],
      ['not a url', '"not a url" is not a URL'],
    ] as const) {
      expect(pageSource(false, { ELECTRON_RENDERER_URL: value })).toEqual({
        devServerUrl: null,
        ignored: `ELECTRON_RENDERER_URL is ignored: ${why}`,
      })
    }
  })
})

function fakeWindow(state: { destroyed?: boolean; minimized?: boolean; visible?: boolean }) {
  const calls: string[] = []
  const window: FrontableWindow = {
    isDestroyed: () => state.destroyed ?? false,
    isMinimized: () => state.minimized ?? false,
    isVisible: () => state.visible ?? true,
    restore: () => calls.push('restore'),
    show: () => calls.push('show'),
    focus: () => calls.push('focus'),
  }
  return { window, calls }
}

describe('a second launch', () => {
  it('restores a minimized window, shows a hidden one and focuses it', () => {
    const minimized = fakeWindow({ minimized: true })
    bringToFront(minimized.window)
    expect(minimized.calls).toEqual(['restore', 'focus'])
    const hidden = fakeWindow({ visible: false })
    bringToFront(hidden.window)
    expect(hidden.calls).toEqual(['show', 'focus'])
  })

  it('does nothing before the window exists or after it closed', () => {
    expect(() => bringToFront(null)).not.toThrow()
    const closed = fakeWindow({ destroyed: true, minimized: true })
    bringToFront(closed.window)
    expect(closed.calls).toEqual([])
  })
})
