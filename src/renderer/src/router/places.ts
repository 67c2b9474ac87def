/**
 * The page's places as route locations, kept apart from the route table so views can link to
 * each other without importing one another. The addresses are the ones the app has always used:
 * `#/`, `#/sites/<siteId>/<env>` and `#/connections`.
 */
import type { RouteLocationNormalizedGeneric, RouteLocationRaw } from 'vue-router'

/** What a site id or environment name in an address may look like: the platform's own ids and names. */
export const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

export const HOME = { name: 'home' } as const satisfies RouteLocationRaw
export const CONNECTIONS = { name: 'connections' } as const satisfies RouteLocationRaw

/** A site, on one environment or (until the site's environments are known) on none. */
export function siteLocation(
  siteId: string,
  env: string | null = null,
): { readonly name: 'site'; readonly params: Readonly<Record<string, string>> } {
  return { name: 'site', params: env ? { siteId, env } : { siteId } }
}

/** The site and environment a site route names; `env` is null when the address has none. */
export function siteParams(route: RouteLocationNormalizedGeneric): { siteId: string; env: string | null } {
  const { siteId, env } = route.params
  return { siteId: typeof siteId === 'string' ? siteId : '', env: typeof env === 'string' && env !== '' ? env : null }
}
