/**
 * Wire shapes of the platform API and their translation into the app's
 * models (src/shared/platform-types.ts).
 *
 * The schemas are deliberately lenient: they require only what the app
 * cannot do without and accept the many extra fields and nulls Pantheon
 * sends (see the recordings in test/fixtures/pantheon), so the same
 * parsers serve Pantheon and the embedded platform. Anything the app does
 * need but cannot read becomes a `bad_response` PlatformApiError.
 */
import { z } from 'zod'
import type {
  BackupSchedule,
  BackupScheduleDay,
  CodeLogEntry,
  ConnectionInfo,
  Environment,
  EnvironmentContent,
  EnvironmentDomain,
  PlatformUser,
  Site,
  UploadLimits,
  UploadTarget,
  Workflow,
  WorkflowMessage,
  WorkflowResult,
} from '../../shared/platform-types'
import { PlatformApiError } from './api-error'
import { lenientNumber, secondsToMs } from './time'

/** Validates `value` against `schema`, or fails with a message naming the operation and the field. */
export function parseWire<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const where = issue && issue.path.length > 0 ? ` at "${issue.path.join('.')}"` : ''
  throw new PlatformApiError({
    status: 200,
    code: 'bad_response',
    message:
      `The platform's answer for ${what} is not in the expected shape (${issue?.message ?? 'invalid'}${where}). ` +
      'Check that the connection points at a supported platform; if it does, report this with the platform name.',
  })
}

/** true/1/"1"/"true" → true; anything else, including absent, → false. */
const flag = z
  .unknown()
  .optional()
  .transform((v) => v === true || v === 1 || v === '1' || v === 'true')
const optString = z.string().nullish()
const optNumber = z.number().nullish()
/** PHP serializes an empty map as `[]`; treat any non-object as empty. */
const looseRecord = z
  .unknown()
  .optional()
  .transform((v): Record<string, unknown> =>
    v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {},
  )

// ---- users -----------------------------------------------------------------

export const userWire = z.object({
  id: z.string(),
  email: z.string().nullish(),
  profile: z.object({ full_name: optString }).nullish(),
})

/** `GET /users/{id}` → PlatformUser. */
export function toUser(wire: z.output<typeof userWire>): PlatformUser {
  return { id: wire.id, email: wire.email ?? '', fullName: wire.profile?.full_name || null }
}

// ---- sites -----------------------------------------------------------------

export const siteWire = z.object({
  id: z.string(),
  name: z.string(),
  label: optString,
  attributes: z.object({ label: optString }).nullish(),
  framework: optString,
  created: lenientNumber,
  owner: optString,
  plan_name: optString,
  frozen: flag,
})

export const membershipWire = z.object({
  id: z.string(),
  role: optString,
  site: siteWire,
})

/** A user's membership of an organization (Pantheon); the org id is `organization.id`, else the row id. */
export const orgMembershipWire = z.object({
  id: z.string(),
  role: optString,
  organization: z.object({ id: z.string() }).nullish(),
})

export const siteNameWire = z.object({ id: z.string(), name: z.string() })

/** A site record (from `/sites/{id}` or a membership) → Site. */
export function toSite(wire: z.output<typeof siteWire>, role: string | null = null): Site {
  return {
    id: wire.id,
    name: wire.name,
    // Membership listings carry the label only under `attributes`.
    label: wire.label || wire.attributes?.label || wire.name,
    framework: wire.framework ?? 'unknown',
    createdAt: secondsToMs(wire.created),
    owner: wire.owner ?? null,
    planName: wire.plan_name ?? null,
    frozen: wire.frozen,
    role,
  }
}

// ---- environments ----------------------------------------------------------

export const environmentWire = z.object({
  target_ref: optString,
  target_commit: optString,
  environment_created: lenientNumber,
  on_server_development: flag,
  lock: z.object({ locked: flag, username: optString }).nullish(),
  dns_zone: optString,
})

export const environmentsWire = z.record(z.string(), environmentWire).nullable()

const STANDARD_ORDER: Readonly<Record<string, number>> = { dev: 0, test: 1, live: 2 }

/** One entry of `GET /sites/{id}/environments` → Environment. */
export function toEnvironment(name: string, wire: z.output<typeof environmentWire>): Environment {
  const ref = wire.target_ref || null
  const kind = name === 'dev' || name === 'test' || name === 'live' ? name : 'multidev'
  const branch = ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null
  const tag = ref?.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : null
  const deployNumber = tag ? /_(\d+)$/.exec(tag)?.[1] : undefined
  return {
    name,
    kind,
    isLive: name === 'live',
    targetRef: ref,
    targetCommit: wire.target_commit || null,
    branch,
    deployTag: tag,
    deployNumber: deployNumber === undefined ? null : Number(deployNumber),
    initialized: Boolean(wire.target_commit),
    createdAt: secondsToMs(wire.environment_created),
    onServerDevelopment: wire.on_server_development,
    locked: wire.lock?.locked ?? false,
    lockUsername: wire.lock?.username ?? null,
    dnsZone: wire.dns_zone ?? null,
  }
}

