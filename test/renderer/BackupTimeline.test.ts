import { createTestingPinia } from '@pinia/testing'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { setApiClient } from '../../src/renderer/src/api/client'
import BackupTimeline from '../../src/renderer/src/components/BackupTimeline.vue'
import { useBackupsStore } from '../../src/renderer/src/stores/backups'
import type { Backup } from '../../src/shared/platform-types'
import { FakeIpcFailure, installFakeBridge } from './support/fake-bridge'
import { backup, HOUR } from './support/fixtures'

enableAutoUnmount(afterEach)

afterEach(() => {
  setApiClient(null)
  vi.useRealTimers()
})

/** happy-dom's own window size, which its matchMedia answers from. */
function setViewport(size: { width: number; height: number }): void {
  ;(
    window as unknown as { happyDOM: { setViewport(size: { width: number; height: number }): void } }
  ).happyDOM.setViewport(size)
}

function mountTimeline() {
  const pinia = createTestingPinia({ stubActions: false, createSpy: vi.fn })
  const wrapper = mount(BackupTimeline, { props: { siteId: 'site-1', env: 'dev' }, global: { plugins: [pinia] } })
  return { wrapper, store: useBackupsStore(pinia) }
}

/** 1,000 backups, four a day (so ~250 day headings), newest first by construction reversed. */
function thousandBackups(): Backup[] {
  const start = Date.now() - 1000 * 6 * HOUR
  return Array.from({ length: 1000 }, (_, index) =>
    backup(start + index * 6 * HOUR, { kind: index % 10 === 0 ? 'manual' : 'scheduled' }),
  )
}

