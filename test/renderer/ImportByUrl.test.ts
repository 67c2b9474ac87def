import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { setApiClient } from '../../src/renderer/src/api/client'
import type { Job } from '../../src/shared/jobs'
import { descriptionOf, getByRole, queryAllByRole } from './support/by-role'
import { installFakeBridge } from './support/fake-bridge'
import { activity, importCapabilities, job, PANTHEON_UPLOAD_NOTE, pantheonCapabilities } from './support/fixtures'
import { mountSite, siteHandlers } from './support/mount-site'

enableAutoUnmount(afterEach)

beforeEach(() => {
  history.replaceState(null, '', '#/')
  localStorage.clear()
})
afterEach(() => setApiClient(null))

const body = () => document.body
const panel = () => getByRole(body(), 'tabpanel')
const dialog = () => getByRole(body(), 'dialog', /^Import/)
const SIGNED = 'https://storage.example.com/exports/wp-uploads.tar.gz?sig=abc'

function dragEvent(type: string, name: string): Event {
  const transfer = new DataTransfer()
  transfer.items.add(new File([new Uint8Array(8)], name, { type: 'application/gzip' }))
  const event = new Event(type, { bubbles: true, cancelable: true })
  Object.defineProperty(event, 'dataTransfer', { value: transfer })
  return event
}

async function type(input: HTMLElement, text: string): Promise<void> {
  ;(input as HTMLInputElement).value = text
  input.dispatchEvent(new Event('input'))
  await flushPromises()
}

async function click(element: HTMLElement): Promise<void> {
  element.click()
  await flushPromises()
}

function urlMain(capabilities = pantheonCapabilities()) {
  const jobs: Job[] = []
  return installFakeBridge(
    siteHandlers({
      'imports:capabilities': () => capabilities,
      'activity:site': () => activity({ jobs: [...jobs] }),
      'imports:start-url': (request) => {
        const started = job({
          id: 'job-import-0002',
          kind: 'import',
          env: request.env,
          parts: [request.kind],
          imports: { [request.kind]: { name: request.url, size: null, fromUrl: true, description: null } },
        })
        jobs.unshift(started)
        return started
      },
    }),
  )
}

