/**
 * The desktop menu's commands as the page receives them (`app:command`): Refresh asks again for
 * what the view on screen shows, Find puts the focus in its search box.
 */
import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { setApiClient } from '../../src/renderer/src/api/client'
import { installFakeBridge } from './support/fake-bridge'
import { appInfo, connection, site } from './support/fixtures'
import { historyHandlers } from './support/history-fixtures'
import { fakeLayout } from './support/mount-history'
import { mountApp } from './support/mount-app'
import { siteHandlers } from './support/mount-site'

enableAutoUnmount(afterEach)
afterEach(() => {
  setApiClient(null)
  history.replaceState(null, '', '#/')
})

function install() {
  return installFakeBridge(
    siteHandlers({
      'app:info': () => appInfo({ mode: 'electron' }),
      'sites:list': () => [site()],
      'connections:list': () => [connection()],
      ...historyHandlers(120).handlers,
    }),
  )
}

describe('menu commands', () => {
  it('Refresh reloads the data of the view on screen, and only that', async () => {
    const fake = install()
    const wrapper = mountApp()
    await flushPromises()
    const count = () =>
      Object.fromEntries(
        ['sites:list', 'sites:open', 'backups:list', 'code:log', 'connections:list'].map((c) => [
          c,
          fake.callsTo(c as never).length,
        ]),
      )

    // Home: the sites.
    let before = count()
    fake.emit('app:command', { command: 'refresh' })
    await flushPromises()
    expect(count()).toEqual({ ...before, 'sites:list': before['sites:list']! + 1 })

    // An environment: the site, its backups and its code log, each asked again.
    await wrapper.router.push('/sites/site-1/dev')
    await flushPromises()
    before = count()
    fake.emit('app:command', { command: 'refresh' })
    await flushPromises()
    expect(count()).toEqual({
      ...before,
      'sites:open': before['sites:open']! + 1,
      'backups:list': before['backups:list']! + 1,
      'code:log': before['code:log']! + 1,
    })
    expect(fake.callsTo('backups:list').at(-1)).toEqual({ siteId: 'site-1', env: 'dev' })

    // Connections: the list of connections.
    await wrapper.router.push('/connections')
    await flushPromises()
    before = count()
    fake.emit('app:command', { command: 'refresh' })
    await flushPromises()
    expect(count()).toEqual({ ...before, 'connections:list': before['connections:list']! + 1 })
  })

  it('Refresh on the code history fetches again, as its own Refresh button does', async () => {
    const restoreLayout = fakeLayout()
    try {
      const fake = install()
      const wrapper = mountApp()
      await flushPromises()
      await wrapper.router.push('/sites/site-1/code-history')
      await flushPromises()
      expect(fake.callsTo('history:open')).toEqual([{ siteId: 'site-1' }])
      fake.emit('app:command', { command: 'refresh' })
      await flushPromises()
      expect(fake.callsTo('history:open').at(-1)).toEqual({ siteId: 'site-1', refresh: true })
    } finally {
      restoreLayout()
    }
  })

  it('Find focuses the view’s own search box, or the sites search where the view has none', async () => {
    const restoreLayout = fakeLayout()
    try {
      const fake = install()
      const wrapper = mountApp()
      await flushPromises()
      await wrapper.router.push('/sites/site-1/dev')
      await flushPromises()
      fake.emit('app:command', { command: 'find' })
      expect(document.activeElement?.getAttribute('data-testid')).toBe('site-search')

      await wrapper.router.push('/sites/site-1/code-history')
      await flushPromises()
      const search = document.querySelector<HTMLInputElement>('#main-content input[type="search"]')
      expect(search).not.toBeNull()
      fake.emit('app:command', { command: 'find' })
      expect(document.activeElement).toBe(search)
    } finally {
      restoreLayout()
    }
  })
})
