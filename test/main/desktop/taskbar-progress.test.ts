import { describe, expect, it } from 'vitest'
import {
  followTaskbarProgress,
  jobFraction,
  taskbarProgress,
  TaskbarProgressTracker,
  type TaskbarProgress,
} from '../../../src/main/desktop/taskbar-progress'
import { EventHub } from '../../../src/main/events'
import type { DownloadItem } from '../../../src/shared/downloads'
import type { Job, JobStep } from '../../../src/shared/jobs'

const MiB = 1_048_576

/** A database download half way through (10 MiB). */
function download(overrides: Partial<DownloadItem> = {}): DownloadItem {
  return {
    id: 'dl-1',
    connectionId: 'embedded',
    siteId: 'site-1',
    siteName: 'demo-drupal',
    env: 'dev',
    folder: '1700000000_automated',
    element: 'database',
    filename: 'demo_dev_database.sql.gz',
    expectedSize: 10 * MiB,
    destDir: '/home/me/Downloads/Restore Desk/demo-drupal/dev',
    state: 'downloading',
    receivedBytes: 5 * MiB,
    totalBytes: 10 * MiB,
    bytesPerSecond: MiB,
    etaSeconds: 5,
    partPath: '/home/me/Downloads/Restore Desk/demo-drupal/dev/.demo_dev_database.sql.gz.part',
    finalPath: null,
    error: null,
    note: null,
    sha256: null,
    createdAt: 1_700_000_000_000,
    finishedAt: null,
    revision: 1,
    ...overrides,
  }
}

function jobStep(id: string, overrides: Partial<JobStep> = {}): JobStep {
  const part = id === 'safety' ? null : (id as JobStep['part'])
  return {
    id,
    kind: part ? 'restore' : 'safety-backup',
    part,
    label: part ? `Restore the ${part}` : 'Safety backup of dev',
    state: 'pending',
    workflowId: null,
    workflowType: null,
    progress: null,
    startedAt: null,
    finishedAt: null,
    error: null,
    attempts: 0,
    ...overrides,
  }
}

/** A restore of dev, at the start of its safety backup (the platform's task 1 of 3). */
function job(overrides: Partial<Job> = {}): Job {
  return {
    id: 'job-00000001',
    connectionId: 'embedded',
    siteId: 'site-1',
    siteName: 'demo-drupal',
    env: 'dev',
    kind: 'restore',
    source: { env: 'dev', folder: '1700000000_automated', backupAt: 1_700_000_000_000 },
    parts: ['code', 'files', 'database'],
    clone: null,
    imports: null,
    safety: { requested: true, folder: null, keepForDays: 7 },
    steps: [
      jobStep('safety', { state: 'running', progress: { step: 1, of: 3, activity: 'Backing up dev' } }),
      jobStep('code'),
      jobStep('files'),
      jobStep('database'),
    ],
    state: 'running',
    summary: 'Restoring dev from its backup of 14 Nov 22:13.',
    createdAt: 1_700_000_000_000,
    finishedAt: null,
    undoes: null,
    undoneBy: null,
    ...overrides,
  }
}

