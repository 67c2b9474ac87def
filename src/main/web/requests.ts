/**
 * Reading what a browser-mode request carries — its target, its cookie, its body — without
 * trusting any of it: a malformed `%`-escape, a `//host` path or an oversized body is the
 * client's mistake and gets a clear refusal, never an exception that could end the host.
 */
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { formatBytes } from '../../lib/format-bytes'
import { readAtMost } from '../../lib/streams'

/** A request the host refuses: its status, code and message go to the client as they are. */
export class RequestRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'RequestRefused'
  }
}

/** Compares a secret in constant time; an absent one never matches. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** `decodeURIComponent`, or undefined for a malformed escape such as `%E0%A4%A`. */
export function decodeOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

/** The value of cookie `name`; a value with a malformed escape counts as no cookie. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const equals = part.indexOf('=')
    if (equals < 0 || part.slice(0, equals).trim() !== name) continue
    const value = part.slice(equals + 1).trim()
    return decodeOrUndefined(value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value)
  }
  return undefined
}

/**
 * The request target as a URL on `host` (already checked to be this host's own). An
 * origin-form target is read as a path even when it starts with `//` or `/\`, so
 * `//evil.example/x` is the path `//evil.example/x` here, not another host.
 */
export function requestUrl(req: IncomingMessage, host: string): URL {
  const target = req.url ?? '/'
  try {
    return target.startsWith('/') ? new URL(`http://${host}${target}`) : new URL(target)
  } catch {
    throw new RequestRefused(400, 'bad_request', 'The request target is not a valid path.')
  }
}

/**
 * A Location for `url` that stays on this origin: its path and query with any run of leading
 * slashes (the URL parser has already turned backslashes into slashes) collapsed to one, so
 * neither `//evil.example`, `/\evil.example` nor a scheme can send the browser elsewhere.
 */
export function sameOriginLocation(url: URL, origin: string): string {
  const location = `/${url.pathname.replace(/^[/\\]+/, '')}${url.search}`
  try {
    return new URL(location, origin).origin === origin ? location : '/'
  } catch {
    return '/'
  }
}

/** Sends `body` as JSON, never cached. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  })
  res.end(text)
}

/** Sends the contract's error envelope. */
export function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { ok: false, error: { code, message } })
}

/** Sends a short plain-text answer (for the page's own files and the printed link). */
export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end(text)
}

/** Reads a request body of at most `limit` bytes as UTF-8. */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const body = await readAtMost(
    req,
    limit,
    () => new RequestRefused(413, 'too_large', `The request is larger than ${formatBytes(limit)} and was refused.`),
  )
  return body.toString('utf8')
}
