/**
 * Signed links: an HMAC-SHA256 over the method scope, the path, the expiry and (for
 * uploads) the declared size, with a secret kept in the data folder. A link needs no
 * Authorization header; a changed byte anywhere or a past expiry makes it worthless.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

/** What a link allows. */
export type LinkScope = 'get' | 'put'

function mac(secret: string, scope: LinkScope, path: string, expires: number, extra: string): Buffer {
  return createHmac('sha256', secret).update(`${scope}\n${path}\n${expires}\n${extra}`).digest()
}

/** Builds the query string (`expires=…&signature=…`, plus `size` for uploads) for `path`. */
export function signLink(secret: string, scope: LinkScope, path: string, expires: number, size?: number): string {
  const query = new URLSearchParams({ expires: String(expires) })
  if (size !== undefined) query.set('size', String(size))
  query.set('signature', mac(secret, scope, path, expires, size === undefined ? '' : String(size)).toString('hex'))
  return query.toString()
}

/** Why a link was refused, or `undefined` when it is valid now. */
export function checkLink(
  secret: string,
  scope: LinkScope,
  path: string,
  query: URLSearchParams,
  now = Date.now() / 1000,
): string | undefined {
  const expires = Number(query.get('expires'))
  const signature = query.get('signature') ?? ''
  const size = query.get('size')
  if (!Number.isInteger(expires) || !/^[0-9a-f]{64}$/.test(signature)) {
    return 'This link is not a valid signed link; ask the platform for a new one.'
  }
  const expected = mac(secret, scope, path, expires, size ?? '')
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    return 'This link has been changed or is for another file; ask the platform for a new one.'
  }
  if (expires <= now) return 'This link has expired; ask the platform for a new one.'
  return undefined
}
