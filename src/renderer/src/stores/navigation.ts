/**
 * Where the user is: home, a site's environment, or the connections panel. Mirrored in the
 * location hash (`#/sites/<siteId>/<env>`, `#/connections`) so a reload keeps the place and the
 * browser's back button works; no router is needed for three kinds of place.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'

/** A place in the app. `env` is null until the site's environments are known. */
export type Route =
  | { readonly name: 'home' }
  | { readonly name: 'connections' }
  | { readonly name: 'site'; readonly siteId: string; readonly env: string | null }

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

/** Reads a location hash; anything unknown is home. */
export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent)
  if (parts[0] === 'connections' && parts.length === 1) return { name: 'connections' }
  if (parts[0] === 'sites' && parts[1] && SEGMENT.test(parts[1])) {
    const env = parts[2] && SEGMENT.test(parts[2]) ? parts[2] : null
    return { name: 'site', siteId: parts[1], env }
  }
  return { name: 'home' }
}

/** The hash for a place. */
export function formatHash(route: Route): string {
  if (route.name === 'connections') return '#/connections'
  if (route.name === 'site') {
    const base = `#/sites/${encodeURIComponent(route.siteId)}`
    return route.env ? `${base}/${encodeURIComponent(route.env)}` : base
  }
  return '#/'
}

/** The current place, kept in step with the location hash. */
export const useNavigationStore = defineStore('navigation', () => {
  const route = ref<Route>(typeof location === 'undefined' ? { name: 'home' } : parseHash(location.hash))
  let listening = false

  function go(next: Route, options: { replace?: boolean } = {}): void {
    route.value = next
    if (typeof location === 'undefined') return
    const hash = formatHash(next)
    if (location.hash === hash || (hash === '#/' && location.hash === '')) return
    if (options.replace) history.replaceState(history.state, '', hash)
    else location.hash = hash
  }

  /** Follows back/forward and hand-edited hashes. */
  function listen(): () => void {
    if (listening || typeof window === 'undefined') return () => {}
    listening = true
    const onHashChange = (): void => {
      route.value = parseHash(location.hash)
    }
    window.addEventListener('hashchange', onHashChange)
    return () => {
      listening = false
      window.removeEventListener('hashchange', onHashChange)
    }
  }

  return {
    route,
    go,
    listen,
    openSite: (siteId: string, env: string | null = null) => go({ name: 'site', siteId, env }),
    openEnv: (siteId: string, env: string, replace = false) => go({ name: 'site', siteId, env }, { replace }),
    openConnections: () => go({ name: 'connections' }),
    goHome: () => go({ name: 'home' }),
  }
})
