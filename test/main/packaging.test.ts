/**
 * The desktop packages: electron-builder's configuration (targets, identity, no file
 * associations, asar, fuses), the icons made from resources/icon.svg, the check of the packaged
 * app.asar, `npm run dist` where no Electron binary is installed, and one real electron-builder
 * run over a stand-in Electron whose fuse wire shows what the package flips.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createPackage, listPackage } from '@electron/asar'
import { afterAll, describe, expect, it } from 'vitest'
import config, { APP_ID, PRODUCT_NAME } from '../../electron-builder.config'
import { ICON_SIZES, iconPaths } from '../../scripts/icon-files'
import { electronDistDir, electronExecutable, missingElectron } from '../../scripts/dist'
import { asarPathIn, missingEntries, REQUIRED_ENTRIES, verifyPackagedApp } from '../../scripts/packaged-app'
import { repoRoot } from '../helpers/fixtures'

const scratch: string[] = []
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix))
  scratch.push(dir)
  return dir
}
afterAll(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true })
})

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  expect(png.toString('ascii', 12, 16)).toBe('IHDR')
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) }
}

/** The sizes an .ico holds (its directory says 0 for 256). */
function icoSizes(ico: Buffer): number[] {
  expect(ico.readUInt16LE(0)).toBe(0)
  expect(ico.readUInt16LE(2)).toBe(1)
  const count = ico.readUInt16LE(4)
  return Array.from({ length: count }, (_, i) => {
    const width = ico[6 + 16 * i] || 256
    const height = ico[7 + 16 * i] || 256
    expect(height).toBe(width)
    return width
  }).sort((a, b) => a - b)
}

/** The chunk types of an .icns file, checking that the chunks fill it exactly. */
function icnsTypes(icns: Buffer): string[] {
  expect(icns.toString('ascii', 0, 4)).toBe('icns')
  expect(icns.readUInt32BE(4)).toBe(icns.length)
  const types: string[] = []
  for (let offset = 8; offset < icns.length; offset += icns.readUInt32BE(offset + 4)) {
    types.push(icns.toString('ascii', offset, offset + 4))
    expect(icns.readUInt32BE(offset + 4)).toBeGreaterThan(8)
  }
  return types
}

describe('electron-builder configuration', () => {
  it('names the app and builds AppImage and deb, dmg, and an NSIS installer', () => {
    expect(APP_ID).toBe('com.restoredesk.app')
    expect(PRODUCT_NAME).toBe('Restore Desk')
    expect(config.appId).toBe(APP_ID)
    expect(config.productName).toBe(PRODUCT_NAME)
    expect(config.linux?.target).toEqual(['AppImage', 'deb'])
    expect(config.mac?.target).toEqual(['dmg'])
    expect(config.win?.target).toEqual(['nsis'])
    expect(config.linux?.executableName).toBe('restore-desk')
    // The embedded platform needs git; electron-builder's own list stays in place beside it.
    expect(config.deb?.depends).toEqual(expect.arrayContaining(['git', 'libgtk-3-0', 'libnss3', 'libsecret-1-0']))
  })

  it('claims no file types or URL schemes, packs into app.asar and unpacks nothing', () => {
    expect(config.fileAssociations).toEqual([])
    expect(config.protocols).toEqual([])
    for (const platform of [config.linux, config.mac, config.win]) {
      expect(platform).not.toHaveProperty('fileAssociations')
      expect(platform).not.toHaveProperty('protocols')
    }
    expect(config.asar).toBe(true)
    expect(config).not.toHaveProperty('asarUnpack')
    expect(config.files).toEqual(['out/main/**', 'out/preload/**', 'out/renderer/**', 'package.json'])
    expect(config.afterPack).toBe(verifyPackagedApp)
  })

  it('flips the fuses: no run-as-node, encrypted cookies, no NODE_OPTIONS or inspect, asar only and checked', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    })
  })
})

