/**
 * The one reader of saved state: a valid file loads, a missing one is "missing", and a damaged
 * one (bad JSON, wrong shape, wrong types) is moved aside with a message, never cast, and never
 * over an earlier copy.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { moveAside, readSavedState, type DamagedFile } from '../../src/lib/saved-state'

const schema = z.object({ version: z.literal(1), items: z.array(z.object({ name: z.string() })) })

let dir: string
let reports: DamagedFile[]
const options = () => ({
  what: 'The test list',
  startsWith: 'the test starts empty',
  report: (damage: DamagedFile) => reports.push(damage),
})

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rd-saved-state-'))
  reports = []
})
afterEach(() => rm(dir, { recursive: true, force: true }))

describe('readSavedState', () => {
  it('returns a valid file parsed, and undefined for a missing one, reporting nothing', async () => {
    const file = path.join(dir, 'list.json')
    expect(await readSavedState(file, schema, options())).toBeUndefined()
    await writeFile(file, JSON.stringify({ version: 1, items: [{ name: 'a' }] }))
    expect(await readSavedState(file, schema, options())).toEqual({ version: 1, items: [{ name: 'a' }] })
    expect(reports).toEqual([])
    expect(await readdir(dir)).toEqual(['list.json'])
  })

  it('sets a file that is not JSON aside and says which file, what was wrong and where it went', async () => {
    const file = path.join(dir, 'list.json')
    await writeFile(file, '{"version": 1, "items": [')
    expect(await readSavedState(file, schema, options())).toBeUndefined()
    expect(reports).toHaveLength(1)
    const [damage] = reports
    expect(damage?.file).toBe(file)
    expect(damage?.problem).toMatch(/^not valid JSON/)
    expect(path.basename(damage?.movedTo ?? '')).toMatch(/^list\.json\.damaged-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/)
    expect(damage?.message).toContain(file)
    expect(damage?.message).toContain(damage?.movedTo)
    expect(damage?.message).toContain('the test starts empty')
    expect(await readFile(damage?.movedTo ?? '', 'utf8')).toBe('{"version": 1, "items": [')
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('catches wrong types instead of casting them, naming the path of the first issue', async () => {
    const file = path.join(dir, 'list.json')
    await writeFile(file, JSON.stringify({ version: 1, items: [{ name: 'a' }, { name: 42 }] }))
    expect(await readSavedState(file, schema, options())).toBeUndefined()
    expect(reports[0]?.problem).toMatch(/^at "items\.1\.name": .*expected string, received number/)
  })

  it('never moves a damaged file over an earlier copy, even within the same millisecond', async () => {
    const file = path.join(dir, 'list.json')
    const now = new Date('2030-01-02T03:04:05.678Z')
    await writeFile(file, 'first')
    const first = await moveAside(file, now)
    await writeFile(file, 'second')
    const second = await moveAside(file, now)
    expect(second).not.toBe(first)
    expect(await readFile(first, 'utf8')).toBe('first')
    expect(await readFile(second, 'utf8')).toBe('second')
    expect((await readdir(dir)).sort()).toEqual([
      'list.json.damaged-2030-01-02T03-04-05.678Z',
      'list.json.damaged-2030-01-02T03-04-05.678Z-2',
    ])
  })

  it('throws, naming the file, when the file cannot be read at all', async () => {
    // A file where a folder of the path should be: the file cannot exist, so it is missing.
    await writeFile(path.join(dir, 'plain'), '')
    expect(await readSavedState(path.join(dir, 'plain', 'list.json'), schema, options())).toBeUndefined()
    const file = path.join(dir, 'list.json')
    await mkdir(file)
    await expect(readSavedState(file, schema, options())).rejects.toThrow(`Could not read ${file}`)
    expect(reports).toEqual([])
  })
})
