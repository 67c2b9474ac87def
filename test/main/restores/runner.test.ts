/**
 * The JobRunner against a scripted platform: the order of its requests, stopping at the first
 * failure, the safety backup's folder, imports whose links expired, the busy refusal, and
 * resuming after a restart without starting a workflow twice.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EventHub } from '../../../src/main/events'
import { JobStore, type StoredJob } from '../../../src/main/restores/job-store'
import type { PlannedJob } from '../../../src/main/restores/plan'
import { JobRunner } from '../../../src/main/restores/runner'
import type { JobClient } from '../../../src/main/restores/step-workflows'
import type { Job } from '../../../src/shared/jobs'
import type { Backup, Workflow } from '../../../src/shared/platform-types'
import { backup, clock, DAY, NOW, restorePlan, workflow } from './fixtures'

/** What a started workflow ends as: success, or a failure reason. */
type Outcome = { readonly ok: true } | { readonly ok: false; readonly reason: string }

/** A platform in memory: workflows end on their first poll, as `outcome` says. */
class ScriptedPlatform implements JobClient {
  readonly started: Workflow[] = []
  readonly links: string[] = []
  readonly catalog: Backup[] = []
  outcome: (type: string, params: Record<string, unknown>) => Outcome = () => ({ ok: true })
  /** Make do_export add a manual backup with these parts (none: no backup appears). */
  safetyParts: Parameters<typeof backup>[1] | null = ['code', 'database', 'files']
  listed: Workflow[] = []
  now = NOW

  async startWorkflow(_site: string, env: string, type: string, params: object): Promise<Workflow> {
    this.now += 10_000
    const w = workflow({
      id: `w${this.started.length + 1}`,
      type,
      environment: env,
      params: params as Record<string, unknown>,
      createdAt: this.now,
      startedAt: this.now,
    })
    this.started.push(w)
    return w
  }

  async getWorkflow(_site: string, id: string, _options?: { readonly signal?: AbortSignal }): Promise<Workflow> {
    const w = [...this.started, ...this.listed].find((s) => s.id === id)!
    if (w.finished) return w
    const outcome = this.outcome(w.type, w.params as Record<string, unknown>)
    if (w.type === 'do_export' && outcome.ok && this.safetyParts)
      this.catalog.unshift(backup(w.createdAt!, this.safetyParts, 'manual'))
    const done: Workflow = {
      ...w,
      phase: 'finished',
      result: outcome.ok ? 'succeeded' : 'failed',
      finished: true,
      succeeded: outcome.ok,
      finishedAt: (w.createdAt ?? 0) + 3000,
      failureReason: outcome.ok ? null : outcome.reason,
    }
    for (const list of [this.started, this.listed]) {
      const at = list.indexOf(w)
      if (at >= 0) list[at] = done
    }
    return done
  }

  async listWorkflows(): Promise<Workflow[]> {
    return [...this.listed, ...this.started].reverse()
  }

  async backupCatalog(): Promise<Backup[]> {
    return this.catalog
  }

  async createUpload(): Promise<never> {
    throw new Error('No uploads in these tests (test/main/imports covers them).')
  }

  async getBackupDownloadUrl(_site: string, env: string, folder: string, element: string): Promise<string> {
    const url = `https://links.example/${env}/${folder}/${element}?n=${this.links.length + 1}`
    this.links.push(url)
    return url
  }
}

let dir: string
let platform: ScriptedPlatform
let store: JobStore
let events: Job[]
let notified: string[]
let runner: JobRunner

function newRunner(): JobRunner {
  const hub = new EventHub()
  hub.subscribe((channel, payload) => {
    if (channel === 'jobs:changed') events.push(payload as Job)
  })
  return new JobRunner({
    store,
    clientFor: async () => platform,
    events: hub,
    notify: (title) => notified.push(title),
    clock,
    watch: { intervalMs: 1000, sleep: async () => {} },
  })
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rd-runner-'))
  platform = new ScriptedPlatform()
  store = new JobStore({ file: path.join(dir, 'jobs.json') })
  await store.load()
  events = []
  notified = []
  runner = newRunner()
})
afterEach(async () => {
  await runner.close()
  await rm(dir, { recursive: true, force: true })
})

async function run(planned: PlannedJob): Promise<Job> {
  const job = await runner.start(platform, 'embedded', 's1', planned.job.env, async () => planned)
  await runner.settled(job.id)
  return runner.get(job.id)!
}