describe('icons made from resources/icon.svg', () => {
  const paths = iconPaths(repoRoot)

  it('has the SVG source and a PNG of each size from 16 to 1024 pixels', async () => {
    expect((await readFile(paths.source, 'utf8')).trimStart()).toMatch(/^<\?xml[^>]*>\s*(<!--[\s\S]*?-->\s*)?<svg /)
    expect(ICON_SIZES).toEqual([16, 24, 32, 48, 64, 128, 256, 512, 1024])
    for (const size of ICON_SIZES)
      expect(pngSize(await readFile(paths.png(size)))).toEqual({ width: size, height: size })
  })

  it('packs Windows sizes 16 to 256 into the .ico and macOS sizes 16 to 1024 into the .icns', async () => {
    expect(icoSizes(await readFile(paths.ico))).toEqual(expect.arrayContaining([16, 24, 32, 48, 64, 128, 256]))
    // is32: 16, il32: 32, ic07: 128, ic08: 256, ic09: 512, ic10: 1024 (512@2x).
    expect(icnsTypes(await readFile(paths.icns))).toEqual(
      expect.arrayContaining(['is32', 'il32', 'ic07', 'ic08', 'ic09', 'ic10']),
    )
  })

  it('is what the configuration points each platform at', () => {
    expect(path.resolve(repoRoot, String(config.linux?.icon))).toBe(paths.pngDir)
    expect(path.resolve(repoRoot, String(config.mac?.icon))).toBe(paths.icns)
    expect(path.resolve(repoRoot, String(config.win?.icon))).toBe(paths.ico)
  })
})

describe('the packaged app.asar check', () => {
  async function archive(entries: readonly string[]): Promise<string> {
    const dir = await tempDir('rd-asar-')
    const app = path.join(dir, 'app')
    for (const entry of entries) {
      await mkdir(path.dirname(path.join(app, entry)), { recursive: true })
      await writeFile(path.join(app, entry), '{}')
    }
    const file = path.join(dir, 'app.asar')
    await createPackage(app, file)
    return file
  }

  it('passes a complete archive and names what an incomplete one lacks', async () => {
    expect(missingEntries(await archive(REQUIRED_ENTRIES))).toEqual([])
    const withoutWorker = REQUIRED_ENTRIES.filter((entry) => entry !== 'out/main/git-worker.js')
    expect(missingEntries(await archive(withoutWorker))).toEqual(['out/main/git-worker.js'])
  })

  it('finds app.asar where each platform keeps it and stops the build when something is missing', async () => {
    expect(asarPathIn('/o/linux-unpacked', 'linux', 'Restore Desk')).toBe('/o/linux-unpacked/resources/app.asar')
    expect(asarPathIn('/o/mac', 'darwin', 'Restore Desk')).toBe('/o/mac/Restore Desk.app/Contents/Resources/app.asar')
    const file = await archive(REQUIRED_ENTRIES.filter((entry) => !entry.startsWith('node_modules/zod/')))
    const appOutDir = path.join(path.dirname(file), 'unpacked')
    await mkdir(path.join(appOutDir, 'resources'), { recursive: true })
    await writeFile(path.join(appOutDir, 'resources', 'app.asar'), await readFile(file))
    const context = { appOutDir, electronPlatformName: 'linux', packager: { appInfo: { productFilename: 'x' } } }
    await expect(verifyPackagedApp(context)).rejects.toThrow(/lacks node_modules\/zod\/package\.json/)
  })
})

describe('npm run dist', () => {
  it('knows where the Electron binary lives on each platform', () => {
    expect(electronExecutable('linux')).toBe('electron')
    expect(electronExecutable('win32')).toBe('electron.exe')
    expect(electronExecutable('darwin')).toBe('Electron.app/Contents/MacOS/Electron')
    expect(electronDistDir({}, '/repo')).toBe(path.join('/repo', 'node_modules', 'electron', 'dist'))
    expect(electronDistDir({ ELECTRON_OVERRIDE_DIST_PATH: '/opt/electron' }, '/repo')).toBe(
      path.resolve('/opt/electron'),
    )
  })

  it('says in one line why it cannot package without an Electron binary, and exits with 1', async () => {
    const empty = await tempDir('rd-no-electron-')
    expect(missingElectron(empty, 'linux', {})).toMatch(/Electron binary is not installed .*electron is missing/)
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/dist.ts'], {
      cwd: repoRoot,
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty },
      encoding: 'utf8',
    })
    expect(result.status).toBe(1)
    expect(result.stdout).toBe('')
    const lines = result.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      new RegExp(`^npm run dist cannot package Restore Desk: ELECTRON_OVERRIDE_DIST_PATH names ${empty}, which`),
    )
    expect(result.stderr).not.toMatch(/\n\s+at /)

    await writeFile(path.join(empty, electronExecutable(process.platform)), '')
    expect(missingElectron(empty, process.platform, { ELECTRON_OVERRIDE_DIST_PATH: empty })).toBeNull()
  })
})

