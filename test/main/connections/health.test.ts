import { afterEach, describe, expect, it } from 'vitest'
import type { PlatformConnectionInfo } from '../../../src/shared/app'
import { PlatformApiError } from '../../../src/main/api/api-error'
import { HealthMonitor, isUnreachableError } from '../../../src/main/connections/health'

const ready: PlatformConnectionInfo = {
  id: 'remote1',
  kind: 'remote-embedded',
  label: 'Staging platform',
  baseUrl: 'http://127.0.0.1:9000/api',
  status: 'ready',
  error: null,
}

const noAnswer = (): PlatformApiError =>
  new PlatformApiError({
    status: null,
    code: 'network',
    message: 'Could not reach the platform at 127.0.0.1:9000 for GET /users/u-1234 (connection refused).',
    detail: 'connection refused',
  })

function harness(options: { active?: () => PlatformConnectionInfo } = {}) {
  let answers = true
  let failure: () => unknown = noAnswer
  const published: PlatformConnectionInfo[] = []
  const notices = new Map<string, string>()
  let next = 0
  const monitor = new HealthMonitor({
    active: options.active ?? (() => ready),
    probe: async () => async () => {
      if (!answers) throw failure()
    },
    publish: (info) => published.push(info),
    addNotice: (message) => {
      const id = `n${++next}`
      notices.set(id, message)
      return { id }
    },
    dismissNotice: (id) => notices.delete(id),
    intervalMs: 60_000,
  })
  return {
    monitor,
    published,
    notices,
    setAnswers: (value: boolean) => (answers = value),
    setFailure: (make: () => unknown) => (failure = make),
  }
}

describe('HealthMonitor', () => {
  let close: (() => void) | null = null
  afterEach(() => close?.())

  it('shows "unreachable" with one notice while the platform does not answer, and recovers by itself', async () => {
    const h = harness()
    close = () => h.monitor.close()
    h.setAnswers(false)
    await h.monitor.check()
    await h.monitor.check()
    expect(h.published.at(-1)).toMatchObject({ id: 'remote1', status: 'unreachable' })
    expect(h.published.at(-1)!.error).toBe('Staging platform does not answer (no answer).')
    // Told once, however often it is asked; no API path, host or user id in the words.
    expect([...h.notices.values()]).toHaveLength(1)
    const notice = [...h.notices.values()][0]!
    expect(notice).toContain('Staging platform does not answer')
    expect(notice).not.toMatch(/\/users|u-1234|127\.0\.0\.1|\/api/)

    h.setAnswers(true)
    await h.monitor.check()
    expect(h.published.at(-1)).toEqual(ready)
    expect(h.notices.size).toBe(0)
  })

  it('keeps the manager state over a refusal: an answer, even "no", means the platform is there', async () => {
    const h = harness()
    close = () => h.monitor.close()
    h.setAnswers(false)
    h.setFailure(() => new PlatformApiError({ status: 401, code: 'unauthorized', message: 'The token was refused.' }))
    await h.monitor.check()
    expect(h.published).toEqual([])
    expect(h.notices.size).toBe(0)
  })

  it('counts a gateway error and a timeout as no answer', async () => {
    expect(isUnreachableError(new PlatformApiError({ status: 503, code: 'server', message: 'down' }))).toBe(true)
    expect(isUnreachableError(new PlatformApiError({ status: 500, code: 'server', message: 'bug' }))).toBe(false)
    const h = harness()
    close = () => h.monitor.close()
    h.setAnswers(false)
    h.setFailure(() => new DOMException('The operation timed out.', 'TimeoutError'))
    await h.monitor.check()
    expect(h.published.at(-1)!.error).toBe('Staging platform does not answer (it did not answer in time).')
  })

  it('asks again at once after a real call failed for want of an answer, not after a refusal', async () => {
    let probes = 0
    const monitor = new HealthMonitor({
      active: () => ready,
      probe: async () => async () => {
        probes++
      },
      publish: () => {},
      addNotice: () => ({ id: 'x' }),
      dismissNotice: () => {},
      intervalMs: 60_000,
    })
    close = () => monitor.close()
    monitor.reportFailure(new PlatformApiError({ status: 404, code: 'not_found', message: 'no such site' }))
    monitor.reportFailure(noAnswer())
    await monitor.check()
    expect(probes).toBe(1)
  })

  it('forgets a platform that did not answer when another connection becomes active', async () => {
    let active = ready
    const h = harness({ active: () => active })
    close = () => h.monitor.close()
    h.setAnswers(false)
    await h.monitor.check()
    expect(h.notices.size).toBe(1)
    active = { ...ready, id: 'embedded', kind: 'embedded', label: 'Embedded platform (this computer)' }
    h.monitor.announce(active)
    expect(h.published.at(-1)).toEqual(active)
    expect(h.notices.size).toBe(0)
    // The one that did not answer shows as set up again if it is made active later, until asked.
    expect(h.monitor.view(ready)).toEqual(ready)
  })

  it('does not probe a connection that is still starting or failed to start', async () => {
    const h = harness({ active: () => ({ ...ready, status: 'starting' }) })
    close = () => h.monitor.close()
    h.setAnswers(false)
    await h.monitor.check()
    expect(h.published).toEqual([])
  })
})
