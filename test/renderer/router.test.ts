import { afterEach, describe, expect, it } from 'vitest'
import { createWebHashHistory, type RouterHistory } from 'vue-router'
import { createAppRouter } from '../../src/renderer/src/router'
import { CONNECTIONS, siteLocation, siteParams } from '../../src/renderer/src/router/places'

let history: RouterHistory | null = null
afterEach(() => {
  history?.destroy()
  history = null
  window.history.replaceState(null, '', '#/')
})

/** Where the app lands for a typed-in address, guards and redirects included. */
async function land(path: string) {
  history = createWebHashHistory()
  const router = createAppRouter(history)
  await router.push(path)
  const route = router.currentRoute.value
  return { name: route.name, ...(route.name === 'site' ? siteParams(route) : {}), hash: location.hash }
}

describe('routes', () => {
  it('reads the addresses the app has always used', async () => {
    expect(await land('/sites/site-1/live')).toEqual({
      name: 'site',
      siteId: 'site-1',
      env: 'live',
      hash: '#/sites/site-1/live',
    })
    expect(await land('/sites/site-1')).toEqual({ name: 'site', siteId: 'site-1', env: null, hash: '#/sites/site-1' })
    expect(await land('/connections')).toEqual({ name: 'connections', hash: '#/connections' })
    expect(await land('/')).toEqual({ name: 'home', hash: '#/' })
  })

  it('writes the same addresses', () => {
    const router = createAppRouter((history = createWebHashHistory()))
    expect(router.resolve(siteLocation('site-1', 'test')).href).toBe('#/sites/site-1/test')
    expect(router.resolve(siteLocation('site-1')).href).toBe('#/sites/site-1')
    expect(router.resolve(CONNECTIONS).href).toBe('#/connections')
  })

  it('sends unknown places and malformed ids home, and a malformed environment to the site', async () => {
    expect(await land('/sites/..%2F..')).toEqual({ name: 'home', hash: '#/' })
    expect(await land('/sites/%20site')).toEqual({ name: 'home', hash: '#/' })
    expect(await land('/nowhere/at/all')).toEqual({ name: 'home', hash: '#/' })
    expect(await land('/connections/extra')).toEqual({ name: 'home', hash: '#/' })
    expect(await land('/sites/site-1/-dev')).toEqual({
      name: 'site',
      siteId: 'site-1',
      env: null,
      hash: '#/sites/site-1',
    })
  })

  it('checks the ids on every move within the site route too', async () => {
    const router = createAppRouter((history = createWebHashHistory()))
    await router.push('/sites/site-1/dev')
    await router.push('/sites/site-1/%3Cscript%3E')
    expect(siteParams(router.currentRoute.value)).toEqual({ siteId: 'site-1', env: null })
    await router.push('/sites/a%20b/dev')
    expect(router.currentRoute.value.name).toBe('home')
  })

  it('names the view in the window title', async () => {
    await land('/connections')
    expect(document.title).toBe('Connections – Restore Desk')
    await land('/sites/site-1/dev')
    expect(document.title).toBe('Restore Desk')
  })
})