/** Electron's fuse wire: a sentinel, the wire's version and length, then one byte per fuse ('0' off, '1' on). */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
/** The V1 fuses in wire order (Electron's docs/tutorial/fuses.md). */
const FUSES_V1 = [
  'runAsNode',
  'enableCookieEncryption',
  'enableNodeOptionsEnvironmentVariable',
  'enableNodeCliInspectArguments',
  'enableEmbeddedAsarIntegrityValidation',
  'onlyLoadAppFromAsar',
  'loadBrowserProcessSpecificV8Snapshot',
  'grantFileProtocolExtraPrivileges',
] as const

function readFuses(binary: Buffer): Record<string, boolean> {
  const at = binary.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length
  expect(binary[at]).toBe(1)
  const wire = binary.subarray(at + 2, at + 2 + binary[at + 1]!)
  return Object.fromEntries(FUSES_V1.map((name, i) => [name, wire[i] === 0x31]))
}

describe('a real electron-builder run', () => {
  it(
    'packs the built app, the git worker included, into app.asar and flips the fuses',
    { timeout: 240_000 },
    async () => {
      // A stand-in Electron: electron-builder copies it and @electron/fuses rewrites its wire, as in the
      // real binary, whose defaults these are (run-as-node, NODE_OPTIONS, inspect, file:// privileges on).
      const fakeDist = await tempDir('rd-fake-electron-')
      const defaults = Buffer.from('10110001')
      await writeFile(
        path.join(fakeDist, 'electron'),
        Buffer.concat([
          Buffer.from('stand-in for the Electron binary\n'),
          Buffer.from(FUSE_SENTINEL),
          Buffer.from([1, 8]),
          defaults,
        ]),
        { mode: 0o755 },
      )
      const output = await tempDir('rd-dist-')
      execFileSync('npx', ['electron-vite', 'build'], { cwd: repoRoot, stdio: 'pipe' })
      execFileSync(
        'npx',
        [
          'electron-builder',
          '--config',
          'electron-builder.config.ts',
          '--linux',
          'dir',
          `-c.electronDist=${fakeDist}`,
          `-c.directories.output=${output}`,
        ],
        { cwd: repoRoot, stdio: 'pipe' },
      )
      const unpacked = path.join(output, 'linux-unpacked')
      expect(readFuses(await readFile(path.join(unpacked, 'restore-desk')))).toEqual({
        runAsNode: false,
        enableCookieEncryption: true,
        enableNodeOptionsEnvironmentVariable: false,
        enableNodeCliInspectArguments: false,
        enableEmbeddedAsarIntegrityValidation: true,
        onlyLoadAppFromAsar: true,
        loadBrowserProcessSpecificV8Snapshot: false,
        grantFileProtocolExtraPrivileges: false,
      })
      const asar = path.join(unpacked, 'resources', 'app.asar')
      expect(missingEntries(asar)).toEqual([])
      const entries = listPackage(asar, { isPack: false })
      // Only what the app runs: no sources, tests or development tools.
      expect(entries.some((entry) => /^[\\/](src|test|scripts|resources)[\\/]/.test(entry))).toBe(false)
      expect(entries.some((entry) => /[\\/]node_modules[\\/](electron|vitest|electron-builder)[\\/]/.test(entry))).toBe(
        false,
      )
    },
  )
})
