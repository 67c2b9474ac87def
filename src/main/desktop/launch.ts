/**
 * Two decisions the bootstrap makes at launch, kept here so they can be tested without Electron:
 * where the page comes from, and what a second launch of the app does.
 */

/** Where the window loads the page from: a dev server, or (null) the built page over app://. */
export interface PageSource {
  readonly devServerUrl: string | null
  /** Why ELECTRON_RENDERER_URL was set but not followed, for the log; null otherwise. */
  readonly ignored: string | null
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * `electron-vite dev` serves the page itself and names it in ELECTRON_RENDERER_URL. A packaged
 * app never follows it (anyone could set the variable and have the window, with its preload,
 * load their page), and an unpackaged one only to an http(s) server on this machine.
 */
export function pageSource(packaged: boolean, env: NodeJS.ProcessEnv): PageSource {
  const value = env.ELECTRON_RENDERER_URL?.trim()
  const ignore = (why: string): PageSource => ({
    devServerUrl: null,
    ignored: `ELECTRON_RENDERER_URL is ignored: ${why}`,
  })
  if (!value) return { devServerUrl: null, ignored: null }
  if (packaged) return ignore('this is the packaged app')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return ignore(`"${value}" is not a URL`)
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !LOOPBACK_HOSTS.has(url.hostname))
    return ignore(`${value} is not an http(s) server on this machine`)
  return { devServerUrl: url.href, ignored: null }
}

/** The part of a BrowserWindow a second launch needs. */
export interface FrontableWindow {
  isDestroyed(): boolean
  isMinimized(): boolean
  restore(): void
  isVisible(): boolean
  show(): void
  focus(): void
}

/**
 * A second launch (the single-instance lock kept it from starting) brings the first window back:
 * out of the taskbar if minimized, shown if hidden, and focused. Before the window exists (the
 * first start is still preparing) there is nothing to do: the window shows itself when ready.
 */
export function bringToFront(window: FrontableWindow | null): void {
  if (!window || window.isDestroyed()) return
  if (window.isMinimized()) window.restore()
  if (!window.isVisible()) window.show()
  window.focus()
}
