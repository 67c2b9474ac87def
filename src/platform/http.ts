/**
 * Small HTTP helpers for the platform server: JSON replies in the contract's error shape
 * (a JSON string body), body parsing with a size cap, and an error type routes throw.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { formatBytes } from '../lib/format-bytes'
import { readAtMost } from '../lib/streams'

/** An error that becomes an HTTP reply with `status` and a JSON string body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

/** Sends `body` as JSON with `status`. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-cache',
    ...headers,
  })
  res.end(text)
}

/** Sends the contract's error shape: a non-2xx status with a JSON string body. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  sendJson(res, status, message, headers)
}

/** Reads a JSON request body (at most `limit` bytes); an empty body reads as `{}`. */
export async function readJsonBody(req: IncomingMessage, limit = 1024 * 1024): Promise<unknown> {
  const body = await readAtMost(
    req,
    limit,
    () => new HttpError(413, `The request body is larger than ${formatBytes(limit)}; send a smaller JSON body.`),
  )
  const text = body.toString('utf8').trim()
  if (text === '') return {}
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON; send a JSON object.')
  }
}

/** Returns `value` as a plain object, or throws a 400 naming `what`. */
export function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, `${what} must be a JSON object.`)
  }
  return value as Record<string, unknown>
}

/**
 * Applies the contract's paging (`?limit=&start=<last id seen>`) to a list already in
 * its final order. Without `limit` the whole rest of the list is returned.
 */
export function page<T>(
  items: readonly T[],
  query: URLSearchParams,
  idOf: (item: T) => string,
  maxLimit?: number,
): T[] {
  let startIndex = 0
  const start = query.get('start')
  if (start) {
    const at = items.findIndex((item) => idOf(item) === start)
    startIndex = at < 0 ? items.length : at + 1
  }
  const limitText = query.get('limit')
  let limit = limitText === null ? Infinity : Number.parseInt(limitText, 10)
  if (!Number.isFinite(limit) || limit <= 0) limit = Infinity
  if (maxLimit !== undefined) limit = Math.min(limit, maxLimit)
  return items.slice(startIndex, limit === Infinity ? undefined : startIndex + limit)
}
