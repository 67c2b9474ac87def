/**
 * One route per view, in the location hash: hash history works in a browser and over the
 * desktop app's app:// protocol alike, so a link, a reload and the back button keep the place.
 * Addresses that name no place, or name a site or environment in a shape the platform never
 * uses, go home (or to the site without the environment) instead of to a broken view; a code
 * history address whose commit is not a full commit id opens the history with none chosen.
 */
import { createRouter, createWebHashHistory, type Router, type RouterHistory } from 'vue-router'
import CodeHistoryView from '../views/CodeHistoryView.vue'
import ConnectionsView from '../views/ConnectionsView.vue'
import HomeView from '../views/HomeView.vue'
import SiteView from '../views/SiteView.vue'
import { windowTitle } from '../composables/useWindowTitle'
import { codeHistoryLocation, codeHistoryParams, COMMIT_ID, HOME, SEGMENT, siteLocation, siteParams } from './places'

declare module 'vue-router' {
  interface RouteMeta {
    /** The view's name in the window title, before " – Restore Desk"; none means the app's name alone. */
    title?: string
  }
}

/** Builds the app's router; tests pass their own history. */
export function createAppRouter(history: RouterHistory = createWebHashHistory()): Router {
  const router = createRouter({
    history,
    routes: [
      { path: '/', name: 'home', component: HomeView, meta: { title: 'Home' } },
      // No environment can be called "code-history": Pantheon's multidev names are at most 11
      // characters and this is 12. The router ranks the static segment above `:env` anyway.
      {
        path: '/sites/:siteId/code-history/:oid?',
        name: 'code-history',
        component: CodeHistoryView,
        props: codeHistoryParams,
        meta: { title: 'Code history' },
      },
      { path: '/sites/:siteId/:env?', name: 'site', component: SiteView, props: siteParams },
      { path: '/connections', name: 'connections', component: ConnectionsView, meta: { title: 'Connections' } },
      // A path, not the name: a named redirect would carry the unknown path along as a param.
      { path: '/:unknown(.*)*', redirect: '/' },
    ],
  })

  // A guard on every navigation, not `beforeEnter`: that one is skipped when only params change.
  router.beforeEach((to) => {
    if (to.name === 'code-history') {
      const { siteId, oid } = codeHistoryParams(to)
      if (!SEGMENT.test(siteId)) return { ...HOME, replace: true }
      if (oid !== null && !COMMIT_ID.test(oid)) return { ...codeHistoryLocation(siteId), replace: true }
      return true
    }
    if (to.name !== 'site') return true
    const { siteId, env } = siteParams(to)
    if (!SEGMENT.test(siteId)) return { ...HOME, replace: true }
    if (env !== null && !SEGMENT.test(env)) return { ...siteLocation(siteId), replace: true }
    return true
  })

  router.afterEach((to, from, failure) => {
    // The site views refine this with the site's and environment's names (useWindowTitle). A
    // view that stays (the same tab clicked again, another commit chosen) keeps its own title:
    // its watcher would not run again to put the names back.
    if (failure || typeof document === 'undefined') return
    if (from.matched.length > 0 && to.matched[0]?.name === from.matched[0]?.name) return
    document.title = windowTitle([to.meta.title])
  })

  return router
}
