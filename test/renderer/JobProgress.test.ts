import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { setApiClient } from '../../src/renderer/src/api/client'
import { formatMoment } from '../../src/renderer/src/lib/format'
import type { Job } from '../../src/shared/jobs'
import { getByRole, queryAllByRole } from './support/by-role'
import { installFakeBridge } from './support/fake-bridge'
import { activity, job, jobStep, restorePreview, undoOffer, workflow } from './support/fixtures'
import { mountSite, siteHandlers } from './support/mount-site'

enableAutoUnmount(afterEach)

beforeEach(() => {
  history.replaceState(null, '', '#/')
  localStorage.clear()
})
afterEach(() => setApiClient(null))

const body = () => document.body
const card = () => getByRole(body(), 'region', /^Restore dev from/)
const steps = () =>
  [...card().querySelectorAll<HTMLElement>('[data-testid="job-step"]')].map((step) => ({
    id: step.dataset.step,
    state: step.dataset.state,
    text: step.querySelector('.step-status')?.textContent?.trim(),
  }))

async function click(element: HTMLElement): Promise<void> {
  element.click()
  await flushPromises()
}

describe('job progress on the environment', () => {
  it('shows each step’s state from activity:site and jobs:changed, and a failed job’s summary as an alert', async () => {
    const running = job()
    const fake = installFakeBridge(siteHandlers({ 'activity:site': () => activity({ jobs: [running] }) }))
    mountSite('dev')
    await flushPromises()
    expect(card().dataset.state).toBe('running')
    expect(steps()).toEqual([
      { id: 'safety', state: 'running', text: 'Step 1 of 3: Backing up database of "dev"' },
      { id: 'code', state: 'pending', text: 'Waiting' },
      { id: 'files', state: 'pending', text: 'Waiting' },
      { id: 'database', state: 'pending', text: 'Waiting' },
    ])
    expect(queryAllByRole(card(), 'alert')).toHaveLength(0)

    const listsBefore = fake.callsTo('backups:list').length
    const failed: Job = {
      ...running,
      state: 'failed',
      finishedAt: Date.now(),
      summary: 'The code and files of dev were restored; the database was not. Undo puts back what changed.',
      steps: [
        jobStep('safety', { state: 'succeeded' }),
        jobStep('code', { state: 'succeeded' }),
        jobStep('files', { state: 'failed', error: 'The files archive is truncated (unexpected end of data).' }),
        jobStep('database', { state: 'skipped' }),
      ],
    }
    fake.handle('activity:site', () => activity({ jobs: [failed] }))
    fake.emit('jobs:changed', failed)
    await flushPromises()
    expect(card().dataset.state).toBe('failed')
    expect(steps().map((step) => step.text)).toEqual([
      'Done',
      'Done',
      'Failed: The files archive is truncated (unexpected end of data).',
      'Skipped: an earlier step failed',
    ])
    expect(getByRole(card(), 'alert').textContent?.trim()).toBe(failed.summary)

    // It ended: the safety backup appears in the timeline, the site's commits and code log are asked again.
    expect(fake.callsTo('backups:list').length).toBe(listsBefore + 1)
    expect(fake.callsTo('sites:open').length).toBe(2)
    expect(fake.callsTo('code:log').length).toBe(2)
    // A later answer that still lists it does not count it as ending twice.
    fake.emit('workflows:progress', { siteId: 'site-1', env: 'dev', stalled: false, workflow: workflow() })
    await flushPromises()
    expect(fake.callsTo('backups:list').length).toBe(listsBefore + 1)

    await click(getByRole(card(), 'button', 'Dismiss'))
    expect(queryAllByRole(body(), 'region', /^Restore dev from/)).toHaveLength(0)
    expect(JSON.parse(localStorage.getItem('restore-desk:dismissed-jobs') ?? '[]')).toEqual([running.id])
  })

  it('keeps a job an event moved on over an older answer, and ended jobs seen at start do not reload anything', async () => {
    const done = job({ id: 'job-done-0001', state: 'succeeded', finishedAt: Date.now(), summary: 'dev was restored.' })
    const running = job({ id: 'job-runs-0001', createdAt: Date.now() - 1000 })
    let answer = activity({ jobs: [running, done] })
    const fake = installFakeBridge(siteHandlers({ 'activity:site': () => answer }))
    mountSite('dev')
    await flushPromises()
    expect(fake.callsTo('backups:list')).toHaveLength(1)
    const cards = () => queryAllByRole(body(), 'region', /^Restore dev from/)
    // Only the latest job's card when it has ended; every running one.
    expect(cards()).toHaveLength(1)
    expect(cards()[0]!.dataset.state).toBe('running')

    const moved: Job = {
      ...running,
      steps: [jobStep('safety', { state: 'succeeded' }), jobStep('code', { state: 'running' })],
    }
    answer = activity({ jobs: [running, done], fetchedAt: Date.now() }) // made before the event reached main's list
    fake.emit('jobs:changed', moved)
    await flushPromises()
    expect(steps()[0]).toMatchObject({ id: 'safety', state: 'succeeded' })
  })

  it('offers “Undo restore” from activity.undo: the same dialog in undo mode, and restore:undo', async () => {
    const offer = undoOffer()
    const listed: Job[] = []
    const fake = installFakeBridge(
      siteHandlers({
        'activity:site': () => activity({ undo: { dev: offer }, jobs: [...listed] }),
        'restore:undo-preview': () =>
          restorePreview({ folder: offer.folder, backupAt: offer.backupAt, restorableParts: ['code', 'database'] }),
        'restore:undo': () => {
          listed.unshift(job({ id: 'job-undo-0001', kind: 'undo', undoes: offer.jobId }))
          return listed[0]!
        },
      }),
    )
    mountSite('dev')
    await flushPromises()
    expect(queryAllByRole(body(), 'button', 'Undo restore')).toHaveLength(1)
    await click(getByRole(body(), 'button', 'Undo restore'))
    expect(fake.callsTo('restore:undo-preview')).toEqual([{ jobId: offer.jobId }])

    const dialog = getByRole(body(), 'dialog', /^Undo restore/)
    expect(dialog.textContent).toContain(
      `Puts back the code and database of dev as they were at ${formatMoment(offer.backupAt)}`,
    )
    expect(queryAllByRole(dialog, 'combobox', 'Restore into')).toHaveLength(0)
    expect((getByRole(dialog, 'checkbox', 'Take a safety backup first') as HTMLInputElement).checked).toBe(true)
    const submit = getByRole(dialog, 'button', /^Undo/) as HTMLButtonElement
    expect(submit.disabled).toBe(true)
    const confirm = getByRole(dialog, 'textbox', 'Type dev to confirm') as HTMLInputElement
    confirm.value = 'dev'
    confirm.dispatchEvent(new Event('input'))
    await flushPromises()
    await click(submit)
    expect(fake.callsTo('restore:undo')).toEqual([{ jobId: offer.jobId, safetyBackup: true, confirm: 'dev' }])
    expect(getByRole(body(), 'region', /^Undo on dev/).dataset.state).toBe('running')

    // No offer, no button.
    fake.handle('activity:site', () => activity())
    fake.emit('jobs:changed', job({ id: 'job-undo-0001', kind: 'undo', state: 'succeeded', finishedAt: Date.now() }))
    await flushPromises()
    expect(queryAllByRole(body(), 'button', 'Undo restore')).toHaveLength(0)
  })
})
