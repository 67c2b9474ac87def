/** Mounts the whole page as main.ts does: a testing Pinia with real actions, and the app's router on the hash. */
import { createTestingPinia } from '@pinia/testing'
import { mount } from '@vue/test-utils'
import { vi } from 'vitest'
import App from '../../../src/renderer/src/App.vue'
import { createAppRouter } from '../../../src/renderer/src/router'

export function mountApp() {
  const router = createAppRouter()
  const wrapper = mount(App, {
    attachTo: document.body,
    global: { plugins: [createTestingPinia({ stubActions: false, createSpy: vi.fn }), router] },
  })
  return Object.assign(wrapper, { router })
}
