import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { create as createTar } from 'tar'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DownloadManager } from '../../../src/main/downloads/manager'
import { createDownloadCheck } from '../../../src/main/downloads/verify'
import { numberedName } from '../../../src/main/downloads/naming'
import { createNodeTransport } from '../../../src/main/downloads/node-transport'
import { expectSameBytes, requestFor, servedRequests, sha256Of, sqlGz, tempDir, waitForState } from './helpers'
import { startSignedServer } from './signed-server'
import type { SignedServer } from './signed-server'

let server: SignedServer
let dir: string
let cleanup: () => Promise<void>
let manager: DownloadManager

beforeEach(async () => {
  server = await startSignedServer()
  ;({ dir, cleanup } = await tempDir())
  manager = new DownloadManager({
    stateFile: path.join(dir, 'downloads.json'),
    transport: createNodeTransport(),
    getLink: async (request) => server.sign(request.filename),
    retry: { baseDelayMs: 10, maxDelayMs: 50 },
  })
})

afterEach(async () => {
  await manager.close()
  await server.close()
  await cleanup()
})

async function filesTarGz(): Promise<Buffer> {
  const src = path.join(dir, 'src')
  await mkdir(path.join(src, 'files_live', 'styles'), { recursive: true })
  await writeFile(path.join(src, 'files_live', 'logo.png'), randomBytes(20_000))
  await writeFile(path.join(src, 'files_live', 'styles', 'a.css'), 'body { color: red }\n')
  const out = path.join(dir, 'files.tar.gz')
  await createTar({ gzip: true, cwd: src, file: out, portable: true }, ['files_live'])
  return readFile(out)
}

/** Downloads `body` served as `name` while the catalog says `expectedSize`; returns the final item. */
async function download(
  name: string,
  body: Buffer,
  expectedSize = body.length,
  element: 'code' | 'database' | 'files' = 'database',
) {
  server.put(name, body)
  const dest = path.join(dir, 'out')
  const item = manager.enqueue(requestFor(name, expectedSize, dest, element))
  const final = await waitForState(manager, item.id, 'done', 'failed')
  return { final, dest }
}

async function expectRefused(
  name: string,
  body: Buffer,
  code: string,
  message: RegExp,
  expectedSize = body.length,
): Promise<void> {
  const { final, dest } = await download(name, body, expectedSize)
  expect(final.state).toBe('failed')
  expect(final.error?.code).toBe(code)
  expect(final.error?.message).toMatch(message)
  expect(final.error?.message).toMatch(/press Retry/)
  expect(final.finalPath).toBeNull()
  // Neither the final name nor a leftover bad copy.
  expect(await readdir(dest)).toEqual([])
}

describe('verification before the final name', () => {
  it('accepts a whole tar.gz files archive', async () => {
    const body = await filesTarGz()
    const { final, dest } = await download('site_live_files.tar.gz', body, body.length, 'files')
    expect(final.error).toBeNull()
    expect(final.state).toBe('done')
    expectSameBytes(await readFile(path.join(dest, 'site_live_files.tar.gz')), body)
  })

  it('keeps a complete tar.gz that holds a link, with a note that the link will not be imported', async () => {
    const src = path.join(dir, 'linked')
    await mkdir(path.join(src, 'files_live'), { recursive: true })
    await writeFile(path.join(src, 'files_live', 'a.txt'), 'a\n')
    await symlink('a.txt', path.join(src, 'files_live', 'latest'))
    const archive = path.join(dir, 'linked.tar.gz')
    await createTar({ gzip: true, cwd: src, file: archive, portable: true }, ['files_live'])
    const body = await readFile(archive)
    const { final, dest } = await download('site_live_files.tar.gz', body, body.length, 'files')
    expect(final.state).toBe('done')
    expect(final.note).toMatch(/^The archive is complete, but it holds .*latest.* which Restore Desk will not import/)
    expect(final.sha256).toBe(sha256Of(body))
    expectSameBytes(await readFile(path.join(dest, 'site_live_files.tar.gz')), body)
  })

  it('refuses a file whose size differs from the catalog', async () => {
    const body = sqlGz(50_000)
    await expectRefused(
      'short.sql.gz',
      body,
      'size_mismatch',
      /is [\d,]+ bytes but the backup catalog lists [\d,]+ bytes/,
      body.length + 100,
    )
  })

  it('stops reading an answer larger than the catalog at its size instead of filling the disk', async () => {
    const body = sqlGz(2_000_000)
    const { final, dest } = await download('runaway.sql.gz', body, 1000)
    expect(final.state).toBe('failed')
    expect(final.error?.code).toBe('size_mismatch')
    expect(final.error?.message).toMatch(/is 1,001 bytes but the backup catalog lists 1,000 bytes/)
    expect(final.receivedBytes).toBeLessThanOrEqual(1001)
    expect(await readdir(dest)).toEqual([])
  })

  it('refuses a truncated gzip even when its size matches the catalog', async () => {
    const body = sqlGz(200_000)
    const cut = body.subarray(0, body.length - 5000)
    await expectRefused('cut.sql.gz', cut, 'truncated_gzip', /cut short: its gzip stream ends early/)
  })

  it('refuses a .gz that is not gzip (an error page saved instead)', async () => {
    const page = Buffer.from('<!doctype html><html><body>Access denied</body></html>')
    await expectRefused('page.sql.gz', page, 'not_gzip', /not a valid gzip file/)
  })

  it('refuses a .tar.gz whose tar listing is unreadable', async () => {
    const body = gzipSync(randomBytes(100_000))
    await expectRefused(
      'garbage.tar.gz',
      body,
      'bad_tar',
      /tar listing cannot be read: The file is gzip-compressed but does not hold a tar archive/,
    )
  })

  it('Retry after a failed check downloads again from the start', async () => {
    const good = sqlGz(100_000)
    const name = 'fixed.sql.gz'
    const { final } = await download(name, good.subarray(0, good.length - 100), good.length)
    expect(final.error?.code).toBe('size_mismatch')
    server.put(name, good)
    manager.retry(final.id)
    const done = await waitForState(manager, final.id, 'done', 'failed')
    expect(done.state).toBe('done')
    expect(servedRequests(server, name).every((r) => r.range === null)).toBe(true)
    expectSameBytes(await readFile(done.finalPath ?? ''), good)
    expect(existsSync(done.partPath)).toBe(false)
  })
})

