import { createTestingPinia } from '@pinia/testing'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import App from '../../src/renderer/src/App.vue'
import { setApiClient } from '../../src/renderer/src/api/client'
import { createAppRouter } from '../../src/renderer/src/router'
import type { DownloadItem } from '../../src/shared/downloads'
import { FakeIpcFailure, installFakeBridge } from './support/fake-bridge'
import { appInfo, download } from './support/fixtures'

enableAutoUnmount(afterEach)

afterEach(() => setApiClient(null))

function mountApp() {
  return mount(App, {
    global: { plugins: [createTestingPinia({ stubActions: false, createSpy: vi.fn }), createAppRouter()] },
  })
}

const items = (wrapper: ReturnType<typeof mountApp>) => wrapper.findAll('[data-testid="download-item"]')
const item = (wrapper: ReturnType<typeof mountApp>, id: string) =>
  wrapper.get(`[data-testid="download-item"][data-id="${id}"]`)

describe('downloads panel', () => {
  it('lists downloads with a badge and follows `downloads:changed` events through each state', async () => {
    const active = download({ id: 'a', element: 'database' })
    const fake = installFakeBridge({ 'app:info': () => appInfo(), 'downloads:list': () => [active] })
    const wrapper = mountApp()
    await flushPromises()
    const toggle = wrapper.get('[data-testid="downloads-toggle"]')
    expect(toggle.get('[data-testid="downloads-badge"]').text()).toBe('1')
    expect(toggle.attributes('aria-label')).toBe('Downloads (1 in progress)')
    expect(wrapper.find('[data-testid="downloads-panel"]').exists()).toBe(false)
    await toggle.trigger('click')
    expect(toggle.attributes('aria-expanded')).toBe('true')

    const row = item(wrapper, 'a')
    expect(row.attributes('data-state')).toBe('downloading')
    expect(row.attributes('data-element')).toBe('database')
    expect(row.get('[data-testid="download-progress"]').text()).toBe('5.0 MiB of 10.0 MiB · 1.0 MiB/s · 5 s left')
    expect(row.get('progress').attributes('value')).toBe('50')

    fake.emit('downloads:changed', {
      type: 'updated',
      id: 'a',
      item: { ...active, state: 'paused', bytesPerSecond: 0, etaSeconds: null },
    })
    await flushPromises()
    expect(item(wrapper, 'a').attributes('data-state')).toBe('paused')
    expect(item(wrapper, 'a').find('[data-testid="download-resume"]').exists()).toBe(true)

    const second = download({
      id: 'b',
      element: 'files',
      filename: 'demo_dev_files.tar.gz',
      createdAt: active.createdAt + 1,
    })
    fake.emit('downloads:changed', { type: 'updated', id: 'b', item: second })
    await flushPromises()
    expect(items(wrapper)).toHaveLength(2)
    expect(wrapper.get('[data-testid="downloads-badge"]').text()).toBe('2')

    const done: DownloadItem = {
      ...active,
      state: 'done',
      receivedBytes: active.expectedSize,
      finalPath: '/home/me/Downloads/Restore Desk/demo-drupal/dev/demo_dev_database (1).sql.gz',
      note: 'A file with this name already existed, so it was saved as “demo_dev_database (1).sql.gz”.',
      finishedAt: Date.now(),
    }
    fake.emit('downloads:changed', { type: 'updated', id: 'a', item: done })
    const failed: DownloadItem = {
      ...second,
      state: 'failed',
      error: {
        code: 'verify_size',
        message: 'The file is 12 bytes short of the catalog size. Retry to fetch it again.',
      },
    }
    fake.emit('downloads:changed', { type: 'updated', id: 'b', item: failed })
    await flushPromises()
    expect(item(wrapper, 'a').get('[data-testid="download-final-path"]').text()).toBe(done.finalPath)
    expect(item(wrapper, 'a').get('[data-testid="download-note"]').text()).toContain('(1)')
    // Browser mode has no file manager to open: no "Show in folder", the path above says where it is.
    expect(item(wrapper, 'a').find('[data-testid="download-reveal"]').exists()).toBe(false)
    expect(item(wrapper, 'b').get('[data-testid="download-error"]').text()).toContain('12 bytes short')
    expect(wrapper.get('[data-testid="downloads-badge"]').classes()).toContain('failed')

    fake.emit('downloads:changed', { type: 'removed', id: 'a', item: done })
    await flushPromises()
    expect(items(wrapper).map((row) => row.attributes('data-id'))).toEqual(['b'])
  })

  it('sends pause, resume, cancel, retry, reveal and remove for the right item', async () => {
    const running = download({ id: 'run' })
    const paused = download({ id: 'pau', state: 'paused', createdAt: 2 })
    const failed = download({
      id: 'bad',
      state: 'failed',
      error: { code: 'gone', message: 'The folder vanished.' },
      createdAt: 3,
    })
    const done = download({ id: 'ok', state: 'done', finalPath: '/tmp/x.sql.gz', createdAt: 4 })
    const fake = installFakeBridge({
      'app:info': () => appInfo({ mode: 'electron' }),
      'downloads:list': () => [running, paused, failed, done],
      'downloads:pause': ({ id }) => ({ ...running, id, state: 'paused' }),
      'downloads:resume': ({ id }) => ({ ...paused, id, state: 'downloading' }),
      'downloads:cancel': ({ id }) => ({ ...running, id, state: 'cancelled' }),
      'downloads:retry': ({ id }) => ({ ...failed, id, state: 'queued', error: null }),
      'downloads:reveal': () => ({ path: '/tmp/x.sql.gz', shown: true }),
      'downloads:remove': () => null,
    })
    const wrapper = mountApp()
    await flushPromises()
    await wrapper.get('[data-testid="downloads-toggle"]').trigger('click')

    await item(wrapper, 'run').get('[data-testid="download-pause"]').trigger('click')
    await flushPromises()
    expect(fake.callsTo('downloads:pause')).toEqual([{ id: 'run' }])
    expect(item(wrapper, 'run').attributes('data-state')).toBe('paused')

    await item(wrapper, 'pau').get('[data-testid="download-resume"]').trigger('click')
    await flushPromises()
    expect(fake.callsTo('downloads:resume')).toEqual([{ id: 'pau' }])

    await item(wrapper, 'pau').get('[data-testid="download-cancel"]').trigger('click')
    await flushPromises()
    expect(fake.callsTo('downloads:cancel')).toEqual([{ id: 'pau' }])
    expect(item(wrapper, 'pau').attributes('data-state')).toBe('cancelled')

    await item(wrapper, 'bad').get('[data-testid="download-retry"]').trigger('click')
    await flushPromises()
    expect(fake.callsTo('downloads:retry')).toEqual([{ id: 'bad' }])
    expect(item(wrapper, 'bad').attributes('data-state')).toBe('queued')

    await item(wrapper, 'ok').get('[data-testid="download-reveal"]').trigger('click')
    await flushPromises()
    expect(fake.callsTo('downloads:reveal')).toEqual([{ id: 'ok' }])

    await item(wrapper, 'ok').get('[data-testid="download-remove"]').trigger('click')
    await flushPromises()
    expect(fake.callsTo('downloads:remove')).toEqual([{ id: 'ok' }])
    expect(wrapper.find('[data-testid="download-item"][data-id="ok"]').exists()).toBe(false)

    fake.emit('downloads:changed', { type: 'updated', id: 'ok2', item: { ...done, id: 'ok2' } })
    fake.emit('downloads:changed', { type: 'updated', id: 'ok3', item: { ...done, id: 'ok3' } })
    await flushPromises()
    await wrapper.get('[data-testid="downloads-clear-done"]').trigger('click')
    await flushPromises()
    expect(fake.callsTo('downloads:remove').slice(1)).toEqual(expect.arrayContaining([{ id: 'ok2' }, { id: 'ok3' }]))
    expect(wrapper.findAll('[data-testid="download-item"][data-state="done"]')).toHaveLength(0)
    expect(wrapper.find('[data-testid="download-item"][data-id="run"]').exists()).toBe(true)

    fake.handle('downloads:retry', () => {
      throw new FakeIpcFailure('gone', 'This download is no longer known. Start it again from the timeline.')
    })
    await item(wrapper, 'pau').get('[data-testid="download-retry"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="downloads-panel"] [role="alert"]').text()).toContain('no longer known')
  })

  it('shows a finished download’s SHA-256 and copies it, saying so when the clipboard is refused', async () => {
    const digest = 'a3f1c9e07b5d2468ace13579bdf02468ace13579bdf02468ace13579bdf0246a'
    const done = download({ id: 'ok', state: 'done', finalPath: '/tmp/x.sql.gz', sha256: digest })
    const older = download({ id: 'old', state: 'done', finalPath: '/tmp/y.sql.gz', sha256: null, createdAt: 2 })
    installFakeBridge({ 'app:info': () => appInfo(), 'downloads:list': () => [done, older] })
    const writeText = vi.fn(async (_text: string) => undefined)
    const original = Object.getOwnPropertyDescriptor(navigator, 'clipboard')
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    try {
      const wrapper = mountApp()
      await flushPromises()
      await wrapper.get('[data-testid="downloads-toggle"]').trigger('click')

      expect(item(wrapper, 'ok').get('[data-testid="download-sha256"]').text()).toBe(digest)
      await item(wrapper, 'ok').get('[data-testid="download-copy-sha256"]').trigger('click')
      await flushPromises()
      expect(writeText).toHaveBeenCalledWith(digest)
      expect(item(wrapper, 'ok').get('[data-testid="download-copy-status"]').text()).toBe('Copied.')

      writeText.mockRejectedValueOnce(new DOMException('Write permission denied.', 'NotAllowedError'))
      await item(wrapper, 'ok').get('[data-testid="download-copy-sha256"]').trigger('click')
      await flushPromises()
      expect(item(wrapper, 'ok').get('[data-testid="download-copy-status"]').text()).toContain(
        'select the digest above and copy it',
      )

      // A download saved before digests were kept shows none, and no button for one.
      expect(item(wrapper, 'old').find('[data-testid="download-sha256"]').exists()).toBe(false)
      expect(item(wrapper, 'old').find('[data-testid="download-copy-sha256"]').exists()).toBe(false)
    } finally {
      if (original) Object.defineProperty(navigator, 'clipboard', original)
      else Reflect.deleteProperty(navigator, 'clipboard')
    }
  })

  it('has empty and error states', async () => {
    const fake = installFakeBridge({
      'app:info': () => appInfo(),
      'downloads:list': () => {
        throw new FakeIpcFailure('internal', 'The download list could not be read. Restart Restore Desk.')
      },
    })
    const wrapper = mountApp()
    await flushPromises()
    await wrapper.get('[data-testid="downloads-toggle"]').trigger('click')
    const panel = wrapper.get('[data-testid="downloads-panel"]')
    expect(panel.text()).toContain('The download list could not be read.')
    fake.handle('downloads:list', () => [])
    await panel.get('[role="alert"] button').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="downloads-empty"]').text()).toContain('No downloads yet')
  })
})
