/**
 * The platforms Restore Desk can talk to and which one is active.
 *
 * The embedded platform is always there: started in-process on a free
 * loopback port with its data in the app's data folder, demo-seeded on first
 * run, no login asked. Users may add Pantheon (machine token) or another
 * embedded platform (URL + token); a connection is saved only after its token
 * logged in. Tokens go to the {@link SecretStore}; the list (no secrets) is
 * kept in connections.json, checked against its schema when read (a damaged
 * file is set aside and reported, and the list starts with the embedded
 * platform only).
 */
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { z } from 'zod'
import type { ConnectionSummary, PlatformConnectionInfo } from '../../shared/app'
import { writeFileAtomic } from '../../lib/atomic'
import { readSavedState, type DamagedFile } from '../../lib/saved-state'
import { PlatformClient } from '../api/client'
import { PANTHEON_API_BASE } from '../api/http'
import { PlatformApiError } from '../api/api-error'
import { AppError } from '../errors'
import type { SecretStore } from './secrets'

/** A started embedded platform, as the manager needs it. */
export interface EmbeddedPlatformHandle {
  readonly apiBase: string
  readonly machineToken: string
  close(): Promise<void>
}

interface StoredConnection {
  readonly id: string
  readonly kind: 'pantheon' | 'remote-embedded'
  readonly label: string
  readonly baseUrl: string
}

interface ConnectionsFile {
  readonly version: 1
  readonly active: string
  readonly connections: readonly StoredConnection[]
}

/** Connection ids: also the token file names (see secrets.ts). */
const CONNECTION_ID = /^[A-Za-z0-9_-]{1,64}$/

const storedConnectionSchema: z.ZodType<StoredConnection> = z.object({
  id: z
    .string()
    .regex(CONNECTION_ID, 'not a connection id')
    .refine((id) => id !== EMBEDDED_ID, 'the id "embedded" belongs to the built-in platform'),
  kind: z.enum(['pantheon', 'remote-embedded']),
  label: z.string(),
  // The address a token is sent to: only what `add` would have saved (https, or http to this computer).
  baseUrl: z.string().refine(isSavedApiBase, 'not an https (or local http) platform API address'),
})

function isSavedApiBase(url: string): boolean {
  try {
    return normalizeApiBase(url) === url
  } catch {
    return false
  }
}

const connectionsFileSchema: z.ZodType<ConnectionsFile> = z.object({
  version: z.literal(1),
  active: z.string(),
  connections: z
    .array(storedConnectionSchema)
    .refine((list) => new Set(list.map((c) => c.id)).size === list.length, 'two connections share an id'),
})

export interface NewConnection {
  readonly kind: 'pantheon' | 'remote-embedded'
  readonly label: string
  readonly baseUrl?: string | undefined
  readonly machineToken: string
}

export interface ConnectionManagerOptions {
  readonly dataDir: string
  readonly secrets: SecretStore
  /** Starts the embedded platform (its data under dataDir/platform). */
  readonly startEmbedded: () => Promise<EmbeddedPlatformHandle>
  /** Told whenever the active connection's state changes. */
  readonly onActiveChange: (info: PlatformConnectionInfo) => void
  readonly createClient?: (baseUrl: string, machineToken: string) => PlatformClient
  readonly log?: (line: string) => void
}

export const EMBEDDED_ID = 'embedded'
export const EMBEDDED_LABEL = 'Embedded platform (this computer)'

/** Normalizes a user-typed platform URL to its API root, refusing tokens over clear text to other hosts. */
export function normalizeApiBase(input: string): string {
  let url: URL
  try {
    url = new URL(input.trim())
  } catch {
    throw new AppError(
      'bad_request',
      `"${input}" is not a URL. Enter the address the platform printed, like http://127.0.0.1:8765.`,
    )
  }
  if (url.username || url.password) {
    throw new AppError(
      'bad_request',
      'Leave the user name and password out of the address; the token goes in its own field.',
    )
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new AppError(
      'insecure_url',
      'Use an https:// address: the token would travel in clear text over http to another computer.',
    )
  }
  url.search = ''
  url.hash = ''
  const base = url.href.replace(/\/+$/, '')
  return base.endsWith('/api') ? base : `${base}/api`
}