/** The environments map → dev, test, live, then multidevs by name. */
export function toEnvironments(wire: z.output<typeof environmentsWire>): Environment[] {
  return Object.entries(wire ?? {})
    .map(([name, env]) => toEnvironment(name, env))
    .sort((a, b) => (STANDARD_ORDER[a.name] ?? 3) - (STANDARD_ORDER[b.name] ?? 3) || a.name.localeCompare(b.name))
}

export const connectionInfoWire = z.object({ git_url: z.string(), git_protocol: optString })

/** `connection-info` → ConnectionInfo. */
export function toConnectionInfo(wire: z.output<typeof connectionInfoWire>): ConnectionInfo {
  return { gitUrl: wire.git_url, gitProtocol: wire.git_protocol ?? new URL(wire.git_url).protocol.replace(':', '') }
}

export const domainsWire = z.array(z.object({ id: z.string(), type: optString })).nullable()

/** `GET .../domains` → EnvironmentDomain[]. */
export function toDomains(wire: z.output<typeof domainsWire>): EnvironmentDomain[] {
  return (wire ?? []).map((d) => ({ id: d.id, type: d.type ?? 'unknown' }))
}

export const contentSummaryWire = z.object({
  database: z.object({ size: lenientNumber, modified: lenientNumber }).nullish(),
  files: z.object({ count: lenientNumber, size: lenientNumber, modified: lenientNumber }).nullish(),
})

/** [ext] `GET .../content-summary` (sizes in bytes, times in epoch seconds) → EnvironmentContent. */
export function toEnvironmentContent(wire: z.output<typeof contentSummaryWire>): EnvironmentContent {
  const nonNegative = (n: number | null | undefined): number | null => (typeof n === 'number' && n >= 0 ? n : null)
  return {
    database: { size: nonNegative(wire.database?.size), modifiedAt: secondsToMs(wire.database?.modified) },
    files: {
      count: nonNegative(wire.files?.count) ?? 0,
      size: nonNegative(wire.files?.size) ?? 0,
      modifiedAt: secondsToMs(wire.files?.modified),
    },
  }
}

// ---- code log --------------------------------------------------------------

export const codeLogWire = z
  .array(
    z.object({
      hash: z.string(),
      parents: z.array(z.string()).nullish(),
      author: optString,
      email: optString,
      datetime: z.string(),
      message: optString,
      labels: z.array(z.string()).nullish(),
    }),
  )
  .nullable()

/** A platform time with or without a zone; zone-less means UTC. Null if unreadable. */
export function parseUtc(text: string): number | null {
  const hasZone = /(z|[+-]\d\d:?\d\d)$/i.test(text.trim())
  const ms = Date.parse(hasZone ? text : `${text.trim().replace(' ', 'T')}Z`)
  return Number.isNaN(ms) ? null : ms
}

/** `GET .../code-log` → CodeLogEntry[] (newest first, as sent). */
export function toCodeLog(wire: z.output<typeof codeLogWire>): CodeLogEntry[] {
  return (wire ?? []).map((c) => {
    const committedAt = parseUtc(c.datetime)
    if (committedAt === null) {
      throw new PlatformApiError({
        status: 200,
        code: 'bad_response',
        message: `The platform's code log has a commit (${c.hash.slice(0, 8)}) with an unreadable time "${c.datetime}". Report this with the platform name.`,
      })
    }
    return {
      hash: c.hash,
      parents: c.parents ?? [],
      author: c.author ?? '',
      email: c.email ?? '',
      committedAt,
      message: c.message ?? '',
      labels: c.labels ?? [],
    }
  })
}

// ---- backups: schedule and links ---------------------------------------------

export const scheduleWire = z.record(z.string(), z.object({ hour: optNumber, ttl: optNumber }).nullable()).nullable()

