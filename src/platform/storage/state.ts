/**
 * The platform's small structured state (users, sites, memberships, environments, secrets,
 * sessions), kept in JSON files under the data folder. Every change rewrites its file
 * atomically through one queue, so a crash leaves either the old or the new file whole.
 * Each file is checked against its schema when read; a damaged one is set aside (see
 * src/lib/saved-state.ts). Environments are looked up by own properties only, since their
 * names come from requests ("constructor" is no environment).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { z } from 'zod'
import { exists, writeFileAtomic } from '../../lib/atomic'
import { moveAside, readSavedState, type DamagedFile } from '../../lib/saved-state'
import { isSafeName } from './layout'
import { Mutex } from './mutex'

/** A platform user (the machine token's owner). */
export interface UserRecord {
  readonly id: string
  readonly email: string
  readonly fullName: string
  readonly createdAt: number
}

/** A hosted site. */
export interface SiteRecord {
  readonly id: string
  readonly name: string
  readonly label: string
  readonly framework: string
  readonly created: number
  readonly ownerId: string
  readonly planName: string
  readonly frozen: boolean
  /** Epoch seconds and user of the last push to the repository, if any. */
  readonly lastCodePush?: { readonly timestamp: number; readonly userId: string | null }
}

/** A user's membership of a site. */
export interface MembershipRecord {
  readonly id: string
  readonly siteId: string
  readonly userId: string
  readonly role: string
}

/** An environment's lock (HTTP basic auth in front of the site). */
export interface LockRecord {
  readonly locked: boolean
  readonly username: string | null
  readonly password: string | null
}

/** One environment of a site; `targetRef`/`targetCommit` are absent until code lands there. */
export interface EnvironmentRecord {
  readonly created: number
  readonly targetRef?: string
  readonly targetCommit?: string
  readonly lock: LockRecord
  readonly randseed: string
}

/** Everything state.json holds. */
export interface PlatformState {
  readonly version: 1
  readonly users: readonly UserRecord[]
  readonly sites: readonly SiteRecord[]
  readonly memberships: readonly MembershipRecord[]
  /** siteId → env name → environment. */
  readonly environments: Readonly<Record<string, Readonly<Record<string, EnvironmentRecord>>>>
}

/** The secrets file: the machine token and the key that signs links. */
export interface PlatformSecrets {
  readonly machineToken: string
  readonly linkSecret: string
  readonly userId: string
}

/** A login session. */
export interface SessionRecord {
  readonly userId: string
  readonly expiresAt: number
}

/** Files that hold credentials: the owner's alone from their first byte. */
const PRIVATE = { mode: 0o600 } as const

const EMPTY_STATE: PlatformState = { version: 1, users: [], sites: [], memberships: [], environments: {} }

const safeName = z.string().refine(isSafeName, 'not a safe name (letters, digits, ".", "_" and "-")')

const userSchema: z.ZodType<UserRecord> = z.object({
  id: z.string().min(1),
  email: z.string(),
  fullName: z.string(),
  createdAt: z.number(),
})

const siteSchema: z.ZodType<SiteRecord> = z.object({
  id: safeName,
  name: z.string().min(1),
  label: z.string(),
  framework: z.string(),
  created: z.number(),
  ownerId: z.string(),
  planName: z.string(),
  frozen: z.boolean(),
  lastCodePush: z.object({ timestamp: z.number(), userId: z.string().nullable() }).optional(),
})

const membershipSchema: z.ZodType<MembershipRecord> = z.object({
  id: z.string().min(1),
  siteId: z.string(),
  userId: z.string(),
  role: z.string(),
})

const environmentSchema: z.ZodType<EnvironmentRecord> = z.object({
  created: z.number(),
  targetRef: z.string().optional(),
  targetCommit: z.string().optional(),
  lock: z.object({ locked: z.boolean(), username: z.string().nullable(), password: z.string().nullable() }),
  randseed: z.string(),
})

const stateSchema: z.ZodType<PlatformState> = z.object({
  version: z.literal(1),
  users: z.array(userSchema),
  sites: z.array(siteSchema),
  memberships: z.array(membershipSchema),
  environments: z.record(safeName, z.record(safeName, environmentSchema)),
})

const secretsSchema: z.ZodType<PlatformSecrets> = z.object({
  machineToken: z.string().min(1),
  linkSecret: z.string().min(1),
  userId: z.string().min(1),
})

const sessionsSchema: z.ZodType<Record<string, SessionRecord>> = z.record(
  z.string(),
  z.object({ userId: z.string(), expiresAt: z.number() }),
)

/** The value of an own property of `record`, never one inherited from Object.prototype. */
function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined
}

/** The environment `env` of site `siteId`, by own properties only. */
export function findEnvironment(state: PlatformState, siteId: string, env: string): EnvironmentRecord | undefined {
  return own(own(state.environments, siteId), env)
}

