import { createTestingPinia } from '@pinia/testing'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { RouterView } from 'vue-router'
import { setApiClient } from '../../src/renderer/src/api/client'
import { createAppRouter } from '../../src/renderer/src/router'
import type { Backup } from '../../src/shared/platform-types'
import { FakeIpcFailure, installFakeBridge, type FakeHandlers } from './support/fake-bridge'
import { backup, download, environment, HOUR, site, workflow } from './support/fixtures'
import { useDownloadsStore } from '../../src/renderer/src/stores/downloads'
import { useWorkflowsStore } from '../../src/renderer/src/stores/workflows'

enableAutoUnmount(afterEach)

const COMMIT = 'abcdef0123456789abcdef0123456789abcdef01'

function handlers(overrides: FakeHandlers = {}): FakeHandlers {
  return {
    'sites:open': () => ({
      site: site(),
      environments: [
        environment('dev'),
        environment('test'),
        environment('live', { locked: true, lockUsername: 'preview', deployTag: 'pantheon_live_13' }),
      ],
    }),
    'backups:list': () => [backup(Date.now() - HOUR)],
    'code:log': () => [
      {
        hash: 'ffff000000000000000000000000000000000000',
        parents: [],
        author: 'Ana',
        email: 'ana@example.com',
        committedAt: Date.now(),
        message: 'Newer, not deployed here',
        labels: ['dev'],
      },
      {
        hash: COMMIT,
        parents: [],
        author: 'Ben',
        email: 'ben@example.com',
        committedAt: Date.now() - 2 * HOUR,
        message: 'Fix the checkout form\n\nLong body',
        labels: ['live'],
      },
    ],
    'downloads:default-folder': ({ siteId, env }) => `/home/me/Downloads/Restore Desk/${siteId}/${env}`,
    ...overrides,
  }
}

/** The site route's view alone, as App.vue shows it: the router turns the hash into its props. */
function mountSite(env: string | null) {
  history.replaceState(null, '', env ? `#/sites/site-1/${env}` : '#/sites/site-1')
  const pinia = createTestingPinia({ stubActions: false, createSpy: vi.fn })
  const router = createAppRouter()
  const wrapper = mount(
    defineComponent(() => () => h(RouterView)),
    { global: { plugins: [pinia, router] } },
  )
  return { wrapper, router }
}

beforeEach(() => {
  history.replaceState(null, '', '#/')
  localStorage.clear()
})
afterEach(() => setApiClient(null))