describe('imports on a Pantheon connection', () => {
  it('uploads are off: the hint, the drop zone and Import... say why, and a drop stages nothing', async () => {
    const fake = urlMain()
    mountSite('dev')
    await flushPromises()
    // Asked for the environment shown: the limits are its own.
    expect(fake.callsTo('imports:capabilities')).toEqual([{ siteId: 'site-1', env: 'dev' }])
    const pick = getByRole(panel(), 'button', 'Import...') as HTMLButtonElement
    expect(pick.disabled).toBe(true)
    expect(descriptionOf(pick)).toBe(PANTHEON_UPLOAD_NOTE)

    const header = panel().querySelector('[data-testid="env-header"]')!
    header.dispatchEvent(dragEvent('dragenter', 'wp-dump.sql.gz'))
    await flushPromises()
    expect(panel().querySelector('[data-testid="import-drop-zone"]')?.textContent?.trim()).toBe(PANTHEON_UPLOAD_NOTE)
    const dropped = dragEvent('drop', 'wp-dump.sql.gz')
    header.dispatchEvent(dropped)
    await flushPromises()
    expect(dropped.defaultPrevented).toBe(true)
    expect(fake.staged).toEqual([])
    expect(getByRole(panel(), 'alert').textContent).toContain(`wp-dump.sql.gz: ${PANTHEON_UPLOAD_NOTE}`)
    expect(getByRole(panel(), 'alert').textContent).toContain('Use “Import from URL” instead.')
    expect(queryAllByRole(body(), 'dialog')).toHaveLength(0)
  })

  it('Import from URL: the 500 MB limit noted, the kind chosen, the dialog, then imports:start-url', async () => {
    const fake = urlMain()
    mountSite('dev')
    await flushPromises()
    // No uploads here: the URL form is the way in, open from the start, with no button to fold it.
    expect(queryAllByRole(panel(), 'button', 'Import from URL…')).toHaveLength(0)
    const field = getByRole(panel(), 'textbox', 'Import from URL')
    expect(descriptionOf(field)).toContain('up to 500 MB')
    const submit = getByRole(panel(), 'button', 'Import from URL') as HTMLButtonElement
    expect(submit.disabled).toBe(true)

    await type(field, 'ftp://example.com/dump.sql.gz')
    await click(submit)
    expect(field.getAttribute('aria-invalid')).toBe('true')
    expect(descriptionOf(field)).toBe('The platform fetches only http:// and https:// links: give one of those.')
    expect(queryAllByRole(body(), 'dialog')).toHaveLength(0)

    await type(field, ` ${SIGNED} `)
    expect((getByRole(panel(), 'radio', 'Database') as HTMLInputElement).checked).toBe(true)
    await click(getByRole(panel(), 'radio', 'Files'))
    await click(submit)
    expect(getByRole(body(), 'dialog', 'Import into dev')).toBe(dialog())
    expect(dialog().querySelector('[data-testid="import-sentence"]')?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      `Replaces dev's files with the file at ${SIGNED}.`,
    )
    expect(dialog().textContent).toContain('archives of up to 500 MB')
    expect((getByRole(dialog(), 'checkbox', 'Take a safety backup first') as HTMLInputElement).checked).toBe(true)

    await click(getByRole(dialog(), 'button', 'Import into dev'))
    expect(fake.callsTo('imports:start-url')).toEqual([
      { siteId: 'site-1', env: 'dev', kind: 'files', url: SIGNED, safetyBackup: true, confirm: '' },
    ])
    expect(fake.callsTo('imports:start')).toEqual([])
    expect(queryAllByRole(body(), 'dialog')).toHaveLength(0)
    expect(getByRole(body(), 'region', 'Import wp-uploads.tar.gz into dev').dataset.state).toBe('running')
  })

  it('on the embedded platform both ways work; a URL import into live needs live typed', async () => {
    const fake = urlMain(importCapabilities())
    mountSite('live')
    await flushPromises()
    const pick = getByRole(panel(), 'button', 'Import...') as HTMLButtonElement
    expect(pick.disabled).toBe(false)
    // Uploads work here, so the URL form waits behind its own button, which opens it and focuses it.
    expect(queryAllByRole(panel(), 'textbox', 'Import from URL')).toHaveLength(0)
    const toggle = getByRole(panel(), 'button', 'Import from URL…')
    expect(toggle.getAttribute('aria-expanded')).toBe('false')
    await click(toggle)
    expect(toggle.getAttribute('aria-expanded')).toBe('true')
    expect(document.activeElement).toBe(getByRole(panel(), 'textbox', 'Import from URL'))
    // Escape folds it away again, and the button opens it once more.
    getByRole(panel(), 'textbox', 'Import from URL').dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }),
    )
    await flushPromises()
    expect(queryAllByRole(panel(), 'textbox', 'Import from URL')).toHaveLength(0)
    expect(toggle.getAttribute('aria-expanded')).toBe('false')
    expect(document.activeElement).toBe(toggle)
    await click(toggle)
    expect(descriptionOf(getByRole(panel(), 'textbox', 'Import from URL'))).not.toContain('MB')
    await type(getByRole(panel(), 'textbox', 'Import from URL'), 'https://example.com/dump.sql.gz')
    await click(getByRole(panel(), 'button', 'Import from URL'))
    const submit = getByRole(dialog(), 'button', 'Import into live') as HTMLButtonElement
    expect(submit.disabled).toBe(true)
    await type(getByRole(dialog(), 'textbox', 'Type live to confirm'), 'live')
    await click(submit)
    expect(fake.callsTo('imports:start-url')).toEqual([
      {
        siteId: 'site-1',
        env: 'live',
        kind: 'database',
        url: 'https://example.com/dump.sql.gz',
        safetyBackup: true,
        confirm: 'live',
      },
    ])
  })
})
