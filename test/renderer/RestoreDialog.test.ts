import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setApiClient } from '../../src/renderer/src/api/client'
import { formatBytes, formatMoment } from '../../src/renderer/src/lib/format'
import type { InvokeRequest } from '../../src/shared/ipc'
import type { Job } from '../../src/shared/jobs'
import { descriptionOf, getByRole, queryAllByRole } from './support/by-role'
import { FakeIpcFailure, installFakeBridge, type FakeHandlers } from './support/fake-bridge'
import { activity, backup, job, restorePreview, undoOffer } from './support/fixtures'
import { BACKUP_AT, mountSite, siteHandlers } from './support/mount-site'

enableAutoUnmount(afterEach)

beforeEach(() => {
  history.replaceState(null, '', '#/')
  localStorage.clear()
})
afterEach(() => setApiClient(null))

const body = () => document.body
const dialog = () => getByRole(body(), 'dialog', /^Restore/)
const moment = () => formatMoment(BACKUP_AT)
const FOLDER = backup(BACKUP_AT).folder

async function type(input: HTMLElement, text: string): Promise<void> {
  ;(input as HTMLInputElement).value = text
  input.dispatchEvent(new Event('input'))
  await flushPromises()
}

async function choose(select: HTMLElement, value: string): Promise<void> {
  ;(select as HTMLSelectElement).value = value
  select.dispatchEvent(new Event('change'))
  await flushPromises()
}

async function click(element: HTMLElement): Promise<void> {
  element.click()
  await flushPromises()
}

/** A preview for the requested target, as main answers: from another env's backup only database and files. */
function previewFor(request: InvokeRequest<'restore:preview'>) {
  const own = request.env === request.sourceEnv
  return restorePreview({
    env: request.env,
    envIsLive: request.env === 'live',
    sourceEnv: request.sourceEnv,
    restorableParts: own ? ['code', 'database', 'files'] : ['database', 'files'],
    code: own ? restorePreview().code : null,
  })
}

/** Main's side of a start: the job is kept, and every later `activity:site` lists it. */
function fakeMain() {
  const jobs: Job[] = []
  return {
    'activity:site': () => activity({ jobs: [...jobs] }),
    'restore:start': (request: InvokeRequest<'restore:start'>) => {
      const started = job({
        env: request.env,
        source: { env: request.sourceEnv, folder: request.folder, backupAt: BACKUP_AT },
      })
      jobs.unshift(started)
      return started
    },
  } satisfies FakeHandlers
}

