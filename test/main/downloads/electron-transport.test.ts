/**
 * The Electron adapter against hand-written fakes of `electron` and `electron-dl`. The fake
 * electron-dl behaves like Chromium where it matters here: it writes the save path itself as
 * bytes arrive, reports progress, and deletes its file a moment after a cancel.
 */
import { createWriteStream, existsSync } from 'node:fs'
import { readFile, stat, unlink } from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CancelError } from 'electron-dl'
import type { BrowserWindow, DownloadItem as ElectronDownloadItem } from 'electron'
import {
  createElectronTransport,
  firstWindow,
  showDownloadInFolder,
} from '../../../src/main/downloads/electron-transport'
import { DownloadManager } from '../../../src/main/downloads/manager'
import { createNodeTransport } from '../../../src/main/downloads/node-transport'
import {
  expectSameBytes,
  requestFor,
  servedRequests,
  sha256Of,
  sqlGz,
  tempDir,
  waitForReceived,
  waitForState,
} from './helpers'
import { startSignedServer } from './signed-server'
import type { SignedServer } from './signed-server'

interface DownloadCall {
  readonly url: string
  readonly options: {
    directory: string
    filename: string
    overwrite: boolean
    onStarted?: (item: unknown) => void
    onProgress?: (p: unknown) => void
  }
}

const fakes = vi.hoisted(() => ({
  calls: [] as DownloadCall[],
  items: [] as { cancelled: boolean; paused: boolean }[],
  shown: [] as string[],
  windows: [] as unknown[],
  download: null as null | ((window: unknown, url: string, options: DownloadCall['options']) => Promise<unknown>),
}))

vi.mock('electron', () => ({
  BrowserWindow: { getAllWindows: () => fakes.windows },
  shell: { showItemInFolder: (file: string) => fakes.shown.push(file) },
}))

vi.mock('electron-dl', () => {
  class CancelError extends Error {}
  return {
    CancelError,
    download: (window: unknown, url: string, options: DownloadCall['options']) => {
      if (fakes.download === null) throw new Error('no fake download installed')
      return fakes.download(window, url, options)
    },
  }
})

/** Chromium as electron-dl drives it, reduced to what the adapter relies on. */
function fakeChromiumDownload(_window: unknown, url: string, options: DownloadCall['options']): Promise<unknown> {
  fakes.calls.push({ url, options })
  const record = { cancelled: false, paused: false }
  fakes.items.push(record)
  return new Promise((resolve, reject) => {
    const savePath = path.join(options.directory, options.filename)
    let state: 'progressing' | 'completed' | 'cancelled' | 'interrupted' = 'progressing'
    let received = 0
    let total = 0
    let etag = ''
    let response: http.IncomingMessage | null = null
    const file = createWriteStream(savePath)
    file.on('error', () => undefined) // writes racing a cancel
    const item = {
      getETag: () => etag,
      getTotalBytes: () => total,
      getReceivedBytes: () => received,
      getState: () => state,
      getSavePath: () => savePath,
      isPaused: () => record.paused,
      pause: () => {
        record.paused = true
        response?.pause()
      },
      resume: () => {
        record.paused = false
        response?.resume()
      },
      cancel: () => {
        if (state !== 'progressing') return
        state = 'cancelled'
        record.cancelled = true
        response?.unpipe(file)
        response?.destroy()
        file.destroy()
        // Chromium deletes its file on its own file thread, after telling observers.
        setTimeout(() => void unlink(savePath).catch(() => undefined), 40)
        reject(new CancelError())
      },
    }
    http.get(url, (res) => {
      response = res
      if (res.statusCode !== 200) {
        state = 'interrupted'
        res.resume()
        reject(new Error(`The download of ${options.filename} was interrupted`))
        return
      }
      total = Number(res.headers['content-length'])
      etag = String(res.headers.etag ?? '')
      options.onStarted?.(item)
      res.on('data', (chunk: Buffer) => {
        received += chunk.length
        options.onProgress?.({ percent: received / total, transferredBytes: received, totalBytes: total })
      })
      res.on('aborted', () => {
        if (state !== 'progressing') return
        state = 'interrupted'
        reject(new Error(`The download of ${options.filename} was interrupted`))
      })
      res.pipe(file)
      file.on('finish', () => {
        if (state === 'progressing' && received === total) {
          state = 'completed'
          resolve(item)
        }
      })
    })
  })
}

interface FakeWindow {
  readonly progress: number[]
  isDestroyed(): boolean
  setProgressBar(value: number): void
}

function fakeWindow(): FakeWindow {
  const progress: number[] = []
  return { progress, isDestroyed: () => false, setProgressBar: (value: number) => void progress.push(value) }
}

let server: SignedServer
let dir: string
let cleanup: () => Promise<void>
let manager: DownloadManager | null = null

beforeEach(async () => {
  server = await startSignedServer()
  ;({ dir, cleanup } = await tempDir())
  fakes.calls.length = 0
  fakes.items.length = 0
  fakes.shown.length = 0
  fakes.download = fakeChromiumDownload
})

afterEach(async () => {
  await manager?.close()
  manager = null
  await server.close()
  await cleanup()
})

