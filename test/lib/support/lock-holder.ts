/**
 * A separate process that holds a data folder lock, for the lock tests:
 * `node --import tsx lock-holder.ts <dataDir> <platform|app> <releaseAfterMs>`. It prints
 * `held <pid>` once it holds the lock; on SIGTERM it says `exiting`, marks itself exiting,
 * and releases the lock after `releaseAfterMs` (or never, for -1), then exits.
 * `LOCK_RUNTIME_DIR` in its environment puts a platform lock's socket in that folder (the file
 * socket layout macOS uses).
 */
import { lockDataDir, type DataDirLock } from '../../../src/lib/lock'
import { acquireDataLock } from '../../../src/main/settings/data-lock'

const [dataDir = '', kind = 'platform', releaseAfter = '0'] = process.argv.slice(2)
const held: { lock?: DataDirLock } = {}
const keepAlive = setInterval(() => undefined, 60_000)
// Listening before the lock is taken: a SIGTERM right after "held" must not find the default action.
process.on('SIGTERM', () => {
  held.lock?.markExiting()
  process.stdout.write('exiting\n')
  const delay = Number(releaseAfter)
  if (delay < 0) return
  setTimeout(() => {
    void held.lock?.release().then(() => {
      process.stdout.write('released\n')
      clearInterval(keepAlive)
    })
  }, delay)
})
const runtimeDir = process.env.LOCK_RUNTIME_DIR || undefined
held.lock = kind === 'app' ? await acquireDataLock(dataDir) : await lockDataDir(dataDir, { runtimeDir })
process.stdout.write(`held ${process.pid}\n`)
