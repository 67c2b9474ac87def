import { createWriteStream, existsSync } from 'node:fs'
import { readFile, readdir, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { Writable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DownloadManager } from '../../../src/main/downloads/manager'
import { createNodeTransport } from '../../../src/main/downloads/node-transport'
import { expectSameBytes, requestFor, servedRequests, sqlGz, tempDir, waitForState } from './helpers'
import { startSignedServer } from './signed-server'
import type { SignedServer } from './signed-server'

let server: SignedServer
let dir: string
let cleanup: () => Promise<void>

beforeEach(async () => {
  server = await startSignedServer()
  ;({ dir, cleanup } = await tempDir())
})

afterEach(async () => {
  await server.close()
  await cleanup()
})

/**
 * A disk with `room` bytes left: writes go to the real part file until the room runs out; the
 * write that meets the end stores what fits and fails with ENOSPC, the way fs.write does (a short
 * write, then the error). `room = Infinity` is a disk with space again.
 */
function diskWithRoom(state: { room: number }) {
  return (partPath: string, offset: number): Writable => {
    const file = createWriteStream(partPath, { flags: offset > 0 ? 'r+' : 'w', start: offset })
    return new Writable({
      write(chunk: Buffer, _encoding, callback) {
        if (chunk.length > state.room) {
          const fits = chunk.subarray(0, state.room)
          state.room = 0
          file.write(fits, () =>
            callback(
              Object.assign(new Error('ENOSPC: no space left on device, write'), {
                code: 'ENOSPC',
                errno: -28,
                syscall: 'write',
              }),
            ),
          )
          return
        }
        state.room -= chunk.length
        file.write(chunk, callback)
      },
      final(callback) {
        file.end(callback)
      },
      destroy(error, callback) {
        file.end(() => callback(error))
      },
    })
  }
}

describe('disk errors', () => {
  it('a full disk fails with a clear message, keeps the partial, and Retry continues from it', async () => {
    const body = sqlGz(1_000_000)
    const name = 'big.sql.gz'
    server.put(name, body)
    const disk = { room: 200_000 }
    const manager = new DownloadManager({
      stateFile: path.join(dir, 'downloads.json'),
      transport: createNodeTransport({ openSink: diskWithRoom(disk) }),
      getLink: async (request) => server.sign(request.filename),
      retry: { baseDelayMs: 10, maxDelayMs: 50 },
    })
    try {
      const item = manager.enqueue(requestFor(name, body.length, dir))
      const failed = await waitForState(manager, item.id, 'failed', 'done')
      expect(failed.error?.code).toBe('disk_full')
      expect(failed.error?.message).toMatch(
        /^The disk is full: free at least [\d.]+ KiB on the drive that holds .* and press Retry; the [\d.]+ KiB already downloaded are kept\.$/,
      )
      const kept = (await stat(item.partPath)).size
      expect(kept).toBeGreaterThan(100_000)
      expect(kept).toBeLessThanOrEqual(200_000)
      expect(existsSync(path.join(dir, name))).toBe(false)

      disk.room = Number.POSITIVE_INFINITY
      manager.retry(item.id)
      const done = await waitForState(manager, item.id, 'done', 'failed')
      expect(done.state).toBe('done')
      expectSameBytes(await readFile(path.join(dir, name)), body)
      const resumed = servedRequests(server, name).at(-1)
      expect(resumed?.range).toBe(`bytes=${kept}-`)
    } finally {
      await manager.close()
    }
  })

  it('a folder deleted mid-download fails with a clear error instead of writing into nowhere', async () => {
    const body = sqlGz(2_000_000)
    const name = 'gone.sql.gz'
    server.put(name, body)
    server.throttle(2_000_000)
    const dest = path.join(dir, 'chosen')
    const manager = new DownloadManager({
      stateFile: path.join(dir, 'downloads.json'),
      transport: createNodeTransport(),
      getLink: async (request) => server.sign(request.filename),
      watchIntervalMs: 50,
    })
    try {
      const item = manager.enqueue(requestFor(name, body.length, dest))
      await waitForState(manager, item.id, 'downloading')
      await new Promise((resolve) => setTimeout(resolve, 150))
      await rm(dest, { recursive: true, force: true })
      const failed = await waitForState(manager, item.id, 'failed', 'done')
      expect(failed.error?.code).toBe('folder_missing')
      expect(failed.error?.message).toContain(`The folder ${dest} is gone`)
      // It did not quietly recreate the folder and start over.
      expect(existsSync(dest)).toBe(false)
      expect(await readdir(dir)).not.toContain('gone.sql.gz')
    } finally {
      await manager.close()
    }
  })
})
