/**
 * Throughput and memory of the archive checks (src/lib/archives) on a >= 1 GiB .tar.gz, against
 * GNU `tar tzf` reading the same file and zlib alone (`checkGzipWhole`); then the listing of an
 * archive of 200,000 small files, where per-entry work and the listing's memory count.
 *
 * The big archive is built quickly from concatenated gzip members (a valid gzip of the
 * concatenation): a tar header for one 1 GiB file, the same gzipped 1 MiB of random data
 * repeated, then the end blocks. The check is fed from the file in 64 KiB pieces, as a download
 * would feed it.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { Header } from 'tar'
import { checkGzipWhole, createArchiveCheck, inspectTarGz } from '../src/lib/archives/index'
import { GIB, mbps, mib } from './support'

const exec = promisify(execFile)

function tarHeader(path: string, size: number, type: 'File' | 'Directory'): Buffer {
  const block = Buffer.alloc(512)
  new Header({ path, size, type, mode: 0o644, mtime: new Date(0) }).encode(block)
  return block
}

async function writeBigTarGz(file: string): Promise<number> {
  const member = gzipSync(randomBytes(1024 * 1024), { level: 1 })
  const batch = Buffer.concat(Array.from({ length: 16 }, () => member))
  const handle = await open(file, 'w')
  let size = 0
  try {
    const head = gzipSync(Buffer.concat([tarHeader('site/', 0, 'Directory'), tarHeader('site/big.bin', GIB, 'File')]))
    await handle.write(head)
    size += head.length
    for (let written = 0; written < GIB; written += 16 * 1024 * 1024) {
      await handle.write(batch)
      size += batch.length
    }
    const tail = gzipSync(Buffer.alloc(1024))
    await handle.write(tail)
    size += tail.length
  } finally {
    await handle.close()
  }
  return size
}

async function writeManyFilesTarGz(file: string, count: number): Promise<void> {
  const parts: Buffer[] = [tarHeader('site/', 0, 'Directory')]
  for (let i = 0; i < count; i += 1) {
    const body = Buffer.from(`file ${i}\n`)
    parts.push(
      tarHeader(`site/styles/${i % 100}/image-${i}.txt`, body.length, 'File'),
      body,
      Buffer.alloc(512 - body.length),
    )
  }
  parts.push(Buffer.alloc(1024))
  const handle = await open(file, 'w')
  try {
    await handle.write(gzipSync(Buffer.concat(parts), { level: 1 }))
  } finally {
    await handle.close()
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = process.hrtime.bigint()
  const value = await work()
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, value }
}

/** Feeds a file to the streaming check in 64 KiB pieces, as a download would. */
async function streamCheck(file: string): Promise<number> {
  const check = createArchiveCheck({ kind: 'tar.gz' })
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) {
    if (!check.write(chunk as Buffer)) await check.drained()
  }
  return (await check.finish()).uncompressedBytes
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rd-bench-archive-'))
  try {
    const big = join(dir, 'big.tar.gz')
    const size = await writeBigTarGz(big)
    console.log(`   archive: ${mib(size)} compressed, one 1024 MiB file inside`)
    const rssBefore = process.memoryUsage().rss

    const stream = await timed(() => streamCheck(big))
    console.log(
      `   createArchiveCheck, 64 KiB writes:  ${stream.seconds.toFixed(2)} s  ${mbps(size, stream.seconds)} compressed in`,
    )
    const inspect = await timed(() => inspectTarGz(big))
    console.log(`   inspectTarGz (file):               ${inspect.seconds.toFixed(2)} s  ${mbps(size, inspect.seconds)}`)
    const gunzip = await timed(() => checkGzipWhole(big))
    console.log(`   checkGzipWhole (zlib alone):       ${gunzip.seconds.toFixed(2)} s  ${mbps(size, gunzip.seconds)}`)
    const gnu = await timed(() => exec('tar', ['tzf', big]))
    console.log(`   GNU tar tzf:                       ${gnu.seconds.toFixed(2)} s  ${mbps(size, gnu.seconds)}`)
    console.log(`   resident memory grew by ${mib(Math.max(0, process.memoryUsage().rss - rssBefore))} over these runs`)
    await rm(big)

    const many = join(dir, 'many.tar.gz')
    await writeManyFilesTarGz(many, 200_000)
    const heapBefore = process.memoryUsage().heapUsed
    const listing = await timed(() => inspectTarGz(many))
    console.log(
      `   200,000 files: inspectTarGz ${listing.seconds.toFixed(2)} s (${listing.value.files} files, ${listing.value.dirs} folders), heap +${mib(Math.max(0, process.memoryUsage().heapUsed - heapBefore))} after`,
    )
    const gnuMany = await timed(() => exec('tar', ['tzf', many], { maxBuffer: 64 * 1024 * 1024 }))
    console.log(`   200,000 files: GNU tar tzf ${gnuMany.seconds.toFixed(2)} s`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
