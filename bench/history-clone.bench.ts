/**
 * A full clone over smart HTTP of the history benchmark's generated repository (with deploy tags
 * added, as a Pantheon site has), served on 127.0.0.1 by `git http-backend` through the
 * platform's own `serveGitHttp`, by the app's `cloneRepository` beside `git clone --bare`:
 *
 * - clone: the clone's time, median of several runs taken in turn;
 * - clone-memory: peak RSS during the clone. Ours runs in a Node process of its own
 *   (history-clone-child.ts), which reports its peak above its RSS just before the clone. Native
 *   git's is the RSS of the `git clone` process tree (clone, remote-http, fetch-pack,
 *   index-pack) summed every 20 ms from /proc; none of it exists before the clone, so all of it
 *   counts.
 *
 * Every clone is checked before its figures count: the same refs as the source (ours keeps
 * branches as `refs/remotes/origin/*`) and the same number of commits; ours also passes
 * `git fsck` once.
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { serveGitHttp } from '../src/platform/git/http'
import { git, gitEnv } from '../test/helpers/git-history'
import { benchRepository, mebibytes, median, report } from './history-support'
import { ROOT } from './support'

const RUNS = 3
const SAMPLE_MS = 20
const TAGS = 20
const CHILD = join(import.meta.dirname, 'history-clone-child.ts')

const ChildReport = z.object({
  ms: z.number(),
  baseline: z.number(),
  sampled: z.number(),
  kernel: z.number().nullable(),
  peakAbove: z.number(),
})
type ChildReport = z.infer<typeof ChildReport>

interface Served {
  readonly url: string
  close(): Promise<void>
}

/** `git http-backend` for the one repository `repoDir` at `/site.git`, without authentication. */
async function serve(repoDir: string): Promise<Served> {
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    if (!pathname.startsWith('/site.git/')) {
      res.writeHead(404).end(`Not here: ${pathname}`)
      return
    }
    serveGitHttp(req, res, { repoDir, pathInfo: pathname.slice('/site.git'.length), remoteUser: 'bench' }).catch(
      (error: unknown) => {
        console.error(`Serving ${pathname} failed: ${(error as Error).message}`)
        res.destroy()
      },
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/site.git`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Annotated deploy tags on every 1,000th commit of master's first-parent line. */
async function addDeployTags(gitdir: string): Promise<void> {
  const line = (await git(gitdir, 'rev-list', '--first-parent', 'master')).split('\n')
  for (let n = 1; n <= TAGS; n += 1) {
    const oid = line[Math.min(line.length - 1, n * 1000)] as string
    const name = n % 2 === 0 ? `pantheon_live_${n / 2}` : `pantheon_test_${(n + 1) / 2}`
    await git(gitdir, 'tag', '-a', '-m', `Deploy ${n}`, name, oid)
  }
}

/** The RSS of `pid` and its descendants in bytes; 0 for a process that has just exited. */
function treeRss(pid: number): number {
  let total = 0
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    total += kb === undefined ? 0 : Number(kb) * 1024
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim()
      if (children !== '') for (const child of children.split(' ')) total += treeRss(Number(child))
    }
  } catch (error) {
    // A process that exits between two reads is simply no longer there.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ESRCH')
      throw error
  }
  return total
}

/** Runs a command; resolves with its stdout, or rejects with its stderr. */
function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; onSpawn?: (pid: number) => void } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env })
    if (child.pid !== undefined) options.onSpawn?.(child.pid)
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'))
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString().trim()}`))
    })
  })
}

/** `git clone --bare`, timed, with its process tree's RSS sampled. */
async function nativeClone(url: string, target: string): Promise<{ ms: number; peak: number }> {
  let peak = 0
  let sampler: NodeJS.Timeout | undefined
  const started = process.hrtime.bigint()
  try {
    await runProcess('git', ['clone', '--bare', '--quiet', url, target], {
      env: gitEnv(),
      onSpawn: (pid) => {
        sampler = setInterval(() => {
          peak = Math.max(peak, treeRss(pid))
        }, SAMPLE_MS)
      },
    })
  } finally {
    clearInterval(sampler)
  }
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, peak }
}

/** Our clone in a child process, which measures itself. */
async function isoClone(url: string, folder: string): Promise<ChildReport> {
  const out = await runProcess(process.execPath, ['--import', 'tsx', CHILD, url, folder], { cwd: ROOT })
  let parsed: ReturnType<typeof ChildReport.safeParse> | null = null
  try {
    parsed = ChildReport.safeParse(JSON.parse(out.trim().split('\n').at(-1) ?? ''))
  } catch {
    // Not JSON at all: reported below with what it printed.
  }
  if (!parsed?.success) throw new Error(`history-clone-child.ts printed something other than its report: ${out}`)
  return parsed.data
}

