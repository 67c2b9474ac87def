/**
 * `npm run dist [-- electron-builder arguments]`: builds the app and packages it for this
 * operating system (electron-builder.config.ts says how; `-- --linux deb` picks one target).
 *
 * electron-builder would download Electron for the package; instead it takes the Electron this
 * project installed (node_modules/electron/dist, or ELECTRON_OVERRIDE_DIST_PATH as the tests
 * use), so a package is made from the same binary the app was tested with and needs no network.
 * Where that binary is missing (its download was skipped or failed), this says so in one line
 * and exits with 1 before building anything.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')

/** The executable inside an unpacked Electron, per platform. */
export function electronExecutable(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron'
  return platform === 'win32' ? 'electron.exe' : 'electron'
}

/** The unpacked Electron to package: ELECTRON_OVERRIDE_DIST_PATH, else the installed one. */
export function electronDistDir(env: NodeJS.ProcessEnv, projectRoot: string): string {
  const override = env.ELECTRON_OVERRIDE_DIST_PATH?.trim()
  return override ? path.resolve(override) : path.join(projectRoot, 'node_modules', 'electron', 'dist')
}

/** Why no package can be made from `distDir` (one line), or null when its Electron is there. */
export function missingElectron(distDir: string, platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string | null {
  const binary = path.join(distDir, electronExecutable(platform))
  if (existsSync(binary)) return null
  if (env.ELECTRON_OVERRIDE_DIST_PATH?.trim())
    return (
      `npm run dist cannot package Restore Desk: ELECTRON_OVERRIDE_DIST_PATH names ${distDir}, which has no ` +
      `${electronExecutable(platform)}. Point it at an unpacked Electron 45, or unset it to use node_modules/electron.`
    )
  return (
    `npm run dist cannot package Restore Desk: the Electron binary is not installed (${binary} is missing: its ` +
    'download was skipped or failed). Run `node node_modules/electron/install.js` where the network allows, or set ' +
    'ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 45, then run it again.'
  )
}

/** Runs one step with its output shown; returns its exit code. */
function run(command: string, args: readonly string[]): number {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
  if (result.error) {
    console.error(`npm run dist could not start ${command}: ${result.error.message}.`)
    return 1
  }
  return result.status ?? 1
}

function main(): number {
  const distDir = electronDistDir(process.env, root)
  const problem = missingElectron(distDir, process.platform, process.env)
  if (problem) {
    console.error(problem)
    return 1
  }
  const built = run('npx', ['electron-vite', 'build'])
  if (built !== 0) return built
  return run('npx', [
    'electron-builder',
    '--config',
    'electron-builder.config.ts',
    `-c.electronDist=${distDir}`,
    ...process.argv.slice(2),
  ])
}

// Imported by the packaging test for its functions; run by `npm run dist`.
if (process.argv[1] && path.resolve(process.argv[1]) === path.join(root, 'scripts', 'dist.ts'))
  process.exitCode = main()
