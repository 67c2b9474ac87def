import { afterEach, describe, expect, it } from 'vitest'
import { createWebHashHistory, type RouterHistory } from 'vue-router'
import { createAppRouter } from '../../src/renderer/src/router'
import {
  codeHistoryLocation,
  codeHistoryParams,
  CONNECTIONS,
  siteLocation,
  siteParams,
} from '../../src/renderer/src/router/places'

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
  const params =
    route.name === 'site' ? siteParams(route) : route.name === 'code-history' ? codeHistoryParams(route) : {}
  return { name: route.name, ...params, hash: location.hash }
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
    await land('/')
    expect(document.title).toBe('Home – Restore Desk')
    // The site view itself names the site and environment once it knows them (SiteView.test.ts).
    await land('/sites/site-1/dev')
    expect(document.title).toBe('Restore Desk')
  })

  it('opens a site’s code history, with the commit its address names when that is a full commit id', async () => {
    const sha1 = 'abcdef0123456789abcdef0123456789abcdef01'
    const sha256 = 'ab'.repeat(32)
    expect(await land('/sites/site-1/code-history')).toEqual({
      name: 'code-history',
      siteId: 'site-1',
      oid: null,
      hash: '#/sites/site-1/code-history',
    })
    expect(await land(`/sites/site-1/code-history/${sha1}`)).toEqual({
      name: 'code-history',
      siteId: 'site-1',
      oid: sha1,
      hash: `#/sites/site-1/code-history/${sha1}`,
    })
    expect(await land(`/sites/site-1/code-history/${sha256}`)).toMatchObject({ oid: sha256 })
    expect(document.title).toBe('Code history – Restore Desk')
  })

  it('drops a commit that is not a full lower-case id, and sends a malformed site home', async () => {
    const dropped = { name: 'code-history', siteId: 'site-1', oid: null, hash: '#/sites/site-1/code-history' }
    for (const oid of ['abcdef0', 'ABCDEF0123456789ABCDEF0123456789ABCDEF01', 'g'.repeat(40), 'a'.repeat(41), 'HEAD'])
      expect(await land(`/sites/site-1/code-history/${oid}`)).toEqual(dropped)
    expect(await land('/sites/%20x/code-history')).toEqual({ name: 'home', hash: '#/' })
    // Environments keep their addresses beside it.
    expect(await land('/sites/site-1/test')).toEqual({
      name: 'site',
      siteId: 'site-1',
      env: 'test',
      hash: '#/sites/site-1/test',
    })
    const router = createAppRouter((history = createWebHashHistory()))
    expect(router.resolve(codeHistoryLocation('site-1')).href).toBe('#/sites/site-1/code-history')
    expect(router.resolve(codeHistoryLocation('site-1', 'f'.repeat(40))).href).toBe(
      `#/sites/site-1/code-history/${'f'.repeat(40)}`,
    )
  })
})
