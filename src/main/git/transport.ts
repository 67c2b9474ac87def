/**
 * How the worker reaches a site's git remote: an HTTP client in isomorphic-git's shape that
 * stops when the operation's signal aborts and counts the bytes received (the library reports
 * objects, not bytes), the machine token as Basic auth (user `restore-desk`), the one place that
 * turns a clone's or fetch's failure into a GitError a person can act on, and the throttle that
 * keeps progress to about ten messages a second.
 *
 * The client is Node's own `http`/`https` rather than a wrapper of `isomorphic-git/http/node`:
 * that one reads a response into a queue without backpressure, so a pack arriving faster than
 * it is written to disk piled up in memory whole (+55 MiB of a 77 MiB pack's clone), where a
 * stream read with `for await` holds a few chunks.
 *
 * The token travels in a header only: never in the URL (which the library writes into the
 * repository's config), never in a message.
 */
import http from 'node:http'
import https from 'node:https'
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git'
import type { GitProgress } from '../../shared/history'
import { systemErrorCode, systemErrorText } from '../errors'
import { GitError } from './git-error'
import { cancelledError } from './worker-protocol'

/** The user name git requests carry; the platform checks only the password (the machine token). */
export const GIT_USER = 'restore-desk'

/** Whether a remote is reached over SSH (`ssh://…` or scp-like `user@host:path`), which the library cannot speak. */
export function isSshUrl(url: string): boolean {
  if (/^ssh:\/\//i.test(url) || /^git\+ssh:\/\//i.test(url)) return true
  // scp-like syntax: no scheme, a colon before the first slash.
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && /^[^/]*:/.test(url)
}

/** The remote as a message may show it: host and path, never credentials or a query. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.host}${parsed.pathname}`
  } catch {
    return 'the site’s git remote'
  }
}

/** Refuses a remote the app cannot clone from (SSH, or not a URL). */
export function checkHttpRemote(url: string): void {
  if (isSshUrl(url))
    throw new GitError(
      'git_unsupported_transport',
      'This site’s git is reached over SSH, which the app’s git library cannot speak. Clone it in a terminal and open that clone instead.',
    )
  let protocol: string
  try {
    protocol = new URL(url).protocol
  } catch {
    protocol = ''
  }
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new GitError(
      'git_unsupported_transport',
      `The site’s git remote (${displayUrl(url)}) is not an http or https address, so the app cannot clone it. Clone it in a terminal and open that clone instead.`,
    )
}

/** The Basic auth header for the machine token. */
export function authHeaders(token: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${GIT_USER}:${token}`).toString('base64')}` }
}

/** An HTTP client for one clone or fetch. */
export interface CountingHttp {
  readonly http: HttpClient
}

function abortError(): GitError {
  return new GitError('git_cancelled', 'The operation was stopped.')
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

async function collect(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}

/** One request with Node's client; same-origin redirects are followed (as git does for smart HTTP). */
async function send(request: GitHttpRequest, signal: AbortSignal): Promise<GitHttpResponse> {
  // Request bodies are want/have lists: small, sent whole with their length.
  let body = request.body ? await collect(request.body) : undefined
  let method = (request.method ?? 'GET').toUpperCase()
  let url = request.url
  for (let redirects = 0; ; redirects += 1) {
    const target = new URL(url)
    const client = target.protocol === 'https:' ? https : http
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const sent = client.request(
        target,
        {
          method,
          headers: { ...request.headers, ...(body ? { 'Content-Length': String(body.length) } : {}) },
          signal,
        },
        resolve,
      )
      sent.on('error', reject)
      sent.end(body)
    })
    const location = response.headers.location
    const status = response.statusCode ?? 0
    if (REDIRECTS.has(status) && location && redirects < 5 && new URL(location, url).origin === target.origin) {
      response.resume()
      url = new URL(location, url).href
      if (status === 303) {
        method = 'GET'
        body = undefined
      }
      continue
    }
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(response.headers))
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
    return {
      url,
      method,
      statusCode: status,
      statusMessage: response.statusMessage ?? '',
      headers,
      body: closable(response),
    }
  }
}

/**
 * A response's body as an iterator whose `return()` destroys the response at once. The stream's
 * own iterator is an async generator, whose `return()` waits for a read in progress: stopping a
 * download from a server that has gone quiet would wait for the server.
 */
function closable(response: http.IncomingMessage): AsyncIterableIterator<Uint8Array> {
  const chunks = response[Symbol.asyncIterator]() as AsyncIterableIterator<Uint8Array>
  return {
    [Symbol.asyncIterator]() {
      return this
    },
    next: () => chunks.next(),
    return: () => {
      response.destroy()
      return Promise.resolve({ done: true, value: undefined })
    },
  }
}

