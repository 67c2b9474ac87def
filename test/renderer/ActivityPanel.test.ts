import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setApiClient } from '../../src/renderer/src/api/client'
import { POLL_BUSY_MS, POLL_IDLE_MS, POLL_PANEL_MS, useActivityStore } from '../../src/renderer/src/stores/activity'
import type { InvokeRequest } from '../../src/shared/ipc'
import type { Job } from '../../src/shared/jobs'
import { getByRole, queryAllByRole } from './support/by-role'
import { installFakeBridge, type FakeHandlers } from './support/fake-bridge'
import { activity, appInfo, job, restorePreview, site, workflow } from './support/fixtures'
import { mountApp } from './support/mount-app'
import { mountSite, siteHandlers } from './support/mount-site'

enableAutoUnmount(afterEach)

beforeEach(() => {
  history.replaceState(null, '', '#/')
  localStorage.clear()
})
afterEach(() => {
  setApiClient(null)
  vi.useRealTimers()
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

const body = () => document.body

async function click(element: HTMLElement): Promise<void> {
  element.click()
  await flushPromises()
}

function appHandlers(overrides: FakeHandlers = {}): FakeHandlers {
  return siteHandlers({ 'app:info': () => appInfo(), 'sites:list': () => [site()], ...overrides })
}

describe('activity panel', () => {
  it('lists the open site’s workflows newest first with progress, timing, result and the platform’s reason', async () => {
    const now = Date.now()
    const workflows = [
      workflow({
        id: 'w-old',
        description: 'Back up the live environment',
        environment: 'live',
        phase: 'finished',
        result: 'succeeded',
        finished: true,
        succeeded: true,
        createdAt: now - 10 * 60_000,
        startedAt: now - 10 * 60_000,
        finishedAt: now - 10 * 60_000 + 125_000,
      }),
      workflow({
        id: 'w-running',
        description: 'Restore the database of "dev"',
        phase: 'started',
        step: 2,
        numberOfTasks: 3,
        activeDescription: 'Importing the dump',
        createdAt: now - 70_000,
        startedAt: now - 65_000,
      }),
      workflow({
        id: 'w-failed',
        description: 'Import files into "test"',
        environment: 'test',
        phase: 'finished',
        result: 'failed',
        finished: true,
        failureReason: 'The archive is not gzip: it starts with "PK".',
        createdAt: now - 5 * 60_000,
        startedAt: now - 5 * 60_000,
        finishedAt: now - 4 * 60_000,
      }),
      workflow({ id: 'w-queued', description: 'Clone the files from live', createdAt: now - 5_000 }),
    ]
    installFakeBridge(appHandlers({ 'activity:site': () => activity({ workflows, fetchedAt: now }) }))
    const wrapper = mountApp()
    await flushPromises()

    const toggle = getByRole(body(), 'button', 'Activity')
    expect(toggle.getAttribute('aria-expanded')).toBe('false')
    await click(toggle)
    expect(getByRole(body(), 'region', 'Activity').textContent).toContain('No site is open')

    await wrapper.router.push('/sites/site-1/dev')
    await flushPromises()
    const panel = getByRole(body(), 'region', /^Activity/)
    const rows = [...panel.querySelectorAll<HTMLElement>('[data-testid="activity-row"]')]
    expect(rows.map((row) => row.querySelector('.activity-description')?.textContent)).toEqual([
      'Clone the files from live',
      'Restore the database of "dev"',
      'Import files into "test"',
      'Back up the live environment',
    ])
    expect(rows.map((row) => row.querySelector('[data-testid="activity-result"]')?.textContent)).toEqual([
      'Queued',
      'Running',
      'Failed',
      'Succeeded',
    ])
    expect(rows[1]!.textContent).toContain('step 2 of 3')
    expect(rows[1]!.textContent).toContain('Importing the dump')
    expect(rows[1]!.textContent).toMatch(/running for 1 min \d+ s/)
    expect(rows[2]!.textContent).toContain('test')
    expect(rows[2]!.querySelector('[data-testid="activity-reason"]')?.textContent?.trim()).toBe(
      'The archive is not gzip: it starts with "PK".',
    )
    expect(rows[3]!.textContent).toContain('took 2 min 5 s')
    expect(rows[3]!.querySelector('[data-testid="activity-reason"]')).toBeNull()
    expect(panel.querySelector('[data-testid="activity-refreshed"]')?.textContent).toContain('Refreshed at')

    // One drawer at a time.
    await click(getByRole(body(), 'button', 'Downloads'))
    expect(queryAllByRole(body(), 'region', /^Activity/)).toHaveLength(0)
  })
})

describe('activity polling', () => {
  it('polls every 2 s while anything runs, else 15 s (10 s with the panel open), at once on events, and stops when the site closes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
    let answer = activity()
    const fake = installFakeBridge(siteHandlers({ 'activity:site': () => answer }))
    const { wrapper } = mountSite('dev')
    await flushPromises()
    const calls = () => fake.callsTo('activity:site').length
    expect(fake.callsTo('activity:site')).toEqual([{ siteId: 'site-1' }])

    await vi.advanceTimersByTimeAsync(POLL_IDLE_MS - 1)
    expect(calls()).toBe(1)
    answer = activity({ workflows: [workflow({ phase: 'started' })] })
    await vi.advanceTimersByTimeAsync(1)
    expect(calls()).toBe(2)
    await vi.advanceTimersByTimeAsync(POLL_BUSY_MS)
    expect(calls()).toBe(3)

    answer = activity()
    fake.emit('jobs:changed', job({ state: 'succeeded', finishedAt: Date.now() }))
    await flushPromises()
    expect(calls()).toBe(4)
    fake.emit('workflows:progress', { siteId: 'site-1', env: 'dev', stalled: false, workflow: workflow() })
    await flushPromises()
    expect(calls()).toBe(5)
    // Another site's events do not concern this one.
    fake.emit('workflows:progress', { siteId: 'site-2', env: 'dev', stalled: false, workflow: workflow() })
    await flushPromises()
    expect(calls()).toBe(5)

    useActivityStore().panelOpen = true
    await flushPromises()
    expect(calls()).toBe(6)
    await vi.advanceTimersByTimeAsync(POLL_PANEL_MS)
    expect(calls()).toBe(7)

    wrapper.unmount()
    await vi.advanceTimersByTimeAsync(POLL_IDLE_MS * 2)
    expect(calls()).toBe(7)
    expect(useActivityStore().siteId).toBeNull()
  })
})

/** A browser's Notification, recording what it was asked. */
class FakeNotification {
  static permission: NotificationPermission = 'default'
  static requestPermission = vi.fn(async (): Promise<NotificationPermission> => {
    FakeNotification.permission = 'granted'
    return 'granted'
  })
  static shown: Array<{ title: string; body: string | undefined }> = []
  constructor(title: string, options?: NotificationOptions) {
    FakeNotification.shown.push({ title, body: options?.body })
  }
}

describe('notifications', () => {
  beforeEach(() => {
    FakeNotification.permission = 'default'
    FakeNotification.requestPermission.mockClear()
    FakeNotification.shown = []
    vi.stubGlobal('Notification', FakeNotification)
  })

  function restoreHandlers(mode: 'browser' | 'electron') {
    const listed: Job[] = []
    return appHandlers({
      'app:info': () => appInfo({ mode }),
      'activity:site': () => activity({ jobs: [...listed] }),
      'restore:preview': () => restorePreview(),
      'restore:start': (request: InvokeRequest<'restore:start'>) => {
        listed.unshift(job({ id: 'job-here-0001', env: request.env }))
        return listed[0]!
      },
    })
  }

  async function restoreDev(): Promise<void> {
    await click(getByRole(body(), 'button', /^Restore dev from/))
    const dialog = getByRole(body(), 'dialog', /^Restore dev/)
    const confirm = getByRole(dialog, 'textbox', 'Type dev to confirm') as HTMLInputElement
    confirm.value = 'dev'
    confirm.dispatchEvent(new Event('input'))
    await flushPromises()
    await click(getByRole(dialog, 'button', 'Restore dev'))
  }

  it('asks permission only on submit, and notifies when a job this page started ends while unfocused', async () => {
    history.replaceState(null, '', '#/sites/site-1/dev')
    const fake = installFakeBridge(restoreHandlers('browser'))
    mountApp()
    await flushPromises()
    expect(FakeNotification.requestPermission).not.toHaveBeenCalled()

    await restoreDev()
    expect(FakeNotification.requestPermission).toHaveBeenCalledTimes(1)
    expect(FakeNotification.permission).toBe('granted')

    // Someone else's job (another window) ending: no notification.
    const hasFocus = vi.spyOn(document, 'hasFocus').mockReturnValue(false)
    fake.emit('jobs:changed', job({ id: 'job-else-0001', state: 'succeeded', finishedAt: Date.now() }))
    await flushPromises()
    expect(FakeNotification.shown).toEqual([])

    const summary = 'dev now has the code, files and database of its backup of 30 Nov 02:00.'
    fake.emit('jobs:changed', job({ id: 'job-here-0001', state: 'succeeded', finishedAt: Date.now(), summary }))
    await flushPromises()
    expect(FakeNotification.shown).toEqual([{ title: 'Restore finished on dev', body: summary }])
    expect(hasFocus).toHaveBeenCalled()
  })

  it('stays quiet while the page has focus, when permission was denied, and in the desktop app', async () => {
    history.replaceState(null, '', '#/sites/site-1/dev')
    FakeNotification.permission = 'denied'
    const fake = installFakeBridge(restoreHandlers('browser'))
    const wrapper = mountApp()
    await flushPromises()
    await restoreDev()
    expect(FakeNotification.requestPermission).not.toHaveBeenCalled()
    vi.spyOn(document, 'hasFocus').mockReturnValue(false)
    fake.emit('jobs:changed', job({ id: 'job-here-0001', state: 'failed', finishedAt: Date.now() }))
    await flushPromises()
    expect(FakeNotification.shown).toEqual([])
    wrapper.unmount()

    FakeNotification.permission = 'granted'
    vi.spyOn(document, 'hasFocus').mockReturnValue(true)
    history.replaceState(null, '', '#/sites/site-1/dev')
    const focused = installFakeBridge(restoreHandlers('browser'))
    const second = mountApp()
    await flushPromises()
    await restoreDev()
    focused.emit('jobs:changed', job({ id: 'job-here-0001', state: 'succeeded', finishedAt: Date.now() }))
    await flushPromises()
    expect(FakeNotification.shown).toEqual([])
    second.unmount()

    FakeNotification.permission = 'default'
    vi.spyOn(document, 'hasFocus').mockReturnValue(false)
    history.replaceState(null, '', '#/sites/site-1/dev')
    const desktop = installFakeBridge(restoreHandlers('electron'))
    mountApp()
    await flushPromises()
    await restoreDev()
    expect(FakeNotification.requestPermission).not.toHaveBeenCalled()
    desktop.emit('jobs:changed', job({ id: 'job-here-0001', state: 'succeeded', finishedAt: Date.now() }))
    await flushPromises()
    expect(FakeNotification.shown).toEqual([])
  })

  it('works in a browser without Notification', async () => {
    vi.stubGlobal('Notification', undefined)
    history.replaceState(null, '', '#/sites/site-1/dev')
    const fake = installFakeBridge(restoreHandlers('browser'))
    mountApp()
    await flushPromises()
    await restoreDev()
    fake.emit('jobs:changed', job({ id: 'job-here-0001', state: 'succeeded', finishedAt: Date.now() }))
    await flushPromises()
    expect(fake.callsTo('restore:start')).toHaveLength(1)
  })
})
