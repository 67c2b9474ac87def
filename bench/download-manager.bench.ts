/**
 * The download manager's whole run on a >= 1 GiB backup part (transfer, and the checks made as
 * the bytes arrive: size, the whole gzip stream, sha256), against `curl` fetching the same signed
 * link to a file in the same run. The embedded platform runs as a child process (seeded there, so
 * this process's memory is the manager's own), holding a real catalog entry made by `do_export`
 * of a 1 GiB database gzip.
 *
 * Printed per round: curl -> file, and the manager's run split into the transfer (with its
 * checks) and what is left after the last byte (the gzip trailer, the rename); then the peak RSS
 * of this process during the manager runs (VmHWM after resetting it through
 * /proc/self/clear_refs; process.resourceUsage().maxRSS as a fallback), and last the one line
 * `download: verified-manager/curl-fetch = R` with R = curl seconds / manager seconds.
 */
import { spawn, execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { DownloadManager } from '../src/main/downloads/manager'
import { createNodeTransport } from '../src/main/downloads/node-transport'
import type { DownloadItem } from '../src/shared/downloads'
import { GIB, json, mbps, mib, ROOT, writeBigGzip } from './support'

const exec = promisify(execFile)
async function selfStatus(key: 'VmHWM' | 'VmRSS'): Promise<number | null> {
  try {
    const status = await readFile('/proc/self/status', 'utf8')
    const match = new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)
    return match ? Number(match[1]) * 1024 : null
  } catch {
    return null
  }
}

/** Resets VmHWM to the current RSS (Linux >= 4.0); false where not possible. */
async function resetPeak(): Promise<boolean> {
  try {
    await writeFile('/proc/self/clear_refs', '5')
    return true
  } catch {
    return false
  }
}

interface CatalogEntry {
  readonly folder: string
  readonly filename?: string
  readonly size: number
}

/** Where the big backup comes from: its catalog facts and a way to get fresh signed links. */
interface Source {
  readonly label: string
  readonly filename: string
  readonly folder: string
  readonly siteId: string
  readonly siteName: string
  readonly size: number
  readonly servedFile: string
  link(): Promise<string>
  close(): Promise<void>
}

function waitForLine(child: ReturnType<typeof spawn>, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ''
    const onData = (chunk: Buffer): void => {
      out += chunk.toString()
      const match = pattern.exec(out)
      if (match?.[1]) {
        child.stdout?.off('data', onData)
        resolve(match[1])
      }
    }
    child.stdout?.on('data', onData)
    child.once('exit', (code) => reject(new Error(`The server process exited with ${code}.`)))
  })
}

async function stopChild(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null) return
  child.kill('SIGTERM')
  await new Promise((resolve) => child.once('exit', resolve))
}

/**
 * The embedded platform in a child process, seeded there (so this process holds only the
 * manager), with a real `do_export` backup of a 1 GiB database.
 */
async function embeddedSource(dir: string): Promise<Source> {
  const data = join(dir, 'platform')
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'src/platform/cli.ts'),
      '--data',
      data,
      '--seed',
      'demo',
      '--seed-scale',
      'small',
      '--token',
      'bench',
      '--no-schedule',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  try {
    const url = await waitForLine(child, /Platform listening on (\S+)/)
    const state = JSON.parse(await readFile(join(data, 'state.json'), 'utf8')) as {
      sites: { id: string; name: string }[]
    }
    const site = state.sites[0]
    if (!site) throw new Error('The seed made no site.')
    await writeBigGzip(join(data, 'sites', site.id, 'envs', 'dev', 'database.sql.gz'))
    const login = await json<{ session: string }>(`${url}/api/authorize/machine-token`, {
      method: 'POST',
      body: JSON.stringify({ machine_token: 'bench' }),
    })
    const headers = { Authorization: `Bearer ${login.session}`, 'Content-Type': 'application/json' }
    const api = `${url}/api/sites/${site.id}`
    const started = await json<{ id: string }>(`${api}/environments/dev/workflows`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'do_export', params: { database: true, ttl: 3600 } }),
    })
    let workflow = await json<{ result: string | null; final_task?: { reason?: string } }>(
      `${api}/workflows/${started.id}`,
      { headers },
    )
    while (workflow.result === null) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      workflow = await json(`${api}/workflows/${started.id}`, { headers })
    }
    if (workflow.result !== 'succeeded')
      throw new Error(`do_export failed: ${workflow.final_task?.reason ?? 'no reason'}`)
    const catalog = await json<Record<string, CatalogEntry>>(`${api}/environments/dev/backups/catalog`, { headers })
    const entry = Object.values(catalog).find((e) => e.size >= GIB && e.filename !== undefined)
    if (!entry?.filename) throw new Error('No backup of at least 1 GiB in the catalog.')
    return {
      label: 'embedded platform (child process), real do_export backup',
      filename: entry.filename,
      folder: entry.folder,
      siteId: site.id,
      siteName: site.name,
      size: entry.size,
      servedFile: join(data, 'sites', site.id, 'envs', 'dev', 'backups', entry.folder, entry.filename),
      link: async () =>
        (
          await json<{ url: string }>(`${api}/environments/dev/backups/catalog/${entry.folder}/database/s3token`, {
            method: 'POST',
            headers,
            body: '{"method":"get"}',
          })
        ).url,
      close: () => stopChild(child),
    }
  } catch (error) {
    await stopChild(child)
    throw error
  }
}

