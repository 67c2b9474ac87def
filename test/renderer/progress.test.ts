import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import JobUploadProgress from '../../src/renderer/src/components/JobUploadProgress.vue'
import WorkflowProgressCard from '../../src/renderer/src/components/WorkflowProgressCard.vue'
import { progressPercent, RUNNING_CAP } from '../../src/renderer/src/lib/progress'
import type { Workflow } from '../../src/shared/platform-types'
import { workflow } from './support/fixtures'

describe('progressPercent', () => {
  it('is never full while the step still runs, and full once it is done', () => {
    expect(progressPercent(38, 38, false)).toBe(RUNNING_CAP)
    expect(progressPercent(3, 3, false)).toBe(99)
    expect(progressPercent(38, 38, true)).toBe(100)
    expect(progressPercent(0, 0, true)).toBe(100)
  })

  it('rounds down, and shows nothing for an unknown total or odd numbers', () => {
    expect(progressPercent(1, 3, false)).toBe(33)
    expect(progressPercent(2, 3, false)).toBe(66)
    expect(progressPercent(5, 0, false)).toBe(0)
    expect(progressPercent(-1, 10, false)).toBe(0)
    expect(progressPercent(Number.NaN, 10, false)).toBe(0)
    expect(progressPercent(50, 10, false)).toBe(99)
  })
})

describe('the bars that use it', () => {
  const tracked = (overrides: Partial<Workflow>) => ({
    siteId: 'site-1',
    env: 'dev',
    stalled: false,
    dismissed: false,
    workflow: workflow(overrides),
  })

  it('a workflow at its last task still running shows 99, and its bar gives way to the outcome once finished', () => {
    const running = mount(WorkflowProgressCard, { props: { entry: tracked({ step: 3, numberOfTasks: 3 }) } })
    expect((running.get('progress').element as HTMLProgressElement).value).toBe(99)
    expect(running.get('progress').attributes('aria-label')).toBe('99 percent')
    const halfway = mount(WorkflowProgressCard, { props: { entry: tracked({ step: 1, numberOfTasks: 2 }) } })
    expect((halfway.get('progress').element as HTMLProgressElement).value).toBe(50)
    const done = mount(WorkflowProgressCard, {
      props: { entry: tracked({ step: 3, numberOfTasks: 3, finished: true, succeeded: true }) },
    })
    expect(done.find('progress').exists()).toBe(false)
  })

  it('an upload that has sent every byte waits at 99 for the platform', () => {
    const upload = mount(JobUploadProgress, {
      props: {
        label: 'Send db.sql.gz',
        transfer: { sent: 100, total: 100, bytesPerSecond: null, secondsLeft: null },
        cancellable: false,
        cancelling: false,
      },
    })
    expect((upload.get('progress').element as HTMLProgressElement).value).toBe(99)
    expect(upload.get('progress').attributes('aria-label')).toBe('Send db.sql.gz: 99 percent')
  })
})
