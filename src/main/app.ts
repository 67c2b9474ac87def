/**
 * The main process's services, independent of Electron: the context, the
 * handlers and the router. Electron's bootstrap (index.ts) and browser mode's
 * host (web/cli.ts) both start exactly this.
 */
import { mkdir } from 'node:fs/promises'
import type { AppMode } from '../shared/app'
import { createAppContext, type AppContext } from './context'
import { createHandlers } from './ipc/handlers'
import { createIpcRouter, type IpcRouter } from './ipc/router'

export interface MainServices {
  readonly context: AppContext
  readonly router: IpcRouter
  close(): Promise<void>
}

export interface MainServicesOptions {
  readonly mode: AppMode
  readonly dataDir: string
  readonly log?: (line: string) => void
}

/** Starts everything the handlers need. */
export async function startMainServices(options: MainServicesOptions): Promise<MainServices> {
  await mkdir(options.dataDir, { recursive: true })
  const context = await createAppContext({ mode: options.mode, dataDir: options.dataDir })
  const log = options.log ?? ((line: string) => console.error(line))
  const router = createIpcRouter(createHandlers(context), (channel, error) => {
    log(`[ipc] ${channel} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  })
  return {
    context,
    router,
    async close() {},
  }
}
