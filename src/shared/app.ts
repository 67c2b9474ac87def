/** Models of the app itself: what it is, where it keeps data, which platform it talks to. */

/** How the page reaches the main-process handlers. */
export type AppMode = 'electron' | 'browser'

/** The state of the connection to the active hosting platform. */
export interface PlatformConnectionInfo {
  readonly id: string
  readonly kind: 'embedded' | 'pantheon' | 'remote-embedded'
  readonly label: string
  readonly baseUrl: string | null
  /** `unreachable`: it was ready but does not answer now (main probes it and says when it answers again). */
  readonly status: 'starting' | 'ready' | 'unreachable' | 'error'
  readonly error: string | null
}

/**
 * Something the app must tell the person once, whatever view is open: today a saved file that
 * was damaged and set aside at start (connections, downloads, the embedded platform's state).
 */
export interface AppNotice {
  readonly id: string
  /** Full sentences: what happened, where the copy went, what to do. */
  readonly message: string
}

/** Answer of `app:info`. */
export interface AppInfo {
  readonly name: string
  readonly version: string
  readonly mode: AppMode
  readonly dataDir: string
  readonly platform: PlatformConnectionInfo
  /** Notices not yet dismissed, oldest first. */
  readonly notices: readonly AppNotice[]
}

/**
 * What the desktop app's menu asks the page to do (`app:command`): `refresh` reloads the data of
 * the view on screen (CmdOrCtrl+R), `find` moves the focus to its search box (CmdOrCtrl+F).
 * Browser mode has no such menu; the browser's own keys do there what they do.
 */
export type AppCommand = 'refresh' | 'find'

/** Payload of the `app:command` event. */
export interface AppCommandEvent {
  readonly command: AppCommand
}

/** Payload of the `app:status` event: the platform connection changed. */
export interface AppStatus {
  readonly platform: PlatformConnectionInfo
}

/** Where a connection's secret is kept (shown to the user so they know). */
export type TokenStorage = 'none' | 'keychain' | 'file'

/** A connection as the page lists it: never the token itself. */
export interface ConnectionSummary extends PlatformConnectionInfo {
  readonly active: boolean
  readonly tokenStorage: TokenStorage
  /** One sentence on where the token lives, e.g. "Encrypted with the OS keychain". */
  readonly tokenStorageNote: string
}
