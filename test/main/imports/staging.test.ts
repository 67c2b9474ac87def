/**
 * Staging: a regular file read in place (and refused once it changed), a symbolic link refused,
 * a folder packed into a .tar.gz whose listing matches it, a streamed body capped at its limit
 * and at what it declared, and cleanup (discard, a day's age, a damaged record).
 */
import { mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { list } from 'tar'
import { EventHub } from '../../../src/main/events'
import { cleanFileName, STAGED_MAX_AGE_MS, StagingStore } from '../../../src/main/imports/staging'
import type { ImportProgress } from '../../../src/shared/imports'

let dir: string
let root: string
let progress: ImportProgress[]
let store: StagingStore
let now: number

function newStore(): StagingStore {
  const events = new EventHub()
  events.subscribe((channel, payload) => {
    if (channel === 'imports:progress') progress.push(payload as ImportProgress)
  })
  return new StagingStore({ root, events, now: () => now })
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rd-staging-'))
  root = path.join(dir, 'data', 'imports')
  progress = []
  now = Date.UTC(2026, 11, 1, 12)
  store = newStore()
  await store.load(new Set())
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function listing(file: string): Promise<string[]> {
  const entries: string[] = []
  await list({ file, onReadEntry: (entry) => entries.push(`${entry.type} ${entry.path}`) })
  return entries
}

describe('staging a path (Electron)', () => {
  it('stages a regular file in place under a random token, and reads it while it is unchanged', async () => {
    const file = path.join(dir, 'wp-dump.sql.gz')
    await writeFile(file, 'x'.repeat(1000))
    const staged = await store.stagePath(file)
    expect(staged).toMatchObject({ name: 'wp-dump.sql.gz', size: 1000, packedFolder: false, stagedAt: now })
    expect(staged.token).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect((await store.stagePath(file)).token).not.toBe(staged.token)
    const record = await store.verify(staged.token)
    expect(record).toMatchObject({ file, owned: false })
  })

  it('refuses the file once it changed after staging (size or modification time)', async () => {
    const file = path.join(dir, 'dump.sql')
    await writeFile(file, 'CREATE TABLE a (id int);\n')
    const staged = await store.stagePath(file)
    await writeFile(file, 'CREATE TABLE b (id int);\n')
    await utimes(file, new Date(2020, 0, 1), new Date(2020, 0, 1))
    await expect(store.verify(staged.token)).rejects.toMatchObject({
      code: 'changed',
      message: expect.stringContaining('dump.sql changed after it was staged'),
    })
    await rm(file)
    await expect(store.verify(staged.token)).rejects.toMatchObject({ code: 'gone' })
  })

  it('refuses a symbolic link (never followed) and a relative path', async () => {
    const target = path.join(dir, 'real.sql')
    await writeFile(target, 'SELECT 1;\n')
    await symlink(target, path.join(dir, 'link.sql'))
    await expect(store.stagePath(path.join(dir, 'link.sql'))).rejects.toMatchObject({
      code: 'link',
      message: 'link.sql is a symbolic link, which Restore Desk does not follow. Drop the file it points to instead.',
    })
    await expect(store.stagePath('real.sql')).rejects.toMatchObject({ code: 'bad_request' })
    await expect(store.stagePath(path.join(dir, 'missing.sql'))).rejects.toMatchObject({ code: 'not_found' })
  })

  it('packs a folder into a .tar.gz under its own name, with packing progress', async () => {
    const folder = path.join(dir, 'uploads')
    await mkdir(path.join(folder, '2026', '11'), { recursive: true })
    await writeFile(path.join(folder, 'a.txt'), 'alpha')
    await writeFile(path.join(folder, '2026', '11', 'photo.jpg'), Buffer.alloc(70_000, 7))
    const staged = await store.stagePath(folder)
    expect(staged).toMatchObject({ name: 'uploads.tar.gz', packedFolder: true })
    const record = await store.verify(staged.token)
    expect(record.owned).toBe(true)
    expect(record.file.startsWith(root)).toBe(true)
    expect(await listing(record.file)).toEqual([
      'Directory uploads/',
      'Directory uploads/2026/',
      'Directory uploads/2026/11/',
      'File uploads/2026/11/photo.jpg',
      'File uploads/a.txt',
    ])
    const packing = progress.filter((p) => p.token === staged.token && p.phase === 'packing')
    expect(packing.length).toBeGreaterThan(0)
    expect(packing.at(-1)).toMatchObject({ bytes: packing.at(-1)!.total })
  })

  it('refuses a folder holding a symbolic link, keeping nothing', async () => {
    const folder = path.join(dir, 'site-files')
    await mkdir(folder)
    await writeFile(path.join(folder, 'ok.txt'), 'ok')
    await symlink('/etc/passwd', path.join(folder, 'passwd'))
    await expect(store.stagePath(folder)).rejects.toMatchObject({
      code: 'unsafe_entry',
      message: expect.stringContaining('site-files/passwd, which is a symbolic link'),
    })
    expect(await readdir(root)).toEqual([])
  })
})

describe('staging a stream (browser mode)', () => {
  it('writes the body into staging and names it safely', async () => {
    const staged = await store.stageStream('../../etc/db.sql.gz', 11, Readable.from([Buffer.from('hello world')]), 100)
    expect(staged).toMatchObject({ name: 'db.sql.gz', size: 11, packedFolder: false })
    const record = await store.verify(staged.token)
    expect(record.owned).toBe(true)
    expect(progress.at(-1)).toMatchObject({ token: staged.token, phase: 'staging', bytes: 11, total: 11 })
  })

  it('refuses a declared size over the cap before reading, and a body longer or shorter than declared', async () => {
    await expect(store.stageStream('big.tar.gz', 101, Readable.from([Buffer.alloc(101)]), 100)).rejects.toMatchObject({
      code: 'too_large',
    })
    await expect(store.stageStream('long.sql', 5, Readable.from([Buffer.alloc(6)]), 100)).rejects.toMatchObject({
      code: 'too_large',
      message: expect.stringContaining('longer than the 5 bytes it declared'),
    })
    await expect(store.stageStream('short.sql', 9, Readable.from([Buffer.alloc(6)]), 100)).rejects.toMatchObject({
      code: 'incomplete',
    })
    expect(await readdir(root)).toEqual([])
  })

  it('cleans names: last segment, no control characters, never empty', () => {
    expect(cleanFileName('C:\\Users\\ana\\dump.sql')).toBe('dump.sql')
    expect(cleanFileName('a\u0000b\nc.sql')).toBe('abc.sql')
    expect(cleanFileName('..')).toBe('upload')
    expect(cleanFileName('   ')).toBe('upload')
  })
})

describe('cleanup', () => {
  it('removes a discarded file, and only what the app holds (never the person’s own file)', async () => {
    const file = path.join(dir, 'mine.sql')
    await writeFile(file, 'SELECT 1;\n')
    const inPlace = await store.stagePath(file)
    const streamed = await store.stageStream('s.sql', 2, Readable.from([Buffer.from('ok')]), 10)
    await store.discard(inPlace.token)
    await store.discard(streamed.token)
    await store.discard('unknown-token-0000000000')
    expect(await readdir(root)).toEqual([])
    await expect(store.verify(streamed.token)).rejects.toMatchObject({ code: 'not_found' })
    expect(await readdir(dir)).toContain('mine.sql')
  })

  it('keeps staged files over a restart, drops those older than a day unless a running job needs them', async () => {
    const young = await store.stageStream('young.sql', 1, Readable.from([Buffer.from('y')]), 10)
    now -= STAGED_MAX_AGE_MS
    const old = await store.stageStream('old.sql', 1, Readable.from([Buffer.from('o')]), 10)
    const needed = await store.stageStream('needed.sql', 1, Readable.from([Buffer.from('n')]), 10)
    now += STAGED_MAX_AGE_MS
    await mkdir(path.join(root, 'damaged-record-000000'))
    await writeFile(path.join(root, 'damaged-record-000000', 'staged.json'), '{"version": 1, "staged": 3}')

    const next = newStore()
    await next.load(new Set([needed.token]))
    expect(next.get(young.token)?.staged.name).toBe('young.sql')
    expect(next.get(needed.token)?.staged.name).toBe('needed.sql')
    expect(next.get(old.token)).toBeUndefined()
    expect((await readdir(root)).sort()).toEqual([needed.token, young.token].sort())
    await expect(next.verify(young.token)).resolves.toMatchObject({ owned: true })
  })
})
