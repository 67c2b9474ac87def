import { describe, expect, it, vi } from 'vitest'
import { EventHub } from '../../../src/main/events'
import { WorkflowTracker } from '../../../src/main/workflows/tracker'
import type { Workflow, WorkflowProgress } from '../../../src/shared/platform-types'

function workflow(step: number, result: Workflow['result'] = null): Workflow {
  return {
    id: 'wf1',
    type: 'do_export',
    siteId: 'site1',
    environment: 'dev',
    params: {},
    description: 'Create a backup',
    activeDescription: result ? 'Finished' : `Step ${step}`,
    phase: result ? 'finished' : 'started',
    result,
    step,
    numberOfTasks: 3,
    createdAt: 0,
    startedAt: 0,
    finishedAt: result ? 1 : null,
    messages: [],
    finished: result !== null,
    succeeded: result === 'succeeded',
    failureReason: null,
  }
}

describe('WorkflowTracker', () => {
  it('pushes progress events until the workflow finishes, then stops polling', async () => {
    const events = new EventHub()
    const seen: WorkflowProgress[] = []
    events.subscribe((channel, payload) => {
      if (channel === 'workflows:progress') seen.push(payload as WorkflowProgress)
    })
    const states = [workflow(1), workflow(2), workflow(3, 'succeeded')]
    let polls = 0
    const source = { getWorkflow: async () => states[Math.min(polls++, states.length - 1)]! }
    const tracker = new WorkflowTracker({ events, watch: { sleep: async () => {} } })
    const done = await tracker.track(source, workflow(0))
    expect(done?.result).toBe('succeeded')
    expect(seen.map((p) => p.workflow.step)).toEqual([0, 1, 2, 3])
    expect(seen.every((p) => p.siteId === 'site1' && p.env === 'dev' && !p.stalled)).toBe(true)
    expect(polls).toBe(3)
  })

  it('lists the workflows it still follows, for a page that reloads mid-way', async () => {
    const tracker = new WorkflowTracker({ events: new EventHub(), watch: { sleep: async () => {} } })
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    let polls = 0
    const source = {
      getWorkflow: async () => {
        polls += 1
        if (polls === 1) return workflow(1)
        await gate
        return workflow(2, 'succeeded')
      },
    }
    const watching = tracker.track(source, workflow(0))
    await vi.waitFor(() => expect(tracker.active().map((p) => p.workflow.step)).toEqual([1]))
    release()
    await watching
    expect(tracker.active()).toEqual([])
  })

  it('stops watching on close without failing', async () => {
    const tracker = new WorkflowTracker({ events: new EventHub() })
    const source = { getWorkflow: async () => workflow(1) }
    const watching = tracker.track(source, workflow(0))
    tracker.close()
    await expect(watching).resolves.toBeNull()
  })
})
