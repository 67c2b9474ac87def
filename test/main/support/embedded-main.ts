/**
 * Main's services against a real embedded platform (small demo seed) in a folder of their own,
 * for the tests that go through the same router the page uses: started before the file's tests
 * (the first start seeds the demo sites, which is waited for here rather than in a test),
 * closed and removed after them.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import {
  startMainServices,
  type EmbeddedPlatformOptions,
  type MainServices,
  type MainServicesOptions,
} from '../../../src/main/app'
import type { IpcResult } from '../../../src/shared/ipc'
import type { Site } from '../../../src/shared/platform-types'

/** What a file may set differently; the rest is the same for every file. */
export interface EmbeddedMainOptions extends Partial<Pick<MainServicesOptions, 'mode' | 'jobWatch'>> {
  /** The formats the platform's imports read (all by default). */
  readonly importFormats?: EmbeddedPlatformOptions['importFormats']
}

export interface EmbeddedMain {
  /** The file's folder: `data/`, `Downloads/`, and room for a test's own files. */
  readonly root: string
  /** Main's data folder; the platform keeps its own under `platform/`. */
  readonly dataDir: string
  readonly services: MainServices
  /** Invokes a channel as the page does; a refusal throws with its code and message. */
  call<T>(channel: string, payload?: unknown): Promise<T>
  /** Invokes a channel that must refuse; resolves with the refusal. */
  refused(channel: string, payload: unknown): Promise<{ code: string; message: string }>
  /** A seeded site by name. */
  site(name: string): Promise<Site>
  /** The platform's own bare repository of a site. */
  platformRepo(siteId: string): string
  /** A site's git URL for native git, as `user` with the platform's machine token (read from its own data folder) for password. */
  gitUrlAs(siteId: string, user: string): Promise<string>
  /** Closes the services, runs `meanwhile` (on the files a restart reads), and starts them again on the same data. */
  restart(meanwhile?: () => Promise<void>): Promise<void>
}

/**
 * Registers `beforeAll` and `afterAll` where it is called (a file's top, or a describe block);
 * call it before that scope's own `beforeAll`, which then runs with the services started.
 */
export function useEmbeddedMain(label: string, options: EmbeddedMainOptions = {}): EmbeddedMain {
  let root: string | null = null
  let services: MainServices | null = null

  const folder = (): string => {
    if (!root) throw new Error('The embedded services start in beforeAll: use them inside a test or a hook.')
    return root
  }
  const running = (): MainServices => {
    if (!services) throw new Error('The embedded services are not running: use them inside a test or a hook.')
    return services
  }
  const dataDir = (): string => path.join(folder(), 'data')

  async function start(): Promise<void> {
    services = await startMainServices({
      mode: options.mode ?? 'browser',
      dataDir: dataDir(),
      downloadsRoot: path.join(folder(), 'Downloads'),
      embedded: { seedScale: 'small', ...(options.importFormats ? { importFormats: options.importFormats } : {}) },
      ...(options.jobWatch ? { jobWatch: options.jobWatch } : {}),
      log: () => {},
    })
    await services.connections.client()
  }

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), `rd-${label}-`))
    await start()
  }, 240_000)

  afterAll(async () => {
    await services?.close()
    if (root) await rm(root, { recursive: true, force: true })
  })

  return {
    get root() {
      return folder()
    },
    get dataDir() {
      return dataDir()
    },
    get services() {
      return running()
    },
    async call<T>(channel: string, payload?: unknown): Promise<T> {
      const result = (await running().router.invoke(channel, payload)) as IpcResult<T>
      if (!result.ok) throw new Error(`${channel}: ${result.error.code}: ${result.error.message}`)
      return result.value
    },
    async refused(channel, payload) {
      const result = await running().router.invoke(channel, payload)
      if (result.ok) throw new Error(`${channel} answered instead of failing`)
      return result.error
    },
    async site(name) {
      const sites = await (await running().connections.client()).listSites()
      const found = sites.find((site) => site.name === name)
      if (!found) throw new Error(`The demo seed has no site named ${name}: ${sites.map((s) => s.name).join(', ')}.`)
      return found
    },
    platformRepo(siteId) {
      return path.join(dataDir(), 'platform', 'sites', siteId, 'repo.git')
    },
    async gitUrlAs(siteId, user) {
      const info = await (await running().connections.client()).getConnectionInfo(siteId, 'dev')
      if (!info) throw new Error(`The platform gave no connection info for ${siteId}'s dev.`)
      const secrets = JSON.parse(await readFile(path.join(dataDir(), 'platform', 'secrets.json'), 'utf8')) as {
        machineToken: string
      }
      return info.gitUrl.replace('http://', `http://${user}:${secrets.machineToken}@`)
    },
    async restart(meanwhile) {
      await running().close()
      services = null
      await meanwhile?.()
      await start()
    },
  }
}