/** Fallback while the embedded platform cannot start: the tests' signed-link server in a child process. */
async function testServerSource(dir: string): Promise<Source> {
  const filename = 'demo_dev_2026-01-01T00-00-00_UTC_database.sql.gz'
  const servedFile = join(dir, filename)
  const size = await writeBigGzip(servedFile)
  const script = [
    `import { startSignedServer } from ${JSON.stringify(join(ROOT, 'test/main/downloads/signed-server.ts'))}`,
    'import { createInterface } from "node:readline"',
    'const server = await startSignedServer()',
    `await server.putFile(${JSON.stringify(filename)}, ${JSON.stringify(servedFile)})`,
    'console.log("READY " + server.origin)',
    `for await (const line of createInterface({ input: process.stdin })) if (line === "sign") console.log("LINK " + server.sign(${JSON.stringify(filename)}))`,
  ].join('\n')
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  await waitForLine(child, /READY (\S+)/)
  return {
    label: 'signed-link test server (child process); the embedded platform could not start',
    filename,
    folder: '1767225600_backup',
    siteId: 'bench',
    siteName: 'demo',
    size,
    servedFile,
    link: async () => {
      const next = waitForLine(child, /LINK (\S+)\n/)
      child.stdin?.write('sign\n')
      const url = await next
      return url
    },
    close: () => stopChild(child),
  }
}

/** CPU seconds (user + system) of this process's finished children, from /proc/self/stat. */
async function childrenCpuSeconds(): Promise<number | null> {
  try {
    const stat = await readFile('/proc/self/stat', 'utf8')
    // Fields after the command name (which may hold spaces) start at field 3; cutime and cstime are 16 and 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[13]) + Number(fields[14])) / 100
  } catch {
    return null
  }
}

/** CPU seconds (user + system, every thread) of this process. */
function ownCpuSeconds(): number {
  const { userCPUTime, systemCPUTime } = process.resourceUsage()
  return (userCPUTime + systemCPUTime) / 1e6
}

interface Round {
  readonly curlSeconds: number
  /** CPU time curl used (null where /proc is missing). */
  readonly curlCpu: number | null
  /** CPU time this process used during the manager's run, all threads (zlib and file writes run in the threadpool). */
  readonly managerCpu: number
  /** Enqueue to the `verifying` state: the transfer, with the checks made as the bytes arrive. */
  readonly transferSeconds: number
  /** `verifying` to `done`: what is left of the checks after the last byte, and the rename. */
  readonly tailSeconds: number
  /** Enqueue to `done`: the manager's whole run. */
  readonly managerSeconds: number
  readonly peakRss: number | null
  readonly sha256: string
}

/** curl fetching a fresh signed link to a file, timed; the file is removed afterwards. */
async function curlRound(from: Source, dir: string): Promise<{ seconds: number; cpu: number | null }> {
  const out = join(dir, 'curl.out')
  const link = await from.link()
  const cpuBefore = await childrenCpuSeconds()
  const started = process.hrtime.bigint()
  const { stdout } = await exec('curl', ['-s', '-o', out, '-w', '%{size_download}', link])
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const cpuAfter = await childrenCpuSeconds()
  if (Number(stdout) !== from.size) throw new Error(`curl fetched ${stdout} of ${from.size} bytes.`)
  await rm(out)
  return { seconds, cpu: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore }
}

