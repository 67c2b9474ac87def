/**
 * Imports on a 1 GiB files `.tar.gz`: the inspection (`inspectImport`, the app's check before it
 * sends a byte) against `cat file > /dev/null` on the same file (and GNU `tar tzf`, for scale:
 * inflating bounds both), with the inspection's peak memory; then the upload, a Node streamed PUT to an embedded platform's upload link against
 * `curl -T` to another link of the same platform, which runs as a child process.
 *
 * The archive is generated once into a temp folder, quickly and incompressible: gzip members
 * (a valid gzip of their concatenation) of tar headers and of 1 MiB of random data gzipped once
 * and repeated, 256 files of 4 MiB under one top folder, about 1 GiB compressed.
 */
import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, open, readFile, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { Header } from 'tar'
import { inspectImport } from '../src/lib/archives/index'
import { startPlatform } from '../src/platform/index'
import { GIB, json, mbps, mib, ROOT } from './support'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- loosely read JSON replies
type Json = any
const exec = promisify(execFile)

const FILES = 256
const FILE_BYTES = 4 * 1024 * 1024

function tarHeader(path: string, size: number, type: 'File' | 'Directory'): Buffer {
  const block = Buffer.alloc(512)
  new Header({ path, size, type, mode: type === 'File' ? 0o644 : 0o755, mtime: new Date() }).encode(block)
  return block
}

/** Writes the ~1 GiB files archive and returns its size. */
async function writeFilesArchive(file: string): Promise<number> {
  const block = gzipSync(randomBytes(1024 * 1024), { level: 1 })
  const handle = await open(file, 'w')
  let size = 0
  const write = async (bytes: Buffer): Promise<void> => {
    await handle.write(bytes)
    size += bytes.length
  }
  try {
    await write(gzipSync(tarHeader('files_live/', 0, 'Directory')))
    for (let i = 0; i < FILES; i += 1) {
      await write(gzipSync(tarHeader(`files_live/uploads/${i % 16}/photo-${i}.jpg`, FILE_BYTES, 'File')))
      for (let part = 0; part < FILE_BYTES / (1024 * 1024); part += 1) await write(block)
    }
    await write(gzipSync(Buffer.alloc(1024)))
  } finally {
    await handle.close()
  }
  return size
}

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = process.hrtime.bigint()
  const value = await work()
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, value }
}

/** Inspects while sampling this process's resident memory; the peak and the value before. */
async function inspectWithMemory(file: string, size: number) {
  const before = process.memoryUsage().rss
  let peak = before
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10)
  try {
    const run = await timed(() => inspectImport(file, { maxBytes: 2 * GIB, maxUncompressedBytes: 32 * GIB }))
    peak = Math.max(peak, process.memoryUsage().rss)
    if (!run.value.ok) throw new Error(`the archive was refused: ${JSON.stringify(run.value.refusal)}`)
    const detail = run.value.detail
    if (detail.kind !== 'files' || detail.fileCount !== FILES || detail.totalBytes !== FILES * FILE_BYTES)
      throw new Error(`unexpected inspection: ${JSON.stringify(detail)}`)
    return { ...run, before, peak, size }
  } finally {
    clearInterval(sampler)
  }
}

function putWithNode(url: string, file: string, size: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'Content-Length': String(size) } }, (res) => {
      res.resume()
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PUT: ${res.statusCode}`))))
    })
    req.on('error', reject)
    pipeline(createReadStream(file, { highWaterMark: 256 * 1024 }), req).catch(reject)
  })
}

async function startChildPlatform(dir: string) {
  const seeding = await startPlatform({ dataDir: dir, seed: 'demo', seedScale: 'small', machineToken: 'bench' })
  await seeding.close()
  const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as { sites: Array<{ id: string }> }
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/platform/cli.ts'), '--data', dir, '--no-schedule'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /Platform listening on (\S+)/.exec(out)
      if (match?.[1]) resolve(match[1])
    })
    child.once('exit', (code) => reject(new Error(`platform exited ${code}`)))
  })
  const login = await json<Json>(`${url}/api/authorize/machine-token`, {
    method: 'POST',
    body: JSON.stringify({ machine_token: 'bench' }),
  })
  const headers = { Authorization: `Bearer ${login.session}`, 'Content-Type': 'application/json' }
  const uploads = `${url}/api/sites/${state.sites[0]!.id}/environments/dev/uploads`
  return {
    child,
    link: async (filename: string, size: number): Promise<string> =>
      (await json<Json>(uploads, { method: 'POST', headers, body: JSON.stringify({ filename, size }) })).url as string,
  }
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rd-bench-import-'))
  let child: ReturnType<typeof spawn> | undefined
  try {
    const archive = join(dir, 'files.tar.gz')
    const size = await writeFilesArchive(archive)
    console.log(`   archive: ${mib(size)} compressed, ${FILES} files of ${mib(FILE_BYTES)} under files_live/`)

    await exec('bash', ['-c', `cat "${archive}" > /dev/null`]) // warm the page cache for every reader alike
    const cat = await timed(() => exec('bash', ['-c', `cat "${archive}" > /dev/null`]))
    const inspect = await inspectWithMemory(archive, size)
    console.log(
      `import: inspect iso/cat = ${(cat.seconds / inspect.seconds).toFixed(2)} (inspect ${mbps(size, inspect.seconds)}, cat ${mbps(size, cat.seconds)})`,
    )
    console.log(`import: inspect-memory peak = ${mib(inspect.peak)} (rss before ${mib(inspect.before)})`)
    const growth = inspect.peak - inspect.before
    console.log(
      `   resident memory grew by ${mib(growth)} while inspecting (${growth < 64 * 1024 * 1024 ? 'under' : 'OVER'} 64 MiB)`,
    )

    // For scale: GNU tar reading the same listing (gzip's inflating is what bounds both).
    const gnu = await timed(() => exec('tar', ['tzf', archive], { maxBuffer: 16 * 1024 * 1024 }))
    console.log(
      `   reference: GNU tar tzf ${mbps(size, gnu.seconds)} (inspect/tar = ${(gnu.seconds / inspect.seconds).toFixed(2)})`,
    )

    const platform = await startChildPlatform(join(dir, 'platform'))
    child = platform.child
    const nodeLink = await platform.link('node.tar.gz', size)
    const curlLink = await platform.link('curl.tar.gz', size)
    const node = await timed(() => putWithNode(nodeLink, archive, size))
    const curl = await timed(() =>
      exec('curl', ['-s', '-f', '-o', '/dev/null', '-T', archive, curlLink], { maxBuffer: 1024 * 1024 }),
    )
    const uploads = join(dir, 'platform', 'uploads')
    const stored = await exec('bash', ['-c', `find "${uploads}" -name '*.tar.gz' -size ${size}c | wc -l`])
    if (Number(stored.stdout.trim()) !== 2) throw new Error('an upload did not arrive whole')
    console.log(
      `import: upload node/curl = ${(curl.seconds / node.seconds).toFixed(2)} (node ${mbps(size, node.seconds)}, curl ${mbps(size, curl.seconds)})`,
    )
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM')
      await new Promise((resolve) => child?.once('exit', resolve))
    }
    await rm(dir, { recursive: true, force: true })
  }
}