describe('backup timeline', () => {
  it('renders only a window of 1,000 backups and moves the window when scrolled', async () => {
    const backups = thousandBackups()
    installFakeBridge({ 'backups:list': () => backups })
    const { wrapper, store } = mountTimeline()
    await store.load('site-1', 'dev')
    await flushPromises()

    const rendered = wrapper.findAll('[data-testid="backup-row"]')
    expect(rendered.length).toBeGreaterThan(3)
    expect(rendered.length).toBeLessThan(40)
    // Newest first: the first row is the last backup made.
    const newest = [...backups].sort((a, b) => b.startedAt - a.startedAt)[0]!
    expect(rendered[0]!.attributes('data-folder')).toBe(newest.folder)
    const firstWindow = rendered.map((row) => row.attributes('data-folder'))
    expect(wrapper.find('[data-testid="timeline-pinned-day"]').exists()).toBe(false)

    const scroller = wrapper.get('[data-testid="timeline-scroll"]')
    const spacer = scroller.get('.timeline-spacer')
    // 1,000 backup rows at 84 px plus ~250 headings at 40 px.
    expect(parseInt((spacer.element as HTMLElement).style.height, 10)).toBeGreaterThan(1000 * 84)

    ;(scroller.element as HTMLElement).scrollTop = 40_000
    await scroller.trigger('scroll')
    const moved = wrapper.findAll('[data-testid="backup-row"]')
    expect(moved.length).toBeLessThan(40)
    const secondWindow = moved.map((row) => row.attributes('data-folder'))
    expect(secondWindow.some((folder) => firstWindow.includes(folder))).toBe(false)
    // The rows sit where the scroll offset is.
    const firstSlot = scroller.get('.timeline-slot').element as HTMLElement
    const top = Number(/translateY\((\d+)px\)/.exec(firstSlot.style.transform)?.[1])
    expect(top).toBeGreaterThan(38_000)
    expect(top).toBeLessThanOrEqual(40_000)
    // The day of the rows at the top stays readable although its heading scrolled away.
    const pinned = wrapper.get('[data-testid="timeline-pinned-day"]').text()
    const headingsAbove = wrapper
      .findAll('.slot-day')
      .filter(
        (slot) => Number(/translateY\((\d+)px\)/.exec((slot.element as HTMLElement).style.transform)?.[1]) < 40_000,
      )
    expect(headingsAbove.length).toBeGreaterThan(0)
    expect(pinned).toBe(headingsAbove[headingsAbove.length - 1]!.text())
  })

  it('shows each backup’s kind, parts with sizes, expiry and an in-progress mark', async () => {
    const now = Date.now()
    installFakeBridge({
      'backups:list': () => [
        backup(now - 3 * HOUR, { kind: 'manual', parts: ['database'] }),
        backup(now - 5 * 60_000, { parts: ['code', 'files'], finished: false }),
      ],
    })
    const { wrapper, store } = mountTimeline()
    await store.load('site-1', 'dev')
    await flushPromises()
    const rows = wrapper.findAll('[data-testid="backup-row"]')
    expect(rows).toHaveLength(2)
    const [running, manual] = rows
    expect(running!.text()).toContain('In progress')
    expect(running!.find('[data-testid="part-download-code"]').attributes('disabled')).toBeDefined()
    expect(running!.get('[data-testid="backup-download-all"]').attributes('disabled')).toBeDefined()
    expect(manual!.text()).toContain('3 hours ago')
    expect(manual!.text()).toContain('Manual')
    expect(manual!.text()).toContain('Database')
    expect(manual!.text()).toContain('14.0 MiB')
    expect(manual!.text()).toMatch(/expires in (4 weeks|30 days|1 month)/)
    expect(manual!.get('.backup-expiry').attributes('title')).toMatch(/^Expires /)
    expect(manual!.get('time').attributes('title')).toBeTruthy()
    expect(manual!.find('[data-testid="part-download-code"]').exists()).toBe(false)
    expect(wrapper.findAll('[data-testid="timeline-day"]')[0]!.text()).toContain('Today')
  })

  it('on a short window (1024x700) is compact: rows of 44 px that say their day, no day headings', async () => {
    const now = Date.now()
    const backups = [0, 1, 2, 3].map((day) => backup(now - (day * 24 + 1) * HOUR))
    installFakeBridge({ 'backups:list': () => backups })
    const { wrapper, store } = mountTimeline()
    await store.load('site-1', 'dev')
    await flushPromises()
    const tall = (): void => {
      expect(wrapper.findAll('[data-testid="timeline-day"]').length).toBeGreaterThan(0)
      expect(wrapper.findAll('[data-testid="backup-row"]').some((row) => row.classes('compact'))).toBe(false)
      expect(wrapper.find('.slot-backup').attributes('style')).toContain('height: 84px')
    }
    tall()
    try {
      // The window is made short while the timeline shows: it follows.
      setViewport({ width: 1024, height: 700 })
      await flushPromises()
      expect(wrapper.findAll('[data-testid="timeline-day"]')).toHaveLength(0)
      const rows = wrapper.findAll('[data-testid="backup-row"]')
      expect(rows).toHaveLength(4)
      expect(rows.every((row) => row.classes('compact'))).toBe(true)
      const slots = wrapper.findAll('.timeline-slot').map((slot) => (slot.element as HTMLElement).style)
      expect(slots.map((style) => style.height)).toEqual(['44px', '44px', '44px', '44px'])
      expect(slots.map((style) => style.transform)).toEqual([0, 44, 88, 132].map((top) => `translateY(${top}px)`))
      // Each row names its day and clock ("30 Nov 02:00"), since no heading does.
      const day = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short' }).format(backups[3]!.startedAt)
      expect(rows[3]!.get('.backup-exact').text()).toContain(day)
    } finally {
      setViewport({ width: 1600, height: 1000 })
    }
    await flushPromises()
    tall()
  })

  it('filters hide rows and say so when nothing is left', async () => {
    const now = Date.now()
    installFakeBridge({
      'backups:list': () => [backup(now - HOUR, { parts: ['database'] }), backup(now - 2 * HOUR, { kind: 'manual' })],
    })
    const { wrapper, store } = mountTimeline()
    await store.load('site-1', 'dev')
    await flushPromises()
    store.setFilters({ kind: 'manual' })
    await flushPromises()
    expect(wrapper.findAll('[data-testid="backup-row"]')).toHaveLength(1)
    store.setFilters({ kind: 'scheduled', part: 'files' })
    await flushPromises()
    expect(wrapper.findAll('[data-testid="backup-row"]')).toHaveLength(0)
    expect(wrapper.get('[data-testid="timeline-filtered"]').text()).toContain('2 backups hidden')
    await wrapper.get('[data-testid="timeline-filtered"] button').trigger('click')
    expect(wrapper.findAll('[data-testid="backup-row"]')).toHaveLength(2)
  })

  it('has designed loading, empty and error states', async () => {
    let release: (value: Backup[]) => void = () => {}
    const fake = installFakeBridge({ 'backups:list': () => new Promise<Backup[]>((resolve) => (release = resolve)) })
    const { wrapper, store } = mountTimeline()
    const loading = store.load('site-1', 'dev')
    await flushPromises()
    expect(wrapper.get('[data-testid="timeline-loading"]').text()).toContain('Loading backups')
    release([])
    await loading
    await flushPromises()
    const empty = wrapper.get('[data-testid="timeline-empty"]')
    expect(empty.text()).toContain('No backups yet')
    await empty.get('button').trigger('click')
    expect(wrapper.emitted('backup-now')).toHaveLength(1)

    fake.handle('backups:list', () => {
      throw new FakeIpcFailure(
        'platform_unreachable',
        'The platform did not answer. Check the connection, then try again.',
      )
    })
    store.reset()
    await store.load('site-1', 'dev')
    await flushPromises()
    const error = wrapper.get('[data-testid="timeline-error"]')
    expect(error.text()).toContain('The platform did not answer. Check the connection, then try again.')
    fake.handle('backups:list', () => [backup(Date.now() - HOUR)])
    await error.get('button').trigger('click')
    await flushPromises()
    expect(wrapper.findAll('[data-testid="backup-row"]')).toHaveLength(1)
    expect(fake.callsTo('backups:list')).toHaveLength(3)
  })
})

describe('relative times', () => {
  it('tick every 30 s while shown and stop when the timeline goes away', async () => {
    const start = new Date(2026, 10, 26, 12, 0, 0).getTime()
    vi.useFakeTimers({ now: start, toFake: ['Date', 'setInterval', 'clearInterval'] })
    installFakeBridge({ 'backups:list': () => [backup(start - 3 * HOUR)] })
    const { wrapper, store } = mountTimeline()
    await store.load('site-1', 'dev')
    await flushPromises()
    expect(wrapper.get('.backup-relative').text()).toBe('3 hours ago')
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(HOUR)
    await flushPromises()
    expect(wrapper.get('.backup-relative').text()).toBe('4 hours ago')
    wrapper.unmount()
    expect(vi.getTimerCount()).toBe(0)
  })
})