describe('restore dialog', () => {
  it('opens from the row’s Restore button with the preview, every part checked, and a typed confirmation', async () => {
    const fake = installFakeBridge(siteHandlers({ 'restore:preview': previewFor, ...fakeMain() }))
    mountSite('dev')
    await flushPromises()

    await click(getByRole(body(), 'button', `Restore dev from ${moment()}`))
    expect(fake.callsTo('restore:preview')).toEqual([
      { siteId: 'site-1', env: 'dev', sourceEnv: 'dev', folder: FOLDER },
    ])
    expect(dialog().getAttribute('aria-modal')).toBe('true')
    expect(getByRole(body(), 'dialog', `Restore dev from ${moment()}`)).toBe(dialog())
    for (const name of ['Code', 'Database', 'Files'])
      expect((getByRole(dialog(), 'checkbox', name) as HTMLInputElement).checked).toBe(true)

    const text = dialog().textContent ?? ''
    expect(text).toContain('2 commits on dev will be lost')
    expect(text).toContain('ffff0000')
    expect(text).toContain('“Add the newsletter block”')
    expect(text).not.toContain('estimated')
    // Backup and current sizes side by side, for the database and the files.
    expect(dialog().querySelector('[data-testid="comparison-database"]')?.textContent).toContain(
      formatBytes(14_680_064),
    )
    expect(dialog().querySelector('[data-testid="comparison-database"]')?.textContent).toContain(
      formatBytes(15_728_640),
    )
    expect(dialog().querySelector('[data-testid="comparison-files"]')?.textContent).toContain('131 files')
    expect(text).toContain('You will lose 2 days of changes on dev.')

    const safety = getByRole(dialog(), 'checkbox', 'Take a safety backup first') as HTMLInputElement
    expect(safety.checked).toBe(true)
    expect(descriptionOf(safety)).toContain('kept for 7 days')

    const submit = getByRole(dialog(), 'button', 'Restore dev') as HTMLButtonElement
    const confirm = getByRole(dialog(), 'textbox', 'Type dev to confirm')
    expect(submit.disabled).toBe(true)
    for (const wrong of ['de', 'Dev', 'dev ', ' dev']) {
      await type(confirm, wrong)
      expect(submit.disabled).toBe(true)
    }
    await type(confirm, 'dev')
    expect(submit.disabled).toBe(false)

    await click(getByRole(dialog(), 'checkbox', 'Files'))
    await click(submit)
    const [sent] = fake.callsTo('restore:start') as Array<InvokeRequest<'restore:start'>>
    expect({ ...sent, parts: [...(sent?.parts ?? [])].sort() }).toEqual({
      siteId: 'site-1',
      env: 'dev',
      sourceEnv: 'dev',
      folder: FOLDER,
      parts: ['code', 'database'],
      safetyBackup: true,
      confirm: 'dev',
    })
    // The dialog closes and the job shows on the environment at once, before the next poll.
    expect(queryAllByRole(body(), 'dialog')).toHaveLength(0)
    expect(getByRole(body(), 'region', `Restore dev from ${moment()}`).dataset.state).toBe('running')
  })

  it('says when the lost commits are estimated, and asks for at least one part', async () => {
    installFakeBridge(
      siteHandlers({
        'restore:preview': () =>
          restorePreview({ code: { ...restorePreview().code!, backupCommitSource: 'estimated', lostCount: 5 } }),
      }),
    )
    mountSite('dev')
    await flushPromises()
    await click(getByRole(body(), 'button', /^Restore dev from/))
    expect(dialog().textContent).toContain('5 commits on dev will be lost (estimated)')
    expect(dialog().querySelector('[data-testid="code-estimated"]')).not.toBeNull()

    await type(getByRole(dialog(), 'textbox', 'Type dev to confirm'), 'dev')
    for (const name of ['Code', 'Database', 'Files']) await click(getByRole(dialog(), 'checkbox', name))
    expect(getByRole(dialog(), 'alert').textContent).toContain('Choose at least one part')
    expect((getByRole(dialog(), 'button', 'Restore dev') as HTMLButtonElement).disabled).toBe(true)
  })

  it('into another environment: only database and files, the code note with the commit to copy, that env’s name to type', async () => {
    const writeText = vi.fn(async (_text: string) => undefined)
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    const fake = installFakeBridge(siteHandlers({ 'restore:preview': previewFor, ...fakeMain() }))
    const { router } = mountSite('dev')
    await flushPromises()
    await click(getByRole(body(), 'button', /^Restore dev from/))
    expect(dialog().querySelector('[data-testid="code-note"]')).toBeNull()

    const target = getByRole(dialog(), 'combobox', 'Restore into') as HTMLSelectElement
    expect(target.value).toBe('dev')
    expect([...target.options].map((option) => option.value)).toEqual(['dev', 'test', 'live'])
    await type(getByRole(dialog(), 'textbox', 'Type dev to confirm'), 'dev')
    await choose(target, 'test')
    expect(fake.callsTo('restore:preview').at(-1)).toEqual({
      siteId: 'site-1',
      env: 'test',
      sourceEnv: 'dev',
      folder: FOLDER,
    })
    expect(dialog().getAttribute('aria-labelledby')).toBeTruthy()
    expect(getByRole(body(), 'dialog', `Restore test from dev’s backup of ${moment()}`)).toBe(dialog())
    expect(queryAllByRole(dialog(), 'checkbox', 'Code')).toHaveLength(0)
    expect(queryAllByRole(dialog(), 'checkbox', /^(Database|Files)$/)).toHaveLength(2)
    expect(dialog().querySelector('[data-testid="code-note"]')?.textContent).toContain(
      'code moves through git and deploys',
    )
    expect(dialog().querySelector('[data-testid="backup-commit"]')?.textContent).toBe('abcdef01')
    await click(getByRole(dialog(), 'button', 'Copy commit ID'))
    expect(writeText).toHaveBeenCalledWith('abcdef0123456789abcdef0123456789abcdef01')

    // The name typed for dev does not confirm test.
    const confirm = getByRole(dialog(), 'textbox', 'Type test to confirm') as HTMLInputElement
    expect(confirm.value).toBe('')
    const submit = getByRole(dialog(), 'button', 'Restore test') as HTMLButtonElement
    expect(submit.disabled).toBe(true)
    await type(confirm, 'test')
    await click(submit)
    const [sent] = fake.callsTo('restore:start') as Array<InvokeRequest<'restore:start'>>
    expect([...(sent?.parts ?? [])].sort()).toEqual(['database', 'files'])
    expect(sent).toMatchObject({ env: 'test', sourceEnv: 'dev', confirm: 'test' })
    // The job runs on test: the view goes there to show it.
    await flushPromises()
    expect(router.currentRoute.value.params.env).toBe('test')
    Reflect.deleteProperty(navigator, 'clipboard')
  })

  it('on live: advises against it and switches to test on “Restore to test instead”', async () => {
    const fake = installFakeBridge(siteHandlers({ 'restore:preview': previewFor }))
    mountSite('live')
    await flushPromises()
    await click(getByRole(body(), 'button', /^Restore live from/))
    const warning = dialog().querySelector('[data-testid="live-warning"]')
    expect(warning?.textContent).toContain('Restoring live directly is not advised')
    expect(warning?.textContent).toContain('restore to test, check it there, then deploy the code to live and clone')
    getByRole(dialog(), 'textbox', 'Type live to confirm')

    await click(getByRole(dialog(), 'button', 'Restore to test instead'))
    expect((getByRole(dialog(), 'combobox', 'Restore into') as HTMLSelectElement).value).toBe('test')
    expect(fake.callsTo('restore:preview').at(-1)).toMatchObject({ env: 'test', sourceEnv: 'live' })
    expect(dialog().querySelector('[data-testid="live-warning"]')).toBeNull()
    getByRole(dialog(), 'textbox', 'Type test to confirm')
    getByRole(dialog(), 'button', 'Restore test')
  })

  it('busy: the submit stays disabled and says why; a refused start shows the reason in the dialog', async () => {
    let busy: string | null = 'A clone from live is running on dev. Wait for it to finish, then restore.'
    const fake = installFakeBridge(
      siteHandlers({
        'restore:preview': () => restorePreview({ busy }),
        'restore:start': () => {
          throw new FakeIpcFailure('busy', 'Another restore started on dev meanwhile. Wait for it, then try again.')
        },
      }),
    )
    mountSite('dev')
    await flushPromises()
    await click(getByRole(body(), 'button', /^Restore dev from/))
    await type(getByRole(dialog(), 'textbox', 'Type dev to confirm'), 'dev')
    const submit = () => getByRole(dialog(), 'button', 'Restore dev') as HTMLButtonElement
    expect(submit().disabled).toBe(true)
    expect(descriptionOf(submit())).toBe(busy)
    expect(dialog().textContent).toContain('A clone from live is running on dev.')

    busy = null
    await choose(getByRole(dialog(), 'combobox', 'Restore into'), 'test')
    await choose(getByRole(dialog(), 'combobox', 'Restore into'), 'dev')
    await type(getByRole(dialog(), 'textbox', 'Type dev to confirm'), 'dev')
    expect(submit().disabled).toBe(false)
    await click(getByRole(dialog(), 'checkbox', 'Take a safety backup first'))
    expect(dialog().textContent).toContain('Without it there is no undo')
    await click(submit())
    expect(fake.callsTo('restore:start')[0]).toMatchObject({ safetyBackup: false })
    expect(getByRole(dialog(), 'alert').textContent).toContain('Another restore started on dev meanwhile.')
  })

  it('one at a time: a busy environment disables Restore, Clone content... and Undo, each pointing at the reason', async () => {
    const reason = 'A restore from 30 Nov 02:00 is running on dev.'
    installFakeBridge(
      siteHandlers({
        'activity:site': () => activity({ busy: { dev: reason }, undo: { dev: undoOffer() }, jobs: [job()] }),
      }),
    )
    mountSite('dev')
    await flushPromises()
    expect(getByRole(body(), 'status', reason)).toBeTruthy()
    const buttons = [
      getByRole(body(), 'button', `Restore dev from ${moment()}`),
      getByRole(body(), 'button', 'Clone content...'),
      getByRole(body(), 'button', 'Undo restore'),
    ] as HTMLButtonElement[]
    for (const button of buttons) {
      expect(button.disabled).toBe(true)
      expect(descriptionOf(button)).toBe(reason)
    }
    // Back up now is not a restore: it stays available.
    expect((getByRole(body(), 'button', 'Back up now') as HTMLButtonElement).disabled).toBe(false)
  })
})
