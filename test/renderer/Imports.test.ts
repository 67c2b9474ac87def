import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setApiClient } from '../../src/renderer/src/api/client'
import { useAppStore } from '../../src/renderer/src/stores/app'
import type { ImportInspection } from '../../src/shared/imports'
import type { Job } from '../../src/shared/jobs'
import { descriptionOf, getByRole, queryAllByRole } from './support/by-role'
import { FakeIpcFailure, installFakeBridge, type FakeBridge } from './support/fake-bridge'
import {
  activity,
  appInfo,
  databaseInspection,
  filesInspection,
  importCapabilities,
  inspected,
  job,
  refused,
} from './support/fixtures'
import { mountSite, siteHandlers } from './support/mount-site'
import { stagedToken, stageWith } from './support/staging'

enableAutoUnmount(afterEach)

beforeEach(() => {
  history.replaceState(null, '', '#/')
  localStorage.clear()
})
afterEach(() => {
  setApiClient(null)
  vi.unstubAllGlobals()
})

const body = () => document.body
const panel = () => getByRole(body(), 'tabpanel')
const dialog = () => getByRole(body(), 'dialog', /^Import/)
/** Each alert's sentence (its Dismiss button left out). */
const alerts = () =>
  queryAllByRole(body(), 'alert').map((element) => element.querySelector('p')?.textContent?.replace(/\s+/g, ' ').trim())

function file(name: string, bytes = 12, type = 'application/gzip'): File {
  return new File([new Uint8Array(bytes)], name, { type })
}

/** A folder as Chromium hands it over: an empty, typeless File whose entry says it is a directory. */
function folder(name: string): File {
  return new File([], name, { type: '' })
}

/** Drags files over an element and drops them, as a browser does; returns the drop event. */
async function drop(target: Element, files: File[], folders: readonly File[] = []): Promise<Event> {
  const transfer = new DataTransfer()
  for (const entry of files) transfer.items.add(entry)
  for (const item of transfer.items) {
    const isDirectory = folders.includes(item.getAsFile()!)
    Object.assign(item, { webkitGetAsEntry: () => ({ isDirectory, isFile: !isDirectory }) })
  }
  let last: Event | null = null
  for (const type of ['dragenter', 'dragover', 'drop']) {
    last = new Event(type, { bubbles: true, cancelable: true })
    Object.defineProperty(last, 'dataTransfer', { value: transfer })
    target.dispatchEvent(last)
  }
  await flushPromises()
  return last!
}

async function click(element: HTMLElement): Promise<void> {
  element.click()
  await flushPromises()
}

async function type(input: HTMLElement, text: string): Promise<void> {
  ;(input as HTMLInputElement).value = text
  input.dispatchEvent(new Event('input'))
  await flushPromises()
}

/** Main's inspection by the staged file's name (the fake's tokens count the staged files). */
function inspectByName(fake: () => FakeBridge, byName: (name: string, token: string) => ImportInspection) {
  return ({ token }: { token: string }) => {
    const staged = fake().staged[Number(token.slice(-6)) - 1]
    if (!staged) throw new FakeIpcFailure('not_found', `No staged file for ${token}.`)
    return byName(staged.name, token)
  }
}

function standardInspection(name: string, token: string): ImportInspection {
  if (name.endsWith('.tar.gz')) return inspected(token, name, filesInspection())
  if (name === 'broken.sql.gz') return refused(token, name)
  return inspected(token, name, databaseInspection())
}

/** Main's side of a start: the job is kept, and every later `activity:site` lists it. */
function importMain(overrides: Parameters<typeof siteHandlers>[0] = {}) {
  const jobs: Job[] = []
  let fake: FakeBridge | null = null
  const handlers = siteHandlers({
    'imports:capabilities': () => importCapabilities(),
    'imports:inspect': inspectByName(() => fake!, standardInspection),
    'imports:discard': () => null,
    'activity:site': () => activity({ jobs: [...jobs] }),
    'imports:start': (request) => {
      const started = job({
        id: 'job-import-0001',
        kind: 'import',
        env: request.env,
        parts: [...(request.files ? ['files' as const] : []), ...(request.database ? ['database' as const] : [])],
        imports: {
          ...(request.files
            ? { files: { name: 'files.tar.gz', size: 9_437_184, fromUrl: false, description: null } }
            : {}),
          ...(request.database
            ? { database: { name: 'wp-dump.sql.gz', size: 9_437_184, fromUrl: false, description: null } }
            : {}),
        },
      })
      jobs.unshift(started)
      return started
    },
    ...overrides,
  })
  fake = installFakeBridge(handlers)
  stageWith(fake)
  return fake
}

