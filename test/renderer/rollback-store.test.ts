/**
 * The rollback and deploys stores without a page: what they ask main, and what a move has read
 * again (at once, and when its workflow ends, even if the end came before the answer).
 */
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { setApiClient } from '../../src/renderer/src/api/client'
import { useDeploysStore } from '../../src/renderer/src/stores/deploys'
import { useHistoryStore } from '../../src/renderer/src/stores/history'
import { useRollbackStore } from '../../src/renderer/src/stores/rollback'
import { useSitesStore } from '../../src/renderer/src/stores/sites'
import { useWorkflowsStore } from '../../src/renderer/src/stores/workflows'
import { installFakeBridge, type FakeHandlers } from './support/fake-bridge'
import { historyHandlers, oidOf } from './support/history-fixtures'
import { siteHandlers } from './support/mount-site'
import {
  codeMoveResult,
  deployPreview,
  deployWorkflow,
  PICKED,
  revertPreview,
  syncWorkflow,
} from './support/rollback-fixtures'

beforeEach(() => setActivePinia(createPinia()))
afterEach(() => setApiClient(null))

function setUp(overrides: FakeHandlers = {}) {
  const fake = historyHandlers(20, {
    'rollback:revert-preview': ({ mode }) => revertPreview(mode),
    'rollback:revert': () => codeMoveResult(),
    'rollback:reset-undo-info': () => null,
    'deploy:preview': ({ to }) => deployPreview(to),
    'deploy:start': ({ to }) => deployWorkflow(to),
    ...overrides,
  })
  return installFakeBridge(siteHandlers(fake.handlers))
}

const finished = { phase: 'finished', result: 'succeeded', finished: true, succeeded: true } as const

describe('rollback store', () => {
  it('keeps previews per commit and way, and drops them all once dev moved', async () => {
    setUp()
    const rollback = useRollbackStore()
    await rollback.loadRevertPreview('site-1', oidOf(PICKED), 'revert')
    expect(rollback.revertPreview('site-1', oidOf(PICKED), 'revert').data?.head).toBe(oidOf(0))
    expect(rollback.revertPreview('site-1', oidOf(PICKED), 'roll-back').data).toBeNull()

    await rollback.revert({ siteId: 'site-1', oid: oidOf(PICKED), mode: 'revert', head: oidOf(0) })
    expect(rollback.revertPreview('site-1', oidOf(PICKED), 'revert').data).toBeNull()
  })

  it('after a move reads the open history, the site and the code logs shown, and follows the sync', async () => {
    const bridge = setUp()
    const history = useHistoryStore()
    const sites = useSitesStore()
    await history.open('site-1')
    await sites.loadCodeLog('site-1', 'dev')
    const before = bridge.calls.length

    await useRollbackStore().revert({ siteId: 'site-1', oid: oidOf(PICKED), mode: 'revert', head: oidOf(0) })
    const asked = bridge.calls.slice(before).map((call) => call.channel)
    expect(asked).toContain('history:open')
    expect(asked).toContain('sites:open')
    expect(bridge.callsTo('code:log').slice(1)).toEqual([{ siteId: 'site-1', env: 'dev' }])
    expect(asked).toContain('rollback:reset-undo-info')
    expect(useWorkflowsStore().byId['wf-sync']?.env).toBe('dev')

    // Another site's history is not this one's: it is left alone.
    const opens = bridge.callsTo('history:open').length
    await useRollbackStore().revert({ siteId: 'site-2', oid: oidOf(PICKED), mode: 'revert', head: oidOf(0) })
    expect(bridge.callsTo('history:open')).toHaveLength(opens)
  })

  it('reads everything again when the followed workflow ends, once', async () => {
    const bridge = setUp()
    await useHistoryStore().open('site-1')
    await useRollbackStore().revert({ siteId: 'site-1', oid: oidOf(PICKED), mode: 'revert', head: oidOf(0) })
    const opens = bridge.callsTo('history:open').length

    bridge.emit('workflows:progress', { siteId: 'site-1', env: 'dev', workflow: syncWorkflow(), stalled: false })
    expect(bridge.callsTo('history:open')).toHaveLength(opens)
    const ended = { siteId: 'site-1', env: 'dev', workflow: syncWorkflow(finished), stalled: false }
    bridge.emit('workflows:progress', ended)
    expect(bridge.callsTo('history:open')).toHaveLength(opens + 1)
    bridge.emit('workflows:progress', ended)
    expect(bridge.callsTo('history:open')).toHaveLength(opens + 1)
  })

  it('reads again at once when the workflow’s end came before the start’s answer', async () => {
    const bridge = setUp()
    bridge.handle('deploy:start', ({ to }) => {
      bridge.emit('workflows:progress', {
        siteId: 'site-1',
        env: to,
        workflow: deployWorkflow(to, finished),
        stalled: false,
      })
      return deployWorkflow(to)
    })
    useWorkflowsStore().listen()
    await useHistoryStore().open('site-1')
    const opens = bridge.callsTo('history:open').length
    await useDeploysStore().start({
      siteId: 'site-1',
      to: 'test',
      annotation: '',
      updatedb: false,
      clearCache: true,
      syncContent: false,
      confirm: 'test',
    })
    expect(useWorkflowsStore().byId['wf-deploy-test']?.workflow.finished).toBe(true)
    expect(bridge.callsTo('history:open')).toHaveLength(opens + 1)
  })
})
