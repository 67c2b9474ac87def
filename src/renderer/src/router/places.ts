/**
 * The page's places as route locations, kept apart from the route table so views can link to
 * each other without importing one another. The addresses are the ones the app has always used:
 * `#/`, `#/sites/<siteId>/<env>` and `#/connections`, and the site's code history at
 * `#/sites/<siteId>/code-history` with the chosen commit after it.
 */
import type { RouteLocationNormalizedGeneric, RouteLocationRaw } from 'vue-router'
import { COMMIT_ID, PLATFORM_ID } from '../../../shared/ipc-fields'

/** What a site id or environment name in an address may look like: what main accepts as a platform id. */
export const SEGMENT = PLATFORM_ID

/** A full commit id as the history names commits (SHA-1 or SHA-256, lower case), as main checks it. */
export { COMMIT_ID }

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

/** A site's code history, with one commit open or none. */
export function codeHistoryLocation(
  siteId: string,
  oid: string | null = null,
): { readonly name: 'code-history'; readonly params: Readonly<Record<string, string>> } {
  return { name: 'code-history', params: oid ? { siteId, oid } : { siteId } }
}

/** The site and commit a code-history route names; `oid` is null when the address has none. */
export function codeHistoryParams(route: RouteLocationNormalizedGeneric): { siteId: string; oid: string | null } {
  const { siteId, oid } = route.params
  return { siteId: typeof siteId === 'string' ? siteId : '', oid: typeof oid === 'string' && oid !== '' ? oid : null }
}
