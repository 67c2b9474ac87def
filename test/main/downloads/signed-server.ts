/**
 * A small signed-link file server for download tests: HMAC-signed expiring URLs like an S3
 * presigned GET, Range / 206 / 416 / If-Range / ETag, and knobs to throttle, to cut a response
 * mid-stream while expiring every link handed out so far, and to replace a file's content.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ServedRequest {
  readonly name: string
  readonly method: string
  readonly range: string | null
  readonly ifRange: string | null
  status: number
  bytesSent: number
}

interface Served {
  readonly data: Buffer | null
  readonly file: string | null
  readonly size: number
  readonly etag: string
}

export interface SignedServer {
  readonly origin: string
  readonly requests: ServedRequest[]
  /** Adds or replaces a file served from memory (new content → new ETag). */
  put(name: string, data: Buffer): void
  /** Adds a file served from disk (for large files). */
  putFile(name: string, file: string): Promise<void>
  /** A signed URL valid for `ttlMs` (negative = already expired). */
  sign(name: string, ttlMs?: number): string
  /** Every URL signed before now is refused from now on. */
  expireAll(): void
  /** The next GET is cut after `bytes` body bytes (socket destroyed) and all links expire. */
  cutNextAfter(bytes: number): void
  /** Bytes per second per response (0 = unlimited). */
  throttle(bytesPerSecond: number): void
  /** Answer Range requests with the whole file (200), like a server without range support. */
  ignoreRanges(on: boolean): void
  close(): Promise<void>
}

/** Starts the server on 127.0.0.1:0. */
export async function startSignedServer(): Promise<SignedServer> {
  const secret = 'test-secret'
  const files = new Map<string, Served>()
  const requests: ServedRequest[] = []
  /** Links carry the generation they were signed in; expiring everything bumps it. */
  let generation = 0
  let cutAfter: number | null = null
  let rate = 0
  let noRanges = false
  let etagCounter = 0

  const sig = (name: string, expires: number, issued: number): string =>
    createHmac('sha256', secret).update(`${name}\n${expires}\n${issued}`).digest('hex')

  const server = http.createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy())
  })

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const name = decodeURIComponent(url.pathname.replace(/^\/dl\//, ''))
    const range = req.headers.range ?? null
    const ifRange = (req.headers['if-range'] as string | undefined) ?? null
    const record: ServedRequest = { name, method: req.method ?? 'GET', range, ifRange, status: 0, bytesSent: 0 }
    requests.push(record)
    const reply = (status: number, body: string, headers: Record<string, string> = {}): void => {
      record.status = status
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers })
      res.end(JSON.stringify(body))
    }
    const expires = Number(url.searchParams.get('expires'))
    const issued = Number(url.searchParams.get('issued'))
    const given = Buffer.from(url.searchParams.get('sig') ?? '', 'hex')
    const wanted = Buffer.from(sig(name, expires, issued), 'hex')
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted))
      return reply(403, 'Request has invalid signature.')
    if (Date.now() > expires || issued < generation) return reply(403, 'Request has expired.')
    const file = files.get(name)
    if (!file) return reply(404, 'No such backup.')

    let start = 0
    let end = file.size - 1
    let status = 200
    const match = range === null || noRanges ? null : /^bytes=(\d+)-(\d*)$/.exec(range)
    const rangeApplies = match !== null && (ifRange === null || ifRange === file.etag)
    if (match && rangeApplies) {
      start = Number(match[1])
      if (match[2] !== '') end = Math.min(end, Number(match[2]))
      if (start >= file.size) return reply(416, 'Range not satisfiable.', { 'Content-Range': `bytes */${file.size}` })
      status = 206
    }
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(end - start + 1),
      'Accept-Ranges': 'bytes',
      ETag: file.etag,
    }
    if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${file.size}`
    record.status = status
    res.writeHead(status, headers)
    if (req.method === 'HEAD') return void res.end()

    const cut = cutAfter
    cutAfter = null
    {
      const source =
        file.data !== null
          ? chunksOf(file.data, start, end)
          : createReadStream(file.file ?? '', { start, end, highWaterMark: 256 * 1024 })
      const began = Date.now()
      for await (const chunk of source as AsyncIterable<Buffer>) {
        if (res.destroyed) return
        let piece = chunk
        if (cut !== null && record.bytesSent + piece.length >= cut) {
          piece = piece.subarray(0, cut - record.bytesSent)
          record.bytesSent += piece.length
          await write(res, piece)
          generation += 1
          res.socket?.destroy()
          return
        }
        record.bytesSent += piece.length
        if (!(await write(res, piece))) return
        if (rate > 0) {
          const due = began + (record.bytesSent / rate) * 1000
          const wait = due - Date.now()
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
        }
      }
      res.end()
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`

  return {
    origin,
    requests,
    put(name, data) {
      etagCounter += 1
      files.set(name, { data, file: null, size: data.length, etag: `"v${etagCounter}-${data.length}"` })
    },
    async putFile(name, file) {
      const { size, mtimeMs } = await stat(file)
      files.set(name, { data: null, file, size, etag: `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"` })
    },
    sign(name, ttlMs = 60_000) {
      const expires = Date.now() + ttlMs
      const issued = generation
      return `${origin}/dl/${encodeURIComponent(name)}?expires=${expires}&issued=${issued}&sig=${sig(name, expires, issued)}`
    },
    expireAll() {
      generation += 1
    },
    cutNextAfter(bytes) {
      cutAfter = bytes
    },
    throttle(bytesPerSecond) {
      rate = bytesPerSecond
    },
    ignoreRanges(on) {
      noRanges = on
    },
    close() {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

function* chunksOf(data: Buffer, start: number, end: number): Generator<Buffer> {
  const size = 16 * 1024
  for (let at = start; at <= end; at += size) yield data.subarray(at, Math.min(end + 1, at + size))
}

function write(res: http.ServerResponse, chunk: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve(false)
    if (res.write(chunk)) return resolve(true)
    const onDrain = (): void => {
      res.off('close', onClose)
      resolve(true)
    }
    const onClose = (): void => {
      res.off('drain', onDrain)
      resolve(false)
    }
    res.once('drain', onDrain)
    res.once('close', onClose)
  })
}
