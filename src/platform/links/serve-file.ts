/**
 * Serves one file for a signed GET/HEAD link: Content-Length, ETag, Accept-Ranges and a
 * single byte Range (206, or 416 when it cannot be satisfied). The body is streamed from
 * disk with a read stream, so memory stays constant whatever the file size.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { pipeline } from 'node:stream/promises'
import { sendError } from '../http'

/** Parses a single `bytes=` range against `size`; `null` = unsatisfiable, `undefined` = none/ignored. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | undefined {
  if (!header) return undefined
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match) return undefined // multiple or malformed ranges: serve the whole file
  const [, from, to] = match
  if (from === '' && to === '') return undefined
  if (from === '') {
    const suffix = Number(to)
    if (suffix === 0 || size === 0) return null
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(from)
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1)
  if (start >= size || end < start) return null
  return { start, end }
}

/** Sends `file` as `application/octet-stream` with range support. */
export async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  downloadName: string,
): Promise<void> {
  const info = await stat(file)
  const size = info.size
  const etag = `"${size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`
  const headers: Record<string, string> = {
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Last-Modified': info.mtime.toUTCString(),
    'Content-Type': downloadName.endsWith('.gz') ? 'application/gzip' : 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${downloadName.replaceAll('"', '')}"`,
    'Cache-Control': 'private, no-cache',
  }
  if (req.headers['if-none-match'] === etag && !req.headers.range) {
    res.writeHead(304, headers)
    res.end()
    return
  }
  const ifRange = req.headers['if-range']
  const range = ifRange && ifRange !== etag ? undefined : parseRange(req.headers.range, size)
  if (range === null) {
    sendError(
      res,
      416,
      `The requested range is outside the file (${size} bytes); ask for bytes 0-${Math.max(0, size - 1)}.`,
      {
        'Content-Range': `bytes */${size}`,
        'Accept-Ranges': 'bytes',
      },
    )
    return
  }
  const start = range?.start ?? 0
  const end = range?.end ?? size - 1
  const length = size === 0 ? 0 : end - start + 1
  headers['Content-Length'] = String(length)
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`
  res.writeHead(range ? 206 : 200, headers)
  if (req.method === 'HEAD' || length === 0) {
    res.end()
    return
  }
  await pipeline(createReadStream(file, { start, end, highWaterMark: 1024 * 1024 }), res)
}
