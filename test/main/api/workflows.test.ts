/** watchWorkflow with an injected clock, and the contract's rule for a workflow's outcome. */
import { describe, expect, it } from 'vitest'
import { PlatformApiError } from '../../../src/main/api/api-error'
import { toWorkflow, workflowWire } from '../../../src/main/api/models'
import { watchWorkflow } from '../../../src/main/api/workflows'
import type { WorkflowSource, WorkflowUpdate } from '../../../src/main/api/workflows'
import type { Workflow } from '../../../src/shared/platform-types'

function wf(fields: Record<string, unknown>): Workflow {
  return toWorkflow(
    workflowWire.parse({
      id: 'w1',
      type: 'do_export',
      site_id: 's1',
      environment: 'dev',
      phase: 'started',
      result: null,
      ...fields,
    }),
  )
}

/** Answers each poll with the next state (the last one repeats); a thrown value is thrown. */
function scripted(states: readonly (Workflow | Error)[]) {
  let i = 0
  const source: WorkflowSource & { polls: number } = {
    polls: 0,
    async getWorkflow() {
      source.polls++
      const next = states[Math.min(i++, states.length - 1)]!
      if (next instanceof Error) throw next
      return next
    },
  }
  return source
}

function clock() {
  let t = 1_000_000
  const sleeps: number[] = []
  return {
    now: () => t,
    sleeps,
    sleep: async (ms: number, signal?: AbortSignal) => {
      signal?.throwIfAborted()
      sleeps.push(ms)
      t += ms
    },
  }
}

describe('watchWorkflow', () => {
  it('reports each poll and resolves with the finished workflow', async () => {
    const source = scripted([
      wf({ phase: 'created', step: 1 }),
      wf({ step: 1, active_description: 'Exporting code' }),
      wf({ step: 2, active_description: 'Exporting database' }),
      wf({ phase: 'finished', result: 'succeeded', step: 3 }),
    ])
    const c = clock()
    const updates: WorkflowUpdate[] = []
    const done = await watchWorkflow(source, 's1', 'w1', { ...c, intervalMs: 2000, onUpdate: (u) => updates.push(u) })
    expect(done).toMatchObject({ finished: true, succeeded: true, step: 3 })
    expect(updates.map((u) => [u.workflow.step, u.stalled])).toEqual([
      [1, false],
      [1, false],
      [2, false],
      [3, false],
    ])
    expect(c.sleeps).toEqual([2000, 2000, 2000])
  })

  it('never polls faster than once a second', async () => {
    const source = scripted([wf({ step: 1 }), wf({ step: 2 }), wf({ result: 'succeeded' })])
    const c = clock()
    await watchWorkflow(source, 's1', 'w1', { ...c, intervalMs: 10 })
    expect(c.sleeps).toEqual([1000, 1000])
    const again = clock()
    await watchWorkflow(scripted([wf({ step: 1 }), wf({ result: 'succeeded' })]), 's1', 'w1', {
      ...again,
      intervalMs: NaN,
    })
    expect(again.sleeps).toEqual([1000])
  })

  it('flags a job with no visible progress for ten minutes as stalled, and clears it on progress', async () => {
    const stuck = wf({ step: 2, active_description: 'Exporting files' })
    const states = [...Array.from({ length: 12 }, () => stuck), wf({ step: 3 }), wf({ result: 'succeeded', step: 3 })]
    const source = scripted(states)
    const c = clock()
    const updates: WorkflowUpdate[] = []
    const done = await watchWorkflow(source, 's1', 'w1', { ...c, intervalMs: 60_000, onUpdate: (u) => updates.push(u) })
    expect(done.succeeded).toBe(true)
    const stalled = updates.map((u) => u.stalled)
    // Polls at 0, 1, ..., 11 minutes on the same state: stalled from the 10-minute poll on.
    expect(stalled.slice(0, 10)).toEqual(Array(10).fill(false))
    expect(stalled.slice(10, 12)).toEqual([true, true])
    expect(updates[10]!.quietForMs).toBe(600_000)
    // Progress clears it; a finished job is never stalled.
    expect(stalled.slice(12)).toEqual([false, false])
    // No overall time-out: it kept watching past the stall.
    expect(source.polls).toBe(14)
  })

  it('notices a new log message as progress', async () => {
    const base = { step: 1, active_description: 'Importing' }
    const withMessage = (n: number) =>
      wf({
        ...base,
        final_task: {
          reason: '',
          messages: Object.fromEntries(
            Array.from({ length: n }, (_, i) => [`2026-01-01T00:0${i}:00`, { message: `line ${i}`, level: 'INFO' }]),
          ),
        },
      })
    const states = [withMessage(1), withMessage(1), withMessage(2), wf({ result: 'succeeded' })]
    const c = clock()
    const updates: WorkflowUpdate[] = []
    await watchWorkflow(scripted(states), 's1', 'w1', { ...c, intervalMs: 300_000, onUpdate: (u) => updates.push(u) })
    expect(updates.map((u) => u.quietForMs)).toEqual([0, 300_000, 0, 0])
  })

  it('keeps watching through transient failures and stops on others', async () => {
    const network = new PlatformApiError({ status: null, code: 'network', message: 'offline' })
    const source = scripted([wf({ step: 1 }), network, network, wf({ result: 'succeeded' })])
    const c = clock()
    const updates: WorkflowUpdate[] = []
    const done = await watchWorkflow(source, 's1', 'w1', { ...c, onUpdate: (u) => updates.push(u) })
    expect(done.succeeded).toBe(true)
    expect(updates.map((u) => u.pollError?.code ?? null)).toEqual([null, 'network', 'network', null])

    const gone = new PlatformApiError({ status: 404, code: 'not_found', message: 'No such workflow.' })
    await expect(watchWorkflow(scripted([wf({ step: 1 }), gone]), 's1', 'w1', clock())).rejects.toBe(gone)
  })

  it('stops when aborted', async () => {
    const controller = new AbortController()
    const source = scripted([wf({ step: 1 })])
    const c = clock()
    const watching = watchWorkflow(source, 's1', 'w1', {
      ...c,
      signal: controller.signal,
      onUpdate: () => {
        if (source.polls === 2) controller.abort()
      },
    })
    await expect(watching).rejects.toMatchObject({ name: 'AbortError' })
    expect(source.polls).toBe(2)
  })
})

