/**
 * Helpers for the platform tests: start a real platform on 127.0.0.1 over a temp data
 * folder, call its API like a client does, wait for workflows, fingerprint an environment's
 * content (to prove a failed workflow changed nothing), and build hostile archives.
 */
import { createHash } from 'node:crypto'
import { rmSync } from 'node:fs'
import { cp, mkdtemp, readFile, readdir, readlink, rm, lstat, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { threadId } from 'node:worker_threads'
import { gzipSync } from 'node:zlib'
import { startPlatform, type PlatformOptions, type RunningPlatform } from '../../src/platform/index'

/**
 * Parsed JSON from the platform. Tests read responses field by field and let `expect`
 * check them, so a loose type is what they want here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any

/** A JSON reply. */
export interface Reply<T = unknown> {
  readonly status: number
  readonly body: T
  readonly headers: Headers
}

/** A started platform plus a logged-in client. */
export interface TestPlatform {
  readonly platform: RunningPlatform
  readonly dataDir: string
  session: string
  userId: string
  call<T = Json>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply<T>>
  login(): Promise<void>
  siteId(name: string): Promise<string>
  startWorkflow(siteId: string, env: string, type: string, params?: Record<string, unknown>): Promise<Reply<Json>>
  waitWorkflow(siteId: string, id: string): Promise<Json>
  runWorkflow(siteId: string, env: string, type: string, params?: Record<string, unknown>): Promise<Json>
  close(): Promise<void>
}

/** Makes a temp folder that `cleanup` removes. */
export async function tempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `rd-platform-${label}-`))
}

/** Calls a JSON endpoint. */
export async function callJson<T = Json>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = text === '' ? null : JSON.parse(text)
  } catch {
    parsed = text
  }
  return { status: response.status, body: parsed as T, headers: response.headers }
}

const TEMPLATE_PREFIX = 'rd-platform-seed-template-'

/** Removes templates of test workers that are gone (or too old for their dates to look fresh). */
async function removeStaleTemplates(): Promise<void> {
  for (const entry of await readdir(tmpdir())) {
    if (!entry.startsWith(TEMPLATE_PREFIX)) continue
    const pid = Number(entry.slice(TEMPLATE_PREFIX.length).split('-')[0])
    let alive = true
    try {
      process.kill(pid, 0)
    } catch {
      alive = false
    }
    const info = await stat(join(tmpdir(), entry)).catch(() => undefined)
    if (!alive || !info || Date.now() - info.mtimeMs > 2 * 3600_000)
      await rm(join(tmpdir(), entry), { recursive: true, force: true })
  }
}

/**
 * A fresh copy of a small demo seed. The seed is made once per test worker and copied for
 * each test file (a copy takes a fraction of a second, a seed several), and the template is
 * removed when the worker exits.
 */
export async function seededDataDir(): Promise<string> {
  const template = join(tmpdir(), `${TEMPLATE_PREFIX}${process.pid}-${threadId}`)
  if (!(await stat(join(template, 'ready')).catch(() => undefined))) {
    await rm(template, { recursive: true, force: true })
    await removeStaleTemplates()
    const seeding = await startPlatform({
      dataDir: join(template, 'data'),
      seed: 'demo',
      seedScale: 'small',
      machineToken: 'test-token',
    })
    await seeding.close()
    await writeFile(join(template, 'ready'), '')
    const cleanup = (): void => rmSync(template, { recursive: true, force: true })
    process.once('exit', cleanup)
    // Vitest stops its worker processes with SIGTERM; clean up, then let the signal act as usual.
    process.once('SIGTERM', () => {
      cleanup()
      process.kill(process.pid, 'SIGTERM')
    })
  }
  const dir = await tempDir('data')
  await cp(join(template, 'data'), dir, { recursive: true, verbatimSymlinks: true })
  return dir
}

