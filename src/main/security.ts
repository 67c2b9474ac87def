/** Security settings shared by the Electron window, the app:// protocol and browser mode. */

/**
 * The page's Content Security Policy: only the app's own scripts, styles and
 * connections; no inline script, no eval, no plugins, no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ')

/** The custom scheme production pages are served from (never file://). */
export const APP_SCHEME = 'app'
export const APP_HOST = 'restore-desk'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`

/** Links the app may hand to the OS browser: http(s) only, and only ones it produced itself. */
export function isSafeExternalUrl(url: string, allowList: ReadonlySet<string>): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false
  if (parsed.username || parsed.password) return false
  return allowList.has(parsed.href)
}