/** A clone's refs as `<name> <oid>` lines, its branches under `branchPrefix` named as the source's. */
async function refsOf(gitdir: string, branchPrefix: string): Promise<string[]> {
  const lines = (await git(gitdir, 'for-each-ref', '--format=%(refname) %(objectname)')).split('\n')
  const refs: string[] = []
  for (const line of lines) {
    if (line.startsWith('refs/tags/')) refs.push(line)
    else if (line.startsWith(branchPrefix) && !line.startsWith(`${branchPrefix}HEAD `))
      refs.push(`refs/heads/${line.slice(branchPrefix.length)}`)
  }
  return refs.sort()
}

/** Throws unless the clone has the source's refs and commits. */
async function verify(source: string, gitdir: string, branchPrefix: string, who: string): Promise<void> {
  const expected = await refsOf(source, 'refs/heads/')
  const got = await refsOf(gitdir, branchPrefix)
  if (expected.join('\n') !== got.join('\n'))
    throw new Error(`The ${who} clone's refs are not the source's:\n${got.join('\n')}\nagainst\n${expected.join('\n')}`)
  const [want, have] = await Promise.all([
    git(source, 'rev-list', '--count', '--all'),
    git(gitdir, 'rev-list', '--count', '--all'),
  ])
  if (want !== have) throw new Error(`The ${who} clone has ${have} commits, the source ${want}.`)
}

/** The size of the one pack in a clone's objects/pack. */
async function packSize(gitdir: string): Promise<number> {
  const packs = (await readdir(join(gitdir, 'objects', 'pack'))).filter((name) => name.endsWith('.pack'))
  if (packs.length !== 1) throw new Error(`The clone should hold one pack, not ${packs.length}.`)
  return (await stat(join(gitdir, 'objects', 'pack', packs[0] as string))).size
}

export async function run(): Promise<void> {
  const dir = join(tmpdir(), `rd-history-clone-bench-${process.pid}`)
  const source = join(dir, 'served', 'site.git')
  let served: Served | null = null
  try {
    await benchRepository(source, ({ gitdir }) => addDeployTags(gitdir))
    served = await serve(source)
    await mkdir(join(dir, 'clones'))
    const native: { ms: number; peak: number }[] = []
    const iso: ChildReport[] = []
    let pack = 0
    let fsck = 0
    for (let run = 0; run < RUNS; run += 1) {
      const nativeDir = join(dir, 'clones', `native-${run}`)
      native.push(await nativeClone(served.url, nativeDir))
      await verify(source, nativeDir, 'refs/heads/', 'native')
      await rm(nativeDir, { recursive: true, force: true })

      const isoFolder = join(dir, 'clones', `iso-${run}`)
      iso.push(await isoClone(served.url, isoFolder))
      const gitdir = join(isoFolder, '.git')
      await verify(source, gitdir, 'refs/remotes/origin/', 'app')
      if (run === 0) {
        const started = Date.now()
        const problems = await git(gitdir, 'fsck', '--no-dangling', '--no-progress')
        if (problems !== '') throw new Error(`git fsck finds problems in the app's clone:\n${problems}`)
        fsck = Date.now() - started
        pack = await packSize(gitdir)
      }
      await rm(isoFolder, { recursive: true, force: true })
    }
    console.log(
      `   clone: ${RUNS} clones each, every one with the source's ${TAGS} tags, branches and commits; ours fsck clean (${(fsck / 1000).toFixed(1)} s)`,
    )
    report('clone', median(iso.map((r) => r.ms)), median(native.map((r) => r.ms)))
    if (native.some((r) => r.peak === 0))
      throw new Error('No RSS could be read for git clone: clone-memory needs /proc (Linux).')
    const isoPeak = median(iso.map((r) => r.peakAbove))
    report('clone-memory', mebibytes(isoPeak), mebibytes(median(native.map((r) => r.peak))), 'MiB')
    const kernelPeaks = iso.map((r) => (r.kernel === null ? '?' : mebibytes(r.kernel - r.baseline).toFixed(1)))
    console.log(
      `   reference: pack ${mebibytes(pack).toFixed(1)} MiB; our peak is ${(isoPeak / pack).toFixed(2)}x the pack (goal < 2x); our baseline ${mebibytes(median(iso.map((r) => r.baseline))).toFixed(0)} MiB, peaks sampled ${iso.map((r) => mebibytes(r.sampled - r.baseline).toFixed(1)).join(', ')} MiB, kernel high-water ${kernelPeaks.join(', ')} MiB`,
    )
  } finally {
    await served?.close()
    await rm(dir, { recursive: true, force: true })
  }
}
