/** Where Restore Desk keeps its data when Electron's app.getPath is not at hand (browser mode). */
import os from 'node:os'
import path from 'node:path'

const APP_FOLDER = 'Restore Desk'

/**
 * The same folder Electron's `app.getPath('userData')` gives for this app, so
 * browser mode and the desktop app share connections, downloads and the
 * embedded platform's data.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  const home = os.homedir()
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_FOLDER)
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_FOLDER)
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_FOLDER)
}

/** The default download folder: ~/Downloads/Restore Desk. */
export function defaultDownloadsRoot(): string {
  return path.join(os.homedir(), 'Downloads', APP_FOLDER)
}
