/**
 * The packaged-style Electron app driven by Playwright's _electron. It needs a
 * real Electron binary, which this closed network cannot download: it runs
 * where ELECTRON_OVERRIDE_DIST_PATH points at an unpacked Electron, and is
 * reported as skipped, with that reason, everywhere else.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { _electron, type ElectronApplication } from 'playwright-core'

// Never require('electron') here: from version 42 on that downloads the binary, which fails offline.
const executable = process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron'
const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.resolve('node_modules/electron/dist')
const binary = path.join(distDir, executable)
const available = existsSync(binary)
const reason = process.env.ELECTRON_OVERRIDE_DIST_PATH
  ? `no Electron binary at ${binary}`
  : 'no Electron binary: set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 45 to run it'

if (!available) console.warn(`[e2e] Electron app test skipped: ${reason}`)

describe.skipIf(!available)(`Electron app${available ? '' : ` (skipped: ${reason})`}`, () => {
  let app: ElectronApplication | null = null
  let userData = ''

  beforeAll(() => {
    userData = mkdtempSync(path.join(os.tmpdir(), 'rd-electron-'))
  })

  afterAll(async () => {
    await app?.close()
    if (userData) rmSync(userData, { recursive: true, force: true })
  })

  it('opens a sandboxed window that shows app info through the preload', async () => {
    execFileSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' })
    app = await _electron.launch({
      executablePath: binary,
      args: ['out/main/index.js', `--user-data-dir=${userData}`],
    })
    const window = await app.firstWindow()
    await window.getByTestId('app-version').waitFor()
    expect(await window.getByTestId('app-mode').textContent()).toBe('Desktop app')
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined')
    expect(
      await window.evaluate(() => Object.keys((window as unknown as { restoreDesk: object }).restoreDesk)),
    ).toEqual(['invoke', 'subscribe'])
  })
})
