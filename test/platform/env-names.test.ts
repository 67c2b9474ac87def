/**
 * Names that exist on every JavaScript object (`constructor`, `__proto__`, `toString`,
 * `hasOwnProperty`) are no environments: every route that takes an environment answers 404,
 * no workflow starts on one, and none is ever saved into state.json. Nor are they workflow types.
 */
import { readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seededDataDir, startTestPlatform, type Json, type TestPlatform } from './helpers'

const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty'] as const

let t: TestPlatform
let siteId: string

beforeAll(async () => {
  t = await startTestPlatform()
  siteId = await t.siteId('demo-drupal')
})
afterAll(async () => {
  await t?.close()
})

function expectUnknown(reply: { status: number; body: Json }, name: string): void {
  expect(reply.status).toBe(404)
  expect(reply.body).toBe(`The environment "${name}" was not found on this site; use dev, test or live.`)
}

describe.each(NAMES)('the environment name "%s"', (name) => {
  const base = () => `/api/sites/${siteId}/environments/${name}`

  it('is unknown to every GET that takes an environment', async () => {
    for (const path of ['code-log', 'connection-info', 'backups/catalog', 'backups/schedule'])
      expectUnknown(await t.call('GET', `${base()}/${path}`), name)
  })

  it('gets no lock, backup, upload link or download link', async () => {
    for (const type of ['lock_environment', 'unlock_environment', 'do_export', 'clone_database'])
      expectUnknown(
        await t.call('POST', `${base()}/workflows`, {
          type,
          params: { username: 'u', password: 'p', database: true, from_environment: 'dev' },
        }),
        name,
      )
    expectUnknown(await t.call('POST', `${base()}/uploads`, { filename: 'db.sql.gz', size: 10 }), name)
    expectUnknown(await t.call('POST', `${base()}/backups/catalog/1_backup/database/s3token`, { method: 'get' }), name)
  })

  it('is refused as the source of a clone and in a restore key', async () => {
    const clone = await t.runWorkflow(siteId, 'dev', 'clone_files', { from_environment: name })
    expect(clone.result).toBe('failed')
    expect(clone.final_task.reason).toBe(
      `The source environment "${name}" does not exist on this site; use dev, test or live.`,
    )
    const restore = await t.runWorkflow(siteId, 'dev', 'restore_database', {
      key: `${siteId}/${name}/1_backup/x_database.sql.gz`,
    })
    expect(restore.result).toBe('failed')
    // "__proto__" is not even a safe path name, so its key is refused as malformed.
    expect(restore.final_task.reason).toMatch(
      name === '__proto__'
        ? /is not of the form \{site_id\}\/\{env\}\/\{folder\}\/\{filename\}/
        : `names an environment "${name}" this site does not have`,
    )
  })

  it('is no site id either', async () => {
    const reply = await t.call('GET', `/api/sites/${name}`)
    expect(reply.status).toBe(404)
    expect((await t.call('GET', `/api/sites/${name}/environments/dev/backups/catalog`)).status).toBe(404)
  })
})

describe('after all those requests', () => {
  it('lists and saves only the real environments', async () => {
    const envs = await t.call('GET', `/api/sites/${siteId}/environments`)
    expect(Object.keys(envs.body).sort()).toEqual(['dev', 'live', 'test'])
    const state = JSON.parse(await readFile(join(t.dataDir, 'state.json'), 'utf8'))
    for (const envsOfSite of Object.values(state.environments))
      expect(Object.keys(envsOfSite as object).sort()).toEqual(['dev', 'live', 'test'])
    const text = await readFile(join(t.dataDir, 'state.json'), 'utf8')
    for (const name of NAMES) expect(text).not.toContain(`"${name}"`)
  })
})

describe('workflow types named like Object.prototype', () => {
  it('are refused when started', async () => {
    for (const type of NAMES) {
      const reply = await t.call('POST', `/api/sites/${siteId}/environments/dev/workflows`, { type })
      expect(reply.status).toBe(400)
      expect(reply.body).toBe(`Unknown workflow type "${type}".`)
    }
  })

  it('fail with a clear reason when a stored record names one', async () => {
    const dir = await seededDataDir()
    const first = await startTestPlatform({ seed: 'none' }, dir)
    const site = await first.siteId('demo-drupal')
    const done = await first.runWorkflow(site, 'dev', 'unlock_environment', {})
    await first.close()
    const [file] = (await readdir(join(dir, 'workflows'))).filter((entry) => entry.startsWith(done.id))
    const record = JSON.parse(await readFile(join(dir, 'workflows', file ?? ''), 'utf8'))
    await writeFile(
      join(dir, 'workflows', file ?? ''),
      JSON.stringify({ ...record, type: 'toString', phase: 'created', result: null, finished_at: null }),
    )
    const again = await startTestPlatform({ seed: 'none' }, dir)
    try {
      const rerun = await again.waitWorkflow(site, done.id)
      expect(rerun.result).toBe('failed')
      expect(rerun.final_task.reason).toBe('This platform does not know the workflow type "toString".')
    } finally {
      await again.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
