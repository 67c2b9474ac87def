/**
 * How `npm run dist` packages the desktop app (electron-builder): AppImage and deb on Linux, a
 * dmg on macOS, an NSIS installer on Windows, from what `electron-vite build` put in out/.
 *
 * Electron's fuses are flipped in the packaged binary: it cannot be run as plain Node
 * (ELECTRON_RUN_AS_NODE), NODE_OPTIONS and --inspect are ignored, cookies are encrypted, the
 * app loads only from app.asar and (macOS, Windows) only when app.asar matches the hash
 * recorded at package time, and file:// gets no extra privileges (pages come from app://).
 *
 * The git worker thread (out/main/git-worker.js, an ES module) stays inside app.asar, with
 * everything else: Electron starts worker threads from an archive since version 18 (asar
 * support is set up in each worker, electron/electron#33216, and Electron's own tests start
 * a worker from an .asar), and its module loader reads package.json and imports through the
 * same archive support, so nothing needs `asarUnpack`. Unpacking the worker alone would break
 * it: its imports (isomorphic-git, diff) would then be looked up outside the archive.
 */
import type { Configuration } from 'electron-builder'
import { ICNS_FILE, ICO_FILE, PNG_DIR } from './scripts/icon-files'
import { verifyPackagedApp } from './scripts/packaged-app'

export const APP_ID = 'com.restoredesk.app'
export const PRODUCT_NAME = 'Restore Desk'

const config: Configuration = {
  appId: APP_ID,
  productName: PRODUCT_NAME,
  copyright: 'Copyright © Restore Desk contributors',
  directories: { output: 'dist', buildResources: 'resources' },
  // The bundles, the page and package.json; production dependencies are added by the builder.
  files: ['out/main/**', 'out/preload/**', 'out/renderer/**', 'package.json'],
  asar: true,
  // Refuses to go on when app.asar lacks a bundle or dependency the app loads (see the module).
  afterPack: verifyPackagedApp,
  // No native modules: nothing to rebuild against Electron's headers.
  npmRebuild: false,
  // The app opens no documents and claims no URL scheme.
  fileAssociations: [],
  protocols: [],
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    grantFileProtocolExtraPrivileges: false,
  },
  linux: {
    target: ['AppImage', 'deb'],
    icon: PNG_DIR,
    category: 'Development',
    executableName: 'restore-desk',
    synopsis: 'Backups, restores and code rollbacks for Pantheon-style sites',
    // deb needs a maintainer; package.json names no author.
    maintainer: 'Restore Desk contributors',
  },
  // The embedded platform serves its repositories with the git command line, so the deb needs git
  // beside electron-builder's own list (a `depends` here replaces that list; it is copied whole).
  deb: {
    depends: [
      'libgtk-3-0',
      'libnotify4',
      'libnss3',
      'libxss1',
      'libxtst6',
      'xdg-utils',
      'libatspi2.0-0',
      'libuuid1',
      'libsecret-1-0',
      'git',
    ],
  },
  mac: {
    target: ['dmg'],
    icon: ICNS_FILE,
    category: 'public.app-category.developer-tools',
  },
  win: {
    target: ['nsis'],
    icon: ICO_FILE,
  },
  nsis: { oneClick: false, allowToChangeInstallationDirectory: true },
}

export default config
