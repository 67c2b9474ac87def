/**
 * Serves the built renderer from app://restore-desk/ instead of file://, with
 * the CSP as a real header and no way out of the renderer folder.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { contentTypeOf } from './content-types'
import { APP_HOST, CONTENT_SECURITY_POLICY } from './security'

/** Maps an app:// URL to a file inside rendererDir, or null when it points anywhere else. */
export function resolveAppFile(requestUrl: string, rendererDir: string): string | null {
  let url: URL
  try {
    url = new URL(requestUrl)
  } catch {
    return null
  }
  if (url.host !== APP_HOST) return null
  let pathname: string
  try {
    pathname = decodeURIComponent(url.pathname)
  } catch {
    return null
  }
  const root = path.resolve(rendererDir)
  const file = path.resolve(root, '.' + (pathname === '/' ? '/index.html' : pathname))
  if (!file.startsWith(root + path.sep)) return null
  return file
}

/** Answers one app:// request. */
export async function handleAppRequest(request: { url: string }, rendererDir: string): Promise<Response> {
  const file = resolveAppFile(request.url, rendererDir)
  if (!file) return new Response('Not found', { status: 404 })
  try {
    const body = await readFile(file)
    return new Response(body, {
      status: 200,
      headers: {
        'Content-Type': contentTypeOf(file),
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
      },
    })
  } catch {
    return new Response('Not found', { status: 404 })
  }
}
