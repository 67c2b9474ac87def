/**
 * The packaged app's app.asar, checked right after electron-builder wrote it (its `afterPack`
 * hook, before the fuses are flipped and the installers are made): every entry the app loads
 * at run time must be inside, or the package would start and then fail in front of someone.
 * The git worker thread is the one most easily lost (it is its own bundle, started by path).
 */
import path from 'node:path'
import { listPackage } from '@electron/asar'

/** What the app loads from its archive: the bundles, the page, and the dependencies main imports. */
export const REQUIRED_ENTRIES = [
  'package.json',
  'out/main/index.js',
  'out/main/git-worker.js',
  'out/preload/index.cjs',
  'out/renderer/index.html',
  'node_modules/isomorphic-git/package.json',
  'node_modules/diff/package.json',
  'node_modules/tar/package.json',
  'node_modules/yauzl/package.json',
  'node_modules/zod/package.json',
] as const

/** The required entries missing from the archive at `asarFile` (empty when it is complete). */
export function missingEntries(asarFile: string): string[] {
  const present = new Set(listPackage(asarFile, { isPack: false }).map((entry) => entry.replace(/^[\\/]+/, '')))
  return REQUIRED_ENTRIES.filter((entry) => !present.has(entry) && !present.has(entry.replaceAll('/', path.sep)))
}

/** Where electron-builder put app.asar for a platform, inside the unpacked app folder. */
export function asarPathIn(appOutDir: string, platform: string, productName: string): string {
  return platform === 'darwin' || platform === 'mas'
    ? path.join(appOutDir, `${productName}.app`, 'Contents', 'Resources', 'app.asar')
    : path.join(appOutDir, 'resources', 'app.asar')
}

/** What electron-builder's afterPack hook is given (the part of it this check reads). */
export interface PackedApp {
  readonly appOutDir: string
  readonly electronPlatformName: string
  readonly packager: { readonly appInfo: { readonly productFilename: string } }
}

/** The afterPack hook: throws, naming what is missing, so no installer is made from a broken app. */
export async function verifyPackagedApp(context: PackedApp): Promise<void> {
  const asarFile = asarPathIn(context.appOutDir, context.electronPlatformName, context.packager.appInfo.productFilename)
  const missing = missingEntries(asarFile)
  if (missing.length > 0)
    throw new Error(
      `The packaged app is incomplete: ${asarFile} lacks ${missing.join(', ')}. ` +
        'Run `npm run build` and check the `files` list in electron-builder.config.ts.',
    )
}
