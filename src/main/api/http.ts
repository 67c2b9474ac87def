/**
 * The one request core every platform call goes through.
 *
 * It owns the session: it logs in with the machine token on first use, sends
 * `Authorization: Bearer <session>`, logs in again once when the platform
 * answers 401, and gives up after that. Transient failures (connection
 * errors, 5xx, 429) are retried with exponential back-off and jitter,
 * honouring Retry-After; 2xx and 400–409 never are, so a request the
 * platform understood is never sent twice. Every failure becomes one
 * {@link PlatformApiError} (api-error.ts) whose message says what happened and what to do;
 * the machine token and the session are scrubbed from anything it carries.
 */
import { setTimeout as delay } from 'node:timers/promises'
import {
  compose,
  describeOp,
  formatWait,
  networkReason,
  parseErrorBody,
  parseRetryAfter,
  PlatformApiError,
  type ErrorBody,
} from './api-error'
import { secondsToMs } from './time'

/** Pantheon's API root, as Terminus uses it. */
export const PANTHEON_API_BASE = 'https://terminus.pantheon.io/api'

/** What the core needs of `fetch`; the global one fits. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>

/** Waits `ms`, rejecting with the signal's reason when it aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>

/**
 * Builds an API path, percent-encoding every interpolated value so that a
 * site id or folder name can never change which endpoint is called.
 */
export function apiPath(strings: TemplateStringsArray, ...values: readonly (string | number)[]): string {
  return strings.reduce(
    (out, part, i) => out + part + (i < values.length ? encodeURIComponent(String(values[i])) : ''),
    '',
  )
}

/** What login tells us, minus the secret session itself. */
export interface SessionInfo {
  readonly userId: string
  /** When the session ends (epoch ms), if the platform said. */
  readonly expiresAt: number | null
}

/** Settings of the request core. */
export interface PlatformHttpOptions {
  /** `https://terminus.pantheon.io/api` or `http://127.0.0.1:N/api`. */
  readonly baseUrl: string
  readonly machineToken: string
  /** Sent as `client` at login. */
  readonly clientName?: string
  readonly fetch?: FetchLike
  readonly sleep?: Sleep
  /** In [0, 1); the jitter source. */
  readonly random?: () => number
  /** Epoch ms; for session expiry and Retry-After dates. */
  readonly now?: () => number
  /** Tries per request including the first (default 4). */
  readonly maxAttempts?: number
  /** First back-off step in ms (default 500); doubles each retry. */
  readonly baseDelayMs?: number
  /** Longest single back-off in ms (default 8 s). */
  readonly maxDelayMs?: number
  /** A Retry-After longer than this (default 60 s) is not waited out in-request. */
  readonly maxRetryAfterMs?: number
  /** Per-attempt limit in ms before the attempt counts as a connection failure (default 60 s). */
  readonly timeoutMs?: number
}

/** One request through the core. */
export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** Sent as JSON. */
  readonly body?: unknown
  readonly query?: Readonly<Record<string, string | number | undefined>>
  readonly signal?: AbortSignal
}

interface Session {
  readonly token: string
  readonly userId: string
  readonly expiresAt: number | null
}

const defaultSleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, signal ? { signal } : undefined)
}

/** Re-login this long before the platform's stated expiry. */
const EXPIRY_MARGIN_MS = 60_000

/** The request core: one per connection. */
export class PlatformHttp {
  readonly baseUrl: string
  private readonly machineToken: string
  private readonly clientName: string
  private readonly fetchImpl: FetchLike
  private readonly sleep: Sleep
  private readonly random: () => number
  private readonly now: () => number
  private readonly maxAttempts: number
  private readonly baseDelayMs: number
  private readonly maxDelayMs: number
  private readonly maxRetryAfterMs: number
  private readonly timeoutMs: number
  private session: Session | null = null
  private loginInFlight: Promise<Session> | null = null
  /** Every secret we have held, so none can leak into an error even after rotation. */
  private readonly secrets = new Set<string>()

