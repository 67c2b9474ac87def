import { flushPromises, mount } from '@vue/test-utils'
import { createTestingPinia } from '@pinia/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import App from '../../src/renderer/src/App.vue'
import { createApiClient, setApiClient } from '../../src/renderer/src/api/client'
import type { AppInfo, AppStatus } from '../../src/shared/app'
import type { RestoreDeskBridge } from '../../src/shared/ipc'

const info: AppInfo = {
  name: 'Restore Desk',
  version: '9.8.7',
  mode: 'browser',
  dataDir: '/home/me/.config/Restore Desk',
  platform: { id: 'embedded', kind: 'embedded', label: 'Embedded platform (this computer)', baseUrl: null, status: 'starting', error: null },
}

function bridge(result: Awaited<ReturnType<RestoreDeskBridge['invoke']['app:info']>>) {
  let statusListener: ((s: AppStatus) => void) | null = null
  const value = {
    invoke: { 'app:info': vi.fn(async () => result) },
    subscribe: {
      'app:status': (listener: (s: AppStatus) => void) => {
        statusListener = listener
        return () => (statusListener = null)
      },
    },
  } as unknown as RestoreDeskBridge
  return { value, push: (s: AppStatus) => statusListener?.(s) }
}

afterEach(() => setApiClient(null))

describe('App shell', () => {
  it('shows what came through the contract and follows status events', async () => {
    const fake = bridge({ ok: true, value: info })
    setApiClient(createApiClient(fake.value))
    const wrapper = mount(App, { global: { plugins: [createTestingPinia({ stubActions: false, createSpy: vi.fn })] } })
    await flushPromises()
    expect(wrapper.get('[data-testid="app-version"]').text()).toBe('9.8.7')
    expect(wrapper.get('[data-testid="app-data-dir"]').text()).toBe(info.dataDir)
    expect(wrapper.get('[data-testid="connection-status"]').text()).toContain('Connecting to')
    fake.push({ platform: { ...info.platform, status: 'ready' } })
    await flushPromises()
    expect(wrapper.get('[data-testid="connection-status"]').text()).toContain('Connected to Embedded platform')
  })

  it('shows an error state with the rebuilt error message and retries', async () => {
    const fake = bridge({ ok: false, error: { code: 'internal', message: 'The data folder is not writable.' } })
    setApiClient(createApiClient(fake.value))
    const wrapper = mount(App, { global: { plugins: [createTestingPinia({ stubActions: false, createSpy: vi.fn })] } })
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('The data folder is not writable.')
    await wrapper.get('[role="alert"] button').trigger('click')
    await flushPromises()
    expect(fake.value.invoke['app:info']).toHaveBeenCalledTimes(2)
  })
})
