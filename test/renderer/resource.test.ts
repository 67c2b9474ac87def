import { describe, expect, it, vi } from 'vitest'
import { computed } from 'vue'
import { IpcError } from '../../src/shared/ipc'
import { createResource, createResourceMap } from '../../src/renderer/src/stores/resource'

/** A promise the test settles by hand, to order answers as it likes. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (cause: unknown) => void
  const promise = new Promise<T>((yes, no) => {
    resolve = yes
    reject = no
  })
  return { promise, resolve, reject }
}

/** A fetch whose every call waits for the test to answer it. */
function scriptedFetch<T>() {
  const calls: Array<ReturnType<typeof deferred<T>>> = []
  const fetch = vi.fn(() => {
    const call = deferred<T>()
    calls.push(call)
    return call.promise
  })
  return { fetch, calls }
}

describe('resource', () => {
  it('goes from idle through loading to ready, and computed views follow it', async () => {
    const { fetch, calls } = scriptedFetch<string[]>()
    const resource = createResource(fetch)
    const shown = computed(() => (resource.pending ? 'spinner' : (resource.data ?? []).join(',')))
    expect(resource.status).toBe('idle')
    expect(resource.pending).toBe(false)
    const loading = resource.load()
    expect(resource.status).toBe('loading')
    expect(shown.value).toBe('spinner')
    calls[0]!.resolve(['a', 'b'])
    expect(await loading).toEqual(['a', 'b'])
    expect(resource.status).toBe('ready')
    expect(resource.loaded).toBe(true)
    expect(shown.value).toBe('a,b')
  })

  it('drops the answer of a call that a newer one superseded', async () => {
    const { fetch, calls } = scriptedFetch<string>()
    const resource = createResource(fetch)
    const first = resource.reload()
    const second = resource.reload()
    calls[1]!.resolve('fresh')
    expect(await second).toBe('fresh')
    calls[0]!.resolve('stale')
    // The older call resolves with the newest answer, and the data stays fresh.
    expect(await first).toBe('fresh')
    expect(resource.data).toBe('fresh')
    expect(resource.status).toBe('ready')
  })

  it('drops a superseded call’s failure too', async () => {
    const { fetch, calls } = scriptedFetch<string>()
    const resource = createResource(fetch)
    const first = resource.reload()
    const second = resource.reload()
    calls[0]!.reject(new Error('too late to matter'))
    calls[1]!.resolve('fresh')
    expect(await first).toBe('fresh')
    expect(await second).toBe('fresh')
    expect(resource.error).toBeNull()
  })

  it('keeps the error with its message and code, and the data it had', async () => {
    const { fetch, calls } = scriptedFetch<string>()
    const resource = createResource(fetch)
    const failing = resource.load()
    calls[0]!.reject(new IpcError({ code: 'not_found', message: 'No site "x" on this connection. Pick another site.' }))
    expect(await failing).toBeNull()
    expect(resource.status).toBe('error')
    expect(resource.error).toEqual({ code: 'not_found', message: 'No site "x" on this connection. Pick another site.' })
    expect(resource.failed).toBe(true)

    const retry = resource.reload()
    calls[1]!.resolve('listed')
    await retry
    const refresh = resource.reload()
    calls[2]!.reject(new TypeError('Failed to fetch'))
    await refresh
    // A failed refresh keeps what was shown; the error says what went wrong.
    expect(resource.data).toBe('listed')
    expect(resource.error).toEqual({ code: 'unexpected', message: 'Failed to fetch' })
    expect(resource.failed).toBe(false)
  })

  it('reloads after an error: the error clears while asking again', async () => {
    const { fetch, calls } = scriptedFetch<number>()
    const resource = createResource(fetch)
    const failing = resource.load()
    calls[0]!.reject(new IpcError({ code: 'host_unreachable', message: 'Restore Desk is not answering.' }))
    await failing
    const again = resource.load()
    expect(fetch).toHaveBeenCalledTimes(2)
    expect(resource.error).toBeNull()
    expect(resource.pending).toBe(true)
    calls[1]!.resolve(7)
    expect(await again).toBe(7)
    expect(resource.status).toBe('ready')
  })

  it('load asks once: it joins a call under way and keeps an answer it has', async () => {
    const { fetch, calls } = scriptedFetch<string>()
    const resource = createResource(fetch)
    const one = resource.load()
    const two = resource.load()
    calls[0]!.resolve('only')
    expect([await one, await two]).toEqual(['only', 'only'])
    expect(await resource.load()).toBe('only')
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('reset and set supersede calls under way', async () => {
    const { fetch, calls } = scriptedFetch<string>()
    const resource = createResource(fetch)
    const before = resource.reload()
    resource.reset()
    calls[0]!.resolve('from the old connection')
    expect(await before).toBeNull()
    expect(resource.data).toBeNull()
    expect(resource.status).toBe('idle')

    const listing = resource.reload()
    resource.set('what the action returned')
    calls[1]!.resolve('older list')
    expect(await listing).toBe('what the action returned')
    expect(resource.data).toBe('what the action returned')
  })

  it('merges an answer with what events changed while it was on its way', async () => {
    const { fetch, calls } = scriptedFetch<Record<string, number>>()
    const resource = createResource(fetch, { merge: (answer, current) => ({ ...answer, ...current }) })
    const listing = resource.load()
    resource.update((current) => ({ ...current, b: 2 }))
    calls[0]!.resolve({ a: 1, b: 1 })
    await listing
    expect(resource.data).toEqual({ a: 1, b: 2 })
  })
})

describe('resource map', () => {
  it('gives an idle stand-in until something loads a key, then that key’s own resource', async () => {
    const fetch = vi.fn(async (site: string, env: string) => `${site}/${env} backups`)
    const map = createResourceMap((site: string, env: string) => `${site}/${env}`, fetch)
    const dev = computed(() => map.get('site-1', 'dev').data)
    expect(map.get('site-1', 'dev').status).toBe('idle')
    await map.get('site-1', 'dev').load()
    expect(dev.value).toBe('site-1/dev backups')
    expect(map.get('site-1', 'live').data).toBeNull()
    await map.entry('site-1', 'live').reload()
    expect(fetch.mock.calls).toEqual([
      ['site-1', 'dev'],
      ['site-1', 'live'],
    ])
  })

  it('reset forgets every key and drops their answers under way', async () => {
    let answer = deferred<string>()
    const map = createResourceMap(
      (site: string) => site,
      () => answer.promise,
    )
    const loading = map.entry('site-1').load()
    map.reset()
    answer.resolve('old platform')
    await loading
    expect(map.get('site-1').data).toBeNull()
    answer = deferred<string>()
    const again = map.entry('site-1').load()
    answer.resolve('new platform')
    expect(await again).toBe('new platform')
  })
})
