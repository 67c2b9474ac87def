import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { setApiClient } from '../../src/renderer/src/api/client'
import { applyStoredTheme, readStoredTheme, THEME_STORAGE_KEY } from '../../src/renderer/src/stores/theme'
import { installFakeBridge } from './support/fake-bridge'
import { mountApp } from './support/mount-app'

enableAutoUnmount(afterEach)

beforeEach(() => {
  history.replaceState(null, '', '#/')
  localStorage.clear()
  delete document.documentElement.dataset.theme
})
afterEach(() => setApiClient(null))

describe('theme choice', () => {
  it('reads a remembered choice and refuses anything else as "system"', () => {
    expect(readStoredTheme()).toBe('system')
    localStorage.setItem(THEME_STORAGE_KEY, 'dark')
    expect(readStoredTheme()).toBe('dark')
    localStorage.setItem(THEME_STORAGE_KEY, 'purple')
    expect(readStoredTheme()).toBe('system')
    const refusing = {
      getItem: () => {
        throw new Error('SecurityError')
      },
    }
    expect(readStoredTheme(refusing)).toBe('system')
  })

  it('pins the remembered theme on <html> before the app mounts, and none for "system"', () => {
    localStorage.setItem(THEME_STORAGE_KEY, 'light')
    expect(applyStoredTheme()).toBe('light')
    expect(document.documentElement.dataset.theme).toBe('light')
    localStorage.setItem(THEME_STORAGE_KEY, 'system')
    applyStoredTheme()
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false)
  })

  it('offers System, Light and Dark in a radio group named Theme, remembers the pick and tells main', async () => {
    localStorage.setItem(THEME_STORAGE_KEY, 'dark')
    const fake = installFakeBridge()
    const wrapper = mountApp()
    await flushPromises()
    const group = wrapper.get('[data-testid="theme-choice"]')
    expect(group.get('legend').text()).toBe('Theme')
    const radios = group.findAll('input[type="radio"]')
    expect(radios.map((radio) => radio.element.closest('label')?.textContent?.trim())).toEqual([
      'System',
      'Light',
      'Dark',
    ])
    expect((group.get('[data-testid="theme-dark"]').element as HTMLInputElement).checked).toBe(true)
    // At start main hears the remembered choice, so native menus match the page.
    expect(fake.callsTo('app:set-theme')).toEqual([{ theme: 'dark' }])

    await group.get('[data-testid="theme-light"]').setValue(true)
    await flushPromises()
    expect(document.documentElement.dataset.theme).toBe('light')
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe('light')
    expect(fake.callsTo('app:set-theme')).toEqual([{ theme: 'dark' }, { theme: 'light' }])

    await group.get('[data-testid="theme-system"]').setValue(true)
    await flushPromises()
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false)
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe('system')
    expect(fake.callsTo('app:set-theme').at(-1)).toEqual({ theme: 'system' })
  })
})