/** An HTTP client for one clone or fetch, tied to `signal` and counting every response byte. */
export function countingHttp(signal: AbortSignal, onBytes?: (total: number) => void): CountingHttp {
  let received = 0
  // An iterator rather than a generator, so that `return()` reaches the body while a read waits.
  const counted = (body: AsyncIterableIterator<Uint8Array>): AsyncIterableIterator<Uint8Array> => ({
    [Symbol.asyncIterator]() {
      return this
    },
    async next() {
      if (signal.aborted) throw abortError()
      const next = await body.next()
      if (!next.done) {
        if (signal.aborted) throw abortError()
        received += next.value.byteLength
        onBytes?.(received)
      }
      return next
    },
    return: (value?: unknown) => body.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
  })
  return {
    http: {
      async request(request: GitHttpRequest): Promise<GitHttpResponse> {
        if (signal.aborted) throw abortError()
        const response = await send(request, signal)
        return response.body ? { ...response, body: counted(response.body) } : response
      },
    },
  }
}

/** What a clone or fetch was doing, for the message. */
type Activity = 'clone' | 'fetch'

const NETWORK_HINT = 'Check that the platform is running and reachable, then open the history again.'

/**
 * The GitError for a failed clone or fetch. A failure of this computer (disk full, no
 * permission) is returned unchanged, so the app's sentence for it reaches the page.
 */
export function transportError(error: unknown, activity: Activity, url: string, signal: AbortSignal): unknown {
  const what = activity === 'clone' ? 'The clone' : 'The fetch'
  const code = (error as { code?: unknown } | null)?.code
  if (signal.aborted || code === 'UserCanceledError' || (error instanceof GitError && error.code === 'git_cancelled'))
    return cancelledError(activity)
  if (error instanceof GitError) return error
  const where = displayUrl(url)
  if (code === 'HttpError') {
    const status = Number((error as { data?: { statusCode?: unknown } }).data?.statusCode)
    if (status === 401 || status === 403)
      return new GitError(
        'git_auth',
        `The platform refused the machine token for git (HTTP ${status} from ${where}). Remove the connection and add it again with a valid machine token, then open the history again.`,
        { cause: error },
      )
    if (status === 404)
      return new GitError(
        'git_remote',
        `The platform has no git repository at ${where} (HTTP 404). Reload the site; if it still fails, the site may have been deleted.`,
        { cause: error },
      )
    return new GitError(
      'git_remote',
      `${what} failed: the git server at ${where} answered HTTP ${Number.isFinite(status) ? status : 'with an error'}. Try again in a moment.`,
      { cause: error },
    )
  }
  if (
    code === 'SmartHttpError' ||
    code === 'EmptyServerResponseError' ||
    code === 'ParseError' ||
    code === 'RemoteCapabilityError'
  )
    return new GitError(
      'git_remote',
      `${what} failed: ${where} did not answer as a git server does. Check the platform’s address in Connections, then open the history again.`,
      { cause: error },
    )
  const system = systemErrorCode(error)
  if (system !== undefined) {
    const text = systemErrorText(system)
    if (text.code === 'network')
      return new GitError('git_remote', `${what} failed: ${text.what} (${where}). ${NETWORK_HINT}`, { cause: error })
    return error
  }
  if (error instanceof Error && /premature close|aborted|socket hang up/i.test(error.message))
    return new GitError('git_remote', `${what} failed: the connection to ${where} broke off. ${NETWORK_HINT}`, {
      cause: error,
    })
  return error
}

/** What the library reports as it goes (its GitProgressEvent). */
export interface LibraryProgress {
  readonly phase: string
  readonly loaded: number
  readonly total: number
}

/**
 * Turns the library's progress events and the byte count into {@link GitProgress} messages, at
 * most one per `intervalMs`, except that a new phase goes out at once (so no phase is skipped)
 * and {@link ProgressThrottle.flush} sends the last state.
 */
export class ProgressThrottle {
  readonly #emit: (progress: GitProgress) => void
  readonly #intervalMs: number
  readonly #now: () => number
  #state: GitProgress = { phase: 'Connecting', loaded: 0, total: null, bytes: 0 }
  #sentAt = Number.NEGATIVE_INFINITY
  #dirty = false

  constructor(emit: (progress: GitProgress) => void, intervalMs = 100, now: () => number = Date.now) {
    this.#emit = emit
    this.#intervalMs = intervalMs
    this.#now = now
  }

  /** A library progress event. */
  progress(event: LibraryProgress): void {
    const newPhase = event.phase !== this.#state.phase
    this.#state = {
      phase: event.phase,
      loaded: event.loaded,
      total: event.total > 0 ? event.total : null,
      bytes: this.#state.bytes,
    }
    this.#offer(newPhase)
  }

  /** The bytes received so far. */
  bytes(total: number): void {
    this.#state = { ...this.#state, bytes: total }
    this.#offer(false)
  }

  /** Sends the latest state if it has not gone out yet. */
  flush(): void {
    if (this.#dirty) this.#send()
  }

  #offer(now: boolean): void {
    this.#dirty = true
    if (now || this.#now() - this.#sentAt >= this.#intervalMs) this.#send()
  }

  #send(): void {
    this.#dirty = false
    this.#sentAt = this.#now()
    this.#emit(this.#state)
  }
}