/** Keeps the list of connections and a logged-in client for the active one. */
export class ConnectionManager {
  readonly #options: ConnectionManagerOptions
  readonly #file: string
  readonly #createClient: (baseUrl: string, machineToken: string) => PlatformClient
  #stored: StoredConnection[] = []
  #activeId = EMBEDDED_ID
  #embedded: EmbeddedPlatformHandle | null = null
  #embeddedStart: Promise<EmbeddedPlatformHandle> | null = null
  #embeddedState: Pick<PlatformConnectionInfo, 'status' | 'error' | 'baseUrl'> = {
    status: 'starting',
    error: null,
    baseUrl: null,
  }
  readonly #clients = new Map<string, PlatformClient>()

  constructor(options: ConnectionManagerOptions) {
    this.#options = options
    this.#file = path.join(options.dataDir, 'connections.json')
    this.#createClient =
      options.createClient ??
      ((baseUrl, machineToken) => new PlatformClient({ baseUrl, machineToken, clientName: 'restore-desk' }))
  }

  /**
   * Loads the saved list and starts the embedded platform in the background. Returns what was
   * damaged and set aside (already logged) so the caller can tell the user.
   */
  async init(): Promise<readonly DamagedFile[]> {
    const damaged: DamagedFile[] = []
    const saved = await readSavedState(this.#file, connectionsFileSchema, {
      what: 'The saved connections',
      startsWith: 'Restore Desk starts with the embedded platform only; add the other connections again',
      report: (damage) => {
        damaged.push(damage)
        this.#options.log?.(`[connections] ${damage.message}`)
      },
    })
    if (saved) {
      this.#stored = [...saved.connections]
      this.#activeId =
        saved.active === EMBEDDED_ID || this.#stored.some((c) => c.id === saved.active) ? saved.active : EMBEDDED_ID
    }
    void this.#ensureEmbedded().catch(() => {})
    this.#announce()
    return damaged
  }

  /** Every connection, embedded first; no secrets. */
  list(): ConnectionSummary[] {
    const embedded: ConnectionSummary = {
      id: EMBEDDED_ID,
      kind: 'embedded',
      label: EMBEDDED_LABEL,
      ...this.#embeddedState,
      active: this.#activeId === EMBEDDED_ID,
      tokenStorage: 'none',
      tokenStorageNote: 'Runs on this computer and needs no login; its token stays in its own data folder.',
    }
    return [
      embedded,
      ...this.#stored.map((c) => ({
        id: c.id,
        kind: c.kind,
        label: c.label,
        baseUrl: c.baseUrl,
        status: 'ready' as const,
        error: null,
        active: this.#activeId === c.id,
        tokenStorage: this.#options.secrets.storage,
        tokenStorageNote: this.#options.secrets.note,
      })),
    ]
  }

  /** The active connection's id. */
  get activeId(): string {
    return this.#activeId
  }

  /** The active connection as app:info shows it. */
  active(): PlatformConnectionInfo {
    const summary = this.list().find((c) => c.active)!
    return {
      id: summary.id,
      kind: summary.kind,
      label: summary.label,
      baseUrl: summary.baseUrl,
      status: summary.status,
      error: summary.error,
    }
  }

  /** Adds a connection after its token has logged in; makes it active. */
  async add(input: NewConnection): Promise<ConnectionSummary> {
    const baseUrl = input.kind === 'pantheon' ? PANTHEON_API_BASE : normalizeApiBase(input.baseUrl ?? '')
    if (input.kind === 'remote-embedded' && !input.baseUrl) {
      throw new AppError('bad_request', 'Enter the platform’s address, like http://127.0.0.1:8765.')
    }
    const client = this.#createClient(baseUrl, input.machineToken)
    try {
      await client.login()
    } catch (error) {
      if (error instanceof PlatformApiError) {
        throw new AppError(error.code, `The connection was not saved: ${error.message}`, { cause: error })
      }
      throw error
    }
    const stored: StoredConnection = {
      id: randomUUID().replace(/-/g, '').slice(0, 16),
      kind: input.kind,
      label: input.label,
      baseUrl,
    }
    await this.#options.secrets.save(stored.id, input.machineToken)
    this.#stored.push(stored)
    this.#clients.set(stored.id, client)
    this.#activeId = stored.id
    await this.#save()
    this.#announce()
    return this.list().find((c) => c.id === stored.id)!
  }

  /** Removes a saved connection and its token; the embedded one stays. */
  async remove(id: string): Promise<ConnectionSummary[]> {
    if (id === EMBEDDED_ID)
      throw new AppError('bad_request', 'The embedded platform is built in and cannot be removed.')
    if (!this.#stored.some((c) => c.id === id))
      throw new AppError('not_found', 'That connection no longer exists. Reload the list.')
    this.#stored = this.#stored.filter((c) => c.id !== id)
    this.#clients.delete(id)
    if (this.#activeId === id) this.#activeId = EMBEDDED_ID
    await this.#save()
    await this.#options.secrets.remove(id)
    this.#announce()
    return this.list()
  }

  /** Makes a connection the active one. */
  async activate(id: string): Promise<ConnectionSummary> {
    if (id !== EMBEDDED_ID && !this.#stored.some((c) => c.id === id)) {
      throw new AppError('not_found', 'That connection no longer exists. Reload the list.')
    }
    this.#activeId = id
    await this.#save()
    this.#announce()
    return this.list().find((c) => c.id === id)!
  }

  /** A logged-in-on-demand client for the active connection (waits for the embedded platform to start). */
  async client(): Promise<PlatformClient> {
    return this.clientFor(this.#activeId)
  }

  /** A client for one connection. */
  async clientFor(id: string): Promise<PlatformClient> {
    const cached = this.#clients.get(id)
    if (cached) return cached
    if (id === EMBEDDED_ID) {
      const handle = await this.#ensureEmbedded()
      const client = this.#createClient(handle.apiBase, handle.machineToken)
      this.#clients.set(id, client)
      return client
    }
    const stored = this.#stored.find((c) => c.id === id)
    if (!stored) throw new AppError('not_found', 'That connection no longer exists. Pick another one in Connections.')
    const token = await this.#options.secrets.load(id)
    if (!token) {
      throw new AppError(
        'token_missing',
        `The token for "${stored.label}" is not here. ${this.#options.secrets.missingHint} Otherwise remove the connection and add it again with a new machine token.`,
      )
    }
    const client = this.#createClient(stored.baseUrl, token)
    this.#clients.set(id, client)
    return client
  }

  /** Stops the embedded platform. */
  async close(): Promise<void> {
    const start = this.#embeddedStart
    const handle = this.#embedded
    this.#embeddedStart = null
    this.#embedded = null
    if (handle) await handle.close()
    // Still starting (e.g. seeding on first run): close it as soon as it is up, without holding shutdown.
    else if (start)
      void start.then(
        (late) => late.close(),
        () => {},
      )
  }

  #ensureEmbedded(): Promise<EmbeddedPlatformHandle> {
    if (this.#embeddedStart) return this.#embeddedStart
    this.#setEmbeddedState({ status: 'starting', error: null, baseUrl: null })
    this.#embeddedStart = this.#options.startEmbedded().then(
      (handle) => {
        this.#embedded = handle
        this.#setEmbeddedState({ status: 'ready', error: null, baseUrl: handle.apiBase })
        return handle
      },
      (error: unknown) => {
        this.#embeddedStart = null
        const message = error instanceof Error ? error.message : String(error)
        this.#options.log?.(`[connections] embedded platform failed to start: ${message}`)
        this.#setEmbeddedState({
          status: 'error',
          error: `The embedded platform did not start: ${message}`,
          baseUrl: null,
        })
        throw new AppError(
          'platform_unavailable',
          `The embedded platform did not start: ${message}. Restart Restore Desk; if it keeps failing, check that git is installed.`,
        )
      },
    )
    return this.#embeddedStart
  }

  #setEmbeddedState(state: Pick<PlatformConnectionInfo, 'status' | 'error' | 'baseUrl'>): void {
    this.#embeddedState = state
    if (this.#activeId === EMBEDDED_ID) this.#announce()
  }

  #announce(): void {
    this.#options.onActiveChange(this.active())
  }

  async #save(): Promise<void> {
    const file: ConnectionsFile = { version: 1, active: this.#activeId, connections: this.#stored }
    await writeFileAtomic(this.#file, JSON.stringify(file, null, 2))
  }
}