describe('JobRunner', () => {
  it('runs the safety backup, then code, files and database, and records the safety folder', async () => {
    const done = await run(restorePlan())
    expect(platform.started.map((w) => w.type)).toEqual([
      'do_export',
      'restore_code',
      'restore_files',
      'restore_database',
    ])
    expect(done.state).toBe('succeeded')
    expect(done.steps.map((s) => [s.state, s.workflowId, s.attempts])).toEqual([
      ['succeeded', 'w1', 1],
      ['succeeded', 'w2', 1],
      ['succeeded', 'w3', 1],
      ['succeeded', 'w4', 1],
    ])
    expect(done.safety.folder).toBe(`${Math.floor(platform.started[0]!.createdAt! / 1000)}_backup`)
    expect(done.summary).toMatch(/^Restored code, files and database on dev/)
    expect(events.at(-1)).toEqual(done)
    expect(notified).toEqual(['Restore of dev finished'])
    // Saved as it went: a new store reads the finished job.
    const again = new JobStore({ file: path.join(dir, 'jobs.json') })
    await again.load()
    expect(again.get(done.id)?.job).toEqual(done)
  })

  it('stops at the first failed step and skips the rest', async () => {
    platform.outcome = (type) =>
      type === 'restore_files' ? { ok: false, reason: 'The files backup was refused.' } : { ok: true }
    const done = await run(restorePlan())
    expect(platform.started.map((w) => w.type)).toEqual(['do_export', 'restore_code', 'restore_files'])
    expect(done.steps.map((s) => s.state)).toEqual(['succeeded', 'succeeded', 'failed', 'skipped'])
    expect(done.steps[2]!.error).toBe('The files backup was refused.')
    expect(done).toMatchObject({ state: 'failed' })
    expect(notified).toEqual(['Restore of dev stopped'])
  })

  it('changes nothing when the safety backup is not in the catalog afterwards', async () => {
    platform.safetyParts = ['database']
    const done = await run(restorePlan())
    expect(platform.started.map((w) => w.type)).toEqual(['do_export'])
    expect(done.steps.map((s) => s.state)).toEqual(['failed', 'skipped', 'skipped', 'skipped'])
    expect(done.steps[0]!.error).toMatch(/lists no manual backup from that time with the code, files and database/)
    expect(done.summary).toMatch(/^Nothing was changed on dev/)
    expect(done.safety.folder).toBeNull()
  })

  it('fetches a fresh link and starts the import again when its link expired, at most twice more', async () => {
    let expired = 2
    platform.outcome = (type) =>
      type === 'do_import' && expired-- > 0
        ? { ok: false, reason: 'The download link was refused (403): it has expired or is not valid.' }
        : { ok: true }
    const done = await run(restorePlan({ env: 'test', sourceEnv: 'live', parts: ['database'], safetyBackup: false }))
    expect(done.state).toBe('succeeded')
    expect(done.steps[0]).toMatchObject({ state: 'succeeded', attempts: 3, workflowId: 'w3' })
    expect(platform.started.map((w) => w.params.url)).toEqual(platform.links)
    expect(new Set(platform.links).size).toBe(3)
    expect(platform.links[0]).toMatch(/^https:\/\/links\.example\/live\/\d+_automated\/database/)
    expect(platform.started[0]!.params).toMatchObject({ database: 1 })

    platform = new ScriptedPlatform()
    platform.outcome = () => ({ ok: false, reason: 'This link has expired; ask the platform for a new one.' })
    const failed = await run(
      restorePlan({ env: 'test', sourceEnv: 'live', parts: ['files'], safetyBackup: false }, 'job-0002'),
    )
    expect(failed.steps[0]).toMatchObject({ state: 'failed', attempts: 3 })
    expect(platform.started).toHaveLength(3)
  })

  it('does not retry an import that failed for another reason', async () => {
    platform.outcome = () => ({ ok: false, reason: 'The database archive was refused: not an SQL dump.' })
    const done = await run(restorePlan({ env: 'test', sourceEnv: 'live', parts: ['database'], safetyBackup: false }))
    expect(done.steps[0]).toMatchObject({ state: 'failed', attempts: 1 })
  })

  it('refuses to start on a busy environment, asking the platform, and plans nothing', async () => {
    platform.listed = [workflow({ id: 'elsewhere', type: 'clone_database', environment: 'dev' })]
    let planned = false
    const error = await runner
      .start(platform, 'embedded', 's1', 'dev', async () => {
        planned = true
        return restorePlan()
      })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'busy', message: expect.stringMatching(/running on dev .* started elsewhere/) })
    expect(planned).toBe(false)
    expect(store.all()).toEqual([])
  })

  it('refuses a second start on the same environment while the first is being planned or runs', async () => {
    let release!: () => void
    const first = runner.start(
      platform,
      'embedded',
      's1',
      'dev',
      () => new Promise((resolve) => (release = () => resolve(restorePlan()))),
    )
    await new Promise((resolve) => setTimeout(resolve, 10))
    await expect(
      runner.start(platform, 'embedded', 's1', 'dev', async () => restorePlan({}, 'job-0002')),
    ).rejects.toMatchObject({
      code: 'busy',
    })
    release()
    const job = await first
    // While it runs (between its workflows too), the job itself keeps the environment busy.
    expect(await runner.busyReason(platform, 'embedded', 's1', 'dev')).toMatch(/started from Restore Desk/)
    await runner.settled(job.id)
    expect(await runner.busyReason(platform, 'embedded', 's1', 'dev')).toBeNull()
  })

  it('starts nothing when the job cannot be saved, and leaves the environment free', async () => {
    const blocker = path.join(dir, 'a-file')
    await writeFile(blocker, '')
    store = new JobStore({ file: path.join(blocker, 'jobs.json') })
    runner = newRunner()
    await expect(runner.start(platform, 'embedded', 's1', 'dev', async () => restorePlan())).rejects.toMatchObject({
      code: 'not_saved',
      message: expect.stringMatching(
        /^Restore Desk could not save the restore to its data folder, so nothing was started/,
      ),
    })
    expect(store.all()).toEqual([])
    expect(platform.started).toEqual([])
    expect(await runner.busyReason(platform, 'embedded', 's1', 'dev')).toBeNull()
  })

  it('sets the undone job’s undoneBy when its undo starts', async () => {
    const original = await run(restorePlan())
    const undo = await run(restorePlan({ kind: 'undo', undoes: original.id, safetyBackup: false }, 'job-undo-1'))
    expect(runner.get(original.id)!.undoneBy).toBe(undo.id)
    expect(undo.undoes).toBe(original.id)
  })

  it('leaves the job undoable when its undo stopped at the safety backup, having changed nothing', async () => {
    const original = await run(restorePlan())
    platform.outcome = (type) => (type === 'do_export' ? { ok: false, reason: 'No space left.' } : { ok: true })
    const undo = await run(restorePlan({ kind: 'undo', undoes: original.id }, 'job-undo-1'))
    expect(undo.state).toBe('failed')
    expect(runner.get(original.id)!.undoneBy).toBeNull()
  })
})

