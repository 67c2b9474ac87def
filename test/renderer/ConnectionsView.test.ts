import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { setApiClient } from '../../src/renderer/src/api/client'
import type { ConnectionSummary } from '../../src/shared/app'
import { FakeIpcFailure, installFakeBridge } from './support/fake-bridge'
import { mountApp } from './support/mount-app'
import { appInfo, connection, site } from './support/fixtures'

enableAutoUnmount(afterEach)

const embedded = connection()
const pantheon = connection({
  id: 'conn-p',
  kind: 'pantheon',
  label: 'Agency Pantheon',
  baseUrl: 'https://terminus.pantheon.io/api',
  active: false,
  tokenStorage: 'file',
  tokenStorageNote: 'Stored in a file only your user can read (0600) in the data folder.',
})

beforeEach(() => history.replaceState(null, '', '#/connections'))
afterEach(() => {
  history.replaceState(null, '', '#/')
  setApiClient(null)
})

describe('connections', () => {
  it('lists connections with where each token lives, and adds a Pantheon one', async () => {
    let list: ConnectionSummary[] = [embedded]
    const fake = installFakeBridge({
      'app:info': () => appInfo(),
      'connections:list': () => list,
      'connections:add': (request) => {
        list = [embedded, pantheon]
        return { ...pantheon, label: request.label }
      },
    })
    const wrapper = mountApp()
    await flushPromises()
    const rows = () => wrapper.findAll('[data-testid="connection-item"]')
    expect(rows()).toHaveLength(1)
    expect(rows()[0]!.text()).toContain('Embedded (this computer)')
    expect(rows()[0]!.find('[data-testid="connection-active"]').exists()).toBe(true)
    expect(rows()[0]!.find('[data-testid="connection-remove"]').exists()).toBe(false)
    expect(rows()[0]!.get('[data-testid="connection-token-note"]').text()).toBe(embedded.tokenStorageNote)

    await wrapper.get('[data-testid="connection-add"]').trigger('click')
    const form = wrapper.get('[data-testid="connection-form"]')
    expect(form.text()).toContain('only your user account can read (0600)')
    expect(form.get('input[readonly]').element).toHaveProperty('value', 'https://terminus.pantheon.io/api')
    await form.get('[data-testid="connection-label"]').setValue('Agency Pantheon')
    expect(form.get('[data-testid="connection-add-submit"]').attributes('disabled')).toBeDefined()
    const token = form.get('[data-testid="connection-token"]')
    expect(token.attributes('type')).toBe('password')
    // Too short: said beside the field (and tied to it), not only by a disabled button.
    await token.setValue('secret')
    const tooShort = form.get('[data-testid="connection-token-error"]')
    expect(tooShort.text()).toBe('A machine token has at least 8 characters; this one has 6. Paste the whole token.')
    expect(token.attributes('aria-invalid')).toBe('true')
    expect(token.attributes('aria-describedby')).toContain(tooShort.attributes('id'))
    expect(form.get('[data-testid="connection-add-submit"]').attributes('disabled')).toBeDefined()
    await token.setValue('  machine-token-123  ')
    expect(form.find('[data-testid="connection-token-error"]').exists()).toBe(false)
    expect(token.attributes('aria-invalid')).toBeUndefined()
    await form.trigger('submit')
    await flushPromises()
    expect(fake.callsTo('connections:add')).toEqual([
      { kind: 'pantheon', label: 'Agency Pantheon', machineToken: 'machine-token-123' },
    ])
    expect(wrapper.find('[data-testid="connection-form"]').exists()).toBe(false)
    expect(rows()).toHaveLength(2)
    expect(rows()[1]!.text()).toContain('0600')
  })

  it('adds another embedded platform with its address, and shows a refused token next to the form', async () => {
    const fake = installFakeBridge({
      'app:info': () => appInfo(),
      'connections:list': () => [embedded],
      'connections:add': () => {
        throw new FakeIpcFailure(
          'unauthorized',
          'The platform refused this machine token. Create a new token and paste it again.',
        )
      },
    })
    const wrapper = mountApp()
    await flushPromises()
    await wrapper.get('[data-testid="connection-add"]').trigger('click')
    const form = wrapper.get('[data-testid="connection-form"]')
    await form.get('[data-testid="connection-kind-remote"]').setValue(true)
    await form.get('[data-testid="connection-label"]').setValue('Office server')
    await form.get('[data-testid="connection-token"]').setValue('abcdefgh12')
    await form.get('[data-testid="connection-url"]').setValue('not a url')
    expect(form.text()).toContain('full address')
    await form.get('[data-testid="connection-url"]').setValue('http://192.168.1.20:8787')
    await form.trigger('submit')
    await flushPromises()
    expect(fake.callsTo('connections:add')).toEqual([
      {
        kind: 'remote-embedded',
        label: 'Office server',
        machineToken: 'abcdefgh12',
        baseUrl: 'http://192.168.1.20:8787',
      },
    ])
    expect(wrapper.get('[data-testid="connection-add-error"]').text()).toContain('refused this machine token')
    expect(wrapper.find('[data-testid="connection-form"]').exists()).toBe(true)
  })

  it('activates a connection (and lists its sites) and removes one after confirming', async () => {
    let list: ConnectionSummary[] = [embedded, pantheon]
    const fake = installFakeBridge({
      'app:info': () => appInfo(),
      'connections:list': () => list,
      'sites:list': () => [site()],
      'connections:activate': ({ id }) => {
        list = list.map((entry) => ({ ...entry, active: entry.id === id }))
        return list.find((entry) => entry.id === id)!
      },
      'connections:remove': ({ id }) => {
        list = list.filter((entry) => entry.id !== id).map((entry) => ({ ...entry, active: entry.id === 'embedded' }))
        return list
      },
    })
    const wrapper = mountApp()
    await flushPromises()
    const sitesBefore = fake.callsTo('sites:list').length
    const pantheonRow = () => wrapper.get(`[data-testid="connection-item"][data-id="conn-p"]`)
    await pantheonRow().get('[data-testid="connection-activate"]').trigger('click')
    await flushPromises()
    expect(fake.callsTo('connections:activate')).toEqual([{ id: 'conn-p' }])
    expect(pantheonRow().find('[data-testid="connection-active"]').exists()).toBe(true)
    expect(fake.callsTo('sites:list').length).toBe(sitesBefore + 1)

    await pantheonRow().get('[data-testid="connection-remove"]').trigger('click')
    const dialog = wrapper.get('[data-testid="connection-remove-dialog"]')
    expect(dialog.text()).toContain('Agency Pantheon')
    expect(fake.callsTo('connections:remove')).toEqual([])
    await dialog.get('button:not([data-testid])').trigger('click')
    expect(wrapper.find('[data-testid="connection-remove-dialog"]').exists()).toBe(false)
    expect(fake.callsTo('connections:remove')).toEqual([])

    await pantheonRow().get('[data-testid="connection-remove"]').trigger('click')
    await wrapper.get('[data-testid="connection-remove-confirm"]').trigger('click')
    await flushPromises()
    expect(fake.callsTo('connections:remove')).toEqual([{ id: 'conn-p' }])
    expect(wrapper.findAll('[data-testid="connection-item"]')).toHaveLength(1)
    expect(wrapper.find('[data-testid="connection-remove-dialog"]').exists()).toBe(false)
  })

  it('moves focus into the add form as it opens, and back to "Add connection" on Cancel or Escape', async () => {
    installFakeBridge({ 'app:info': () => appInfo(), 'connections:list': () => [embedded] })
    const wrapper = mountApp()
    await flushPromises()
    await wrapper.get('[data-testid="connection-add"]').trigger('click')
    await flushPromises()
    const form = wrapper.get('[data-testid="connection-form"]')
    expect(form.element.contains(document.activeElement)).toBe(true)
    expect((document.activeElement as HTMLInputElement).type).toBe('radio')

    await form
      .findAll('button')
      .find((button) => button.text() === 'Cancel')!
      .trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="connection-form"]').exists()).toBe(false)
    expect(document.activeElement).toBe(wrapper.get('[data-testid="connection-add"]').element)

    await wrapper.get('[data-testid="connection-add"]').trigger('click')
    await flushPromises()
    await wrapper.get('[data-testid="connection-label"]').trigger('keydown', { key: 'Escape' })
    await flushPromises()
    expect(wrapper.find('[data-testid="connection-form"]').exists()).toBe(false)
    expect(document.activeElement).toBe(wrapper.get('[data-testid="connection-add"]').element)
  })

  it('shows why a switch failed', async () => {
    installFakeBridge({
      'app:info': () => appInfo(),
      'connections:list': () => [embedded, pantheon],
      'connections:activate': () => {
        throw new FakeIpcFailure(
          'unreachable',
          'terminus.pantheon.io did not answer. Check your network, then try again.',
        )
      },
    })
    const wrapper = mountApp()
    await flushPromises()
    await wrapper.get('[data-testid="connection-activate"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="connection-action-error"]').text()).toContain('did not answer')
  })
})
