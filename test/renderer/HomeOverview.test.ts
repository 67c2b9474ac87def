import { createTestingPinia } from '@pinia/testing'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { setApiClient } from '../../src/renderer/src/api/client'
import HomeView from '../../src/renderer/src/views/HomeView.vue'
import { createAppRouter } from '../../src/renderer/src/router'
import { DAY_MS, eachLimited, liveBackupIsStale, newestBackupAt } from '../../src/renderer/src/lib/overview'
import { useSitesStore } from '../../src/renderer/src/stores/sites'
import { installFakeBridge } from './support/fake-bridge'
import { appInfo, backup, environment, HOUR, site } from './support/fixtures'

enableAutoUnmount(afterEach)
afterEach(() => setApiClient(null))

describe('the overview rules', () => {
  const NOW = Date.UTC(2026, 10, 30, 12)

  it('takes the newest finished backup, and warns only for live older than a day or without any', () => {
    expect(
      newestBackupAt([backup(NOW - 3 * HOUR), backup(NOW - HOUR, { finished: false }), backup(NOW - 2 * DAY_MS)]),
    ).toBe(NOW - 3 * HOUR)
    expect(newestBackupAt([])).toBeNull()
    expect(liveBackupIsStale('live', NOW - DAY_MS - 1, NOW)).toBe(true)
    expect(liveBackupIsStale('live', NOW - DAY_MS + 60_000, NOW)).toBe(false)
    expect(liveBackupIsStale('live', null, NOW)).toBe(true)
    expect(liveBackupIsStale('dev', null, NOW)).toBe(false)
    expect(liveBackupIsStale('test', NOW - 9 * DAY_MS, NOW)).toBe(false)
  })

  it('runs at most `limit` at a time and every item once', async () => {
    let running = 0
    let most = 0
    const seen: number[] = []
    await eachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++
      most = Math.max(most, running)
      await new Promise((resolve) => setTimeout(resolve, 1))
      seen.push(n)
      running--
    })
    expect(most).toBe(3)
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7])
  })
})

describe('Home', () => {
  it("lists each site's environments with their newest backup's age and warns where live's is over a day old", async () => {
    const now = Date.now()
    const fake = installFakeBridge({
      'app:info': () => appInfo(),
      'connections:list': () => [],
      'sites:list': () => [site(), site({ id: 'site-2', name: 'shop', label: 'Shop' })],
      'sites:open': ({ siteId }) => ({
        site: siteId === 'site-1' ? site() : site({ id: 'site-2', name: 'shop', label: 'Shop' }),
        environments: [environment('dev'), environment('live')],
      }),
      'backups:list': ({ siteId, env }) =>
        siteId === 'site-1'
          ? [backup(now - (env === 'live' ? 3 : 1) * HOUR)]
          : env === 'live'
            ? [backup(now - 2 * DAY_MS), backup(now - HOUR, { finished: false })]
            : [],
    })
    const pinia = createTestingPinia({ stubActions: false, createSpy: vi.fn })
    const wrapper = mount(HomeView, { global: { plugins: [pinia, createAppRouter()] } })
    await useSitesStore().load()
    await flushPromises()
    await flushPromises()

    const siteCard = (name: string) => wrapper.get(`[data-testid="overview-site"][data-site="${name}"]`)
    const env = (name: string, e: string) => siteCard(name).get(`[data-testid="overview-env"][data-env="${e}"]`)
    expect(env('demo-drupal', 'dev').text()).toContain('1 hour ago')
    expect(env('demo-drupal', 'live').text()).toContain('3 hours ago')
    expect(siteCard('demo-drupal').find('[data-testid="overview-warning"]').exists()).toBe(false)
    expect(env('shop', 'dev').text()).toContain('no backup yet')
    expect(env('shop', 'dev').find('[data-testid="overview-warning"]').exists()).toBe(false)
    expect(env('shop', 'live').text()).toContain('2 days ago')
    expect(env('shop', 'live').get('[data-testid="overview-warning"]').text()).toBe(
      '⚠ Live’s newest backup is more than a day old',
    )
    expect(fake.callsTo('backups:list')).toHaveLength(4)
  })
})
