/**
 * `npm run icons`: every icon the packages need, made from the one source, resources/icon.svg.
 *
 * - resources/icons/<n>x<n>.png for n in ICON_SIZES: Linux (AppImage, deb) takes the folder;
 * - resources/icon.icns (macOS) and resources/icon.ico (Windows), made from the 1024 px PNG.
 *
 * resvg rasterises each PNG from the SVG at its own size (sharper than shrinking one big PNG);
 * png2icons packs the ICNS and ICO formats. The generated files are committed, so packaging
 * needs neither library; run this again after changing the SVG.
 */
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { Resvg } from '@resvg/resvg-js'
import { BICUBIC, createICNS, createICO } from 'png2icons'
import { writeFileAtomic } from '../src/lib/atomic'
import { ICON_SIZES, iconPaths } from './icon-files'

const root = path.resolve(import.meta.dirname, '..')

/** The SVG drawn `size` pixels wide, as PNG bytes. */
function rasterise(svg: Buffer, size: number): Buffer {
  const image = new Resvg(svg, { fitTo: { mode: 'width', value: size }, background: 'rgba(0,0,0,0)' }).render()
  if (image.width !== size || image.height !== size)
    throw new Error(`resources/icon.svg drew ${image.width}x${image.height} at ${size} px; it must be square.`)
  return image.asPng()
}

async function main(): Promise<void> {
  const paths = iconPaths(root)
  const svg = await readFile(paths.source)
  await mkdir(paths.pngDir, { recursive: true })
  for (const size of ICON_SIZES) await writeFileAtomic(paths.png(size), rasterise(svg, size))
  const largest = await readFile(paths.png(Math.max(...ICON_SIZES)))
  // Bicubic scaling and all colours (0): the sizes inside each file stay lossless.
  const icns = createICNS(largest, BICUBIC, 0)
  // forWinExe: PNG chunks, except BMP below 64 px, which older Windows shows in file properties.
  const ico = createICO(largest, BICUBIC, 0, true, true)
  if (!icns || !ico) throw new Error('png2icons could not pack the 1024 px PNG into .icns/.ico.')
  await writeFileAtomic(paths.icns, icns)
  await writeFileAtomic(paths.ico, ico)
  const made = [...ICON_SIZES.map((size) => paths.png(size)), paths.icns, paths.ico]
  console.log(`Made ${made.length} icons from resources/icon.svg:`)
  for (const file of made) console.log(`  ${path.relative(root, file)}`)
}

main().catch((error: unknown) => {
  console.error(`npm run icons failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
})
