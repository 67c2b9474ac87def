/** A job's summary for every way it can end, and while it runs. */
import { describe, expect, it } from 'vitest'
import { endTitle, jobSummary } from '../../../src/main/restores/summary'
import { clock, clonePlan, DAY, NOW, restorePlan, withStates } from './fixtures'

const safety = { requested: true, folder: `${Math.floor(NOW / 1000) - 600}_backup`, keepForDays: 30 }
const reason = 'The files archive was refused: not gzip.'

describe('jobSummary', () => {
  const restore = restorePlan().job // safety, code, files, database; from 29 Nov 12:00

  it('says what was restored and how to undo it', () => {
    const job = withStates(restore, ['succeeded', 'succeeded', 'succeeded', 'succeeded'], { safety })
    expect(jobSummary(job, clock)).toBe(
      'Restored code, files and database on dev from the backup of 29 Nov 12:00. Undo restore puts back what it replaced (the safety backup of 1 Dec 11:50, kept 30 days).',
    )
    const unsafe = withStates(restorePlan({ safetyBackup: false }).job, ['succeeded', 'succeeded', 'succeeded'])
    expect(jobSummary(unsafe, clock)).toMatch(/No safety backup was taken, so Restore Desk cannot undo this restore\.$/)
    expect(endTitle(job)).toBe('Restore of dev finished')
  })

  it('says nothing changed when the safety backup failed', () => {
    const job = withStates(restore, ['failed', 'skipped', 'skipped', 'skipped'], {
      steps: restore.steps.map((s, i) => ({
        ...s,
        state: i === 0 ? 'failed' : 'skipped',
        error: i === 0 ? 'Disk full' : null,
      })),
    })
    expect(jobSummary(job, clock)).toBe(
      'Nothing was changed on dev: the safety backup did not succeed. Disk full. Start the restore again, or start it without a safety backup.',
    )
    expect(endTitle(job)).toBe('Restore of dev stopped')
  })

  it('names what was restored and what not for each failing part', () => {
    expect(jobSummary(withStates(restore, ['succeeded', 'failed', 'skipped', 'skipped'], { safety }), clock)).toBe(
      `Nothing was restored on dev. The code was not restored: ${reason} The files and the database were not restored either (skipped after that failure). Undo restore puts back what changed.`,
    )
    expect(jobSummary(withStates(restore, ['succeeded', 'succeeded', 'failed', 'skipped'], { safety }), clock)).toBe(
      `Restored code on dev. The files were not restored: ${reason} The database was not restored either (skipped after that failure). Undo restore puts back what changed.`,
    )
    expect(jobSummary(withStates(restore, ['succeeded', 'succeeded', 'succeeded', 'failed'], { safety }), clock)).toBe(
      `Restored code and files on dev. The database was not restored: ${reason} Undo restore puts back what changed.`,
    )
    const unsafe = withStates(restorePlan({ safetyBackup: false, parts: ['code', 'files'] }).job, [
      'succeeded',
      'failed',
    ])
    expect(jobSummary(unsafe, clock)).toBe(
      `Restored code on dev. The files were not restored: ${reason} No safety backup was taken, so Restore Desk cannot put back what changed.`,
    )
  })

  it('words imports, undos and clones as what they are', () => {
    const imported = restorePlan({ env: 'test', sourceEnv: 'live', parts: ['database', 'files'] })
    const fromLive = withStates(imported.job, ['succeeded', 'succeeded', 'succeeded'], { safety })
    expect(jobSummary(fromLive, clock)).toMatch(
      /^Restored files and database on test from live's backup of 29 Nov 12:00\. /,
    )
    const undo = withStates(restorePlan({ kind: 'undo', safetyBackup: false, parts: ['code'] }).job, ['succeeded'])
    expect(jobSummary(undo, clock)).toBe(
      'Put back code on dev from the safety backup of 29 Nov 12:00. No safety backup was taken, so Restore Desk cannot undo this undo.',
    )
    const clone = clonePlan()
    expect(jobSummary(withStates(clone.job, ['succeeded', 'succeeded', 'failed'], { safety }), clock)).toBe(
      `Cloned files from live to test. The database was not cloned: ${reason} Undo clone puts back what changed.`,
    )
  })

  it('says which step runs while the job runs', () => {
    const job = withStates(restore, ['succeeded', 'running', 'pending', 'pending'])
    expect(jobSummary(job, clock)).toBe(`Restore on dev in progress, step 2 of 4: ${restore.steps[1]!.label}.`)
    expect(restore.steps[1]!.label).toBe(`Restore the code from ${'29 Nov 12:00'}`)
    expect(
      jobSummary(withStates(restore, ['pending', 'pending', 'pending', 'pending']), {
        ...clock,
        now: () => NOW + DAY,
      }),
    ).toMatch(/step 1 of 4: Safety backup of dev \(code, files and database\)\.$/)
  })
})
