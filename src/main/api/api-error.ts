/**
 * How a failed platform call is told to the person using the app: the one error type, what is
 * worth keeping of an error body (JSON, text or an HTML page), and the wording of waits, network
 * failures and the platform's own words. The request core (http.ts) raises these.
 */
import { scrubSystemText, systemErrorCode, systemErrorPhrase } from '../errors'

/** Stable error codes; a platform may send others in `{"error", "code"}` bodies. */
export type PlatformErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'bad_request'
  | 'too_large'
  | 'rate_limited'
  | 'server'
  | 'network'
  | 'bad_response'
  | 'expired_link'

/** A platform call that failed; `message` is written for the person using the app. */
export class PlatformApiError extends Error {
  /** HTTP status, or null when no answer arrived. */
  readonly status: number | null
  /** One of {@link PlatformErrorCode}, or a code the platform sent itself. */
  readonly code: string
  /** The platform's own words, if it said anything (secrets removed). */
  readonly detail?: string

  constructor(init: {
    readonly status: number | null
    readonly code: string
    readonly message: string
    readonly detail?: string
  }) {
    super(init.message)
    this.name = 'PlatformApiError'
    this.status = init.status
    this.code = init.code
    if (init.detail !== undefined) this.detail = init.detail
  }
}

/** The parts of an error body worth keeping. */
export interface ErrorBody {
  readonly message: string | null
  readonly code: string | null
}

const MAX_DETAIL = 300

/**
 * Reads an error body in any of the shapes platforms send: a JSON string
 * (Pantheon: `"A site named x was not found."`), `{"error": "...", "code": "..."}`
 * (the embedded platform's extensions, also `message`), or plain text / HTML.
 */
export function parseErrorBody(text: string, contentType: string | null = null): ErrorBody {
  const trimmed = text.trim()
  if (trimmed === '') return { message: null, code: null }
  try {
    const value: unknown = JSON.parse(trimmed)
    if (typeof value === 'string') return { message: clip(value), code: null }
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const record = value as Record<string, unknown>
      const message = [record.error, record.message, record.reason, record.detail].find(
        (v) => typeof v === 'string' && v.trim() !== '',
      )
      const code = typeof record.code === 'string' && /^[a-z][a-z0-9_]*$/.test(record.code) ? record.code : null
      return { message: typeof message === 'string' ? clip(message) : null, code }
    }
  } catch {
    // not JSON: plain text or HTML below
  }
  if ((contentType ?? '').includes('html') || /^<(!doctype|html|head|body|\?xml)/i.test(trimmed)) {
    const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(trimmed)?.[1]
    const heading = /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(trimmed)?.[1]
    const source = title ?? heading ?? trimmed.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    const textOnly = decodeEntities(source.replace(/<[^>]+>/g, ' '))
    return { message: clip(textOnly) || null, code: null }
  }
  return { message: clip(trimmed), code: null }
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > MAX_DETAIL ? `${oneLine.slice(0, MAX_DETAIL - 1)}…` : oneLine
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
}

/** `Lead (HTTP 403): what the platform said.` — one sentence whatever the platform's punctuation. */
export function compose(lead: string, status: number, said: string | null | undefined): string {
  if (!said) return `${lead} (HTTP ${status}).`
  return `${lead} (HTTP ${status}): ${/[.!?…]$/.test(said) ? said : `${said}.`}`
}

/**
 * A platform call in words, for sentences like "The platform refused <op> (HTTP 403)": what was
 * asked for, naming the environment and backup part where the path does, never the path itself
 * (it holds user and site ids, which mean nothing to the person reading).
 */
export function describeOp(method: string | undefined, path: string): string {
  const verb = (method ?? 'GET').toUpperCase()
  const segments = (path.split('?')[0] ?? '')
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => {
      try {
        return decodeURIComponent(segment)
      } catch {
        return segment
      }
    })
  // A base URL's own `/api` (Pantheon's paths start under it) says nothing about the call.
  if (segments[0] === 'api') segments.shift()
  const [root, , kind, env, ...rest] = segments
  if (root === 'authorize') return 'the login with the machine token'
  if (root === 'users') {
    if (segments[2] === 'memberships' && segments[3] === 'sites') return 'the request for your sites'
    if (segments[2] === 'memberships' && segments[3] === 'organizations') return 'the request for your organizations'
    return segments.length === 2 ? 'the request for your account' : 'a request about your account'
  }
  if (root === 'site-names') return `the request for the site named “${segments[1] ?? ''}”`
  if (root !== 'sites') return 'a request'
  if (kind === undefined) return 'the request for the site’s details'
  if (kind === 'workflows')
    return env === undefined
      ? verb === 'GET'
        ? 'the request for the site’s workflows'
        : 'the start of a workflow on the site'
      : 'the request for a workflow’s status'
  if (kind !== 'environments') return 'a request about the site'
  if (env === undefined) return 'the request for the site’s environments'
  const [area, ...more] = rest
  const of = `${env}’s`
  switch (area) {
    case undefined:
      return `the request for the ${env} environment`
    case 'backups':
      if (more[0] === 'catalog' && more.length >= 4 && more[3] === 's3token')
        return `the request for a download link to ${of} ${more[2]} backup`
      if (more[0] === 'catalog') return `the request for ${of} backups`
      if (more[0] === 'schedule') return `the request for ${of} backup schedule`
      return `a request about ${of} backups`
    case 'workflows':
      return verb === 'GET' ? `the request for ${of} workflows` : `the start of a workflow on ${env}`
    case 'code-log':
      return `the request for ${of} code log`
    case 'connection-info':
      return `the request for ${of} connection details`
    case 'content-summary':
      return `the request for ${of} content summary`
    case 'domains':
      return `the request for ${of} domains`
    case 'uploads':
      return more[0] === 'limits' ? `the request for ${of} upload limits` : `an upload to ${env}`
    default:
      return `a request about ${env}`
  }
}

/** Seconds or an HTTP date → ms from now (never negative); null if absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === '') return null
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}

export function formatWait(ms: number | null): string {
  if (ms === null) return 'a while'
  const seconds = Math.ceil(ms / 1000)
  return seconds < 120 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`
}

/** Why no answer arrived, in words: a timeout, or what the system error means (never its errno code). */
export function networkReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError')
    return `no answer within ${Math.round(timeoutMs / 1000)} s`
  const code = systemErrorCode(error)
  if (code !== undefined) return systemErrorPhrase(code)
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause
    const message = cause && typeof cause === 'object' ? (cause as { message?: unknown }).message : undefined
    return scrubSystemText(typeof message === 'string' ? message : error.message)
  }
  return scrubSystemText(String(error))
}