describe('resuming after a restart', () => {
  /** A job as the app left it: the safety backup done, the code step's start asked at `at`. */
  async function leftRunning(at: number, workflowId: string | null): Promise<StoredJob> {
    const planned = restorePlan({ backup: backup(NOW - DAY) })
    const steps = planned.job.steps.map((s, i) =>
      i === 0
        ? { ...s, state: 'succeeded' as const, workflowId: 'w-safety', attempts: 1 }
        : i === 1
          ? { ...s, state: 'running' as const, workflowId, attempts: 1, startedAt: at }
          : s,
    )
    const stored: StoredJob = {
      job: { ...planned.job, steps, safety: { ...planned.job.safety, folder: '1796000000_backup' } },
      requests: planned.requests,
      starting: { code: { at, url: null } },
    }
    await store.put(stored)
    return stored
  }

  it('adopts the workflow a start cut short made, instead of starting it again', async () => {
    await leftRunning(NOW, null)
    platform.listed = [
      workflow({ id: 'w-before', type: 'restore_code', createdAt: NOW - 60_000, result: 'succeeded' }),
      workflow({ id: 'w-made', type: 'restore_code', createdAt: NOW + 800 }),
    ]
    runner.resume('embedded')
    await runner.settled('job-0001')
    const done = runner.get('job-0001')!
    expect(done.state).toBe('succeeded')
    expect(done.steps[1]).toMatchObject({ workflowId: 'w-made', attempts: 1 })
    expect(platform.started.map((w) => w.type)).toEqual(['restore_files', 'restore_database'])
  })

  it('starts the step when its start never reached the platform', async () => {
    await leftRunning(NOW, null)
    platform.listed = [workflow({ id: 'w-old', type: 'restore_code', createdAt: NOW - 60_000, result: 'succeeded' })]
    runner.resume('embedded')
    await runner.settled('job-0001')
    expect(platform.started.map((w) => w.type)).toEqual(['restore_code', 'restore_files', 'restore_database'])
    expect(runner.get('job-0001')!.steps[1]).toMatchObject({ attempts: 2, state: 'succeeded' })
  })

  it('follows a step that has its workflow, and resumes only the connection asked for', async () => {
    await leftRunning(NOW, 'w-known')
    platform.listed = [workflow({ id: 'w-known', type: 'restore_code', createdAt: NOW })]
    runner.resume('another-connection')
    expect(runner.get('job-0001')!.state).toBe('running')
    runner.resume('embedded')
    await runner.settled('job-0001')
    expect(runner.get('job-0001')!.state).toBe('succeeded')
    expect(platform.started.map((w) => w.type)).toEqual(['restore_files', 'restore_database'])
  })

  it('leaves a job running on disk when the runner closes mid-step', async () => {
    let resolvePoll!: () => void
    const gate = new Promise<void>((resolve) => (resolvePoll = resolve))
    const slow = new ScriptedPlatform()
    const originalGet = slow.getWorkflow.bind(slow)
    // Like the real client, a poll in flight ends when the runner's signal aborts.
    slow.getWorkflow = async (site: string, id: string, options?: { readonly signal?: AbortSignal }) => {
      await new Promise<void>((resolve, reject) => {
        void gate.then(resolve)
        options?.signal?.addEventListener('abort', () => reject(options.signal!.reason))
      })
      return originalGet(site, id)
    }
    platform = slow
    const job = await runner.start(platform, 'embedded', 's1', 'dev', async () => restorePlan())
    await new Promise((resolve) => setTimeout(resolve, 20))
    await runner.close()
    resolvePoll()
    const again = new JobStore({ file: path.join(dir, 'jobs.json') })
    await again.load()
    expect(again.get(job.id)!.job).toMatchObject({
      state: 'running',
      steps: [{ state: 'running', workflowId: 'w1' }, {}, {}, {}],
    })
  })
})
