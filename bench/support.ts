/**
 * Shared pieces of the download benchmarks: the 1 GiB backup they download, the JSON calls they
 * make to the platform and how they print sizes and rates. Named without `.bench` so that
 * bench/run.ts does not run it as a benchmark.
 */
import { randomBytes } from 'node:crypto'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

/** One gibibyte, the least size of the benchmarked backup. */
export const GIB = 1024 ** 3

/** The repository's root folder. */
export const ROOT = join(import.meta.dirname, '..')

/** A JSON object as read from a platform reply. */
export interface Json {
  readonly [key: string]: unknown
}

/** Writes a valid gzip file of at least 1 GiB to `file` and returns its size in bytes. */
export async function writeBigGzip(file: string): Promise<number> {
  // 1 MiB of random data gzipped once and repeated: concatenated members are one valid gzip.
  const member = gzipSync(randomBytes(1024 * 1024), { level: 1 })
  const batch = Buffer.concat(Array.from({ length: 16 }, () => member))
  const handle = await open(file, 'w')
  let size = 0
  try {
    while (size < GIB) {
      await handle.write(batch)
      size += batch.length
    }
  } finally {
    await handle.close()
  }
  return size
}

/** Fetches `url` and returns its JSON body; throws with the status and body when it is not 2xx. */
export async function json<T = Json>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, init)
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

/** A rate in decimal megabytes per second, e.g. `950 MB/s`. */
export const mbps = (bytes: number, seconds: number): string => `${(bytes / 1e6 / seconds).toFixed(0)} MB/s`

/** A size in whole mebibytes, e.g. `1024 MiB`. */
export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`