describe('numberedName', () => {
  it('keeps compound extensions at the end', () => {
    expect(numberedName('a_database.sql.gz', 1)).toBe('a_database (1).sql.gz')
    expect(numberedName('a_files.tar.gz', 2)).toBe('a_files (2).tar.gz')
    expect(numberedName('notes.txt', 3)).toBe('notes (3).txt')
    expect(numberedName('README', 1)).toBe('README (1)')
    expect(numberedName('.hidden', 1)).toBe('.hidden (1)')
    expect(numberedName('x.sql.gz', 0)).toBe('x.sql.gz')
  })
})

describe('the download check', () => {
  it('a fresh download through the Node transport is checked in one pass: nothing is read back', async () => {
    const body = sqlGz(3_000_000)
    const name = 'one-pass.sql.gz'
    server.put(name, body)
    const partPath = path.join(dir, 'one-pass.part')
    const check = createDownloadCheck(partPath, body.length, name)
    try {
      await createNodeTransport().transfer({
        url: server.sign(name),
        partPath,
        offset: 0,
        etag: null,
        signal: new AbortController().signal,
        observer: check,
        onProgress: () => undefined,
      })
      expect(check.position).toBe(body.length)
      await check.syncTo(body.length) // what the manager does before finish(): nothing to read
      expect(check.readBackBytes).toBe(0)
      expect(await check.finish()).toEqual({ sha256: sha256Of(body), note: null })
    } finally {
      check.destroy()
    }
  })

  it('a resume reads only the prefix already on disk, then continues with the transfer', async () => {
    const body = sqlGz(3_000_000)
    const name = 'resumed.sql.gz'
    server.put(name, body)
    const partPath = path.join(dir, 'resumed.part')
    const kept = 1_234_567
    await writeFile(partPath, body.subarray(0, kept))
    const check = createDownloadCheck(partPath, body.length, name)
    try {
      await check.syncTo(kept)
      await createNodeTransport().transfer({
        url: server.sign(name),
        partPath,
        offset: kept,
        etag: null,
        signal: new AbortController().signal,
        observer: check,
        onProgress: () => undefined,
      })
      expect(servedRequests(server, name).at(-1)?.range).toBe(`bytes=${kept}-`)
      expect(check.readBackBytes).toBe(kept)
      expect((await check.finish()).sha256).toBe(sha256Of(body))
      expectSameBytes(await readFile(partPath), body)
    } finally {
      check.destroy()
    }
  })

  it('starts over when the file was rewritten from an earlier point', async () => {
    const first = sqlGz(500_000)
    const second = sqlGz(400_000)
    const partPath = path.join(dir, 'rewritten.part')
    await writeFile(partPath, first)
    const check = createDownloadCheck(partPath, second.length, 'rewritten.sql.gz')
    try {
      await check.syncTo(first.length)
      expect(check.position).toBe(first.length)
      // A transfer that starts over writes a new file from byte 0 and tells the check so.
      await writeFile(partPath, second)
      await check.syncTo(0)
      expect(check.position).toBe(0)
      await check.syncTo(second.length)
      expect(await check.finish()).toEqual({ sha256: sha256Of(second), note: null })
    } finally {
      check.destroy()
    }
  })

  it('an empty part file fails as a size mismatch, not as an internal error', async () => {
    const partPath = path.join(dir, 'empty.part')
    await writeFile(partPath, '')
    const check = createDownloadCheck(partPath, 10, 'empty.sql.gz')
    await check.syncTo(0)
    await expect(check.finish()).rejects.toMatchObject({ code: 'size_mismatch' })
    check.destroy()
  })
})
