/** Small builders for the restores tests: backups, commits, workflows, jobs in a given state. */
import type { Job, JobStepState } from '../../../src/shared/jobs'
import type { Backup, BackupElement, CodeLogEntry, Workflow } from '../../../src/shared/platform-types'
import { planClone, planRestore, type PlannedJob } from '../../../src/main/restores/plan'
import type { Clock } from '../../../src/main/restores/wording'

/** 1 Dec 2026 12:00 UTC. */
export const NOW = Date.UTC(2026, 11, 1, 12, 0)
export const clock: Clock = { now: () => NOW, timeZone: 'UTC' }
export const HOUR = 3_600_000
export const DAY = 24 * HOUR

export function backup(
  startedAt: number,
  parts: readonly BackupElement[] = ['code', 'database', 'files'],
  kind: Backup['kind'] = 'scheduled',
  commit?: string,
): Backup {
  const folder = `${Math.floor(startedAt / 1000)}_${kind === 'scheduled' ? 'automated' : 'backup'}`
  return {
    id: folder,
    folder,
    kind,
    startedAt,
    finishedAt: startedAt + 45_000,
    expiresAt: startedAt + 8 * DAY,
    finished: true,
    parts: Object.fromEntries(
      parts.map((element) => [
        element,
        {
          element,
          filename: `site_dev_x_${element}.gz`,
          size: 1000,
          finished: true,
          startedAt,
          finishedAt: startedAt + 45_000,
          expiresAt: startedAt + 8 * DAY,
          ...(element === 'code' && commit ? { commit } : {}),
        },
      ]),
    ),
    totalSize: 1000 * parts.length,
    manifest: { totalFiles: 12, totalDirs: 3, totalSize: 34_000 },
  }
}

/** A commit whose hash is its name padded to 40 characters. */
export function commit(name: string, parents: readonly string[], at: number, labels = ['dev']): CodeLogEntry {
  return {
    hash: hash(name),
    parents: parents.map(hash),
    author: 'Ana',
    email: 'ana@example.com',
    committedAt: at,
    message: `${name} subject\n\nbody`,
    labels,
  }
}

export function hash(name: string): string {
  return name.padEnd(40, '0')
}

export function workflow(fields: Partial<Workflow> & Pick<Workflow, 'id' | 'type'>): Workflow {
  const finished = fields.result !== undefined && fields.result !== null
  return {
    siteId: 's1',
    environment: 'dev',
    params: {},
    description: `${fields.type} on "dev"`,
    activeDescription: fields.type,
    phase: finished ? 'finished' : 'started',
    result: null,
    step: 1,
    numberOfTasks: 2,
    createdAt: NOW - 60_000,
    startedAt: NOW - 55_000,
    finishedAt: finished ? NOW - 1000 : null,
    messages: [],
    finished,
    succeeded: fields.result === 'succeeded',
    failureReason: finished && fields.result !== 'succeeded' ? 'It broke.' : null,
    ...fields,
  }
}

export const target = { connectionId: 'embedded', siteId: 's1', siteName: 'demo', env: 'dev' }

export function restorePlan(overrides: Partial<Parameters<typeof planRestore>[0]> = {}, id = 'job-0001'): PlannedJob {
  return planRestore(
    {
      ...target,
      kind: 'restore',
      sourceEnv: 'dev',
      backup: backup(NOW - 2 * DAY),
      parts: ['code', 'database', 'files'],
      safetyBackup: true,
      ...overrides,
    },
    { id, clock },
  )
}

export function clonePlan(overrides: Partial<Parameters<typeof planClone>[0]> = {}): PlannedJob {
  return planClone(
    {
      ...target,
      env: 'test',
      from: 'live',
      database: true,
      files: true,
      options: { updatedb: true, clearCache: true, replaceUrl: null },
      safetyBackup: true,
      ...overrides,
    },
    { id: 'job-clone-1', clock },
  )
}

/** A job with its steps in the given states (errors on failed steps), finished unless a step runs. */
export function withStates(job: Job, states: readonly JobStepState[], fields: Partial<Job> = {}): Job {
  const steps = job.steps.map((step, i) => ({
    ...step,
    state: states[i]!,
    error: states[i] === 'failed' ? 'The files archive was refused: not gzip.' : null,
  }))
  const state =
    states.includes('running') || states.includes('pending')
      ? 'running'
      : states.includes('failed')
        ? 'failed'
        : 'succeeded'
  return { ...job, steps, state, finishedAt: state === 'running' ? null : NOW, ...fields }
}