function electronManager(window: FakeWindow | null): DownloadManager {
  manager = new DownloadManager({
    stateFile: path.join(dir, 'downloads.json'),
    transport: createElectronTransport({
      getWindow: () => window as unknown as BrowserWindow | null,
      resumeTransport: createNodeTransport(),
    }),
    getLink: async (request) => server.sign(request.filename),
    retry: { baseDelayMs: 10, maxDelayMs: 50 },
  })
  return manager
}

describe('Electron transport (electron-dl adapter)', () => {
  it('downloads a fresh part through electron-dl into the hidden part file, then the manager verifies it', async () => {
    const body = sqlGz(300_000)
    server.put('db.sql.gz', body)
    const m = electronManager(fakeWindow())
    const item = m.enqueue(requestFor('db.sql.gz', body.length, dir))
    const done = await waitForState(m, item.id, 'done', 'failed')
    expect(done.error).toBeNull()
    expect(fakes.calls).toHaveLength(1)
    expect(fakes.calls[0]?.options).toMatchObject({
      directory: dir,
      filename: path.basename(item.partPath),
      overwrite: true,
    })
    expectSameBytes(await readFile(path.join(dir, 'db.sql.gz')), body)
    // Chromium wrote the bytes, so the check read the finished part file once.
    expect(done.sha256).toBe(sha256Of(body))
  })

  it('pause keeps the bytes Chromium wrote (although Chromium deletes its copy) and resume continues with Range via Node', async () => {
    const body = sqlGz(2_000_000)
    const name = 'pause.sql.gz'
    server.put(name, body)
    server.throttle(2_000_000)
    const window = fakeWindow()
    const m = electronManager(window)
    const item = m.enqueue(requestFor(name, body.length, dir))
    await waitForReceived(m, item.id, 200_000)
    m.pause(item.id)
    // Past Chromium's delayed delete of its file.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(fakes.items[0]).toMatchObject({ paused: true, cancelled: true })
    const kept = (await stat(item.partPath)).size
    expect(kept).toBeGreaterThan(0)
    expect(existsSync(`${item.partPath}.rescue`)).toBe(false)

    server.throttle(0)
    m.resume(item.id)
    const done = await waitForState(m, item.id, 'done', 'failed')
    expect(done.error).toBeNull()
    expectSameBytes(await readFile(path.join(dir, name)), body)
    expect(done.sha256).toBe(sha256Of(body))
    expect(fakes.calls).toHaveLength(1) // the resume did not go through Chromium
    expect(servedRequests(server, name).at(-1)?.range).toBe(`bytes=${kept}-`)
    // The adapter drives the taskbar bar for Node resumes and clears it at the end.
    expect(window.progress.some((v) => v > 0 && v < 1)).toBe(true)
    expect(window.progress.at(-1)).toBe(-1)
  })

  it('a link cut mid-download in Chromium continues from the bytes on disk with a fresh link', async () => {
    const body = sqlGz(2_000_000)
    const name = 'cut.sql.gz'
    server.put(name, body)
    server.throttle(4_000_000)
    server.cutNextAfter(300_000)
    const m = electronManager(fakeWindow())
    const item = m.enqueue(requestFor(name, body.length, dir))
    const done = await waitForState(m, item.id, 'done', 'failed')
    expect(done.error).toBeNull()
    expectSameBytes(await readFile(path.join(dir, name)), body)
    expect(done.sha256).toBe(sha256Of(body))
    const resumed = server.requests.filter((r) => r.name === name && r.range !== null)
    expect(resumed.length).toBeGreaterThanOrEqual(1)
    expect(resumed[0]?.status).toBe(206)
  })

  it('cancel cancels the Chromium item and the partial file is gone', async () => {
    const body = sqlGz(2_000_000)
    server.put('c.sql.gz', body)
    server.throttle(1_000_000)
    const m = electronManager(fakeWindow())
    const item = m.enqueue(requestFor('c.sql.gz', body.length, dir))
    await waitForReceived(m, item.id, 100_000)
    await m.cancel(item.id)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(fakes.items[0]?.cancelled).toBe(true)
    expect(existsSync(item.partPath)).toBe(false)
    expect(m.get(item.id)?.state).toBe('cancelled')
  })

  it('without a window the Node transport does the work', async () => {
    const body = sqlGz(100_000)
    server.put('nowin.sql.gz', body)
    const m = electronManager(null)
    const done = await waitForState(m, m.enqueue(requestFor('nowin.sql.gz', body.length, dir)).id, 'done', 'failed')
    expect(done.state).toBe('done')
    expect(fakes.calls).toHaveLength(0)
  })

  it('shows a finished file in its folder through shell.showItemInFolder', () => {
    showDownloadInFolder('/home/u/Downloads/Restore Desk/x.sql.gz')
    expect(fakes.shown).toEqual(['/home/u/Downloads/Restore Desk/x.sql.gz'])
    fakes.windows.length = 0
    expect(firstWindow()).toBeNull()
    const window = fakeWindow()
    fakes.windows.push(window)
    expect(firstWindow()).toBe(window)
  })

  it('a Chromium item that is already finished is left alone by the rescue', async () => {
    const { releaseKeepingBytes } = await import('../../../src/main/downloads/electron-transport')
    const calls: string[] = []
    const item = { getState: () => 'completed', pause: () => calls.push('pause'), cancel: () => calls.push('cancel') }
    await releaseKeepingBytes(item as unknown as ElectronDownloadItem, path.join(dir, 'x.part'), 100)
    expect(calls).toEqual([])
  })
})