/** The environments of a site as [name, record] pairs (none for an unknown site). */
export function siteEnvironments(state: PlatformState, siteId: string): [string, EnvironmentRecord][] {
  return Object.entries(own(state.environments, siteId) ?? {})
}

/** What StateStore.open found and did. */
export interface OpenedState {
  readonly store: StateStore
  readonly secrets: PlatformSecrets
  readonly tokenWasGenerated: boolean
  /** Files that were damaged and set aside (already reported). */
  readonly damaged: readonly DamagedFile[]
}

/** Loads, caches and atomically rewrites the JSON state files of one data folder. */
export class StateStore {
  private state: PlatformState = EMPTY_STATE
  private sessions: Record<string, SessionRecord> = {}
  private readonly writes = new Mutex()

  private constructor(readonly dataDir: string) {}

  /**
   * Opens the state of `dataDir`, creating secrets (and a token unless given) on first use.
   * A damaged file is moved aside and `report` told; when that is state.json, the site folders
   * it described are moved aside with it, so the start that follows deletes none of them.
   */
  static async open(
    dataDir: string,
    machineToken?: string,
    report: (message: string) => void = (message) => console.warn(message),
  ): Promise<OpenedState> {
    const store = new StateStore(dataDir)
    const damaged: DamagedFile[] = []
    const read = <S extends z.ZodType>(name: string, schema: S, what: string, startsWith: string) =>
      readSavedState(join(dataDir, name), schema, {
        what,
        startsWith,
        report: (damage) => {
          damaged.push(damage)
          report(damage.message)
        },
      })
    const state = await read(
      'state.json',
      stateSchema,
      "The platform's state (sites, users, environments)",
      'the platform starts without sites',
    )
    if (state === undefined && damaged.length > 0) {
      const sites = join(dataDir, 'sites')
      if (await exists(sites))
        report(
          `The site folders ${sites} that the damaged state described were moved to ${await moveAside(sites)}; ` +
            'put both back together to recover them.',
        )
    }
    store.state = state ?? EMPTY_STATE
    store.sessions =
      (await read('sessions.json', sessionsSchema, "The platform's login sessions", 'clients log in again')) ?? {}
    const previous = await read(
      'secrets.json',
      secretsSchema,
      "The platform's secrets (machine token, link key)",
      'new ones are made: signed links given out before stop working, and a new machine token is printed unless one is set',
    )
    let tokenWasGenerated = false
    let token = machineToken ?? previous?.machineToken
    if (!token) {
      token = randomBytes(24).toString('base64url')
      tokenWasGenerated = true
    }
    const secrets: PlatformSecrets = {
      machineToken: token,
      linkSecret: previous?.linkSecret ?? randomBytes(32).toString('hex'),
      userId: previous?.userId ?? randomUUID(),
    }
    if (!previous || previous.machineToken !== secrets.machineToken) {
      await writeFileAtomic(join(dataDir, 'secrets.json'), JSON.stringify(secrets, null, 2) + '\n', PRIVATE)
    }
    return { store, secrets, tokenWasGenerated, damaged }
  }

  /** The current state (immutable snapshot). */
  get current(): PlatformState {
    return this.state
  }

  /** Applies `change` to the state and writes it atomically; changes run one at a time. */
  update(change: (state: PlatformState) => PlatformState): Promise<PlatformState> {
    return this.writes.run(async () => {
      const next = change(this.state)
      await writeFileAtomic(join(this.dataDir, 'state.json'), JSON.stringify(next, null, 1) + '\n')
      this.state = next
      return next
    })
  }

  /** Changes one environment of a site (which must exist). */
  updateEnvironment(
    siteId: string,
    env: string,
    change: (record: EnvironmentRecord) => EnvironmentRecord,
  ): Promise<PlatformState> {
    return this.update((state) => {
      const record = findEnvironment(state, siteId, env)
      if (!record) throw new Error(`Environment ${env} of site ${siteId} does not exist.`)
      const envs = Object.fromEntries(siteEnvironments(state, siteId))
      return { ...state, environments: { ...state.environments, [siteId]: { ...envs, [env]: change(record) } } }
    })
  }

  /** The session `id` if it exists and has not expired. */
  session(id: string, now = Date.now() / 1000): SessionRecord | undefined {
    const found = Object.hasOwn(this.sessions, id) ? this.sessions[id] : undefined
    return found && found.expiresAt > now ? found : undefined
  }

  /** Stores a new session (dropping expired ones) and returns its id. */
  addSession(record: SessionRecord): Promise<string> {
    return this.writes.run(async () => {
      const now = Date.now() / 1000
      const id = `${record.userId}:${randomUUID()}:${randomBytes(9).toString('base64url')}`
      const next: Record<string, SessionRecord> = {}
      for (const [key, value] of Object.entries(this.sessions)) if (value.expiresAt > now) next[key] = value
      next[id] = record
      await writeFileAtomic(join(this.dataDir, 'sessions.json'), JSON.stringify(next) + '\n', PRIVATE)
      this.sessions = next
      return id
    })
  }
}
