/**
 * Everything a handler needs, built once per process: who we are, where data
 * lives, the event hub and the active platform connection. Electron's
 * bootstrap and browser mode's host both build one with {@link createAppContext}.
 */
import { readFile } from 'node:fs/promises'
import { randomUUID } from 'node:crypto'
import type { AppInfo, AppMode, AppNotice, PlatformConnectionInfo } from '../shared/app'
import { EMBEDDED_ID, EMBEDDED_LABEL } from './connections/manager'
import { EventHub } from './events'

export interface AppContext {
  readonly name: string
  readonly version: string
  readonly mode: AppMode
  readonly dataDir: string
  readonly events: EventHub
  /** The active platform connection as the page should see it (no secrets). */
  platform(): PlatformConnectionInfo
  /** Replaces the connection state and tells every page. */
  setPlatform(info: PlatformConnectionInfo): void
  /** Shows a notice on every page until someone dismisses it. */
  addNotice(message: string): AppNotice
  /** Removes a notice; false when no notice has that id. */
  dismissNotice(id: string): boolean
  info(): AppInfo
}

export interface AppContextOptions {
  readonly mode: AppMode
  readonly dataDir: string
  readonly version?: string
}

const initialPlatform: PlatformConnectionInfo = {
  id: EMBEDDED_ID,
  kind: 'embedded',
  label: EMBEDDED_LABEL,
  baseUrl: null,
  status: 'starting',
  error: null,
}

/** Reads the app version from package.json next to the sources or the build. */
export async function readPackageVersion(): Promise<string> {
  for (const candidate of ['../../package.json', '../package.json']) {
    try {
      const text = await readFile(new URL(candidate, import.meta.url), 'utf8')
      const pkg = JSON.parse(text) as { name?: string; version?: string }
      if (pkg.name === 'restore-desk' && pkg.version) return pkg.version
    } catch {
      // try the next layout (sources vs. bundled out/main)
    }
  }
  return '0.0.0'
}

/** Builds the context; the platform connection starts as "starting". */
export async function createAppContext(options: AppContextOptions): Promise<AppContext> {
  const version = options.version ?? (await readPackageVersion())
  const events = new EventHub()
  let platform = initialPlatform
  let notices: readonly AppNotice[] = []
  const context: AppContext = {
    name: 'Restore Desk',
    version,
    mode: options.mode,
    dataDir: options.dataDir,
    events,
    platform: () => platform,
    setPlatform(info) {
      platform = info
      events.emit('app:status', { platform: info })
    },
    addNotice(message) {
      const notice: AppNotice = { id: randomUUID(), message }
      notices = [...notices, notice]
      events.emit('app:notices', notices)
      return notice
    },
    dismissNotice(id) {
      const rest = notices.filter((notice) => notice.id !== id)
      if (rest.length === notices.length) return false
      notices = rest
      events.emit('app:notices', notices)
      return true
    },
    info: () => ({ name: context.name, version, mode: options.mode, dataDir: options.dataDir, platform, notices }),
  }
  return context
}
