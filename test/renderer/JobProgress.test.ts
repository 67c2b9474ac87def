import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { setApiClient } from '../../src/renderer/src/api/client'
import { formatMoment } from '../../src/renderer/src/lib/format'
import type { Job, JobStep } from '../../src/shared/jobs'
import { getByRole, queryAllByRole } from './support/by-role'
import { FakeIpcFailure, installFakeBridge } from './support/fake-bridge'
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

    await click(getByRole(card(), 'button', /^Dismiss Restore dev from /))
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

describe('an import’s upload on the environment', () => {
  const MiB = 1024 * 1024
  const uploadStep = (overrides: Partial<JobStep> = {}) =>
    jobStep('upload-database', {
      kind: 'upload',
      part: 'database',
      label: 'Send wp-dump.sql.gz to the platform',
      state: 'running',
      progress: {
        step: null,
        of: null,
        activity: 'Sending',
        transfer: { sent: 12 * MiB, total: 38 * MiB, bytesPerSecond: 4 * MiB, secondsLeft: 7 },
      },
      ...overrides,
    })
  const importJob = (overrides: Partial<Job> = {}) =>
    job({
      id: 'job-import-0001',
      kind: 'import',
      parts: ['database'],
      source: { env: 'dev', folder: null, backupAt: null },
      imports: {
        database: {
          name: 'wp-dump.sql.gz',
          size: 9 * MiB,
          fromUrl: false,
          description: '12 tables, 38.0 MiB uncompressed',
        },
      },
      steps: [
        jobStep('safety', { state: 'succeeded' }),
        uploadStep(),
        jobStep('database', { kind: 'import', label: 'Import the database' }),
      ],
      ...overrides,
    })
  const importCard = () => getByRole(body(), 'region', 'Import wp-dump.sql.gz into dev')

  it('shows bytes sent of the total, the rate and the time left, and Cancel calls imports:cancel', async () => {
    let current = importJob()
    const fake = installFakeBridge(
      siteHandlers({
        'activity:site': () => activity({ jobs: [current] }),
        'imports:cancel': ({ jobId }) => {
          current = importJob({
            id: jobId,
            state: 'failed',
            finishedAt: Date.now(),
            summary: 'The import was cancelled: nothing was imported from wp-dump.sql.gz. Undo import puts back dev.',
            steps: [
              jobStep('safety', { state: 'succeeded' }),
              uploadStep({ state: 'failed', error: 'Cancelled.' }),
              jobStep('database', { kind: 'import', label: 'Import the database', state: 'skipped' }),
            ],
          })
          return current
        },
      }),
    )
    mountSite('dev')
    await flushPromises()
    const transfer = importCard().querySelector('[data-testid="job-transfer"]')!
    expect(transfer.querySelector('[data-testid="job-transfer-text"]')?.textContent).toBe(
      '12.0 MiB of 38.0 MiB · 4.0 MiB/s · 7 s left',
    )
    expect((transfer.querySelector('progress') as HTMLProgressElement).value).toBe(31)
    expect(transfer.querySelector('progress')?.getAttribute('aria-label')).toBe(
      'Send wp-dump.sql.gz to the platform: 31 percent',
    )
    const listsBefore = fake.callsTo('backups:list').length

    await click(getByRole(importCard(), 'button', 'Cancel'))
    expect(fake.callsTo('imports:cancel')).toEqual([{ jobId: 'job-import-0001' }])
    await flushPromises()
    expect(importCard().dataset.state).toBe('failed')
    expect(queryAllByRole(importCard(), 'button', 'Cancel')).toHaveLength(0)
    expect(getByRole(importCard(), 'alert').textContent).toContain('nothing was imported from wp-dump.sql.gz')
    // It ended: the environment and its timeline are asked again.
    expect(fake.callsTo('backups:list').length).toBe(listsBefore + 1)
  })

  it('once the upload is done, the import step’s progress and no Cancel; a refused cancel says why', async () => {
    const importing = importJob({
      steps: [
        jobStep('safety', { state: 'succeeded' }),
        uploadStep({ state: 'succeeded' }),
        jobStep('database', {
          kind: 'import',
          label: 'Import the database',
          state: 'running',
          progress: { step: 2, of: 3, activity: 'Importing the database' },
        }),
      ],
    })
    let current = importJob()
    const fake = installFakeBridge(
      siteHandlers({
        'activity:site': () => activity({ jobs: [current] }),
        'imports:cancel': () => {
          throw new FakeIpcFailure('not_cancellable', 'The upload has finished: the import can no longer be cancelled.')
        },
      }),
    )
    mountSite('dev')
    await flushPromises()
    await click(getByRole(importCard(), 'button', 'Cancel'))
    expect(getByRole(importCard(), 'alert').textContent).toContain('can no longer be cancelled')

    current = importing
    fake.emit('jobs:changed', importing)
    await flushPromises()
    expect(importCard().querySelector('[data-testid="job-transfer"]')).toBeNull()
    expect(queryAllByRole(importCard(), 'button', 'Cancel')).toHaveLength(0)
    expect(stepTexts(importCard())).toEqual(['Done', 'Done', 'Step 2 of 3: Importing the database'])
  })
})

function stepTexts(element: HTMLElement): Array<string | undefined> {
  return [...element.querySelectorAll('[data-testid="job-step"] .step-status')].map((status) =>
    status.textContent?.trim(),
  )
}
