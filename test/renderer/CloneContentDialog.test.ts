import { enableAutoUnmount, flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { setApiClient } from '../../src/renderer/src/api/client'
import { defaultCloneSource } from '../../src/renderer/src/lib/jobs'
import type { InvokeRequest } from '../../src/shared/ipc'
import type { Job } from '../../src/shared/jobs'
import { getByRole, queryAllByRole } from './support/by-role'
import { installFakeBridge } from './support/fake-bridge'
import { activity, clonePreview, job } from './support/fixtures'
import { mountSite, siteHandlers } from './support/mount-site'

enableAutoUnmount(afterEach)

beforeEach(() => {
  history.replaceState(null, '', '#/')
  localStorage.clear()
})
afterEach(() => setApiClient(null))

const body = () => document.body
const dialog = () => getByRole(body(), 'dialog', /^Clone content/)
const checkbox = (name: string) => getByRole(dialog(), 'checkbox', name) as HTMLInputElement
const textbox = (name: string) => getByRole(dialog(), 'textbox', name) as HTMLInputElement
const submit = () => getByRole(dialog(), 'button', 'Clone content') as HTMLButtonElement

async function click(element: HTMLElement): Promise<void> {
  element.click()
  await flushPromises()
}

async function type(input: HTMLInputElement, text: string): Promise<void> {
  input.value = text
  input.dispatchEvent(new Event('input'))
  await flushPromises()
}

/** Main's side: previews per pair of environments for one CMS, and the started job listed afterwards. */
function handlers(cms: 'drupal' | 'wordpress') {
  const listed: Job[] = []
  return siteHandlers({
    'clone:preview': ({ from, to }) => clonePreview({ from, to, cms }),
    'clone:start': (request: InvokeRequest<'clone:start'>) => {
      listed.unshift(
        job({
          id: 'job-clone-001',
          kind: 'clone',
          env: request.to,
          source: { env: request.from, folder: null, backupAt: null },
        }),
      )
      return listed[0]!
    },
    'activity:site': () => activity({ jobs: [...listed] }),
  })
}

describe('clone content dialog', () => {
  it('defaults the source per target: live for dev and test, test for live', () => {
    const envs = ['dev', 'test', 'live']
    expect(defaultCloneSource('dev', envs)).toBe('live')
    expect(defaultCloneSource('test', envs)).toBe('live')
    expect(defaultCloneSource('live', envs)).toBe('test')
    expect(defaultCloneSource('feature-x', [...envs, 'feature-x'])).toBe('dev')
    expect(defaultCloneSource('dev', ['dev'])).toBeNull()
  })

  it('Drupal: from live, database and files, update.php and caches; no typed confirmation off live; sends the request', async () => {
    const fake = installFakeBridge(handlers('drupal'))
    mountSite('dev')
    await flushPromises()
    await click(getByRole(body(), 'button', 'Clone content...'))
    expect(fake.callsTo('clone:preview')).toEqual([{ siteId: 'site-1', from: 'live', to: 'dev' }])
    expect(getByRole(body(), 'dialog', 'Clone content to dev')).toBe(dialog())
    const from = getByRole(dialog(), 'combobox', 'From') as HTMLSelectElement
    expect(from.value).toBe('live')
    expect([...from.options].map((option) => option.value)).toEqual(['test', 'live'])
    expect(checkbox('Database').checked).toBe(true)
    expect(checkbox('Files').checked).toBe(true)
    expect(checkbox('Run update.php (update-db)').checked).toBe(false)
    expect(checkbox('Clear caches').checked).toBe(true)
    expect(queryAllByRole(dialog(), 'checkbox', 'Replace URLs')).toHaveLength(0)
    expect(checkbox('Take a safety backup first').checked).toBe(true)
    expect(queryAllByRole(dialog(), 'textbox', /to confirm$/)).toHaveLength(0)
    expect(dialog().querySelector('[data-testid="comparison-database"]')).not.toBeNull()
    expect(dialog().textContent).toContain('You will lose 1 hour of changes on dev.')

    await click(checkbox('Files'))
    expect(dialog().querySelector('[data-testid="comparison-files"]')).toBeNull()
    await click(checkbox('Database'))
    expect(submit().disabled).toBe(true)
    await click(checkbox('Database'))
    await click(checkbox('Run update.php (update-db)'))
    expect(submit().disabled).toBe(false)
    await click(submit())
    expect(fake.callsTo('clone:start')).toEqual([
      {
        siteId: 'site-1',
        from: 'live',
        to: 'dev',
        database: true,
        files: false,
        updatedb: true,
        clearCache: true,
        replaceUrl: null,
        safetyBackup: true,
        confirm: '',
      },
    ])
    expect(queryAllByRole(body(), 'dialog')).toHaveLength(0)
    expect(getByRole(body(), 'region', 'Clone content from live to dev').dataset.state).toBe('running')
  })

  it('WordPress: Replace URLs with both fields prefilled from the domains, following the source', async () => {
    const fake = installFakeBridge(handlers('wordpress'))
    mountSite('test')
    await flushPromises()
    await click(getByRole(body(), 'button', 'Clone content...'))
    expect(queryAllByRole(dialog(), 'checkbox', 'Clear caches')).toHaveLength(0)
    expect(checkbox('Replace URLs').checked).toBe(true)
    expect(textbox('Replace URL').value).toBe('live-demo.pantheonsite.io')
    expect(textbox('With URL').value).toBe('test-demo.pantheonsite.io')

    const from = getByRole(dialog(), 'combobox', 'From') as HTMLSelectElement
    from.value = 'dev'
    from.dispatchEvent(new Event('change'))
    await flushPromises()
    expect(fake.callsTo('clone:preview').at(-1)).toEqual({ siteId: 'site-1', from: 'dev', to: 'test' })
    expect(textbox('Replace URL').value).toBe('dev-demo.pantheonsite.io')

    await type(textbox('With URL'), 'test example.com')
    expect(dialog().textContent).toContain('no spaces or quotes')
    expect(submit().disabled).toBe(true)
    await type(textbox('With URL'), ' https://test.example.com ')
    await click(submit())
    expect(fake.callsTo('clone:start')[0]).toMatchObject({
      from: 'dev',
      to: 'test',
      updatedb: false,
      clearCache: false,
      replaceUrl: { from: 'dev-demo.pantheonsite.io', to: 'https://test.example.com' },
    })
  })

  it('into live: from test, and live typed to confirm', async () => {
    const fake = installFakeBridge(handlers('drupal'))
    mountSite('live')
    await flushPromises()
    await click(getByRole(body(), 'button', 'Clone content...'))
    expect((getByRole(dialog(), 'combobox', 'From') as HTMLSelectElement).value).toBe('test')
    expect(dialog().querySelector('[data-testid="clone-live-note"]')).not.toBeNull()
    expect(submit().disabled).toBe(true)
    await type(textbox('Type live to confirm'), 'Live')
    expect(submit().disabled).toBe(true)
    await type(textbox('Type live to confirm'), 'live')
    await click(submit())
    expect(fake.callsTo('clone:start')[0]).toMatchObject({ from: 'test', to: 'live', confirm: 'live' })
  })
})
