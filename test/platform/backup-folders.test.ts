/**
 * Every backup gets its own folder: two do_export workflows started within one second each
 * end up whole in the catalog, in `<epoch>_backup` and the next free second's folder, instead
 * of the second reporting success while its parts are lost.
 */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startTestPlatform, type Json, type TestPlatform } from './helpers'

let t: TestPlatform
let siteId: string

beforeAll(async () => {
  t = await startTestPlatform()
  siteId = await t.siteId('demo-wordpress')
})
afterAll(async () => {
  await t?.close()
})

describe('two do_export workflows started within one second', () => {
  it('make two whole backups in two folders', async () => {
    // Both starts happen in one and the same second, whatever the clock does meanwhile.
    const second = Math.floor(Date.now() / 1000)
    const clock = vi.spyOn(Date, 'now').mockReturnValue(second * 1000 + 500)
    let first: Json
    let next: Json
    try {
      first = await t.startWorkflow(siteId, 'test', 'do_export', { database: true, code: false, files: false })
      next = await t.startWorkflow(siteId, 'test', 'do_export', { database: false, code: true, files: true })
    } finally {
      clock.mockRestore()
    }
    expect(first.status).toBe(202)
    expect(next.status).toBe(202)
    expect(Math.floor(first.body.created_at)).toBe(Math.floor(next.body.created_at))

    const done = [await t.waitWorkflow(siteId, first.body.id), await t.waitWorkflow(siteId, next.body.id)]
    expect(done.map((w) => w.result)).toEqual(['succeeded', 'succeeded'])

    const catalog = (await t.call('GET', `/api/sites/${siteId}/environments/test/backups/catalog`)).body
    const elementsIn = (folder: string): string[] =>
      Object.keys(catalog)
        .filter((key) => key.startsWith(`${folder}_`))
        .map((key) => key.slice(folder.length + 1))
        .sort()
    const [databaseOnly, codeAndFiles] = [`${second}_backup`, `${second + 1}_backup`]
    expect(elementsIn(databaseOnly)).toEqual(['database', 'manifest'])
    expect(elementsIn(codeAndFiles)).toEqual(['code', 'files', 'manifest'])
    expect(done[1]?.active_description).toBe(`Backed up "test" (${codeAndFiles})`)

    for (const key of [`${databaseOnly}_database`, `${codeAndFiles}_code`, `${codeAndFiles}_files`]) {
      const entry = catalog[key]
      expect(entry.size).toBeGreaterThan(0)
      // The file name carries the folder's epoch, as the contract says.
      expect(entry.filename).toContain(new Date(Number.parseInt(entry.folder, 10) * 1000).toISOString().slice(0, 10))
      const onDisk = join(t.dataDir, 'sites', siteId, 'envs', 'test', 'backups', entry.folder, entry.filename)
      expect((await stat(onDisk)).size).toBe(entry.size)
    }
  })
})
