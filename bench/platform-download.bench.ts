/**
 * Download throughput of a >= 1 GiB backup over a signed link, streamed by the platform,
 * against `curl` reading the same URL and `cat file > /dev/null`, with the platform's peak
 * memory while it serves. The platform runs as a child process so its memory is its own.
 *
 * Setup: seeds a small demo, then puts a 1 GiB gzip (1 MiB of random data gzipped once and
 * repeated; concatenated gzip members are a valid gzip file) in place as dev's database and
 * takes a real backup of it with `do_export`, so the download is of a real catalog entry.
 */
import { spawn, execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startPlatform } from '../src/platform/index'
import { GIB, json, mbps, mib, ROOT, writeBigGzip } from './support'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- loosely read JSON replies
type Json = any
const exec = promisify(execFile)
async function vm(pid: number, key: 'VmHWM' | 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const match = new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)
  return match ? Number(match[1]) * 1024 : 0
}

function downloadWithNode(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      if (res.statusCode !== 200) reject(new Error(`download: ${res.statusCode}`))
      let bytes = 0
      res.on('data', (chunk: Buffer) => (bytes += chunk.length))
      res.on('end', () => resolve(bytes))
      res.on('error', reject)
    }).on('error', reject)
  })
}

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = process.hrtime.bigint()
  const value = await work()
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, value }
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rd-bench-download-'))
  let child: ReturnType<typeof spawn> | undefined
  try {
    // Seed in-process, then hand the folder to a separate platform process.
    const seeding = await startPlatform({ dataDir: dir, seed: 'demo', seedScale: 'small', machineToken: 'bench' })
    await seeding.close()
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as {
      sites: Array<{ id: string; name: string }>
    }
    const site = state.sites[0]
    if (!site) throw new Error('seed made no site')
    const big = join(dir, 'sites', site.id, 'envs', 'dev', 'database.sql.gz')
    const size = await writeBigGzip(big)

    child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/platform/cli.ts'), '--data', dir, '--no-schedule'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    const pid = child.pid ?? 0
    const url = await new Promise<string>((resolve, reject) => {
      let out = ''
      child?.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const match = /Platform listening on (\S+)/.exec(out)
        if (match?.[1]) resolve(match[1])
      })
      child?.once('exit', (code) => reject(new Error(`platform exited ${code}`)))
    })
    const login = await json<Json>(`${url}/api/authorize/machine-token`, {
      method: 'POST',
      body: JSON.stringify({ machine_token: 'bench' }),
    })
    const headers = { Authorization: `Bearer ${login.session}`, 'Content-Type': 'application/json' }
    const api = `${url}/api/sites/${site.id}`
    const wf = await json<Json>(`${api}/environments/dev/workflows`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'do_export', params: { database: true, ttl: 3600 } }),
    })
    let state2 = wf
    while (state2.result === null) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      state2 = await json<Json>(`${api}/workflows/${wf.id}`, { headers })
    }
    if (state2.result !== 'succeeded') throw new Error(`do_export failed: ${state2.final_task.reason}`)
    const catalog = await json<Json>(`${api}/environments/dev/backups/catalog`, { headers })
    const entry = Object.values(catalog as Record<string, Json>).find((e) => e.size >= GIB)
    if (!entry) throw new Error('no 1 GiB backup in the catalog')
    const link = (
      await json<Json>(`${api}/environments/dev/backups/catalog/${entry.folder}/database/s3token`, {
        method: 'POST',
        headers,
        body: '{"method":"get"}',
      })
    ).url as string
    const file = join(dir, 'sites', site.id, 'envs', 'dev', 'backups', entry.folder, entry.filename)

    await exec('bash', ['-c', `cat "${file}" > /dev/null`]) // warm the page cache for every reader alike
    const rssBefore = await vm(pid, 'VmRSS')
    let rssPeakDuring = rssBefore
    const sampler = setInterval(() => {
      void vm(pid, 'VmRSS').then(
        (rss) => (rssPeakDuring = Math.max(rssPeakDuring, rss)),
        () => undefined,
      )
    }, 20)
    const platformRun = await timed(() => downloadWithNode(link))
    const curlRun = await timed(() =>
      exec('curl', ['-s', '-o', '/dev/null', '-w', '%{size_download}', link]).then(({ stdout }) => Number(stdout)),
    )
    clearInterval(sampler)
    const catRun = await timed(() => exec('bash', ['-c', `cat "${file}" > /dev/null`]))
    const hwm = await vm(pid, 'VmHWM')
    if (platformRun.value !== entry.size || curlRun.value !== entry.size) throw new Error('a download came back short')

    console.log(`   backup: ${entry.filename} (${mib(size)})`)
    console.log(
      `   platform link -> node client: ${mbps(entry.size, platformRun.seconds)}  (${platformRun.seconds.toFixed(2)} s)`,
    )
    console.log(
      `   platform link -> curl:        ${mbps(entry.size, curlRun.seconds)}  (${curlRun.seconds.toFixed(2)} s)`,
    )
    console.log(
      `   cat file > /dev/null:         ${mbps(entry.size, catRun.seconds)}  (${catRun.seconds.toFixed(2)} s)`,
    )
    console.log(
      `   ratio node-client/cat: ${(catRun.seconds / platformRun.seconds).toFixed(2)}   curl/cat: ${(catRun.seconds / curlRun.seconds).toFixed(2)}   node-client/curl: ${(curlRun.seconds / platformRun.seconds).toFixed(2)}`,
    )
    console.log(
      `   platform RSS: before ${mib(rssBefore)}, peak while serving ${mib(rssPeakDuring)}, VmHWM (whole life) ${mib(hwm)}`,
    )
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM')
      await new Promise((resolve) => child?.once('exit', resolve))
    }
    await rm(dir, { recursive: true, force: true })
  }
}