/** `GET .../backups/schedule` → BackupSchedule. */
export function toSchedule(wire: z.output<typeof scheduleWire>): BackupSchedule {
  const days: BackupScheduleDay[] = []
  for (let day = 0; day < 7; day++) {
    const entry = wire?.[String(day)]
    days.push({ day, hour: entry?.hour ?? null, ttlSeconds: entry?.ttl ?? null })
  }
  const active = days.filter((d) => d.hour !== null)
  const ttls = active.map((d) => d.ttlSeconds).filter((t): t is number => t !== null)
  const maxTtl = ttls.length ? Math.max(...ttls) : null
  const minTtl = ttls.length ? Math.min(...ttls) : null
  const hours = active.map((d) => d.hour as number)
  const hour = hours.length ? mostCommon(hours) : null
  const weekly =
    maxTtl !== null && minTtl !== null && maxTtl > minTtl ? active.find((d) => d.ttlSeconds === maxTtl) : undefined
  return {
    enabled: active.length > 0,
    days,
    hour,
    weeklyDay: weekly?.day ?? null,
    dailyTtlSeconds: minTtl,
    weeklyTtlSeconds: weekly ? maxTtl : null,
  }
}

function mostCommon(values: readonly number[]): number {
  const counts = new Map<number, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0]
}

export const signedUrlWire = z.object({ url: z.url() })

export const uploadWire = z.object({
  url: z.url(),
  download_url: z.url(),
  expires_at: z.number().nullish(),
})

/** `POST .../uploads` → UploadTarget. */
export function toUploadTarget(wire: z.output<typeof uploadWire>): UploadTarget {
  return { url: wire.url, downloadUrl: wire.download_url, expiresAt: secondsToMs(wire.expires_at) }
}

export const uploadLimitsWire = z.object({
  max_bytes: z.number().int().nonnegative(),
  formats: z.array(z.string()),
})

/** `GET .../uploads/limits` → UploadLimits. */
export function toUploadLimits(wire: z.output<typeof uploadLimitsWire>): UploadLimits {
  return { maxBytes: wire.max_bytes, formats: wire.formats }
}

// ---- workflows ---------------------------------------------------------------

const messagesWire = z
  .unknown()
  .optional()
  .transform((v): WorkflowMessage[] => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return []
    const out: WorkflowMessage[] = []
    for (const [at, entry] of Object.entries(v as Record<string, unknown>)) {
      if (!entry || typeof entry !== 'object') continue
      const { message, level } = entry as { message?: unknown; level?: unknown }
      if (typeof message === 'string') out.push({ at, message, level: typeof level === 'string' ? level : 'INFO' })
    }
    // ISO times without zone sort correctly as text.
    return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
  })

export const workflowWire = z.object({
  id: z.string(),
  type: z.string(),
  site_id: optString,
  environment: optString,
  environment_id: optString,
  params: looseRecord,
  description: optString,
  active_description: optString,
  phase: optString,
  result: optString,
  reason: optString,
  step: optNumber,
  number_of_tasks: optNumber,
  // Times are read leniently and clamped (./time): an odd one must not fail the workflow.
  created_at: lenientNumber,
  started_at: lenientNumber,
  finished_at: lenientNumber,
  final_task: z.object({ reason: optString, messages: messagesWire }).nullish(),
})

export const workflowListWire = z.array(workflowWire).nullable()

function toResult(result: string | null | undefined): WorkflowResult | null {
  if (result === null || result === undefined || result === '') return null
  if (result === 'succeeded' || result === 'failed' || result === 'aborted') return result
  // An unknown outcome is not a success the user should rely on.
  return 'failed'
}

/**
 * A workflow record → Workflow. Finished = `result` set; the failure text is
 * `final_task.reason`, else the last message, else the workflow's own reason,
 * else "Workflow failed." (the contract's rule, with Pantheon's top-level
 * `reason` as one more place to look).
 */
export function toWorkflow(wire: z.output<typeof workflowWire>, siteId = ''): Workflow {
  const result = toResult(wire.result)
  const messages = wire.final_task?.messages ?? []
  const finished = result !== null
  const succeeded = result === 'succeeded'
  const failureReason =
    finished && !succeeded
      ? wire.final_task?.reason?.trim() || messages.at(-1)?.message.trim() || wire.reason?.trim() || 'Workflow failed.'
      : null
  return {
    id: wire.id,
    type: wire.type,
    siteId: wire.site_id ?? siteId,
    environment: wire.environment ?? wire.environment_id ?? null,
    params: wire.params,
    description: wire.description ?? wire.type,
    activeDescription: wire.active_description ?? wire.description ?? wire.type,
    phase: wire.phase ?? (finished ? 'finished' : 'created'),
    result,
    step: wire.step ?? null,
    numberOfTasks: wire.number_of_tasks ?? null,
    createdAt: secondsToMs(wire.created_at),
    startedAt: secondsToMs(wire.started_at),
    finishedAt: secondsToMs(wire.finished_at),
    messages,
    finished,
    succeeded,
    failureReason,
  }
}