describe('a workflow’s outcome', () => {
  it('is finished once result is set, whatever the phase says', () => {
    expect(wf({ phase: 'started', result: null })).toMatchObject({
      finished: false,
      succeeded: false,
      failureReason: null,
    })
    expect(wf({ phase: 'started', result: 'succeeded' })).toMatchObject({
      finished: true,
      succeeded: true,
      failureReason: null,
    })
  })

  it('takes the failure text from final_task.reason, else the last message, else a default', () => {
    const messages = {
      '2026-01-01T00:00:02': { message: 'Second: the archive is not gzip.', level: 'ERROR' },
      '2026-01-01T00:00:01': { message: 'First', level: 'INFO' },
    }
    expect(wf({ result: 'failed', final_task: { reason: 'Truncated gzip.', messages } }).failureReason).toBe(
      'Truncated gzip.',
    )
    expect(wf({ result: 'failed', final_task: { reason: '', messages } }).failureReason).toBe(
      'Second: the archive is not gzip.',
    )
    expect(wf({ result: 'failed', final_task: { reason: '', messages: [] } }).failureReason).toBe('Workflow failed.')
    expect(wf({ result: 'aborted' })).toMatchObject({
      finished: true,
      succeeded: false,
      failureReason: 'Workflow failed.',
    })
  })
})

describe('odd workflow times', () => {
  it.each([
    ['huge', 1e300],
    ['negative', -5],
    ['not a number', 'yesterday'],
    ['an object', { at: 1 }],
  ])('a time that is %s is null or a date the page can show, and the workflow still parses', (_what, value) => {
    const workflow = wf({ created_at: value, started_at: value, finished_at: value })
    expect(workflow.id).toBe('w1')
    for (const at of [workflow.createdAt, workflow.startedAt, workflow.finishedAt])
      if (at !== null) expect(() => new Date(at).toISOString()).not.toThrow()
  })
})