/** The download manager's whole run (transfer and verification to the final name), timed. */
async function managerRound(from: Source, dir: string, round: number): Promise<Omit<Round, 'curlSeconds' | 'curlCpu'>> {
  const dest = join(dir, `downloads-${round}`)
  await mkdir(dest)
  const manager = new DownloadManager({
    stateFile: join(dir, `downloads-${round}.json`),
    transport: createNodeTransport(),
    getLink: () => from.link(),
  })
  const canReset = await resetPeak()
  let verifyingAt = 0n
  const cpuStart = ownCpuSeconds()
  const runStart = process.hrtime.bigint()
  const done = await new Promise<DownloadItem>((resolve) => {
    manager.subscribe(({ item }) => {
      if (item.state === 'verifying' && verifyingAt === 0n) verifyingAt = process.hrtime.bigint()
      if (item.state === 'done' || item.state === 'failed') resolve(item)
    })
    manager.enqueue({
      connectionId: 'bench',
      siteId: from.siteId,
      siteName: from.siteName,
      env: 'dev',
      folder: from.folder,
      element: 'database',
      filename: from.filename,
      expectedSize: from.size,
      destDir: dest,
    })
  })
  const runEnd = process.hrtime.bigint()
  const managerCpu = ownCpuSeconds() - cpuStart
  const peakRss = canReset ? await selfStatus('VmHWM') : null
  await manager.close()
  if (done.state !== 'done' || done.finalPath === null || done.sha256 === null)
    throw new Error(`The manager's download failed: ${done.error?.message}`)
  if ((await stat(done.finalPath)).size !== from.size) throw new Error('The manager saved a file of the wrong size.')
  await rm(dest, { recursive: true })
  return {
    transferSeconds: Number(verifyingAt - runStart) / 1e9,
    tailSeconds: Number(runEnd - verifyingAt) / 1e9,
    managerSeconds: Number(runEnd - runStart) / 1e9,
    managerCpu,
    peakRss,
    sha256: done.sha256,
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * Runs the benchmark and prints its figures. `BENCH_ROUNDS` (default 3) pairs of curl and manager
 * runs alternate, so both meet the same load on a shared machine; the ratio is the median pair's.
 */
export async function run(): Promise<void> {
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? '3') || 3)
  const dir = await mkdtemp(join(tmpdir(), 'rd-bench-manager-'))
  let source: Source | undefined
  try {
    try {
      source = await embeddedSource(dir)
    } catch (error) {
      console.log(`   (embedded platform unavailable: ${(error as Error).message.split('\n')[0]})`)
      source = await testServerSource(dir)
    }
    const from: Source = source
    // Warm the page cache so curl and the manager read the served file alike.
    await exec('bash', ['-c', `cat "${from.servedFile}" > /dev/null`]).catch(() => undefined)

    console.log(`   source: ${from.label}`)
    console.log(`   backup: ${from.filename} (${mib(from.size)})`)
    const rssBefore = (await selfStatus('VmRSS')) ?? 0
    const results: Round[] = []
    for (let round = 1; round <= rounds; round += 1) {
      const curl = await curlRound(from, dir)
      const manager = await managerRound(from, dir, round)
      const result: Round = { curlSeconds: curl.seconds, curlCpu: curl.cpu, ...manager }
      const { curlSeconds } = result
      results.push(result)
      const rss = result.peakRss === null ? 'n/a' : mib(result.peakRss)
      console.log(
        `   round ${round}: curl -o file ${mbps(from.size, curlSeconds)} (${curlSeconds.toFixed(2)} s); manager ${mbps(from.size, result.managerSeconds)} (${result.managerSeconds.toFixed(2)} s: transfer with checks ${result.transferSeconds.toFixed(2)} s, end of checks and rename ${result.tailSeconds.toFixed(2)} s); ratio ${(curlSeconds / result.managerSeconds).toFixed(2)}; peak RSS ${rss}`,
      )
      const curlCpu = result.curlCpu === null ? 'n/a' : `${result.curlCpu.toFixed(2)} s`
      console.log(
        `            CPU: curl ${curlCpu}, manager ${result.managerCpu.toFixed(2)} s (its process, all threads); load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores`,
      )
    }

    // Untimed: the digest the manager reports is the served file's.
    const { stdout } = await exec('sha256sum', [from.servedFile])
    const served = stdout.split(' ')[0]
    for (const result of results) {
      if (result.sha256 !== served)
        throw new Error(`The manager reported sha256 ${result.sha256}, the file is ${served}.`)
    }
    console.log(`   sha256 reported by the manager = sha256sum of the served file (${served})`)

    const peaks = results.map((r) => r.peakRss).filter((p): p is number => p !== null)
    if (peaks.length > 0) {
      console.log(
        `   this process: RSS before ${mib(rssBefore)}, peak during the manager runs ${mib(Math.max(...peaks))} (VmHWM after reset)`,
      )
    } else {
      console.log(
        `   this process: RSS before ${mib(rssBefore)}, maxRSS (whole life) ${mib(process.resourceUsage().maxRSS * 1024)}`,
      )
    }
    // R = curl seconds / manager seconds for the same link in the same run: higher is better,
    // 1.0 means the verified download takes as long as curl's plain fetch.
    const ratio = median(results.map((r) => r.curlSeconds / r.managerSeconds))
    console.log(`download: verified-manager/curl-fetch = ${ratio.toFixed(2)}`)
  } finally {
    await source?.close()
    await rm(dir, { recursive: true, force: true })
  }
}
