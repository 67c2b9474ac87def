/** Stores under answers that arrive out of order: the newest call wins, whatever lands last. */
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { setApiClient } from '../../src/renderer/src/api/client'
import { useBackupsStore } from '../../src/renderer/src/stores/backups'
import { useConnectionsStore } from '../../src/renderer/src/stores/connections'
import { useDownloadsStore } from '../../src/renderer/src/stores/downloads'
import { useSitesStore } from '../../src/renderer/src/stores/sites'
import type { DownloadItem } from '../../src/shared/downloads'
import type { Site } from '../../src/shared/platform-types'
import { installFakeBridge } from './support/fake-bridge'
import { backup, connection, download, HOUR, site } from './support/fixtures'

/** Answers queued by the test, released in the order it chooses. */
function heldAnswers<T>() {
  const waiting: Array<(value: T) => void> = []
  return {
    next: () => new Promise<T>((resolve) => waiting.push(resolve)),
    release: (index: number, value: T) => waiting[index]!(value),
  }
}

beforeEach(() => setActivePinia(createPinia()))
afterEach(() => setApiClient(null))

describe('stores with answers out of order', () => {
  it('sites: a list asked for before a reset (a connection switch) never replaces the new one', async () => {
    const answers = heldAnswers<Site[]>()
    installFakeBridge({ 'sites:list': () => answers.next() })
    const sites = useSitesStore()
    const old = sites.load()
    sites.reset()
    const fresh = sites.load()
    answers.release(1, [site({ id: 'new-1', name: 'new-site' })])
    await fresh
    answers.release(0, [site({ id: 'old-1', name: 'old-site' })])
    await old
    expect(sites.list.map((entry) => entry.name)).toEqual(['new-site'])
  })

  it('backups: a slow refresh does not overwrite the catalog a later one brought', async () => {
    const answers = heldAnswers<ReturnType<typeof backup>[]>()
    installFakeBridge({ 'backups:list': () => answers.next() })
    const backups = useBackupsStore()
    const now = Date.now()
    const slow = backups.load('site-1', 'dev')
    const quick = backups.load('site-1', 'dev')
    answers.release(1, [backup(now - HOUR), backup(now - 2 * HOUR)])
    await quick
    answers.release(0, [backup(now - 2 * HOUR)])
    await slow
    expect(backups.timeline('site-1', 'dev').data).toHaveLength(2)
    expect(backups.timeline('site-1', 'dev').loading).toBe(false)
  })

  it('connections: the list a removal returned stands over a list call that was under way', async () => {
    const answers = heldAnswers<ReturnType<typeof connection>[]>()
    const pantheon = connection({ id: 'conn-p', kind: 'pantheon', label: 'Agency Pantheon', active: false })
    installFakeBridge({
      'connections:list': () => answers.next(),
      'connections:remove': () => [connection()],
    })
    const connections = useConnectionsStore()
    const listing = connections.load()
    expect(await connections.remove('conn-p')).toBe(true)
    answers.release(0, [connection(), pantheon])
    await listing
    expect(connections.list.map((entry) => entry.id)).toEqual(['embedded'])
  })

  it('downloads: of an event and the list answered meanwhile, the higher revision wins', async () => {
    const answers = heldAnswers<DownloadItem[]>()
    const fake = installFakeBridge({ 'downloads:list': () => answers.next() })
    const downloads = useDownloadsStore()
    const listing = downloads.load()
    fake.emit('downloads:changed', {
      type: 'updated',
      id: 'a',
      item: download({ id: 'a', state: 'done', revision: 5 }),
    })
    fake.emit('downloads:changed', { type: 'updated', id: 'c', item: download({ id: 'c', revision: 1 }) })
    answers.release(0, [
      download({ id: 'a', state: 'downloading', revision: 4 }),
      download({ id: 'b', state: 'paused', revision: 2 }),
    ])
    await listing
    expect(Object.values(downloads.items).map((item) => [item.id, item.state])).toEqual([
      ['a', 'done'],
      ['b', 'paused'],
      ['c', 'downloading'],
    ])
    downloads.stopListening()
  })
})
