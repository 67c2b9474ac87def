/**
 * The upload step's progress: bytes, a rate and the time left once the rate is known, at most
 * four reports a second however often the socket takes bytes, and a cancel said as such.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EventHub } from '../../../src/main/events'
import { StagingStore } from '../../../src/main/imports/staging'
import { convertedName, createUploadStepRunner } from '../../../src/main/imports/upload-step'
import type { putFile } from '../../../src/main/imports/upload'
import type { JobStepProgress } from '../../../src/shared/jobs'

let dir: string
let staging: StagingStore
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rd-upload-step-'))
  staging = new StagingStore({ root: path.join(dir, 'imports'), events: new EventHub() })
  await staging.load(new Set())
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const SIZE = 10_000_000
const client = {
  createUpload: async () => ({ url: 'http://127.0.0.1:9/put', downloadUrl: 'http://127.0.0.1:9/get', expiresAt: null }),
}

describe('the upload step', () => {
  it('reports bytes, rate and time left at most four times a second', async () => {
    const staged = await staging.stageStream('dump.sql.gz', SIZE, Readable.from([Buffer.alloc(SIZE)]), SIZE)
    let now = 0
    // 1 MB every 50 ms: 20 MB/s, for 10 chunks.
    const put: typeof putFile = async (_url, _file, _size, options) => {
      for (let sent = 1_000_000; sent <= SIZE; sent += 1_000_000) {
        now += 50
        options?.onProgress?.(sent)
      }
      return { status: 200, body: '{}' }
    }
    const reports: JobStepProgress[] = []
    const runner = createUploadStepRunner({
      staging,
      convert: async () => 'sql.gz' as const,
      now: () => now,
      put,
    })
    await runner.run({
      client,
      siteId: 's1',
      env: 'dev',
      request: {
        type: 'upload',
        element: 'database',
        token: staged.token,
        name: 'dump.sql.gz',
        size: SIZE,
        convert: null,
        maxUncompressedBytes: 16 * SIZE,
      },
      signal: new AbortController().signal,
      onProgress: (p) => reports.push(p),
    })
    const transfers = reports.map((r) => r.transfer!)
    // The first (0 bytes), then one each 250 ms of the 500 ms, and the last: not one per chunk.
    expect(transfers.map((t) => t.sent)).toEqual([0, 5_000_000, SIZE])
    expect(reports.every((r) => r.activity === 'Uploading dump.sql.gz')).toBe(true)
    expect(transfers[0]).toMatchObject({ bytesPerSecond: null, secondsLeft: null })
    expect(transfers[1]!.bytesPerSecond).toBeGreaterThan(15_000_000)
    expect(transfers[1]!.secondsLeft).toBe(Math.ceil(5_000_000 / transfers[1]!.bytesPerSecond!))
    expect(transfers[2]).toMatchObject({ sent: SIZE, total: SIZE, secondsLeft: 0 })
  })

  it('says an upload stopped by its signal was cancelled', async () => {
    const staged = await staging.stageStream('dump.sql.gz', 4, Readable.from([Buffer.from('abcd')]), 10)
    const controller = new AbortController()
    const put: typeof putFile = async () => {
      controller.abort()
      throw new Error('socket hang up')
    }
    const runner = createUploadStepRunner({ staging, convert: async () => 'sql.gz' as const, put })
    await expect(
      runner.run({
        client,
        siteId: 's1',
        env: 'dev',
        request: {
          type: 'upload',
          element: 'database',
          token: staged.token,
          name: 'dump.sql.gz',
          size: 4,
          convert: null,
          maxUncompressedBytes: 64,
        },
        signal: controller.signal,
        onProgress: () => {},
      }),
    ).rejects.toMatchObject({ code: 'cancelled', message: 'the upload was cancelled' })
  })

  it('names a converted file by its own name with the gzip form’s extension', () => {
    expect(convertedName('dump.sql', 'sql.gz')).toBe('dump.sql.gz')
    expect(convertedName('db.sql.zip', 'sql.gz')).toBe('db.sql.gz')
    expect(convertedName('db.zip', 'sql.gz')).toBe('db.sql.gz')
    expect(convertedName('site-files.ZIP', 'tar.gz')).toBe('site-files.tar.gz')
    expect(convertedName('files.tar', 'tar.gz')).toBe('files.tar.gz')
  })
})