/** Starts a platform over a copy of the small demo seed (or over `dataDir`) and logs in. */
export async function startTestPlatform(
  options: Partial<PlatformOptions> = {},
  dataDir?: string,
): Promise<TestPlatform> {
  const fromTemplate = dataDir === undefined && options.seed === undefined && options.seedScale === undefined
  const dir = dataDir ?? (fromTemplate ? await seededDataDir() : await tempDir('data'))
  const platform = await startPlatform({
    dataDir: dir,
    seed: 'demo',
    seedScale: 'small',
    machineToken: 'test-token',
    ...options,
  })
  const client: TestPlatform = {
    platform,
    dataDir: dir,
    session: '',
    userId: '',
    async call(method, path, body, headers = {}) {
      return callJson(platform.url, method, path, body, { Authorization: `Bearer ${client.session}`, ...headers })
    },
    async login() {
      const reply = await callJson(platform.url, 'POST', '/api/authorize/machine-token', {
        machine_token: platform.machineToken,
        client: 'test',
      })
      if (reply.status !== 200) throw new Error(`login failed: ${reply.status}`)
      const body = reply.body as { session: string; user_id: string }
      client.session = body.session
      client.userId = body.user_id
    },
    async siteId(name) {
      const reply = await client.call<{ id: string }>('GET', `/api/site-names/${name}`)
      if (reply.status !== 200) throw new Error(`no site ${name}`)
      return reply.body.id
    },
    async startWorkflow(siteId, env, type, params = {}) {
      return client.call('POST', `/api/sites/${siteId}/environments/${env}/workflows`, { type, params })
    },
    async waitWorkflow(siteId, id) {
      for (let i = 0; i < 1200; i += 1) {
        const reply = await client.call('GET', `/api/sites/${siteId}/workflows/${id}`)
        if (reply.status !== 200) throw new Error(`workflow ${id}: ${reply.status} ${JSON.stringify(reply.body)}`)
        if (reply.body.result !== null) return reply.body
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      throw new Error(`workflow ${id} did not finish`)
    },
    async runWorkflow(siteId, env, type, params = {}) {
      const started = await client.startWorkflow(siteId, env, type, params)
      if (started.status !== 202) throw new Error(`start ${type}: ${started.status} ${JSON.stringify(started.body)}`)
      return client.waitWorkflow(siteId, started.body.id)
    },
    async close() {
      await platform.close()
      if (!dataDir) await rm(dir, { recursive: true, force: true })
    },
  }
  await client.login()
  return client
}

async function treeFingerprint(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const entry of (await readdir(dir)).sort()) {
    const path = join(dir, entry)
    const info = await lstat(path)
    if (info.isDirectory()) out.push(`${prefix}${entry}/`, ...(await treeFingerprint(path, `${prefix}${entry}/`)))
    else
      out.push(
        `${prefix}${entry} ${createHash('sha256')
          .update(await readFile(path))
          .digest('hex')}`,
      )
  }
  return out
}

/** The bytes of an environment's database and files (and its code state), as one comparable value. */
export async function envFingerprint(
  t: TestPlatform,
  siteId: string,
  env: string,
): Promise<{ database: string; files: string[]; code: unknown }> {
  const envDir = join(t.dataDir, 'sites', siteId, 'envs', env)
  const database = createHash('sha256')
    .update(await readFile(join(envDir, 'database.sql.gz')))
    .digest('hex')
  const files = await treeFingerprint(join(envDir, await readlink(join(envDir, 'files'))))
  const envs = await t.call('GET', `/api/sites/${siteId}/environments`)
  const record = envs.body[env]
  return { database, files, code: { ref: record.target_ref, commit: record.target_commit, lock: record.lock } }
}

/** One raw tar entry for hostile archives (type: '0' file, '2' symlink, '3' char device, '5' dir). */
export interface RawTarEntry {
  readonly name: string
  readonly type?: '0' | '1' | '2' | '3' | '5'
  readonly data?: string
  readonly linkname?: string
}

function header(entry: RawTarEntry): Buffer {
  const block = Buffer.alloc(512)
  const data = Buffer.from(entry.data ?? '')
  const type = entry.type ?? '0'
  block.write(entry.name, 0, 100, 'utf8')
  block.write('0000644\0', 100)
  block.write('0000000\0', 108)
  block.write('0000000\0', 116)
  block.write((type === '0' ? data.length : 0).toString(8).padStart(11, '0') + '\0', 124)
  block.write(
    Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, '0') + '\0',
    136,
  )
  block.write('        ', 148)
  block.write(type, 156)
  if (entry.linkname) block.write(entry.linkname, 157, 100, 'utf8')
  block.write('ustar\0', 257)
  block.write('00', 263)
  let sum = 0
  for (const byte of block) sum += byte
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148)
  return block
}

