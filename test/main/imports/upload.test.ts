/**
 * The upload PUT against a real HTTP server on 127.0.0.1: exactly `size` bytes arrive with
 * their Content-Length and the progress follows them; a cancel stops it; a refused link (403,
 * 409, 413) and a connection that breaks off say what happened and what to do.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { putFile } from '../../../src/main/imports/upload'

let dir: string
let file: string
const content = Buffer.alloc(3 * 1024 * 1024 + 17)
for (let i = 0; i < content.length; i += 1) content[i] = (i * 31) % 251

const closers: (() => Promise<void>)[] = []
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rd-upload-'))
  file = path.join(dir, 'dump.sql.gz')
  await writeFile(file, content)
})
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
  await rm(dir, { recursive: true, force: true })
})

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/links/uploads/u1/dump.sql.gz?sig=abc`
}

/** A server that keeps what it received and answers as the platform does. */
function receiving(into: { length?: string; sha?: string; bytes?: number }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    into.length = req.headers['content-length']
    const hash = createHash('sha256')
    let bytes = 0
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk)
      bytes += chunk.length
    })
    req.on('end', () => {
      into.sha = hash.digest('hex')
      into.bytes = bytes
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ size: bytes, filename: 'dump.sql.gz' }))
    })
  }
}

describe('putFile', () => {
  it('sends exactly the file with its Content-Length, reporting the bytes as they go', async () => {
    const received: { length?: string; sha?: string; bytes?: number } = {}
    const url = await serve(receiving(received))
    const sent: number[] = []
    const result = await putFile(url, file, content.length, { onProgress: (n) => sent.push(n) })
    expect(result.status).toBe(200)
    expect(JSON.parse(result.body)).toEqual({ size: content.length, filename: 'dump.sql.gz' })
    expect(received).toEqual({
      length: String(content.length),
      bytes: content.length,
      sha: createHash('sha256').update(content).digest('hex'),
    })
    expect(sent.at(-1)).toBe(content.length)
    expect(sent).toEqual([...sent].sort((a, b) => a - b))
  })

  it('sends only the first `size` bytes, and refuses a file shorter than that', async () => {
    const received: { bytes?: number } = {}
    await putFile(await serve(receiving(received)), file, 1000)
    expect(received.bytes).toBe(1000)
    await expect(putFile(await serve(receiving({})), file, content.length + 10)).rejects.toMatchObject({
      code: 'changed',
      message: 'The file got shorter while it was being uploaded. Drop it again.',
    })
  })

  it('stops when cancelled, saying so', async () => {
    // The server reads nothing, so the upload stalls on back-pressure until it is cancelled.
    const url = await serve((req) => req.pause())
    const controller = new AbortController()
    const upload = putFile(url, file, content.length, { signal: controller.signal })
    setTimeout(() => controller.abort(), 100)
    await expect(upload).rejects.toMatchObject({ code: 'cancelled', message: 'the upload was cancelled' })
  })

  it.each([
    [
      403,
      'This link has expired; ask the platform for a new one.',
      /refused the upload link \(403: "This link has expired.*Start the import again for a new link\./,
    ],
    [409, 'This upload link has been used.', /has taken an upload already\. Start the import again for a new link\./],
    [
      413,
      'The upload is larger than the 1 KiB it declared.',
      /refused the upload as too large \(413: "The upload is larger/,
    ],
  ])('says what a %i refusal means and what to do', async (status, said, expected) => {
    const url = await serve((req, res) => {
      req.resume()
      res.writeHead(status, { 'Content-Type': 'application/json', Connection: 'close' })
      res.end(JSON.stringify(said))
    })
    await expect(putFile(url, file, content.length)).rejects.toMatchObject({ message: expect.stringMatching(expected) })
  })

  it('says the upload broke off when the connection drops', async () => {
    const url = await serve((req) => {
      let bytes = 0
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        if (bytes > 100_000) req.socket.destroy()
      })
    })
    await expect(putFile(url, file, content.length)).rejects.toMatchObject({
      code: 'upload_failed',
      message: expect.stringMatching(
        /^The upload to 127\.0\.0\.1:\d+ broke off after .* of 3\.0 MiB \(.+\)\. Start the import again\.$/,
      ),
    })
  })
})