describe('taskbar progress figure', () => {
  it('is cleared when nothing runs: no items, or only finished, failed and cancelled ones', () => {
    expect(taskbarProgress([], [])).toEqual({ mode: 'none' })
    const finished = [
      download({ id: 'a', state: 'done' }),
      download({ id: 'b', state: 'failed' }),
      download({ id: 'c', state: 'cancelled' }),
    ]
    expect(taskbarProgress(finished, [job({ state: 'succeeded' }), job({ id: 'job-2', state: 'failed' })])).toEqual({
      mode: 'none',
    })
  })

  it('pools downloads by bytes, queued ones counting as not started', () => {
    const big = download({ id: 'big', receivedBytes: 90 * MiB, totalBytes: 100 * MiB, expectedSize: 100 * MiB })
    const small = download({ id: 'small', receivedBytes: 0, totalBytes: 0, expectedSize: 10 * MiB, state: 'queued' })
    // 90 of 110 MiB: 81.8 %, shown as 81 % (rounded down, never ahead of the work).
    expect(taskbarProgress([big, small], [])).toEqual({ mode: 'normal', fraction: 0.81 })
  })

  it('stays below full while a download that has every byte is still being checked', () => {
    const checking = download({ state: 'verifying', receivedBytes: 10 * MiB, totalBytes: 10 * MiB })
    expect(taskbarProgress([checking], [])).toEqual({ mode: 'normal', fraction: 0.99 })
  })

  it('shows paused when every unfinished download is paused, and normal when anything else runs', () => {
    const paused = download({ id: 'p', state: 'paused', receivedBytes: 3 * MiB, totalBytes: 10 * MiB })
    expect(taskbarProgress([paused], [])).toEqual({ mode: 'paused', fraction: 0.3 })
    const running = download({ id: 'r', receivedBytes: 7 * MiB, totalBytes: 10 * MiB })
    expect(taskbarProgress([paused, running], [])).toEqual({ mode: 'normal', fraction: 0.5 })
    expect(taskbarProgress([paused], [job()])).toMatchObject({ mode: 'normal' })
  })

  it('measures a job by its finished steps and what is known of the current one', () => {
    const steps = (current: Parameters<typeof jobStep>[1]) => [
      jobStep('safety', { state: 'succeeded' }),
      jobStep('files', { state: 'running', ...current }),
      jobStep('database'),
      jobStep('code'),
    ]
    // An upload half sent: 1.5 of 4 steps.
    const uploading = job({
      steps: steps({
        progress: {
          step: null,
          of: null,
          activity: 'Uploading files.tar.gz',
          transfer: { sent: 5 * MiB, total: 10 * MiB, bytesPerSecond: null, secondsLeft: null },
        },
      }),
    })
    expect(jobFraction(uploading)).toBe(0.375)
    // The workflow on its 3rd of 4 tasks: two are done, so 1.5 of 4 steps.
    const working = job({ steps: steps({ progress: { step: 3, of: 4, activity: 'Importing' } }) })
    expect(jobFraction(working)).toBe(0.375)
    // Nothing said about the current step: only the finished one counts.
    expect(jobFraction(job({ steps: steps({ progress: null }) }))).toBe(0.25)
    expect(taskbarProgress([], [working])).toEqual({ mode: 'normal', fraction: 0.37 })
  })

  it('is indeterminate when nothing that runs can be measured yet', () => {
    const starting = job({ steps: [jobStep('safety', { state: 'running' }), jobStep('database')] })
    expect(jobFraction(starting)).toBeNull()
    expect(taskbarProgress([], [starting])).toEqual({ mode: 'indeterminate' })
    // With something measurable beside it, the unknown job counts as not done.
    const half = download({ receivedBytes: 5 * MiB, totalBytes: 10 * MiB })
    expect(taskbarProgress([half], [starting])).toEqual({ mode: 'normal', fraction: 0.25 })
  })

  it('gives each running download and job one share of the figure', () => {
    const done90 = download({ receivedBytes: 9 * MiB, totalBytes: 10 * MiB })
    const restore = job({
      steps: [jobStep('safety', { state: 'succeeded' }), jobStep('database', { state: 'running' })],
    })
    // (0.9 + 0.5) / 2
    expect(taskbarProgress([done90], [restore])).toEqual({ mode: 'normal', fraction: 0.7 })
  })
})

describe('taskbar progress tracker', () => {
  it('follows the services’ events, reports only changes, and clears when the last one ends', () => {
    const events = new EventHub()
    const shown: TaskbarProgress[] = []
    const tracker = new TaskbarProgressTracker((progress) => shown.push(progress))
    const stop = followTaskbarProgress(events, tracker)
    const item = download({ id: 'd1', receivedBytes: 0, totalBytes: 10 * MiB })

    tracker.seed([item, download({ id: 'old', state: 'done' })], [])
    expect(shown).toEqual([{ mode: 'normal', fraction: 0 }])

    // Progress finer than a percent does not reach the window.
    events.emit('downloads:changed', { type: 'updated', id: 'd1', item: { ...item, receivedBytes: 1000 } })
    expect(shown).toHaveLength(1)
    events.emit('downloads:changed', { type: 'updated', id: 'd1', item: { ...item, receivedBytes: 4 * MiB } })
    expect(shown.at(-1)).toEqual({ mode: 'normal', fraction: 0.4 })

    const running = job({ steps: [jobStep('safety', { state: 'running' }), jobStep('database')] })
    events.emit('jobs:changed', running)
    expect(shown.at(-1)).toEqual({ mode: 'normal', fraction: 0.2 })
    events.emit('downloads:changed', { type: 'updated', id: 'd1', item: { ...item, state: 'done' } })
    expect(shown.at(-1)).toEqual({ mode: 'indeterminate' })
    // Other events are not its business.
    events.emit('app:notices', [])
    expect(shown).toHaveLength(4)
    events.emit('jobs:changed', { ...running, state: 'succeeded' })
    expect(shown.at(-1)).toEqual({ mode: 'none' })
    expect(tracker.current).toEqual({ mode: 'none' })

    stop()
    events.emit('downloads:changed', { type: 'updated', id: 'd2', item: { ...item, id: 'd2' } })
    expect(shown).toHaveLength(5)
  })

  it('forgets a removed download', () => {
    const shown: TaskbarProgress[] = []
    const tracker = new TaskbarProgressTracker((progress) => shown.push(progress))
    const item = download({ id: 'd1' })
    tracker.downloadChanged({ type: 'updated', id: 'd1', item })
    tracker.downloadChanged({ type: 'removed', id: 'd1', item })
    expect(shown).toEqual([{ mode: 'normal', fraction: 0.5 }, { mode: 'none' }])
  })
})
