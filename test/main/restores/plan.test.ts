/** The steps a job asks for, in order, with the requests Pantheon takes; the typed confirmation. */
import { describe, expect, it } from 'vitest'
import {
  BACKUP_BUCKET,
  checkConfirmation,
  cloneDatabaseParams,
  replacementUrl,
  SAFETY_KEEP_DAYS,
} from '../../../src/main/restores/plan'
import { backup, clonePlan, DAY, NOW, restorePlan } from './fixtures'

describe('planRestore', () => {
  it('takes the safety backup first, then code, files and database, whatever order they were asked in', () => {
    const { job, requests } = restorePlan({ parts: ['database', 'files', 'code'] })
    expect(job.steps.map((s) => [s.id, s.kind, s.part, s.workflowType])).toEqual([
      ['safety', 'safety-backup', null, 'do_export'],
      ['code', 'restore', 'code', 'restore_code'],
      ['files', 'restore', 'files', 'restore_files'],
      ['database', 'restore', 'database', 'restore_database'],
    ])
    expect(job.parts).toEqual(['code', 'files', 'database'])
    expect(job.steps.every((s) => s.state === 'pending' && s.attempts === 0)).toBe(true)
    expect(requests.safety).toEqual({
      type: 'do_export',
      params: { code: true, database: true, files: true, entry_type: 'backup', ttl: SAFETY_KEEP_DAYS * 86_400 },
    })
    const source = backup(NOW - 2 * DAY)
    expect(requests.files).toEqual({
      type: 'restore_files',
      params: { key: `s1/dev/${source.folder}/site_dev_x_files.gz`, bucket: BACKUP_BUCKET },
    })
    expect(job).toMatchObject({
      kind: 'restore',
      state: 'running',
      safety: { requested: true, folder: null, keepForDays: 30 },
    })
  })

  it('backs up only the parts it replaces, and takes no safety backup when not asked', () => {
    expect(restorePlan({ parts: ['database'] }).requests.safety).toMatchObject({
      params: { code: false, database: true, files: false },
    })
    const { job } = restorePlan({ parts: ['files', 'code'], safetyBackup: false })
    expect(job.steps.map((s) => s.id)).toEqual(['code', 'files'])
    expect(job.safety.requested).toBe(false)
  })

  it('imports another environment’s database and files through links, and never its code', () => {
    const { job, requests } = restorePlan({ env: 'test', sourceEnv: 'live', parts: ['database', 'files'] })
    expect(job.steps.map((s) => [s.id, s.kind, s.workflowType])).toEqual([
      ['safety', 'safety-backup', 'do_export'],
      ['files', 'import', 'do_import'],
      ['database', 'import', 'do_import'],
    ])
    expect(requests.database).toEqual({
      type: 'do_import',
      element: 'database',
      sourceEnv: 'live',
      folder: backup(NOW - 2 * DAY).folder,
    })
    expect(() => restorePlan({ env: 'test', sourceEnv: 'live', parts: ['code', 'files'] })).toThrow(
      expect.objectContaining({ code: 'bad_request', message: expect.stringMatching(/^Code does not move/) }),
    )
  })

  it('refuses nothing to restore, and a part the backup does not have finished', () => {
    expect(() => restorePlan({ parts: [] })).toThrow(/Choose at least one part/)
    expect(() => restorePlan({ backup: backup(NOW - DAY, ['database']), parts: ['database', 'files'] })).toThrow(
      /has no finished files; choose from what it has \(database\)/,
    )
  })

  it('labels an undo’s steps as putting back from the safety backup', () => {
    const { job } = restorePlan({ kind: 'undo', undoes: 'job-0000', parts: ['code'], safetyBackup: false })
    expect(job).toMatchObject({ kind: 'undo', undoes: 'job-0000' })
    expect(job.steps[0]!.label).toMatch(/^Put back the code from the safety backup of /)
  })
})

describe('planClone', () => {
  it('clones the files, then the database with Pantheon’s options, after the safety backup', () => {
    const { job, requests } = clonePlan()
    expect(job.steps.map((s) => [s.id, s.kind, s.workflowType])).toEqual([
      ['safety', 'safety-backup', 'do_export'],
      ['files', 'clone', 'clone_files'],
      ['database', 'clone', 'clone_database'],
    ])
    expect(requests.files).toEqual({ type: 'clone_files', params: { from_environment: 'live' } })
    expect(requests.database).toEqual({
      type: 'clone_database',
      params: { from_environment: 'live', updatedb: 1, clear_cache: true },
    })
    expect(job).toMatchObject({ kind: 'clone', env: 'test', source: { env: 'live', folder: null, backupAt: null } })
  })

  it('sends WordPress’s URL replacement, bare hosts as ://host', () => {
    const { requests } = clonePlan({
      files: false,
      options: {
        updatedb: false,
        clearCache: false,
        replaceUrl: { from: 'live-demo.pantheonsite.io', to: 'https://test-demo.pantheonsite.io' },
      },
    })
    expect(Object.keys(requests)).toEqual(['safety', 'database'])
    expect(requests.database).toEqual({
      type: 'clone_database',
      params: {
        from_environment: 'live',
        updatedb: 0,
        clear_cache: false,
        wp_replace_siteurl: { from_url: '://live-demo.pantheonsite.io', to_url: 'https://test-demo.pantheonsite.io' },
      },
    })
    expect(replacementUrl('  ://a.example ')).toBe('://a.example')
    expect(cloneDatabaseParams('dev', { updatedb: true, clearCache: false, replaceUrl: null })).not.toHaveProperty(
      'wp_replace_siteurl',
    )
  })

  it('refuses nothing to clone, and a clone into its own source', () => {
    expect(() => clonePlan({ database: false, files: false })).toThrow(/Choose the database, the files, or both/)
    expect(() => clonePlan({ from: 'test' })).toThrow(/another environment/)
  })
})

describe('checkConfirmation', () => {
  it('asks for the environment’s name exactly', () => {
    expect(() => checkConfirmation('restore', 'dev', false, 'dev')).not.toThrow()
    for (const typed of ['Dev', ' dev', 'dev ', '', 'test'])
      expect(() => checkConfirmation('restore', 'dev', false, typed)).toThrow(
        expect.objectContaining({
          code: 'bad_request',
          message: expect.stringMatching(/^Type dev to confirm the restore of dev/),
        }),
      )
    expect(() => checkConfirmation('undo', 'live', true, 'liv')).toThrow(/Type live to confirm the undo on live/)
  })

  it('asks a clone for it only when the target is live', () => {
    expect(() => checkConfirmation('clone', 'test', false, '')).not.toThrow()
    expect(() => checkConfirmation('clone', 'live', true, '')).toThrow(/Type live to confirm the clone into live/)
    expect(() => checkConfirmation('clone', 'live', true, 'live')).not.toThrow()
  })
})
