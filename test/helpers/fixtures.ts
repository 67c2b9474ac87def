/**
 * Pantheon's answers as the project keeps them (test/fixtures/pantheon, distilled from
 * Terminus's test recordings; its README says how), and a fake `fetch` that replays them.
 * Every file is checked against a schema when read, so a hand edit that breaks the format
 * fails here with the file's name rather than somewhere deep in a test.
 */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

/** The repository root (this file is test/helpers/fixtures.ts). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** Where the project's Pantheon fixtures live. */
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures', 'pantheon')
const sessionsDir = path.join(fixturesDir, 'sessions')

const exchangeSchema = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    /** Path with query, no host: `/api/sites/x?site_state=true`. */
    path: z.string().startsWith('/api/'),
    /** The JSON body Terminus sent, if any. */
    sent: z.unknown().optional(),
    status: z.number().int().min(100).max(599),
    /** The JSON answer (trimmed to what the client reads), ... */
    answer: z.unknown().optional(),
    /** ... or the raw text of an answer that is not JSON (Pantheon sends an empty body for an empty catalog). */
    answerText: z.string().optional(),
  })
  .strict()
  .refine((e) => (e.answer === undefined) !== (e.answerText === undefined), {
    message: 'an exchange has exactly one of "answer" and "answerText"',
  })

const sessionSchema = z.object({ source: z.string().min(1), exchanges: z.array(exchangeSchema).min(1) }).strict()

/** A field's JSON type(s) (`"string"`, `"number|string"`), a spelled-out object, or `[element]` / `[]`. */
export type Shape = string | readonly Shape[] | { readonly [key: string]: Shape }
const shapeSchema: z.ZodType<Shape> = z.lazy(() =>
  z.union([
    z.string().regex(/^(string|number|boolean|null|object|array)(\|(string|number|boolean|null))*$/),
    z.array(shapeSchema).max(1),
    z.record(z.string(), shapeSchema),
  ]),
)

const shapesSchema = z
  .object({
    source: z.string().min(1),
    opaque: z.array(z.string()),
    operations: z.record(
      z.string(),
      z.object({ request: z.string(), recordings: z.array(z.string()).min(1), shape: shapeSchema }).strict(),
    ),
  })
  .strict()

/** What Pantheon's successful answers to each operation contain: field names and JSON types. */
export type RecordedShapes = z.output<typeof shapesSchema>

/** One recorded request and its answer. */
export interface RecordedExchange {
  readonly request: {
    readonly method: string
    /** Path without host, query included: `/api/sites/x?site_state=true`. */
    readonly path: string
    readonly pathname: string
    /** The JSON text Terminus sent, or null. */
    readonly body: string | null
  }
  readonly response: {
    readonly status: number
    readonly body: string
  }
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new Error(`No ${what} at ${file}. Run listFixtures() to see which exist.`, { cause: error })
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}); fix the file or restore it from git.`, {
      cause: error,
    })
  }
}

function validated<S extends z.ZodType>(schema: S, value: unknown, file: string): z.output<S> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  throw new Error(
    `${file} is not in the fixture format (${issue?.message ?? 'invalid'} at "${issue?.path.join('.') ?? ''}"); ` +
      'see test/fixtures/pantheon/README.md for the format.',
  )
}

/** Names of every recorded session (`site-list`, `backup-list`, ...), sorted. */
export async function listFixtures(): Promise<string[]> {
  return (await readdir(sessionsDir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort()
}

/** Loads one recorded session, in the order Terminus made its requests. */
export async function loadFixture(name: string): Promise<RecordedExchange[]> {
  const file = path.join(sessionsDir, `${name}.json`)
  const session = validated(sessionSchema, await readJson(file, `recorded session named "${name}"`), file)
  return session.exchanges.map((e) => ({
    request: {
      method: e.method,
      path: e.path,
      pathname: new URL(e.path, 'http://fixture').pathname,
      body: e.sent === undefined ? null : JSON.stringify(e.sent),
    },
    response: { status: e.status, body: e.answerText ?? JSON.stringify(e.answer) },
  }))
}

/** Loads the field names and types of Pantheon's answers, per operation. */
export async function loadShapes(): Promise<RecordedShapes> {
  const file = path.join(fixturesDir, 'shapes.json')
  return validated(shapesSchema, await readJson(file, 'shapes file'), file)
}

/** A request the replaying fetch saw. */
export interface ReplayedCall {
  readonly method: string
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | null
  /** The recording that answered it. */
  readonly exchange: RecordedExchange
}

/** A fetch that answers from recordings, and what it was asked. */
export interface ReplayFetch {
  readonly fetch: (url: string, init: RequestInit) => Promise<Response>
  readonly calls: readonly ReplayedCall[]
  /** Recorded exchanges nobody asked for yet. */
  unused(): RecordedExchange[]
}

/**
 * Replays recorded exchanges by method + path, ignoring the host (the
 * recordings were made against a Pantheon test host). The query is compared
 * when an unused exchange matches it exactly, else ignored, because Terminus
 * adds parameters (`?site_state=true`) the contract does not need. Exchanges
 * are used in recorded order, one answer each; when every match is used up the
 * last one answers again (a poll may repeat). An unrecorded request fails
 * loudly with the list of what was recorded. Every recorded answer was
 * `application/json`, so every replayed one is.
 */
export function replayFetch(exchanges: readonly RecordedExchange[]): ReplayFetch {
  const used = new Set<number>()
  const calls: ReplayedCall[] = []
  const replay = async (url: string, init: RequestInit): Promise<Response> => {
    const u = new URL(url)
    const method = (init.method ?? 'GET').toUpperCase()
    const candidates = exchanges
      .map((e, i) => [e, i] as const)
      .filter(([e]) => e.request.method === method && e.request.pathname === u.pathname)
    const pick =
      candidates.find(([e, i]) => !used.has(i) && e.request.path === u.pathname + u.search) ??
      candidates.find(([, i]) => !used.has(i)) ??
      candidates.at(-1)
    if (!pick) {
      const recorded = exchanges.map((e) => `  ${e.request.method} ${e.request.path}`).join('\n')
      throw new Error(`No recorded exchange for ${method} ${u.pathname}${u.search}. Recorded:\n${recorded}`)
    }
    const [exchange, index] = pick
    used.add(index)
    const headers = new Headers(init.headers)
    calls.push({
      method,
      path: u.pathname + u.search,
      headers: Object.fromEntries(headers.entries()),
      body: typeof init.body === 'string' ? init.body : null,
      exchange,
    })
    const { status, body } = exchange.response
    return new Response(status === 204 ? null : body, { status, headers: { 'Content-Type': 'application/json' } })
  }
  return {
    fetch: replay,
    calls,
    unused: () => exchanges.filter((_, i) => !used.has(i)),
  }
}
