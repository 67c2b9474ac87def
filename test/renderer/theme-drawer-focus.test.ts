import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { setApiClient } from '../../src/renderer/src/api/client'
import { installFakeBridge } from './support/fake-bridge'
import { appInfo } from './support/fixtures'
import { mountApp } from './support/mount-app'

enableAutoUnmount(afterEach)
beforeEach(() => history.replaceState(null, '', '#/'))
afterEach(() => setApiClient(null))

describe.each([
  { drawer: 'downloads-panel', toggle: 'downloads-toggle' },
  { drawer: 'activity-panel', toggle: 'activity-toggle' },
])('the $drawer drawer and the focus', ({ drawer, toggle }) => {
  it('takes the focus when it opens, and Escape closes it and gives the focus back to its button', async () => {
    installFakeBridge({ 'app:info': () => appInfo() })
    const wrapper = mountApp()
    await flushPromises()
    const button = wrapper.get(`[data-testid="${toggle}"]`)
    ;(button.element as HTMLButtonElement).focus()
    await button.trigger('click')
    await flushPromises()
    const panel = wrapper.get(`[data-testid="${drawer}"]`)
    expect(document.activeElement).toBe(panel.element)

    await panel.trigger('keydown', { key: 'Escape' })
    await flushPromises()
    expect(wrapper.find(`[data-testid="${drawer}"]`).exists()).toBe(false)
    expect(document.activeElement).toBe(button.element)
  })

  it('leaves the focus alone when it closes while the focus is elsewhere', async () => {
    installFakeBridge({ 'app:info': () => appInfo() })
    const wrapper = mountApp()
    await flushPromises()
    await wrapper.get(`[data-testid="${toggle}"]`).trigger('click')
    await flushPromises()
    const elsewhere = wrapper.get('[data-testid="connections-open"]').element as HTMLButtonElement
    elsewhere.focus()
    await wrapper.get(`[data-testid="${toggle}"]`).trigger('click')
    await flushPromises()
    expect(wrapper.find(`[data-testid="${drawer}"]`).exists()).toBe(false)
    expect(document.activeElement).toBe(elsewhere)
  })
})
