/**
 * The code history route's view alone, attached to the document, and a stand-in for layout:
 * happy-dom lays nothing out (every height is 0), so the windowed list would see no viewport and
 * rows of no height. `fakeLayout` gives the list's scroller a viewport and each row a height
 * (taller for a row with badges, as a real row that wraps), which the list measures itself.
 */
import { createTestingPinia } from '@pinia/testing'
import { mount } from '@vue/test-utils'
import { enableAutoUnmount } from '@vue/test-utils'
import { afterEach, beforeEach, vi } from 'vitest'
import { setApiClient } from '../../../src/renderer/src/api/client'
import { defineComponent, h } from 'vue'
import { RouterView } from 'vue-router'
import { createAppRouter } from '../../../src/renderer/src/router'

/**
 * The hooks every history view test file needs: mounted views unmounted after each test, a
 * clean localStorage, the fake layout, and the API client and address reset afterwards.
 */
export function useHistoryViewTests(): void {
  enableAutoUnmount(afterEach)
  let restoreLayout: () => void = () => {}
  beforeEach(() => {
    localStorage.clear()
    restoreLayout = fakeLayout()
  })
  afterEach(() => {
    restoreLayout()
    setApiClient(null)
    history.replaceState(null, '', '#/')
  })
}

export const VIEWPORT = 600
export const ROW = 40
export const TALL_ROW = 64

/** Installs the fake layout; returns what puts happy-dom's own back. */
export function fakeLayout(): () => void {
  const proto = HTMLElement.prototype
  const client = Object.getOwnPropertyDescriptor(proto, 'clientHeight')
  const offset = Object.getOwnPropertyDescriptor(proto, 'offsetHeight')
  Object.defineProperty(proto, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.dataset.testid === 'commit-scroll' ? VIEWPORT : (client?.get?.call(this) ?? 0)
    },
  })
  Object.defineProperty(proto, 'offsetHeight', {
    configurable: true,
    get(this: HTMLElement) {
      if (this.getAttribute('role') === 'listitem' && this.dataset.index !== undefined)
        return this.querySelector('.commit-badges') ? TALL_ROW : ROW
      return offset?.get?.call(this) ?? 0
    },
  })
  return () => {
    if (client) Object.defineProperty(proto, 'clientHeight', client)
    if (offset) Object.defineProperty(proto, 'offsetHeight', offset)
  }
}

export function mountHistory(path = '/sites/site-1/code-history') {
  history.replaceState(null, '', `#${path}`)
  const router = createAppRouter()
  const wrapper = mount(
    defineComponent(() => () => h(RouterView)),
    {
      attachTo: document.body,
      global: { plugins: [createTestingPinia({ stubActions: false, createSpy: vi.fn }), router] },
    },
  )
  return { wrapper, router }
}

/** The list's scroller, scrolled to `top` as a person would. */
export function scrollList(top: number): void {
  const scroller = document.querySelector<HTMLElement>('[data-testid="commit-scroll"]')
  if (!scroller) throw new Error('The commit list is not on the page.')
  scroller.scrollTop = top
  scroller.dispatchEvent(new Event('scroll'))
}

/** Scrolls the list to its end as the list knows it now (rows not yet rendered count at their estimate). */
export function scrollListToEnd(): void {
  const spacer = document.querySelector<HTMLElement>('[role="list"][aria-label="Commits"]')
  scrollList(Math.max(0, Number.parseFloat(spacer?.style.height ?? '0') - VIEWPORT))
}

/** The rendered rows, in order. */
export function renderedRows(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('[role="list"][aria-label="Commits"] > [role="listitem"]')]
}
