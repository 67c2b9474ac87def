import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DownloadManager } from '../../../src/main/downloads/manager'
import { createNodeTransport } from '../../../src/main/downloads/node-transport'
import type { DownloadTransport } from '../../../src/main/downloads/transport'
import type { DownloadItem, DownloadRequest } from '../../../src/shared/downloads'
import {
  expectSameBytes,
  requestFor,
  servedRequests,
  sha256Of,
  sqlGz,
  tempDir,
  waitFor,
  waitForReceived,
  waitForState,
} from './helpers'
import { startSignedServer } from './signed-server'
import type { SignedServer } from './signed-server'

let server: SignedServer
let dir: string
let cleanup: () => Promise<void>
const managers: DownloadManager[] = []

beforeEach(async () => {
  server = await startSignedServer()
  ;({ dir, cleanup } = await tempDir())
})

afterEach(async () => {
  for (const manager of managers.splice(0)) await manager.close()
  await server.close()
  await cleanup()
})

interface Setup {
  readonly transport?: DownloadTransport
  readonly getLink?: (request: DownloadRequest) => Promise<string>
  readonly concurrency?: number
  readonly stateFile?: string
}

function manager(setup: Setup = {}): DownloadManager {
  const created = new DownloadManager({
    stateFile: setup.stateFile ?? path.join(dir, 'state', 'downloads.json'),
    transport: setup.transport ?? createNodeTransport(),
    getLink: setup.getLink ?? (async (request) => server.sign(request.filename)),
    concurrency: setup.concurrency ?? 2,
    retry: { baseDelayMs: 10, maxDelayMs: 50 },
    watchIntervalMs: 50,
  })
  managers.push(created)
  return created
}

const bytesServed = (name: string): number => servedRequests(server, name).reduce((sum, r) => sum + r.bytesSent, 0)

/**
 * Asserts the download continued rather than started over: the last request asked for exactly
 * the missing tail and got exactly that, and the total sent stays well under two copies (the
 * first response may count bytes that were still in socket buffers when it stopped).
 */
function expectContinued(name: string, size: number, from: number): void {
  const last = servedRequests(server, name).at(-1)
  expect(last?.range).toBe(`bytes=${from}-`)
  expect(last?.status).toBe(206)
  expect(last?.bytesSent).toBe(size - from)
  expect(bytesServed(name)).toBeLessThan(size * 1.5)
}

const rangeStarts = (name: string): number[] =>
  server.requests
    .filter((r) => r.name === name && r.range !== null)
    .map((r) => Number(/^bytes=(\d+)-/.exec(r.range ?? '')?.[1] ?? -1))

