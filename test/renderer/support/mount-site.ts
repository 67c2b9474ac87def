/**
 * The site route's view alone, attached to the document (so ids, labels and focus resolve as in
 * a browser), with the handlers a site needs: its details, a backup catalog, a code log.
 */
import { createTestingPinia } from '@pinia/testing'
import { mount } from '@vue/test-utils'
import { vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { RouterView } from 'vue-router'
import { createAppRouter } from '../../../src/renderer/src/router'
import type { FakeHandlers } from './fake-bridge'
import { backup, environment, HOUR, site } from './fixtures'

/** When the site's one backup was taken, in every test that uses these handlers. */
export const BACKUP_AT = Date.UTC(2026, 10, 30, 2, 0)

export function siteHandlers(overrides: FakeHandlers = {}): FakeHandlers {
  return {
    'sites:open': () => ({
      site: site(),
      environments: [environment('dev'), environment('test'), environment('live')],
    }),
    'backups:list': () => [backup(BACKUP_AT)],
    'code:log': () => [
      {
        hash: 'abcdef0123456789abcdef0123456789abcdef01',
        parents: [],
        author: 'Ben',
        email: 'ben@example.com',
        committedAt: Date.now() - 2 * HOUR,
        message: 'Fix the checkout form',
        labels: ['dev'],
      },
    ],
    'downloads:default-folder': ({ siteId, env }) => `/home/me/Downloads/Restore Desk/${siteId}/${env}`,
    ...overrides,
  }
}

export function mountSite(env: string) {
  history.replaceState(null, '', `#/sites/site-1/${env}`)
  const router = createAppRouter()
  const wrapper = mount(
    defineComponent(() => () => h(RouterView)),
    {
      attachTo: document.body,
      global: { plugins: [createTestingPinia({ stubActions: false, createSpy: vi.fn }), router] },
    },
  )
  return { wrapper, router, root: wrapper.element.parentElement as HTMLElement }
}
