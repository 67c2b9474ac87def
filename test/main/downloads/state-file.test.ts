/**
 * The saved download list is checked when read: a valid list loads, a damaged one is moved
 * aside with a message naming it and the copy, the list starts empty, and the next save
 * writes a new file beside the copy.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DamagedFile } from '../../../src/lib/saved-state'
import { StateFileWriter, readStateFile, type StoredDownload } from '../../../src/main/downloads/state-file'

let dir: string
let file: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rd-dl-state-'))
  file = path.join(dir, 'downloads.json')
})
afterEach(() => rm(dir, { recursive: true, force: true }))

const item = {
  connectionId: 'embedded',
  siteId: 'site-1',
  siteName: 'demo',
  env: 'live',
  folder: '1700000000_backup',
  element: 'database',
  filename: 'demo_live_2023-11-14T22-13-20_UTC_database.sql.gz',
  expectedSize: 100,
  destDir: '/downloads/demo',
  id: 'd1',
  state: 'paused',
  receivedBytes: 10,
  totalBytes: 100,
  bytesPerSecond: 0,
  etaSeconds: null,
  partPath: '/downloads/demo/.restore-desk-d1.part',
  finalPath: null,
  error: null,
  note: null,
  createdAt: 1,
  finishedAt: null,
  revision: 3,
}

describe('readStateFile', () => {
  it('loads a valid list', async () => {
    const done = {
      ...item,
      id: 'd2',
      partPath: '/downloads/demo/.restore-desk-d2.part',
      state: 'done',
      finalPath: '/downloads/demo/x.sql.gz',
      sha256: 'ab'.repeat(32),
    }
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        downloads: [
          { item, etag: '"e"' },
          { item: done, etag: null },
        ],
      }),
    )
    const reports: DamagedFile[] = []
    const stored = await readStateFile(file, (damage) => reports.push(damage))
    // A list saved before digests were kept loads with none.
    expect(stored).toEqual([
      { item: { ...item, sha256: null }, etag: '"e"' },
      { item: done, etag: null },
    ])
    expect(reports).toEqual([])
  })

  it('moves a list with a digest that is not 64 hex digits aside', async () => {
    const bad = { ...item, state: 'done', sha256: 'not-a-digest' }
    await writeFile(file, JSON.stringify({ version: 1, downloads: [{ item: bad, etag: null }] }))
    const reports: DamagedFile[] = []
    expect(await readStateFile(file, (damage) => reports.push(damage))).toEqual([])
    expect(reports[0]?.message).toMatch(/at "downloads\.0\.item\.sha256"/)
  })

  // The app deletes the part file and renames into the folder: a list must not aim them elsewhere.
  for (const [problem, change, where] of [
    ['a part file outside its folder', { partPath: '/home/me/.bashrc' }, 'partPath'],
    ['a relative folder', { destDir: 'demo', partPath: 'demo/.restore-desk-d1.part' }, 'destDir'],
    ['a finished file in another folder', { state: 'done', finalPath: '/etc/passwd' }, 'finalPath'],
  ] as const) {
    it(`moves a list with ${problem} aside`, async () => {
      await writeFile(file, JSON.stringify({ version: 1, downloads: [{ item: { ...item, ...change }, etag: null }] }))
      const reports: DamagedFile[] = []
      expect(await readStateFile(file, (damage) => reports.push(damage))).toEqual([])
      expect(reports[0]?.message).toContain(`at "downloads.0.item.${where}"`)
    })
  }

  for (const [problem, text, expected] of [
    ['not JSON', '{"version": 1, "downloads": [{', /not valid JSON/],
    [
      'a string where a byte count goes',
      JSON.stringify({ version: 1, downloads: [{ item: { ...item, receivedBytes: '10' }, etag: null }] }),
      /at "downloads\.0\.item\.receivedBytes"/,
    ],
  ] as const) {
    it(`moves a list with ${problem} aside, starts empty, and the next save keeps the copy`, async () => {
      await writeFile(file, text)
      const reports: DamagedFile[] = []
      expect(await readStateFile(file, (damage) => reports.push(damage))).toEqual([])
      expect(reports).toHaveLength(1)
      expect(reports[0]?.problem).toMatch(expected)
      expect(reports[0]?.message).toContain(file)
      expect(reports[0]?.message).toContain(reports[0]?.movedTo)
      const list: StoredDownload[] = []
      const writer = new StateFileWriter(file, () => list)
      writer.schedule()
      await writer.flush()
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 1, downloads: [] })
      const copies = (await readdir(dir)).filter((entry) => entry.startsWith('downloads.json.damaged-'))
      expect(copies).toHaveLength(1)
      expect(await readFile(path.join(dir, copies[0] ?? ''), 'utf8')).toBe(text)
    })
  }
})