describe('DownloadManager', () => {
  it('downloads, verifies and only then gives the file its final name', async () => {
    const body = sqlGz(400_000)
    server.put('site_live_database.sql.gz', body)
    const dest = path.join(dir, 'Downloads', 'demo-drupal', 'live')
    const m = manager()
    const seen: string[] = []
    m.subscribe((change) => seen.push(change.item.state))

    const item = m.enqueue(requestFor('site_live_database.sql.gz', body.length, dest))
    expect(item.state).toBe('downloading') // a free slot: it starts at once
    expect(path.dirname(item.partPath)).toBe(dest)
    const done = await waitForState(m, item.id, 'done', 'failed')

    expect(done.error).toBeNull()
    expect(done.state).toBe('done')
    expect(done.finalPath).toBe(path.join(dest, 'site_live_database.sql.gz'))
    expectSameBytes(await readFile(path.join(dest, 'site_live_database.sql.gz')), body)
    expect(existsSync(done.partPath)).toBe(false)
    expect(done.receivedBytes).toBe(body.length)
    expect(done.sha256).toBe(sha256Of(body))
    expect(done.finishedAt).not.toBeNull()
    // verifying comes between downloading and done
    expect(seen.indexOf('verifying')).toBeGreaterThan(seen.indexOf('downloading'))
    expect(seen.lastIndexOf('verifying')).toBeLessThan(seen.indexOf('done'))
    expect(await readdir(dest)).toEqual(['site_live_database.sql.gz'])
  })

  it('continues with a fresh link and a Range request when the link expires mid-download', async () => {
    const body = sqlGz(2_000_000)
    const name = 'site_live_database.sql.gz'
    server.put(name, body)
    server.throttle(4_000_000)
    server.cutNextAfter(400_000) // drops the connection and expires every link handed out so far
    let links = 0
    const m = manager({
      getLink: async (request) => {
        links += 1
        return server.sign(request.filename)
      },
    })
    const item = m.enqueue(requestFor(name, body.length, dir))
    const done = await waitForState(m, item.id, 'done', 'failed')

    expect(done.error).toBeNull()
    expectSameBytes(await readFile(path.join(dir, name)), body)
    expect(links).toBeGreaterThanOrEqual(2)
    expect(done.sha256).toBe(sha256Of(body)) // the check continued with the connection
    const starts = rangeStarts(name)
    expect(starts.length).toBeGreaterThanOrEqual(1)
    expect(starts[0]).toBeGreaterThan(0)
    expect(server.requests.some((r) => r.name === name && r.status === 206)).toBe(true)
    // Continued, not started over: about one file's worth of bytes crossed the wire.
    expectContinued(name, body.length, starts.at(-1) ?? -1)
  })

  it('fetches a fresh link when the platform answers 403 for an expired one', async () => {
    const body = sqlGz(200_000)
    const name = 'expired.sql.gz'
    server.put(name, body)
    let calls = 0
    const m = manager({
      getLink: async (request) => {
        calls += 1
        return server.sign(request.filename, calls === 1 ? -1000 : 60_000)
      },
    })
    const item = m.enqueue(requestFor(name, body.length, dir))
    const done = await waitForState(m, item.id, 'done', 'failed')
    expect(done.state).toBe('done')
    expect(calls).toBe(2)
    expect(servedRequests(server, name).map((r) => r.status)).toEqual([403, 200])
  })

  it('gives up with a clear error when even fresh links are refused', async () => {
    const body = sqlGz(50_000)
    server.put('refused.sql.gz', body)
    const m = manager({ getLink: async (request) => server.sign(request.filename, -1000) })
    const item = m.enqueue(requestFor('refused.sql.gz', body.length, dir))
    const failed = await waitForState(m, item.id, 'done', 'failed')
    expect(failed.state).toBe('failed')
    expect(failed.error?.code).toBe('link_rejected')
    expect(failed.error?.message).toMatch(/refusing the download link.*press Retry/)
  })

  it('retries network failures with back-off, then fails with a clear error', async () => {
    const closed = await startSignedServer()
    const deadLink = closed.sign('gone.sql.gz')
    await closed.close() // nothing listens there any more: ECONNREFUSED
    let calls = 0
    const m = new DownloadManager({
      stateFile: path.join(dir, 'state.json'),
      transport: createNodeTransport(),
      getLink: async () => {
        calls += 1
        return deadLink
      },
      retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 50 },
    })
    managers.push(m)
    const began = Date.now()
    const item = m.enqueue(requestFor('gone.sql.gz', 1000, dir))
    const failed = await waitForState(m, item.id, 'failed', 'done')
    expect(calls).toBe(3) // the first try and two retries, each with a fresh link
    expect(Date.now() - began).toBeGreaterThanOrEqual(20 + 40)
    expect(failed.error?.code).toBe('network')
    expect(failed.error?.message).toMatch(
      /^The download kept failing \(.*ECONNREFUSED.*\)\. Check your network and press Retry/,
    )
  })

  it('fails at once with the platform’s reason when the link request is refused (4xx)', async () => {
    let calls = 0
    const m = manager({
      getLink: async () => {
        calls += 1
        throw Object.assign(new Error('The backup 1700000000_automated is no longer in the catalog.'), { status: 404 })
      },
    })
    const item = m.enqueue(requestFor('x.sql.gz', 1000, dir))
    const failed = await waitForState(m, item.id, 'failed', 'done')
    expect(failed.error?.code).toBe('link_failed')
    expect(failed.error?.message).toContain(
      'could not get a download link from the platform: The backup 1700000000_automated is no longer in the catalog.',
    )
    expect(calls).toBe(1)
  })

  it('pauses and resumes from the bytes on disk', async () => {
    const body = sqlGz(2_000_000)
    const name = 'pause.sql.gz'
    server.put(name, body)
    server.throttle(2_000_000)
    const m = manager()
    const item = m.enqueue(requestFor(name, body.length, dir))
    await waitForReceived(m, item.id, 200_000)

    const paused = m.pause(item.id)
    expect(paused.state).toBe('paused')
    await new Promise((resolve) => setTimeout(resolve, 150))
    const kept = (await stat(item.partPath)).size
    expect(kept).toBeGreaterThan(0)
    expect(kept).toBeLessThan(body.length)
    expect(m.get(item.id)?.state).toBe('paused')

    server.throttle(0)
    m.resume(item.id)
    const done = await waitForState(m, item.id, 'done', 'failed')
    expect(done.state).toBe('done')
    expectSameBytes(await readFile(path.join(dir, name)), body)
    expectContinued(name, body.length, kept)
    // The kept bytes were read once through the check, then the rest was checked as it arrived.
    expect(done.sha256).toBe(sha256Of(body))
  })

  it('a resume checks the bytes already on disk too: damage in the kept part fails the download', async () => {
    const body = sqlGz(2_000_000)
    const name = 'damaged.sql.gz'
    server.put(name, body)
    server.throttle(2_000_000)
    const m = manager()
    const item = m.enqueue(requestFor(name, body.length, dir))
    await waitForReceived(m, item.id, 300_000)
    m.pause(item.id)
    await new Promise((resolve) => setTimeout(resolve, 150))
    const kept = (await stat(item.partPath)).size
    expect(kept).toBeGreaterThan(100_000)
    // A disk fault in the part already downloaded, while the download was paused.
    const part = await readFile(item.partPath)
    part.fill(0x55, 50_000, 60_000)
    await writeFile(item.partPath, part)

    server.throttle(0)
    m.resume(item.id)
    const failed = await waitForState(m, item.id, 'done', 'failed')
    expect(failed.state).toBe('failed')
    expect(failed.error?.code).toBe('not_gzip')
    expect(failed.sha256).toBeNull()
    expect(existsSync(path.join(dir, name))).toBe(false)
    expect(existsSync(item.partPath)).toBe(false)
  })

  it('on a slow line the bytes reach the disk as they come, not only when a write buffer is full', async () => {
    const body = sqlGz(1_500_000)
    const name = 'slow.sql.gz'
    server.put(name, body)
    server.throttle(200_000)
    const m = manager()
    const item = m.enqueue(requestFor(name, body.length, dir))
    // Well past a second of transfer, far less than one 2 MiB buffer.
    await waitForReceived(m, item.id, 400_000)
    await waitFor(m, item.id, () => existsSync(item.partPath))
    let onDisk = 0
    while (m.get(item.id)?.state === 'downloading' && onDisk === 0) {
      onDisk = (await stat(item.partPath)).size
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(m.get(item.id)?.state).toBe('downloading')
    expect(onDisk).toBeGreaterThan(0)
    expect(onDisk).toBeLessThan(body.length)
    await m.cancel(item.id)
  })

  it('cancel stops the transfer and removes the partial file', async () => {
    const body = sqlGz(2_000_000)
    const name = 'cancel.sql.gz'
    server.put(name, body)
    server.throttle(1_000_000)
    const m = manager()
    const item = m.enqueue(requestFor(name, body.length, dir))
    await waitForReceived(m, item.id, 100_000)
    expect(existsSync(item.partPath)).toBe(true)

    const cancelled = await m.cancel(item.id)
    expect(cancelled.state).toBe('cancelled')
    expect(existsSync(item.partPath)).toBe(false)
    expect(existsSync(path.join(dir, name))).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(m.get(item.id)?.state).toBe('cancelled')
    expect(existsSync(item.partPath)).toBe(false)

    // Retry after a cancel starts from nothing and finishes.
    server.throttle(0)
    m.retry(item.id)
    expect((await waitForState(m, item.id, 'done', 'failed')).state).toBe('done')
  })

  it('resumes after a restart from the saved state and the partial file', async () => {
    const body = sqlGz(2_000_000)
    const name = 'restart.sql.gz'
    server.put(name, body)
    server.throttle(2_000_000)
    const stateFile = path.join(dir, 'state.json')
    const first = manager({ stateFile })
    const item = first.enqueue(requestFor(name, body.length, dir))
    await waitForReceived(first, item.id, 300_000)
    await first.close()
    const kept = (await stat(item.partPath)).size
    expect(kept).toBeGreaterThan(0)
    const saved = JSON.parse(await readFile(stateFile, 'utf8')) as { downloads: { item: DownloadItem }[] }
    expect(saved.downloads[0]?.item.state).toBe('downloading')

    server.throttle(0)
    const second = manager({ stateFile })
    const restored = await second.restore()
    expect(restored).toHaveLength(1)
    expect(restored[0]?.receivedBytes).toBe(kept)
    const done = await waitForState(second, item.id, 'done', 'failed')
    expect(done.state).toBe('done')
    expectSameBytes(await readFile(path.join(dir, name)), body)
    expectContinued(name, body.length, kept)
    expect(done.sha256).toBe(sha256Of(body))
    await second.close()
    const savedDone = JSON.parse(await readFile(stateFile, 'utf8')) as { downloads: { item: DownloadItem }[] }
    expect(savedDone.downloads[0]?.item.sha256).toBe(sha256Of(body))
  })

  it('after a restart, a part that was already complete is verified without downloading again, and paused stays paused', async () => {
    const body = sqlGz(1_500_000)
    server.put('complete.sql.gz', body)
    server.put('paused.sql.gz', body)
    server.throttle(1_000_000)
    const stateFile = path.join(dir, 'state.json')
    const first = manager({ stateFile })
    const complete = first.enqueue(requestFor('complete.sql.gz', body.length, dir))
    const paused = first.enqueue(requestFor('paused.sql.gz', body.length, dir))
    await waitForReceived(first, paused.id, 50_000)
    first.pause(paused.id)
    await waitForReceived(first, complete.id, 50_000)
    await first.close()
    // The app died just as the last byte landed.
    await writeFile(complete.partPath, body)
    const requestsBefore = server.requests.length

    const second = manager({ stateFile })
    await second.restore()
    const done = await waitForState(second, complete.id, 'done', 'failed')
    expect(done.state).toBe('done')
    expectSameBytes(await readFile(path.join(dir, 'complete.sql.gz')), body)
    expect(done.sha256).toBe(sha256Of(body)) // read once from the disk, nothing downloaded
    expect(second.get(paused.id)?.state).toBe('paused')
    expect(server.requests.length).toBe(requestsBefore)
  })

  it('starts over cleanly when the file changed on the server (new ETag) between pause and resume', async () => {
    const name = 'changed.sql.gz'
    const original = sqlGz(1_500_000)
    server.put(name, original)
    server.throttle(2_000_000)
    const m = manager()
    const item = m.enqueue(requestFor(name, original.length, dir))
    await waitForReceived(m, item.id, 100_000)
    m.pause(item.id)
    await new Promise((resolve) => setTimeout(resolve, 100))

    // Same size, different bytes inside the part already downloaded (the gzip header's mtime):
    // only the ETag tells, and resuming would splice two versions together.
    const sameSize = Buffer.from(original)
    sameSize.writeUInt32LE(1_700_000_000, 4)
    server.put(name, sameSize)
    server.throttle(0)
    m.resume(item.id)
    const done = await waitForState(m, item.id, 'done', 'failed')
    const last = servedRequests(server, name).at(-1)
    expect(last?.ifRange).not.toBeNull()
    expect(last?.status).toBe(200) // If-Range did not match: whole new file
    expect(done.error).toBeNull()
    expectSameBytes(await readFile(path.join(dir, name)), sameSize)
    // The check read the old version's prefix on resume, then started over with the new file.
    expect(done.sha256).toBe(sha256Of(sameSize))
  })

  it('starts over when the server ignores Range and answers 200', async () => {
    const name = 'norange.sql.gz'
    const body = sqlGz(1_500_000)
    server.put(name, body)
    server.throttle(2_000_000)
    server.cutNextAfter(200_000)
    server.ignoreRanges(true)
    const m = manager()
    const item = m.enqueue(requestFor(name, body.length, dir))
    const done = await waitForState(m, item.id, 'done', 'failed')
    expect(done.state).toBe('done')
    expectSameBytes(await readFile(path.join(dir, name)), body)
    const statuses = servedRequests(server, name).map((r) => r.status)
    expect(statuses).toEqual([200, 200])
    expect(done.sha256).toBe(sha256Of(body))
  })

  it('never overwrites: saves as "name (1).sql.gz" and says so', async () => {
    const name = 'site_live_2024-01-01T00-00-00_UTC_database.sql.gz'
    const body = sqlGz(100_000)
    server.put(name, body)
    await writeFile(path.join(dir, name), 'the user’s own file')
    const m = manager()
    const first = await waitForState(m, m.enqueue(requestFor(name, body.length, dir)).id, 'done', 'failed')
    expect(first.finalPath).toBe(path.join(dir, 'site_live_2024-01-01T00-00-00_UTC_database (1).sql.gz'))
    expect(first.note).toMatch(/Saved as ".* \(1\)\.sql\.gz" because ".*" already exists/)
    expect(await readFile(path.join(dir, name), 'utf8')).toBe('the user’s own file')
    expectSameBytes(await readFile(first.finalPath ?? ''), body)

    const second = await waitForState(m, m.enqueue(requestFor(name, body.length, dir)).id, 'done', 'failed')
    expect(path.basename(second.finalPath ?? '')).toBe('site_live_2024-01-01T00-00-00_UTC_database (2).sql.gz')
  })

  it('runs at most two downloads at a time and finishes them all', async () => {
    const bodies = [0, 1, 2, 3, 4].map(() => sqlGz(300_000))
    bodies.forEach((body, i) => server.put(`q${i}.sql.gz`, body))
    server.throttle(3_000_000)
    const m = manager()
    let running = 0
    let most = 0
    const states = new Map<string, string>()
    m.subscribe(({ id, item }) => {
      states.set(id, item.state)
      running = [...states.values()].filter((s) => s === 'downloading' || s === 'verifying').length
      most = Math.max(most, running)
    })
    const items = m.enqueueMany(bodies.map((body, i) => requestFor(`q${i}.sql.gz`, body.length, dir)))
    expect(items.map((i) => i.state)).toEqual(['downloading', 'downloading', 'queued', 'queued', 'queued'])
    const finished = await Promise.all(items.map((i) => waitForState(m, i.id, 'done', 'failed')))
    expect(finished.every((i) => i.state === 'done')).toBe(true)
    expect(most).toBe(2)
    for (const [i, body] of bodies.entries()) expectSameBytes(await readFile(path.join(dir, `q${i}.sql.gz`)), body)
  })

  it('returns the existing item when the same part is enqueued twice', async () => {
    const body = sqlGz(50_000)
    server.put('dup.sql.gz', body)
    server.throttle(100_000)
    const m = manager()
    const a = m.enqueue(requestFor('dup.sql.gz', body.length, dir))
    const b = m.enqueue(requestFor('dup.sql.gz', body.length, dir))
    expect(b.id).toBe(a.id)
    expect(m.list()).toHaveLength(1)
  })

  it('refuses a file name that is a path', () => {
    const m = manager()
    expect(() => m.enqueue(requestFor('../../.bashrc', 10, dir))).toThrow(/plain name/)
    expect(() => m.enqueue(requestFor('ok.sql.gz', 10, 'relative/dir'))).toThrow(/full path/)
  })

  it('throttles progress events but always reports state changes', async () => {
    const body = sqlGz(2_000_000)
    server.put('events.sql.gz', body)
    server.throttle(2_000_000)
    const m = manager()
    const progress: number[] = []
    const states: string[] = []
    m.subscribe(({ item }) => {
      if (item.state === 'downloading') progress.push(Date.now())
      if (states.at(-1) !== item.state) states.push(item.state)
    })
    const began = Date.now()
    const item = m.enqueue(requestFor('events.sql.gz', body.length, dir))
    const done = await waitForState(m, item.id, 'done', 'failed')
    const elapsed = Date.now() - began
    expect(states).toEqual(['queued', 'downloading', 'verifying', 'done'])
    // ~1 MB in 16 KiB chunks would be ~65 events unthrottled; at most one per 250 ms (+ the state change).
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 2)
    expect(progress.length).toBeLessThan(40)
    expect(done.bytesPerSecond).toBe(0)
    expect(done.etaSeconds).toBeNull()
  })

  it('reports rate and time left while downloading', async () => {
    const body = sqlGz(2_000_000)
    server.put('rate.sql.gz', body)
    server.throttle(1_000_000)
    const m = manager()
    const item = m.enqueue(requestFor('rate.sql.gz', body.length, dir))
    const mid = await waitFor(
      m,
      item.id,
      (it) => it.state === 'downloading' && it.bytesPerSecond > 0 && it.receivedBytes > 400_000,
    )
    expect(mid.bytesPerSecond).toBeGreaterThan(100_000)
    expect(mid.bytesPerSecond).toBeLessThan(3_000_000)
    expect(mid.etaSeconds).not.toBeNull()
    expect(mid.totalBytes).toBe(body.length)
    await m.cancel(item.id)
  })

  it('keeps partial bytes when the folder vanishes and continues when it comes back', async () => {
    const body = sqlGz(2_000_000)
    const name = 'usb.sql.gz'
    server.put(name, body)
    server.throttle(500_000)
    const dest = path.join(dir, 'usb-drive')
    await mkdir(dest)
    const m = manager()
    const item = m.enqueue(requestFor(name, body.length, dest))
    await waitForReceived(m, item.id, 200_000)
    // "Unplug the drive": the folder disappears from its path, with the partial inside it.
    await rename(dest, `${dest}-away`)
    const failed = await waitForState(m, item.id, 'failed', 'done')
    expect(failed.error?.code).toBe('folder_missing')
    expect(failed.error?.message).toMatch(/usb-drive is gone/)
    expect(failed.error?.message).toMatch(/press Retry to continue from the .* already downloaded/)
    const kept = (await stat(path.join(`${dest}-away`, path.basename(item.partPath)))).size
    expect(kept).toBeGreaterThan(0)

    await rename(`${dest}-away`, dest)
    server.throttle(0)
    m.retry(item.id)
    const done = await waitForState(m, item.id, 'done', 'failed')
    expect(done.state).toBe('done')
    expectSameBytes(await readFile(path.join(dest, name)), body)
    expect(rangeStarts(name).at(-1)).toBeGreaterThan(0)
  })

  it('after a restart with the drive unplugged, fails with "folder missing" instead of starting over elsewhere', async () => {
    const body = sqlGz(2_000_000)
    const name = 'usb-restart.sql.gz'
    server.put(name, body)
    server.throttle(500_000)
    const dest = path.join(dir, 'usb-restart')
    await mkdir(dest)
    const stateFile = path.join(dir, 'usb-state.json')
    const first = manager({ stateFile })
    const item = first.enqueue(requestFor(name, body.length, dest))
    await waitForReceived(first, item.id, 200_000)
    await first.close()
    await rename(dest, `${dest}-away`)

    server.throttle(0)
    const second = manager({ stateFile })
    await second.restore()
    const failed = await waitForState(second, item.id, 'failed', 'done')
    expect(failed.error?.code).toBe('folder_missing')
    expect(existsSync(dest)).toBe(false)
    const kept = (await stat(path.join(`${dest}-away`, path.basename(item.partPath)))).size
    expect(kept).toBeGreaterThan(0)
  })
})