describe('imports on the environment', () => {
  it('a dropped .sql.gz: the zone while dragging, staged, inspected with progress, then the dialog and imports:start', async () => {
    const fake = importMain()
    let finishInspection: (() => void) | null = null
    const inspect = inspectByName(() => fake, standardInspection)
    fake.handle(
      'imports:inspect',
      (request) => new Promise((resolve) => (finishInspection = () => resolve(inspect(request)))),
    )
    mountSite('dev')
    await flushPromises()
    // The permanent hint and the button, before anything is dragged.
    expect(panel().querySelector('[data-testid="import-hint"]')?.textContent).toContain('Drop a dump or an archive')
    getByRole(panel(), 'button', 'Import...')

    const enter = new Event('dragenter', { bubbles: true, cancelable: true })
    const transfer = new DataTransfer()
    transfer.items.add(file('wp-dump.sql.gz'))
    Object.defineProperty(enter, 'dataTransfer', { value: transfer })
    panel().querySelector('[data-testid="env-header"]')!.dispatchEvent(enter)
    await flushPromises()
    expect(enter.defaultPrevented).toBe(true)
    const over = new Event('dragover', { bubbles: true, cancelable: true })
    Object.defineProperty(over, 'dataTransfer', { value: transfer })
    panel().dispatchEvent(over)
    // Taken by the panel (a copy), not just refused by the page's guard (which says none).
    expect([over.defaultPrevented, transfer.dropEffect]).toEqual([true, 'copy'])
    expect(panel().querySelector('[data-testid="import-drop-zone"]')?.textContent).toContain(
      'Drop a database dump or a files archive here',
    )

    // Dropped outside the environment: the browser must not open it, and nothing is staged.
    const outside = await drop(body().querySelector('.site-header')!, [file('elsewhere.sql.gz')])
    expect(outside.defaultPrevented).toBe(true)
    expect(fake.staged).toEqual([])

    const dropped = await drop(panel().querySelector('[data-testid="env-header"]')!, [file('wp-dump.sql.gz')])
    // The browser must not open the file in place of the app.
    expect(dropped.defaultPrevented).toBe(true)
    expect(panel().querySelector('[data-testid="import-drop-zone"]')).toBeNull()
    expect(fake.staged.map((staged) => staged.name)).toEqual(['wp-dump.sql.gz'])
    expect(fake.callsTo('imports:inspect')).toEqual([{ token: stagedToken(1) }])

    // Inspection progress from main's events, on the file's line.
    fake.emit('imports:progress', {
      token: stagedToken(1),
      phase: 'inspecting',
      bytes: 3 * 1024 * 1024,
      total: 9 * 1024 * 1024,
    })
    await flushPromises()
    const entry = panel().querySelector('[data-testid="import-entry"]')
    expect(entry?.textContent).toContain('wp-dump.sql.gz')
    expect(entry?.textContent).toContain('Checking: 3.0 MiB of 9.0 MiB')
    expect(queryAllByRole(body(), 'dialog')).toHaveLength(0)

    finishInspection!()
    await flushPromises()
    expect(panel().querySelector('[data-testid="import-entry"]')).toBeNull()
    expect(getByRole(body(), 'dialog', 'Import into dev')).toBe(dialog())
    const text = dialog().textContent?.replace(/\s+/g, ' ') ?? ''
    expect(text).toContain("Replaces dev's database with wp-dump.sql.gz: 12 tables, 38.0 MiB uncompressed.")
    expect(text).toContain('Made by mysqldump, server 8.0.36.')
    const tables = dialog().querySelector('[data-testid="import-tables"]') as HTMLDetailsElement
    expect(tables.tagName).toBe('DETAILS')
    expect(tables.open).toBe(false)
    expect(tables.querySelector('summary')?.textContent).toBe('Tables (12)')
    expect([...tables.querySelectorAll('li .mono')].map((name) => name.textContent)).toEqual(
      databaseInspection().tables.map((table) => table.name),
    )
    expect((getByRole(dialog(), 'checkbox', 'Take a safety backup first') as HTMLInputElement).checked).toBe(true)
    // Not live: no name to type.
    expect(queryAllByRole(dialog(), 'textbox')).toHaveLength(0)

    await click(getByRole(dialog(), 'button', 'Import into dev'))
    expect(fake.callsTo('imports:start')).toEqual([
      { siteId: 'site-1', env: 'dev', database: stagedToken(1), files: null, safetyBackup: true, confirm: '' },
    ])
    expect(queryAllByRole(body(), 'dialog')).toHaveLength(0)
    // Started: the staged file is the job's now, not discarded.
    expect(fake.callsTo('imports:discard')).toEqual([])
    expect(getByRole(body(), 'region', 'Import wp-dump.sql.gz into dev').dataset.state).toBe('running')
  })

  it('shows a file’s progress while it streams to the host, and a failed staging as an alert', async () => {
    const fake = importMain()
    let finish: (() => void) | null = null
    stageWith(
      fake,
      (staged, report, index) =>
        new Promise((resolve) => {
          report(4, 12)
          finish = () =>
            resolve({ token: stagedToken(index), name: staged.name, size: 12, packedFolder: false, stagedAt: 0 })
        }),
    )
    mountSite('dev')
    await flushPromises()
    await drop(panel(), [file('wp-dump.sql.gz')])
    const entry = panel().querySelector('[data-testid="import-entry"]')
    expect(entry?.getAttribute('data-phase')).toBe('staging')
    expect(entry?.textContent).toContain('Sending: 4 bytes of 12 bytes')
    expect(getByRole(panel(), 'status', /^Sending/)).toBeTruthy()
    finish!()
    await flushPromises()
    getByRole(body(), 'dialog', 'Import into dev')
    await click(getByRole(dialog(), 'button', 'Cancel'))
    // Cancelled: main forgets the staged file.
    expect(fake.callsTo('imports:discard')).toEqual([{ token: stagedToken(1) }])

    stageWith(fake, () => {
      throw new FakeIpcFailure(
        'too_large',
        'wp-dump.sql.gz is 3.0 GiB, over the 2.0 GiB upload limit: split the import.',
      )
    })
    await drop(panel(), [file('wp-dump.sql.gz')])
    expect(alerts()).toEqual([
      'wp-dump.sql.gz: wp-dump.sql.gz is 3.0 GiB, over the 2.0 GiB upload limit: split the import.',
    ])
    await click(getByRole(getByRole(panel(), 'alert'), 'button', /^Dismiss the note on /))
    expect(alerts()).toEqual([])
  })

  it('a refused file: an alert with its name, the problem and what to do; discarded; no dialog', async () => {
    const fake = importMain()
    mountSite('dev')
    await flushPromises()
    await drop(panel(), [file('broken.sql.gz')])
    const alert = getByRole(panel(), 'alert')
    expect(alert.textContent).toContain('broken.sql.gz')
    expect(alert.textContent).toContain('This file is not a SQL dump: it starts with an HTML page.')
    expect(alert.textContent).toContain('Export the database again with mysqldump')
    expect(fake.callsTo('imports:discard')).toEqual([{ token: stagedToken(1) }])
    expect(queryAllByRole(body(), 'dialog')).toHaveLength(0)
    expect(fake.callsTo('imports:start')).toEqual([])
  })

  it('two dumps and an archive: one dialog with one of each (files first), an alert for the extra dump', async () => {
    const requestPermission = vi.fn(async (): Promise<NotificationPermission> => 'granted')
    vi.stubGlobal('Notification', { permission: 'default', requestPermission })
    const fake = importMain({ 'app:info': () => appInfo({ mode: 'browser' }) })
    mountSite('dev')
    await flushPromises()
    await useAppStore().load()
    await drop(panel(), [file('wp-dump.sql.gz'), file('other.sql.gz'), file('files.tar.gz')])
    expect(fake.staged).toHaveLength(3)
    expect(alerts()).toEqual([
      'other.sql.gz: Only one database dump can be imported at a time: other.sql.gz was left out. Import it on its own once this import has finished.',
    ])
    expect(fake.callsTo('imports:discard')).toEqual([{ token: stagedToken(2) }])

    const sentences = [...dialog().querySelectorAll('[data-testid="import-sentence"]')].map((p) =>
      p.textContent?.trim(),
    )
    expect(sentences).toEqual([
      "Replaces dev's files with files.tar.gz: 1,204 files, 52.0 MiB.",
      "Replaces dev's database with wp-dump.sql.gz: 12 tables, 38.0 MiB uncompressed.",
    ])
    const files = dialog().querySelector('[data-testid="import-files"]')
    expect(files?.textContent).toContain('files_dev/')
    expect(files?.textContent).toContain('files_dev/video/intro.mp4')
    expect(files?.textContent).toContain('12.0 MiB')

    await click(getByRole(dialog(), 'checkbox', 'Take a safety backup first'))
    expect(requestPermission).not.toHaveBeenCalled()
    await click(getByRole(dialog(), 'button', 'Import into dev'))
    expect(fake.callsTo('imports:start')).toEqual([
      {
        siteId: 'site-1',
        env: 'dev',
        database: stagedToken(1),
        files: stagedToken(3),
        safetyBackup: false,
        confirm: '',
      },
    ])
    // Asked on the person's own click, as the restore dialog does (browser mode).
    expect(requestPermission).toHaveBeenCalledTimes(1)
    expect(getByRole(body(), 'region', 'Import files.tar.gz and wp-dump.sql.gz into dev')).toBeTruthy()
  })

  it('a folder: refused in browser mode before anything is sent; staged (main packs it) in Electron', async () => {
    const fake = importMain({ 'app:info': () => appInfo({ mode: 'browser' }) })
    mountSite('dev')
    await flushPromises()
    await useAppStore().load()
    const uploads = folder('uploads')
    await drop(panel(), [uploads], [uploads])
    expect(alerts()).toEqual([
      'uploads: Folders cannot be read in the browser: pack it into a .tar.gz or .zip first, or use the desktop app.',
    ])
    expect(fake.staged).toEqual([])
    expect(queryAllByRole(body(), 'dialog')).toHaveLength(0)

    fake.handle('app:info', () => appInfo({ mode: 'electron' }))
    await useAppStore().load()
    stageWith(fake, (staged, _report, index) => ({
      token: stagedToken(index),
      name: `${staged.name}.tar.gz`,
      size: 40_000,
      packedFolder: true,
      stagedAt: 0,
    }))
    fake.handle('imports:inspect', ({ token }) => inspected(token, 'uploads.tar.gz', filesInspection()))
    await drop(panel(), [uploads], [uploads])
    expect(fake.staged).toEqual([uploads])
    expect(dialog().textContent).toContain("Replaces dev's files with uploads.tar.gz: 1,204 files, 52.0 MiB.")
  })

  it('on live: the typed confirmation, and confirm: live in the request', async () => {
    const fake = importMain()
    mountSite('live')
    await flushPromises()
    await drop(panel(), [file('wp-dump.sql.gz')])
    expect(getByRole(body(), 'dialog', 'Import into live')).toBe(dialog())
    expect(dialog().querySelector('[data-testid="import-live-note"]')).not.toBeNull()
    const submit = getByRole(dialog(), 'button', 'Import into live') as HTMLButtonElement
    const confirm = getByRole(dialog(), 'textbox', 'Type live to confirm')
    expect(submit.disabled).toBe(true)
    for (const wrong of ['liv', 'Live', 'live ']) {
      await type(confirm, wrong)
      expect(submit.disabled).toBe(true)
    }
    await type(confirm, 'live')
    expect(submit.disabled).toBe(false)
    await click(submit)
    expect(fake.callsTo('imports:start')[0]).toMatchObject({ env: 'live', database: stagedToken(1), confirm: 'live' })
  })

  it('busy: the import button stays disabled and points at the reason; a refused start shows main’s message', async () => {
    const reason = 'A restore from 30 Nov 02:00 is running on dev.'
    let busy: Record<string, string> = { dev: reason }
    const fake = importMain({
      'activity:site': () => activity({ busy }),
      'imports:start': () => {
        throw new FakeIpcFailure('busy', 'Another import started on dev meanwhile. Wait for it, then try again.')
      },
    })
    mountSite('dev')
    await flushPromises()
    await drop(panel(), [file('wp-dump.sql.gz')])
    const submit = () => getByRole(dialog(), 'button', 'Import into dev') as HTMLButtonElement
    expect(submit().disabled).toBe(true)
    expect(descriptionOf(submit())).toBe(reason)

    busy = {}
    fake.emit('jobs:changed', job({ state: 'succeeded', finishedAt: Date.now() }))
    await flushPromises()
    expect(submit().disabled).toBe(false)
    await click(submit())
    expect(getByRole(dialog(), 'alert').textContent).toContain('Another import started on dev meanwhile.')
  })

  it('Import... stages the picked files like dropped ones', async () => {
    const fake = importMain()
    mountSite('dev')
    await flushPromises()
    const input = panel().querySelector<HTMLInputElement>('input[type="file"]')!
    expect(input.multiple).toBe(true)
    expect(input.hidden).toBe(true)
    let opened = 0
    input.addEventListener('click', () => (opened += 1))
    await click(getByRole(panel(), 'button', 'Import...'))
    expect(opened).toBe(1)
    Object.defineProperty(input, 'files', { value: [file('files.tar.gz')], configurable: true })
    input.dispatchEvent(new Event('change'))
    await flushPromises()
    expect(fake.staged.map((staged) => staged.name)).toEqual(['files.tar.gz'])
    expect(dialog().textContent).toContain("Replaces dev's files with files.tar.gz")
  })
})