  constructor(options: PlatformHttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.machineToken = options.machineToken
    this.clientName = options.clientName ?? 'restore-desk'
    this.fetchImpl = options.fetch ?? ((url, init) => fetch(url, init))
    this.sleep = options.sleep ?? defaultSleep
    this.random = options.random ?? Math.random
    this.now = options.now ?? Date.now
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4)
    this.baseDelayMs = options.baseDelayMs ?? 500
    this.maxDelayMs = options.maxDelayMs ?? 8_000
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000
    this.timeoutMs = options.timeoutMs ?? 60_000
    if (this.machineToken) this.secrets.add(this.machineToken)
  }

  /** The logged-in user's id, or null before the first login. */
  get userId(): string | null {
    return this.session?.userId ?? null
  }

  /** Logs in with the machine token (always a fresh session). */
  async login(signal?: AbortSignal): Promise<SessionInfo> {
    const session = await this.freshSession(null, signal)
    return { userId: session.userId, expiresAt: session.expiresAt }
  }

  /** Logs in unless a session that is not about to expire is at hand. */
  async ensureSession(signal?: AbortSignal): Promise<SessionInfo> {
    const session = await this.currentSession(signal)
    return { userId: session.userId, expiresAt: session.expiresAt }
  }

  /**
   * Sends an authorized request and returns the parsed JSON body (null for an
   * empty body). Logs in first if needed, and once more on a 401.
   */
  async request(path: string, options: RequestOptions = {}): Promise<unknown> {
    let session = await this.currentSession(options.signal)
    try {
      return await this.send(path, options, session.token)
    } catch (error) {
      if (!(error instanceof PlatformApiError) || error.status !== 401) throw error
    }
    session = await this.freshSession(session, options.signal)
    try {
      return await this.send(path, options, session.token)
    } catch (error) {
      if (!(error instanceof PlatformApiError) || error.status !== 401) throw error
      throw new PlatformApiError({
        status: 401,
        code: 'unauthorized',
        message:
          compose(
            `The platform refused ${describeOp(options.method, path)} even right after logging in again`,
            401,
            error.detail,
          ) +
          ' The machine token may have been revoked or may not have access to this site: check the token in the ' +
          'connection settings, or create a new one and enter it again.',
        ...(error.detail !== undefined ? { detail: error.detail } : {}),
      })
    }
  }

  private async currentSession(signal?: AbortSignal): Promise<Session> {
    const session = this.session
    if (session && (session.expiresAt === null || session.expiresAt - EXPIRY_MARGIN_MS > this.now())) return session
    return this.freshSession(session, signal)
  }

  /** One login at a time: callers that saw the same stale session share it. */
  private async freshSession(stale: Session | null, signal?: AbortSignal): Promise<Session> {
    if (this.session && this.session !== stale && stale !== null) return this.session
    // The shared login belongs to no single caller, so one caller's abort must not fail the others.
    if (!this.loginInFlight) {
      this.loginInFlight = this.performLogin().finally(() => {
        this.loginInFlight = null
      })
    }
    return abortable(this.loginInFlight, signal)
  }

  private async performLogin(): Promise<Session> {
    if (!this.machineToken) {
      throw new PlatformApiError({
        status: null,
        code: 'unauthorized',
        message: 'No machine token is set for this connection. Enter one in the connection settings.',
      })
    }
    const body = await this.send(
      '/authorize/machine-token',
      { method: 'POST', body: { machine_token: this.machineToken, client: this.clientName } },
      null,
    )
    const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {}
    const token = record.session
    const userId = record.user_id
    if (typeof token !== 'string' || token === '' || typeof userId !== 'string' || userId === '') {
      throw new PlatformApiError({
        status: 200,
        code: 'bad_response',
        message:
          'The platform accepted the machine token but sent no session or user id. Check that the connection URL ' +
          'points at the platform API (it ends in /api).',
      })
    }
    this.secrets.add(token)
    const expires = record.expires_at
    const session: Session = {
      token,
      userId,
      expiresAt: typeof expires === 'number' ? secondsToMs(expires) : null,
    }
    this.session = session
    return session
  }

  /** One logical request with its retries; `token` null means unauthenticated (login). */
  private async send(path: string, options: RequestOptions, token: string | null): Promise<unknown> {
    const method = options.method ?? 'GET'
    const url = this.url(path, options.query)
    const op = describeOp(method, path)
    const isLogin = token === null
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (options.body !== undefined) headers['Content-Type'] = 'application/json'
    if (token !== null) headers.Authorization = `Bearer ${token}`
    const body = options.body === undefined ? undefined : JSON.stringify(options.body)

    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.maxAttempts
      const signal = this.attemptSignal(options.signal)
      let status: number
      let text: string
      let contentType: string | null
      let retryAfter: string | null
      try {
        const response = await this.fetchImpl(url, { method, headers, ...(body !== undefined ? { body } : {}), signal })
        status = response.status
        contentType = response.headers.get('content-type')
        retryAfter = response.headers.get('retry-after')
        text = await response.text()
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason
        if (last) throw this.networkError(op, error, attempt)
        await this.sleep(this.backoff(attempt), options.signal)
        continue
      }

      if (status >= 200 && status < 300) return this.parseSuccess(text, status, op)

      const parsed = parseErrorBody(this.redact(text), contentType)
      // Pantheon answers a bad machine token with 500 and this text; retrying cannot help.
      const badToken =
        isLogin &&
        (status === 401 ||
          status === 403 ||
          (status >= 500 && /authori[sz]ation failed|machine token/i.test(parsed.message ?? '')))
      if (badToken) throw this.badTokenError(status, parsed)
      if (isLogin && (status === 404 || status === 405)) {
        throw new PlatformApiError({
          status,
          code: 'not_found',
          message:
            `There is no platform login at ${this.baseUrl}/authorize/machine-token (HTTP ${status}). Check the ` +
            `connection URL: Pantheon's is ${PANTHEON_API_BASE}; an embedded platform's ends in /api.`,
          ...(parsed.message ? { detail: parsed.message } : {}),
        })
      }

      if (status === 429 || status >= 500) {
        const wait = this.retryDelay(retryAfter, attempt)
        if (!last && wait !== null) {
          await this.sleep(wait, options.signal)
          continue
        }
        throw this.statusError(status, parsed, op, attempt, wait === null ? retryAfter : null)
      }
      throw this.statusError(status, parsed, op, attempt, null)
    }
  }

  private url(path: string, query: RequestOptions['query']): string {
    const search = new URLSearchParams()
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) search.set(key, String(value))
    const qs = search.toString()
    return `${this.baseUrl}${path.startsWith('/') ? '' : '/'}${path}${qs ? `?${qs}` : ''}`
  }

  private attemptSignal(outer: AbortSignal | undefined): AbortSignal {
    const timeout = AbortSignal.timeout(this.timeoutMs)
    return outer ? AbortSignal.any([outer, timeout]) : timeout
  }

  /** Back-off before retry number `attempt`: exponential, with the upper half jittered. */
  private backoff(attempt: number): number {
    const step = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1))
    return Math.round(step / 2 + (this.random() * step) / 2)
  }

  /** How long to wait before retrying, or null if the platform asks for longer than we wait in-request. */
  private retryDelay(retryAfter: string | null, attempt: number): number | null {
    const asked = parseRetryAfter(retryAfter, this.now())
    if (asked === null) return this.backoff(attempt)
    return asked > this.maxRetryAfterMs ? null : asked
  }

  private parseSuccess(text: string, status: number, op: string): unknown {
    if (text.trim() === '') return null
    try {
      return JSON.parse(text)
    } catch {
      throw new PlatformApiError({
        status,
        code: 'bad_response',
        message:
          `The platform answered ${op} with something that is not JSON. Check that the connection URL points at ` +
          'the platform API (it ends in /api) and not at a web page or proxy.',
        detail: parseErrorBody(this.redact(text)).message ?? '',
      })
    }
  }

  private badTokenError(status: number, parsed: ErrorBody): PlatformApiError {
    return new PlatformApiError({
      status,
      code: 'unauthorized',
      message:
        compose(`The platform did not accept the machine token`, status, parsed.message) +
        ' Check the token in the connection settings, or create a new machine token on the platform and enter it again.',
      ...(parsed.message ? { detail: parsed.message } : {}),
    })
  }

  private statusError(
    status: number,
    parsed: ErrorBody,
    op: string,
    attempts: number,
    retryAfter: string | null,
  ): PlatformApiError {
    const said = parsed.message
    const detail = said ? { detail: said } : {}
    const tries = attempts > 1 ? ` after ${attempts} attempts` : ''
    switch (true) {
      case status === 401:
        return new PlatformApiError({
          status,
          code: 'unauthorized',
          message: `${compose(`The platform refused ${op} because the session is not valid`, status, said)} Log in again with the machine token.`,
          ...detail,
        })
      case status === 403:
        return new PlatformApiError({
          status,
          code: parsed.code ?? 'forbidden',
          message:
            compose(`The platform refused ${op}`, status, said) +
            (parsed.code === 'expired_link'
              ? ' Ask the platform for a fresh link and try again.'
              : ' Check that your account has access to this site and environment.'),
          ...detail,
        })
      case status === 404:
        return new PlatformApiError({
          status,
          code: parsed.code ?? 'not_found',
          message: `${said ?? 'The platform found nothing there.'} (HTTP 404 for ${op}.) Check the name, or refresh the list in case it was removed.`,
          ...detail,
        })
      case status === 413:
        return new PlatformApiError({
          status,
          code: parsed.code ?? 'too_large',
          message: `${compose(`The platform refused ${op} as too large`, status, said)} Use a smaller archive.`,
          ...detail,
        })
      case status === 429: {
        const wait = retryAfter ? ` It asked to wait ${formatWait(parseRetryAfter(retryAfter, this.now()))}.` : ''
        return new PlatformApiError({
          status,
          code: 'rate_limited',
          message: `${compose(`The platform is limiting requests and refused ${op}${tries}`, status, said)}${wait} Wait a little and try again.`,
          ...detail,
        })
      }
      case status >= 500:
        return new PlatformApiError({
          status,
          code: 'server',
          message: `${compose(`The platform failed while handling ${op}${tries}`, status, said)} Try again in a few minutes; if it keeps failing, check the platform's status.`,
          ...detail,
        })
      default:
        return new PlatformApiError({
          status,
          code: parsed.code ?? 'bad_request',
          message: `${compose(`The platform refused ${op}`, status, said)} Correct what it names and try again.`,
          ...detail,
        })
    }
  }

  private networkError(op: string, error: unknown, attempts: number): PlatformApiError {
    const reason = this.redact(networkReason(error, this.timeoutMs))
    let origin = this.baseUrl
    try {
      origin = new URL(this.baseUrl).host
    } catch {
      // keep the configured text
    }
    return new PlatformApiError({
      status: null,
      code: 'network',
      message:
        `Could not reach the platform at ${origin} for ${op} (${reason}) after ${attempts} attempt${attempts === 1 ? '' : 's'}. ` +
        'Check your network connection, or that the platform is running, and try again.',
      detail: reason,
    })
  }

  /** Removes the machine token and any session we ever held from a text. */
  private redact(text: string): string {
    let out = text
    for (const secret of this.secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]')
    return out
  }
}

/** Waits for `promise` unless `signal` aborts first. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
