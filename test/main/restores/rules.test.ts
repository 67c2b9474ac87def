/** One at a time (from the platform's workflow list and this app's jobs), and which job an env offers to undo. */
import { describe, expect, it } from 'vitest'
import { busyEnvironments, busyReason, isBusyType, undoOffer, undoOffers } from '../../../src/main/restores/rules'
import type { JobStepState } from '../../../src/shared/jobs'
import { clock, clonePlan, DAY, NOW, restorePlan, withStates, workflow } from './fixtures'

const running = (type: string, fields = {}) => workflow({ id: `w-${type}`, type, ...fields })

describe('the one-at-a-time rule', () => {
  it('is busy while the platform lists an unfinished restore, import, clone or deploy on the environment', () => {
    for (const type of [
      'restore_code',
      'restore_database',
      'restore_files',
      'do_import',
      'clone_database',
      'clone_files',
      'deploy',
    ]) {
      expect(isBusyType(type)).toBe(true)
      expect(busyReason('dev', [running(type)], [], clock)).toMatch(
        /is running on dev since 1 Dec 11:59, started elsewhere/,
      )
      expect(busyReason('dev', [running(type, { phase: 'created', startedAt: null })], [], clock)).toMatch(
        /is queued on dev since 1 Dec 11:59/,
      )
    }
  })

  it('is not busy for finished ones, other kinds of workflow, or other environments', () => {
    expect(busyReason('dev', [running('restore_code', { result: 'succeeded' })], [], clock)).toBeNull()
    expect(busyReason('dev', [running('restore_code', { result: 'failed' })], [], clock)).toBeNull()
    for (const type of ['do_export', 'automated_backup', 'sync_code', 'lock_environment'])
      expect(busyReason('dev', [running(type)], [], clock)).toBeNull()
    expect(busyReason('dev', [running('do_import', { environment: 'test' })], [], clock)).toBeNull()
    expect(busyEnvironments([running('deploy', { environment: 'live' })], [], clock)).toEqual({
      live: expect.stringMatching(/^deploy on "dev" is running on live/),
    })
  })

  it('is busy while this app runs a job there, even between its workflows', () => {
    const job = withStates(restorePlan().job, ['succeeded', 'pending', 'pending', 'pending'])
    expect(busyReason('dev', [], [job], clock)).toBe(
      'A restore of dev started from Restore Desk at 1 Dec 12:00 is still running, step 2 of 4: ' +
        `${job.steps[1]!.label}. Wait until it has finished, then try again.`,
    )
    expect(busyReason('test', [], [job], clock)).toBeNull()
    expect(busyReason('dev', [], [withStates(job, ['succeeded', 'succeeded', 'failed', 'skipped'])], clock)).toBeNull()
  })

  it('says when the workflow running is this app’s own', () => {
    const base = restorePlan().job
    const job = {
      ...withStates(base, ['succeeded', 'running', 'pending', 'pending']),
      steps: base.steps.map((s, i) => (i === 1 ? { ...s, state: 'running' as const, workflowId: 'w-ours' } : s)),
    }
    expect(busyReason('dev', [workflow({ id: 'w-ours', type: 'restore_code' })], [job], clock)).toMatch(
      /started from Restore Desk\. Wait until it has finished/,
    )
  })
})

describe('the undo offer', () => {
  const done = (
    id: string,
    createdAt: number,
    states: readonly JobStepState[] = ['succeeded', 'succeeded', 'succeeded', 'succeeded'],
  ) =>
    withStates(restorePlan({}, id).job, states, {
      createdAt,
      safety: { requested: true, folder: `${Math.floor((createdAt + 1000) / 1000)}_backup`, keepForDays: 30 },
    })

  it('offers the latest finished job of the environment with a safety backup, for the parts it touched', () => {
    const older = done('job-older1', NOW - 2 * DAY)
    const latest = done('job-latest', NOW - DAY, ['succeeded', 'succeeded', 'failed', 'skipped'])
    expect(undoOffer('dev', [older, latest], clock)).toEqual({
      jobId: 'job-latest',
      kind: 'restore',
      label: 'Undo restore',
      env: 'dev',
      folder: latest.safety.folder,
      backupAt: Math.floor((NOW - DAY + 1000) / 1000) * 1000,
      // Skipped parts were never touched; the failed one may have been cut off half-way.
      parts: ['code', 'files'],
    })
    expect(undoOffer('test', [older, latest], clock)).toBeNull()
  })

  it('offers nothing when the latest job took no safety backup, was undone, runs, or its backup expired', () => {
    const older = done('job-older1', NOW - 2 * DAY)
    const noSafety = { ...done('job-nosafe', NOW - DAY), safety: { requested: false, folder: null, keepForDays: 30 } }
    expect(undoOffer('dev', [older, noSafety], clock)).toBeNull()
    expect(undoOffer('dev', [{ ...older, undoneBy: 'job-undo01' }], clock)).toBeNull()
    expect(
      undoOffer(
        'dev',
        [older, withStates(restorePlan({}, 'job-runs01').job, ['running', 'pending', 'pending', 'pending'])],
        clock,
      ),
    ).toBeNull()
    expect(undoOffer('dev', [done('job-ancient', NOW - 31 * DAY)], clock)).toBeNull()
    const safetyFailed = done('job-safefail', NOW - DAY, ['failed', 'skipped', 'skipped', 'skipped'])
    expect(undoOffer('dev', [{ ...safetyFailed, safety: { ...safetyFailed.safety, folder: null } }], clock)).toBeNull()
    // A later job that stopped at its safety backup changed nothing: the one before stays undoable.
    expect(
      undoOffer('dev', [older, { ...safetyFailed, safety: { ...safetyFailed.safety, folder: null } }], clock)?.jobId,
    ).toBe('job-older1')
  })

  it('offers an undo’s own safety backup as an undo, and a clone’s as Undo clone', () => {
    const undo = withStates(
      restorePlan({ kind: 'undo', undoes: 'job-older1' }, 'job-undo01').job,
      ['succeeded', 'succeeded', 'succeeded', 'succeeded'],
      {
        safety: { requested: true, folder: `${Math.floor(NOW / 1000) - 100}_backup`, keepForDays: 30 },
      },
    )
    expect(undoOffer('dev', [{ ...done('job-older1', NOW - DAY), undoneBy: 'job-undo01' }, undo], clock)).toMatchObject(
      {
        jobId: 'job-undo01',
        label: 'Undo the undo',
      },
    )
    const clone = withStates(clonePlan().job, ['succeeded', 'succeeded', 'succeeded'], {
      safety: { requested: true, folder: `${Math.floor(NOW / 1000) - 100}_backup`, keepForDays: 30 },
    })
    expect(undoOffers([clone], clock)).toEqual({
      test: expect.objectContaining({ label: 'Undo clone', parts: ['files', 'database'] }),
    })
  })
})
