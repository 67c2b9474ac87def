/**
 * Each environment's platform domain, `<env>-<site>.pantheonsite.io` as on Pantheon. The
 * embedded platform serves no web pages, but the sites' content (WordPress's `siteurl`, links
 * in posts) names these domains, and a clone's URL replacement rewrites them.
 */

/** The platform domain of one environment of a site. */
export function platformDomain(siteName: string, env: string): string {
  return `${env}-${siteName}.pantheonsite.io`
}