/** A gzipped tar built byte by byte (so it can hold what tar tools refuse to write). */
export function rawTarGz(entries: readonly RawTarEntry[]): Buffer {
  const parts: Buffer[] = []
  for (const entry of entries) {
    parts.push(header(entry))
    if ((entry.type ?? '0') === '0') {
      const data = Buffer.from(entry.data ?? '')
      parts.push(data, Buffer.alloc((512 - (data.length % 512)) % 512))
    }
  }
  parts.push(Buffer.alloc(1024))
  return gzipSync(Buffer.concat(parts))
}

/** A small valid gzipped SQL dump. */
export function sqlGz(marker: string): Buffer {
  return gzipSync(
    Buffer.from(
      `-- MySQL dump 10.13\n\nCREATE TABLE \`marker\` (\n  \`id\` int NOT NULL\n);\nINSERT INTO \`marker\` VALUES (1);\n-- ${marker}\n`,
    ),
  )
}

/** Uploads bytes through the uploads [ext] endpoint; returns the download_url. */
export async function upload(
  t: TestPlatform,
  siteId: string,
  env: string,
  filename: string,
  bytes: Buffer,
): Promise<string> {
  const reply = await t.call('POST', `/api/sites/${siteId}/environments/${env}/uploads`, {
    filename,
    size: bytes.length,
  })
  if (reply.status !== 200) throw new Error(`uploads: ${reply.status} ${JSON.stringify(reply.body)}`)
  const put = await fetch(reply.body.url, { method: 'PUT', body: bytes })
  if (put.status !== 200) throw new Error(`PUT: ${put.status} ${await put.text()}`)
  return reply.body.download_url as string
}

/** Runs git (the command line) with a fixed identity. */
export async function git(cwd: string, args: readonly string[]): Promise<string> {
  const { execFile } = await import('node:child_process')
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'Test Dev',
          GIT_AUTHOR_EMAIL: 'dev@example.test',
          GIT_COMMITTER_NAME: 'Test Dev',
          GIT_COMMITTER_EMAIL: 'dev@example.test',
          GIT_TERMINAL_PROMPT: '0',
        },
      },
      (error, stdout, stderr) => (error ? reject(new Error(`git ${args.join(' ')}: ${stderr}`)) : resolve(stdout)),
    )
  })
}

/** The site's git URL with the machine token as Basic-auth password. */
export async function authedGitUrl(t: TestPlatform, siteId: string): Promise<string> {
  const info = await t.call('GET', `/api/sites/${siteId}/environments/dev/connection-info`)
  const url = new URL(info.body.git_url as string)
  url.username = 'me'
  url.password = t.platform.machineToken
  return url.toString()
}

/** Clones the site, commits one file, pushes to master and waits for the sync_code it starts. */
export async function pushCommit(
  t: TestPlatform,
  siteId: string,
  message: string,
): Promise<{ sha: string; workflow: Json }> {
  const dir = await tempDir('push')
  try {
    await git(dir, ['clone', '--quiet', await authedGitUrl(t, siteId), 'work'])
    const work = join(dir, 'work')
    const { writeFile } = await import('node:fs/promises')
    await writeFile(join(work, `change-${Date.now()}.txt`), `${message}\n`)
    await git(work, ['add', '-A'])
    await git(work, ['commit', '--quiet', '-m', message])
    await git(work, ['push', '--quiet', 'origin', 'HEAD:master'])
    const sha = (await git(work, ['rev-parse', 'HEAD'])).trim()
    const list = await t.call('GET', `/api/sites/${siteId}/workflows`)
    const sync = (list.body as Json[]).find((w) => w.type === 'sync_code' && w.params.target_commit === sha)
    if (!sync) throw new Error('the push started no sync_code workflow')
    return { sha, workflow: await t.waitWorkflow(siteId, sync.id) }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
