/**
 * Download manager throughput and memory on a >= 1 GiB backup part, against `curl` on the same
 * signed link. The embedded platform runs as a child process (so this process's memory is the
 * manager's own), holding a real catalog entry made by `do_export` of a 1 GiB database gzip.
 *
 * Printed: curl → file and manager → file (transfer only, then verification and the whole run),
 * the ratio manager/curl on the transfer, and this process's peak RSS during the manager run
 * (VmHWM after resetting it through /proc/self/clear_refs; process.resourceUsage().maxRSS as a
 * fallback where that is not possible).
 */
import { spawn, execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { DownloadManager } from '../src/main/downloads/manager'
import { createNodeTransport } from '../src/main/downloads/node-transport'
import type { DownloadItem } from '../src/shared/downloads'
import { startPlatform } from '../src/platform/index'
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

/** The embedded platform in a child process, with a real `do_export` backup of a 1 GiB database. */
async function embeddedSource(dir: string): Promise<Source> {
  const data = join(dir, 'platform')
  const seeding = await startPlatform({ dataDir: data, seed: 'demo', seedScale: 'small', machineToken: 'bench' })
  await seeding.close()
  const state = JSON.parse(await readFile(join(data, 'state.json'), 'utf8')) as {
    sites: { id: string; name: string }[]
  }
  const site = state.sites[0]
  if (!site) throw new Error('The seed made no site.')
  await writeBigGzip(join(data, 'sites', site.id, 'envs', 'dev', 'database.sql.gz'))

  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/platform/cli.ts'), '--data', data, '--no-schedule'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  try {
    const url = await waitForLine(child, /Platform listening on (\S+)/)
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

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
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
    const { filename, size } = from
    const freshLink = (): Promise<string> => from.link()
    const served = source.servedFile

    // Warm the page cache so curl and the manager read the served file alike.
    await exec('bash', ['-c', `cat "${served}" > /dev/null`]).catch(() => undefined)

    const curlOut = join(dir, 'curl.out')
    const curlStart = process.hrtime.bigint()
    const { stdout } = await exec('curl', ['-s', '-o', curlOut, '-w', '%{size_download}', await freshLink()])
    const curlSeconds = Number(process.hrtime.bigint() - curlStart) / 1e9
    if (Number(stdout) !== size) throw new Error(`curl fetched ${stdout} of ${size} bytes.`)
    await rm(curlOut)

    const dest = join(dir, 'downloads')
    await mkdir(dest)
    const manager = new DownloadManager({
      stateFile: join(dir, 'downloads.json'),
      transport: createNodeTransport(),
      getLink: freshLink,
    })
    const rssBefore = (await selfStatus('VmRSS')) ?? 0
    const canReset = await resetPeak()
    let verifyingAt = 0n
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
        filename,
        expectedSize: size,
        destDir: dest,
      })
    })
    const runEnd = process.hrtime.bigint()
    const peak = canReset ? await selfStatus('VmHWM') : null
    await manager.close()
    if (done.state !== 'done' || done.finalPath === null)
      throw new Error(`The manager's download failed: ${done.error?.message}`)
    if ((await stat(done.finalPath)).size !== size) throw new Error('The manager saved a file of the wrong size.')

    const transferSeconds = Number(verifyingAt - runStart) / 1e9
    const verifySeconds = Number(runEnd - verifyingAt) / 1e9
    const totalSeconds = Number(runEnd - runStart) / 1e9
    console.log(`   source: ${from.label}`)
    console.log(`   backup: ${filename} (${mib(size)})`)
    console.log(`   curl -o file:                ${mbps(size, curlSeconds)}  (${curlSeconds.toFixed(2)} s)`)
    console.log(`   manager transfer -> part:    ${mbps(size, transferSeconds)}  (${transferSeconds.toFixed(2)} s)`)
    console.log(`   manager verify (gunzip all): ${mbps(size, verifySeconds)}  (${verifySeconds.toFixed(2)} s)`)
    console.log(`   manager whole run:           ${mbps(size, totalSeconds)}  (${totalSeconds.toFixed(2)} s)`)
    console.log(`   ratio manager transfer / curl: ${(curlSeconds / transferSeconds).toFixed(2)}`)
    if (peak !== null) {
      console.log(
        `   this process: RSS before ${mib(rssBefore)}, peak during the manager run ${mib(peak)} (VmHWM after reset)`,
      )
    } else {
      console.log(
        `   this process: RSS before ${mib(rssBefore)}, maxRSS (whole life) ${mib(process.resourceUsage().maxRSS * 1024)}`,
      )
    }
  } finally {
    await source?.close()
    await rm(dir, { recursive: true, force: true })
  }
}