describe('site view', () => {
  it('shows environments as tabs with live marked, and the current commit, deploy tag and lock', async () => {
    const fake = installFakeBridge(handlers())
    const { wrapper } = mountSite(null)
    await flushPromises()
    expect(location.hash).toBe('#/sites/site-1/dev')
    expect(document.title).toBe('dev · Demo Drupal – Restore Desk')
    expect(wrapper.findAll('[role="tab"]').map((tab) => tab.text())).toEqual([
      'dev',
      'test',
      expect.stringContaining('live'),
    ])
    expect(wrapper.get('[data-testid="env-tab-live"] [data-testid="live-marker"]').text()).toBe('Production')
    expect(wrapper.get('[data-testid="env-tab-dev"]').find('[data-testid="live-marker"]').exists()).toBe(false)

    await wrapper.get('[data-testid="env-tab-live"]').trigger('click')
    await flushPromises()
    expect(location.hash).toBe('#/sites/site-1/live')
    expect(document.title).toBe('live · Demo Drupal – Restore Desk')
    const header = wrapper.get('[data-testid="env-header"]')
    expect(header.get('[data-testid="env-commit"]').text()).toContain('abcdef01')
    expect(header.get('[data-testid="env-commit"]').text()).toContain('Fix the checkout form')
    expect(header.text()).not.toContain('Long body')
    expect(header.get('[data-testid="env-deploy-tag"]').text()).toBe('pantheon_live_13')
    expect(header.get('[data-testid="env-locked"]').text()).toContain('preview')
    expect(fake.callsTo('backups:list')).toEqual([
      { siteId: 'site-1', env: 'dev' },
      { siteId: 'site-1', env: 'live' },
    ])
    expect(wrapper.get('[data-testid="download-folder-path"]').text()).toBe(
      '/home/me/Downloads/Restore Desk/site-1/live',
    )
  })

  it('shows the error of a site that cannot be opened, and retries', async () => {
    const fake = installFakeBridge(
      handlers({
        'sites:open': () => {
          throw new FakeIpcFailure('not_found', 'No site "site-1" on this connection. Pick another site.')
        },
      }),
    )
    const { wrapper } = mountSite('dev')
    await flushPromises()
    const error = wrapper.get('[data-testid="site-error"]')
    expect(error.text()).toContain('No site "site-1" on this connection. Pick another site.')
    expect(error.attributes('data-error-code')).toBe('not_found')
    fake.handle('sites:open', handlers()['sites:open']!)
    await error.get('button').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="env-tab-dev"]').exists()).toBe(true)
  })

  it('shows a backup that was already running before the page loaded', async () => {
    installFakeBridge(
      handlers({
        'workflows:active': () => [
          {
            siteId: 'site-1',
            env: 'dev',
            stalled: false,
            workflow: workflow({
              id: 'wf-1',
              phase: 'started',
              step: 1,
              numberOfTasks: 3,
              activeDescription: 'Archiving the code',
            }),
          },
        ],
      }),
    )
    const { wrapper } = mountSite('dev')
    useWorkflowsStore().listen() // as App.vue does at start-up
    await flushPromises()
    const card = wrapper.get('[data-testid="workflow-progress"]')
    expect(card.attributes('data-state')).toBe('running')
    expect(card.text()).toContain('Archiving the code')
  })

  it('backs up now: sends the chosen parts and days, shows progress events, then reloads the timeline', async () => {
    const now = Date.now()
    let catalog: Backup[] = [backup(now - 5 * HOUR)]
    const fake = installFakeBridge(
      handlers({
        'backups:list': () => catalog,
        'backups:create': () => workflow({ id: 'wf-9', createdAt: now }),
      }),
    )
    const { wrapper } = mountSite('dev')
    await flushPromises()
    expect(wrapper.findAll('[data-testid="backup-row"]')).toHaveLength(1)

    await wrapper.get('[data-testid="backup-now"]').trigger('click')
    const dialog = wrapper.get('[data-testid="backup-now-dialog"]')
    expect(dialog.attributes('role')).toBe('dialog')
    await dialog.get('[data-testid="backup-now-part-files"]').setValue(false)
    await dialog.get('[data-testid="backup-now-keep"]').setValue(7)
    await dialog.get('form').trigger('submit')
    await flushPromises()
    expect(fake.callsTo('backups:create')).toEqual([
      { siteId: 'site-1', env: 'dev', parts: { code: true, database: true, files: false }, keepForDays: 7 },
    ])
    expect(wrapper.find('[data-testid="backup-now-dialog"]').exists()).toBe(false)

    const progress = () => wrapper.get('[data-testid="workflow-progress"]')
    expect(progress().attributes('data-state')).toBe('running')
    fake.emit('workflows:progress', {
      siteId: 'site-1',
      env: 'dev',
      stalled: false,
      workflow: workflow({
        id: 'wf-9',
        phase: 'started',
        step: 2,
        numberOfTasks: 4,
        activeDescription: 'Dumping the database',
      }),
    })
    await flushPromises()
    expect(progress().text()).toContain('Step 2 of 4')
    expect(progress().text()).toContain('Dumping the database')
    expect(progress().get('progress').attributes('value')).toBe('50')

    fake.emit('workflows:progress', {
      siteId: 'site-1',
      env: 'dev',
      stalled: true,
      workflow: workflow({
        id: 'wf-9',
        phase: 'started',
        step: 2,
        numberOfTasks: 4,
        activeDescription: 'Dumping the database',
      }),
    })
    await flushPromises()
    expect(progress().get('[data-testid="workflow-stalled"]').text()).toContain('No progress for 10 minutes')

    const listsBefore = fake.callsTo('backups:list').length
    catalog = [backup(now - 60_000, { kind: 'manual', parts: ['code', 'database'] }), ...catalog]
    fake.emit('workflows:progress', {
      siteId: 'site-1',
      env: 'dev',
      stalled: false,
      workflow: workflow({
        id: 'wf-9',
        phase: 'finished',
        result: 'succeeded',
        finished: true,
        succeeded: true,
        step: 4,
        numberOfTasks: 4,
      }),
    })
    await flushPromises()
    expect(fake.callsTo('backups:list').length).toBe(listsBefore + 1)
    expect(progress().attributes('data-state')).toBe('succeeded')
    const rows = wrapper.findAll('[data-testid="backup-row"]')
    expect(rows).toHaveLength(2)
    expect(rows[0]!.text()).toContain('Manual')

    await progress().get('button[aria-label^="Dismiss Back up the dev environment"]').trigger('click')
    expect(wrapper.find('[data-testid="workflow-progress"]').exists()).toBe(false)
  })

  it('shows a failed backup’s reason, and a refused start inside the dialog', async () => {
    const fake = installFakeBridge(
      handlers({
        'backups:create': () => {
          throw new FakeIpcFailure('frozen', 'The site is frozen. Unfreeze it on the platform, then back up again.')
        },
      }),
    )
    const { wrapper } = mountSite('dev')
    await flushPromises()
    await wrapper.get('[data-testid="backup-now"]').trigger('click')
    for (const element of ['code', 'database', 'files'])
      await wrapper.get(`[data-testid="backup-now-part-${element}"]`).setValue(false)
    expect(wrapper.get('[data-testid="backup-now-submit"]').attributes('disabled')).toBeDefined()
    expect(wrapper.get('[data-testid="backup-now-dialog"]').text()).toContain('Choose at least one part')
    await wrapper.get('[data-testid="backup-now-part-database"]').setValue(true)
    await wrapper.get('[data-testid="backup-now-dialog"] form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="backup-now-error"]').text()).toContain('The site is frozen.')

    fake.handle('backups:create', () => workflow({ id: 'wf-2' }))
    await wrapper.get('[data-testid="backup-now-dialog"] form').trigger('submit')
    await flushPromises()
    fake.emit('workflows:progress', {
      siteId: 'site-1',
      env: 'dev',
      stalled: false,
      workflow: workflow({
        id: 'wf-2',
        phase: 'finished',
        result: 'failed',
        finished: true,
        failureReason: 'The database dump failed: disk full on the platform.',
      }),
    })
    await flushPromises()
    expect(wrapper.get('[data-testid="workflow-progress"]').attributes('data-state')).toBe('failed')
    expect(wrapper.get('[data-testid="workflow-failure"]').text()).toBe(
      'The database dump failed: disk full on the platform.',
    )
  })

  it('downloads one part or a whole backup into the environment’s folder, and a typed folder in browser mode', async () => {
    const now = Date.now()
    const only = backup(now - HOUR)
    const fake = installFakeBridge(
      handlers({
        'backups:list': () => [only],
        'downloads:start': () => [],
        'downloads:choose-folder': () => null,
      }),
    )
    const { wrapper } = mountSite('dev')
    await flushPromises()
    const row = wrapper.get('[data-testid="backup-row"]')
    await row.get('[data-testid="part-download-database"]').trigger('click')
    await flushPromises()
    expect(fake.callsTo('downloads:start')).toEqual([
      {
        siteId: 'site-1',
        env: 'dev',
        folder: only.folder,
        elements: ['database'],
        destDir: '/home/me/Downloads/Restore Desk/site-1/dev',
      },
    ])

    await wrapper.get('[data-testid="download-folder-change"]').trigger('click')
    const input = wrapper.get('[data-testid="download-folder-input"]')
    await input.setValue('relative/path')
    await wrapper.get('.folder-edit').trigger('submit')
    expect(wrapper.get('.folder-edit').text()).toContain('Type a full path')
    await input.setValue('/mnt/backups/demo')
    await wrapper.get('.folder-edit').trigger('submit')
    expect(wrapper.get('[data-testid="download-folder-path"]').text()).toBe('/mnt/backups/demo')
    // Remembered for the next visit, e.g. after a reload.
    expect(JSON.parse(localStorage.getItem('restore-desk:download-folders') ?? '{}')).toEqual({
      'site-1/dev': '/mnt/backups/demo',
    })

    await row.get('[data-testid="backup-download-all"]').trigger('click')
    await flushPromises()
    expect(fake.callsTo('downloads:start')[1]).toEqual({
      siteId: 'site-1',
      env: 'dev',
      folder: only.folder,
      elements: ['code', 'database', 'files'],
      destDir: '/mnt/backups/demo',
    })

    fake.handle('downloads:start', () => {
      throw new FakeIpcFailure('disk_full', 'The disk is full. Free some space, then retry.')
    })
    await row.get('[data-testid="part-download-code"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="download-start-error"]').text()).toContain('The disk is full.')
  })

  it('shows a part’s download on its button: progress opens the panel, a saved part can be fetched again', async () => {
    const only = backup(Date.now() - HOUR)
    const fake = installFakeBridge(handlers({ 'backups:list': () => [only], 'downloads:start': () => [] }))
    const { wrapper } = mountSite('dev')
    await flushPromises()
    const downloads = useDownloadsStore()
    await downloads.load()
    const base = { siteId: 'site-1', env: 'dev', folder: only.folder }
    fake.emit('downloads:changed', {
      type: 'updated',
      id: 'd1',
      item: download({ ...base, id: 'd1', element: 'database', receivedBytes: 3, totalBytes: 4 }),
    })
    fake.emit('downloads:changed', {
      type: 'updated',
      id: 'd2',
      item: download({ ...base, id: 'd2', element: 'code', state: 'done', finalPath: '/d/code.tar.gz' }),
    })
    await flushPromises()
    const row = wrapper.get('[data-testid="backup-row"]')
    const database = row.get('[data-testid="part-download-database"]')
    expect(database.text()).toBe('75 %')
    await database.trigger('click')
    expect(downloads.panelOpen).toBe(true)
    expect(fake.callsTo('downloads:start')).toEqual([])
    expect(row.get('.part-code').text()).toContain('saved')
    await row.get('[data-testid="part-download-code"]').trigger('click')
    await flushPromises()
    // "Download all" skips the part already on its way down.
    await row.get('[data-testid="backup-download-all"]').trigger('click')
    await flushPromises()
    expect(fake.callsTo('downloads:start').map((call) => (call as { elements: string[] }).elements)).toEqual([
      ['code'],
      ['code', 'files'],
    ])
  })

  it('filters the timeline from the toolbar', async () => {
    const now = Date.now()
    installFakeBridge(
      handlers({
        'backups:list': () => [
          backup(now - HOUR, { parts: ['database'] }),
          backup(now - 2 * HOUR, { kind: 'manual', parts: ['code', 'files'] }),
          backup(now - 3 * HOUR, { kind: 'manual', parts: ['database'] }),
        ],
      }),
    )
    const { wrapper } = mountSite('dev')
    await flushPromises()
    const rows = () => wrapper.findAll('[data-testid="backup-row"]')
    expect(rows()).toHaveLength(3)
    await wrapper.get('[data-testid="filter-kind-manual"]').trigger('click')
    expect(wrapper.get('[data-testid="filter-kind-manual"]').attributes('aria-pressed')).toBe('true')
    expect(rows()).toHaveLength(2)
    await wrapper.get('[data-testid="filter-part"]').setValue('database')
    expect(rows()).toHaveLength(1)
    await wrapper.get('[data-testid="filter-kind-scheduled"]').trigger('click')
    await wrapper.get('[data-testid="filter-part"]').setValue('files')
    expect(wrapper.find('[data-testid="timeline-filtered"]').exists()).toBe(true)
    await wrapper.get('[data-testid="filter-kind-all"]').trigger('click')
    expect(rows()).toHaveLength(1)
  })
})
