import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { setApiClient } from '../../src/renderer/src/api/client'
import { FakeIpcFailure, installFakeBridge } from './support/fake-bridge'
import { mountApp } from './support/mount-app'
import { appInfo, backup, connection, HOUR, site, siteDetails } from './support/fixtures'

enableAutoUnmount(afterEach)

/** Changes the hash by hand, with the events a browser fires for it (happy-dom fires none). */
function editHash(hash: string): void {
  location.hash = hash
  window.dispatchEvent(new PopStateEvent('popstate', { state: null }))
  window.dispatchEvent(new HashChangeEvent('hashchange'))
}

beforeEach(() => history.replaceState(null, '', '#/'))
afterEach(() => setApiClient(null))

describe('App shell', () => {
  it('shows what came through the contract and follows status events', async () => {
    const starting = appInfo({ platform: { ...appInfo().platform, status: 'starting' } })
    const fake = installFakeBridge({ 'app:info': () => starting })
    const wrapper = mountApp()
    await flushPromises()
    expect(wrapper.get('[data-testid="app-version"]').text()).toBe('9.8.7')
    expect(wrapper.get('[data-testid="app-mode"]').text()).toBe('Browser mode')
    expect(wrapper.get('[data-testid="app-data-dir"]').text()).toBe(starting.dataDir)
    expect(wrapper.get('[data-testid="connection-status"]').text()).toContain('Connecting to')
    fake.handle('sites:list', () => [site()])
    fake.emit('app:status', { platform: { ...starting.platform, status: 'ready' } })
    await flushPromises()
    expect(wrapper.get('[data-testid="connection-status"]').text()).toContain('Connected to Embedded platform')
    // The platform became ready: the sites are listed again.
    expect(wrapper.find('[data-testid="site-link-demo-drupal"]').exists()).toBe(true)
  })

  it('shows an error state with the rebuilt error message and retries', async () => {
    const fake = installFakeBridge({
      'app:info': () => {
        throw new FakeIpcFailure('internal', 'The data folder is not writable.')
      },
    })
    const wrapper = mountApp()
    await flushPromises()
    const alert = wrapper.get('main [role="alert"]')
    expect(alert.text()).toContain('The data folder is not writable.')
    await alert.get('button').trigger('click')
    await flushPromises()
    expect(fake.callsTo('app:info')).toHaveLength(2)
  })

  it('lists sites with framework badges, searches by name or label, and opens one by hash', async () => {
    installFakeBridge({
      'app:info': () => appInfo(),
      'sites:list': () => [
        site(),
        site({ id: 'site-2', name: 'shop-wp', label: 'Corner Shop', framework: 'wordpress' }),
      ],
      'sites:open': () => siteDetails(),
      'backups:list': () => [backup(Date.now() - HOUR)],
      'code:log': () => [],
      'downloads:default-folder': () => '/home/me/Downloads/Restore Desk/demo-drupal/dev',
    })
    const wrapper = mountApp()
    await flushPromises()
    expect(wrapper.get('[data-testid="site-link-shop-wp"]').text()).toContain('WordPress')
    expect(wrapper.get('[data-testid="site-link-demo-drupal"]').text()).toContain('Drupal 8')

    await wrapper.get('[data-testid="site-search"]').setValue('corner')
    expect(wrapper.find('[data-testid="site-link-demo-drupal"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="site-link-shop-wp"]').exists()).toBe(true)
    await wrapper.get('[data-testid="site-search"]').setValue('nothing-like-this')
    expect(wrapper.get('[data-testid="sites-no-match"]').text()).toContain('No site matches')
    await wrapper.get('[data-testid="site-search"]').setValue('DEMO')

    await wrapper.get('[data-testid="site-link-demo-drupal"]').trigger('click')
    await flushPromises()
    // The first environment is chosen and written to the hash, so a reload lands here again.
    expect(location.hash).toBe('#/sites/site-1/dev')
    expect(wrapper.get('[data-testid="env-tab-dev"]').attributes('aria-selected')).toBe('true')
    expect(wrapper.findAll('[data-testid="backup-row"]')).toHaveLength(1)
    expect(wrapper.get('[data-testid="app-version"]').text()).toBe('9.8.7')
  })

  it('says so when the connection has no sites', async () => {
    installFakeBridge({ 'app:info': () => appInfo(), 'connections:list': () => [connection()] })
    const wrapper = mountApp()
    await flushPromises()
    expect(wrapper.get('[data-testid="sites-empty"]').text()).toContain('No sites yet')
    expect(wrapper.get('main').text()).toContain('No sites on this connection')
  })

  it('follows the back button and hand-edited hashes', async () => {
    installFakeBridge({
      'app:info': () => appInfo(),
      'connections:list': () => [connection()],
      'sites:list': () => [site()],
      'sites:open': () => siteDetails(),
      'backups:list': () => [],
      'code:log': () => [],
      'downloads:default-folder': () => '/home/me/Downloads',
    })
    const wrapper = mountApp()
    await flushPromises()
    editHash('#/sites/site-1/live')
    await flushPromises()
    expect(wrapper.get('[data-testid="env-tab-live"]').attributes('aria-selected')).toBe('true')
    expect(wrapper.find('[data-testid="timeline-empty"]').exists()).toBe(true)
    editHash('#/connections')
    await flushPromises()
    expect(wrapper.find('[data-testid="connection-item"]').exists()).toBe(true)
  })

  it('"Skip to content" moves focus to the main region and stays on the current view', async () => {
    history.replaceState(null, '', '#/connections')
    installFakeBridge({ 'app:info': () => appInfo(), 'connections:list': () => [connection()] })
    const wrapper = mountApp()
    await flushPromises()
    const skip = wrapper.findAll('a, button').find((element) => element.text() === 'Skip to content')!
    await skip.trigger('click')
    await flushPromises()
    expect(location.hash).toBe('#/connections')
    expect(wrapper.router.currentRoute.value.name).toBe('connections')
    expect(wrapper.find('[data-testid="connection-item"]').exists()).toBe(true)
    expect(document.activeElement).toBe(wrapper.get('main').element)
  })
})

describe('notices', () => {
  it('shows each notice as an alert until it is dismissed, and follows app:notices', async () => {
    const notice = { id: 'n1', message: 'The saved connections in /data/connections.json were damaged.' }
    const fake = installFakeBridge({ 'app:info': () => appInfo({ notices: [notice] }), 'sites:list': () => [] })
    fake.handle('app:dismiss-notice', () => undefined)
    const wrapper = mountApp()
    await flushPromises()
    const region = wrapper.get('section[aria-labelledby="app-notices-title"]')
    expect(region.get('[role="alert"]').text()).toContain('/data/connections.json were damaged.')
    await region.get('button').trigger('click')
    await flushPromises()
    expect(fake.callsTo('app:dismiss-notice')).toEqual([{ id: 'n1' }])
    expect(wrapper.find('section[aria-labelledby="app-notices-title"]').exists()).toBe(false)

    fake.emit('app:notices', [{ id: 'n2', message: 'The downloads list was damaged.' }])
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('The downloads list was damaged.')
  })
})
