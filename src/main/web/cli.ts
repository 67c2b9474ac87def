/**
 * `npm run web -- [--port N] [--data DIR] [--platform-link-ttl SECONDS]
 * [--download-limit RATE] [--demo-seed full|small]`: runs Restore Desk in
 * browser mode, the main-process handlers on 127.0.0.1 and the page in any
 * browser. The embedded platform starts in the same process.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startMainServices } from '../app'
import { defaultDataDir } from '../settings/paths'
import { startWebHost } from './server'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

/** "500000", "500k", "2m" → bytes per second; null when it is none of those. */
function parseByteRate(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim())
  if (!match) return null
  const factor = { '': 1, k: 1024, m: 1024 * 1024 }[match[2]!.toLowerCase() as '' | 'k' | 'm']
  const value = Math.round(Number(match[1]) * factor)
  return value > 0 ? value : null
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      data: { type: 'string' },
      static: { type: 'string' },
      'platform-link-ttl': { type: 'string' },
      'download-limit': { type: 'string' },
      'demo-seed': { type: 'string', default: 'full' },
    },
  })
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number (0 for any free one), not "${values.port}".`)
    process.exit(2)
  }
  const dataDir = path.resolve(values.data ?? defaultDataDir())
  const linkTtl = values['platform-link-ttl'] === undefined ? undefined : Number(values['platform-link-ttl'])
  if (linkTtl !== undefined && (!Number.isInteger(linkTtl) || linkTtl < 1)) {
    console.error(`--platform-link-ttl must be a whole number of seconds, not "${values['platform-link-ttl']}".`)
    process.exit(2)
  }
  const limit = values['download-limit'] === undefined ? undefined : parseByteRate(values['download-limit'])
  if (limit === null) {
    console.error(
      `--download-limit takes bytes per second, like 500000, 500k or 2m (got "${values['download-limit']}").`,
    )
    process.exit(2)
  }
  const seedScale = values['demo-seed']
  if (seedScale !== 'full' && seedScale !== 'small') {
    console.error(`--demo-seed is "full" or "small" (got "${seedScale}").`)
    process.exit(2)
  }
  // Tests make the health probe quick enough to watch a platform go away and come back.
  const healthInterval = Number(process.env.RESTORE_DESK_HEALTH_INTERVAL_MS ?? '')
  const services = await startMainServices({
    mode: 'browser',
    ...(Number.isInteger(healthInterval) && healthInterval >= 200 ? { healthIntervalMs: healthInterval } : {}),
    dataDir,
    embedded: { seedScale, ...(linkTtl ? { linkTtlSeconds: linkTtl } : {}) },
    ...(limit ? { downloadLimitBytesPerSecond: limit } : {}),
  })
  const host = await startWebHost({
    router: services.router,
    events: services.context.events,
    staticDir: values.static ?? path.join(repoRoot, 'out', 'renderer'),
    port,
    stage: (name, declared, body) => services.imports.stageUpload(name, declared, body),
  })
  console.log(`Restore Desk is running at ${host.url}`)
  console.error(`Data folder: ${dataDir}. Press Ctrl+C to stop.`)

  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    await host.close()
    await services.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
}

main().catch((error: unknown) => {
  console.error(`Restore Desk could not start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
