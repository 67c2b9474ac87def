/**
 * Where the icons live and which sizes there are: one list for the icon script
 * (scripts/icons.ts), the electron-builder configuration and the packaging test.
 */
import path from 'node:path'

/** The PNG sizes made from the SVG, in pixels (square). */
export const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const

/** The folder of the PNGs, relative to the repository; Linux packages take the folder whole. */
export const PNG_DIR = 'resources/icons'
export const ICNS_FILE = 'resources/icon.icns'
export const ICO_FILE = 'resources/icon.ico'
export const SVG_SOURCE = 'resources/icon.svg'

/** The icon files under `root` (the repository). */
export function iconPaths(root: string) {
  return {
    source: path.join(root, SVG_SOURCE),
    pngDir: path.join(root, PNG_DIR),
    png: (size: number) => path.join(root, PNG_DIR, `${size}x${size}.png`),
    icns: path.join(root, ICNS_FILE),
    ico: path.join(root, ICO_FILE),
  }
}
