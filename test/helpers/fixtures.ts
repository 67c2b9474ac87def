/**
 * Pantheon's recorded API exchanges (Terminus's php-vcr cassettes), read from
 * ../shared/pantheon-fixtures at test time, and a fake `fetch` that replays
 * them. The recordings are never copied into this repository.
 */
import { access, readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

/** The repository root (this file is test/helpers/fixtures.ts). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** Where the recordings live: next to the repository, in ../shared. */
export const fixturesDir = path.resolve(repoRoot, '../shared/pantheon-fixtures')

/** One recorded request and its answer. */
export interface RecordedExchange {
  readonly request: {
    readonly method: string
    readonly url: string
    /** Path without host, query included: `/api/sites/x?site_state=true`. */
    readonly path: string
    readonly pathname: string
    readonly headers: Readonly<Record<string, string>>
    readonly body: string | null
  }
  readonly response: {
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    readonly body: string
  }
}

async function ensureFixturesDir(): Promise<void> {
  try {
    await access(fixturesDir)
  } catch {
    throw new Error(
      `The Pantheon recordings are missing: expected them at ${fixturesDir} (../shared/pantheon-fixtures next to the ` +
        'repository). The contract tests read them from there and never from the repository; check out or mount ' +
        'the shared folder and run the tests again.',
    )
  }
}

/** Names of every recording, without `.yml`, sorted. */
export async function listFixtures(): Promise<string[]> {
  await ensureFixturesDir()
  return (await readdir(fixturesDir))
    .filter((f) => f.endsWith('.yml'))
    .map((f) => f.slice(0, -'.yml'.length))
    .sort()
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      if (v !== null && v !== undefined) out[k] = String(v)
  }
  return out
}

/** Loads one recording (`site-list`, `backup-list`, ...). */
export async function loadFixture(name: string): Promise<RecordedExchange[]> {
  await ensureFixturesDir()
  const file = path.join(fixturesDir, `${name}.yml`)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    throw new Error(`No recording named "${name}" in ${fixturesDir}. Run listFixtures() to see which exist.`)
  }
  const doc: unknown = parse(text)
  if (!Array.isArray(doc)) throw new Error(`${file} is not a php-vcr cassette (expected a list of exchanges).`)
  return doc.map((raw: { request: Record<string, unknown>; response: Record<string, unknown> }) => {
    const url = new URL(String(raw.request.url))
    const status = (raw.response.status ?? {}) as { code?: unknown }
    const body = raw.request.body
    return {
      request: {
        method: String(raw.request.method).toUpperCase(),
        url: url.href,
        path: url.pathname + url.search,
        pathname: url.pathname,
        headers: stringMap(raw.request.headers),
        body: typeof body === 'string' && body !== '' ? body : null,
      },
      response: {
        status: Number(status.code),
        headers: stringMap(raw.response.headers),
        body: typeof raw.response.body === 'string' ? raw.response.body : '',
      },
    }
  })
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
 * recordings were made against `https://onebox`). The query is compared when
 * an unused exchange matches it exactly, else ignored, because Terminus adds
 * parameters (`?site_state=true`) the contract does not need. Exchanges are
 * used in recorded order, one answer each; when every match is used up the
 * last one answers again (a poll may repeat). An unrecorded request fails
 * loudly with the list of what was recorded.
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
    const contentType = exchange.response.headers['Content-Type'] ?? 'application/json'
    return new Response(status === 204 ? null : body, { status, headers: { 'Content-Type': contentType } })
  }
  return {
    fetch: replay,
    calls,
    unused: () => exchanges.filter((_, i) => !used.has(i)),
  }
}
